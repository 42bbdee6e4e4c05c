"""`digest init`: a commented config, an example article and a theme folder, ready to build."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

from digest.cli import cli
from digest.config import describe_schema, load_config


def test_init_scaffolds_a_project_that_builds(tmp_path: Path):
    project = tmp_path / "news"
    runner = CliRunner()
    result = runner.invoke(cli, ["init", str(project)])
    assert result.exit_code == 0, result.output
    assert (project / "digest.yaml").is_file()
    assert (project / "sources" / "example.md").is_file()
    assert "override" in (project / "theme" / "README.md").read_text("utf-8")
    config = load_config(project / "digest.yaml")
    assert config.site.title == "My news digest"
    cwd = os.getcwd()
    try:
        os.chdir(project)
        built = runner.invoke(cli, ["build", "--quiet"])
    finally:
        os.chdir(cwd)
    assert built.exit_code == 0, built.output
    assert "Example outlet opens a digest" in (project / "output" / "index.html").read_text()


def test_config_is_commented_with_every_key(tmp_path: Path):
    CliRunner().invoke(cli, ["init", str(tmp_path / "p")])
    text = (tmp_path / "p" / "digest.yaml").read_text("utf-8")
    for key, _default, help_text in describe_schema():
        assert f"{key.rsplit('.', 1)[-1]}:" in text, key
        assert help_text in text, key


def test_init_never_overwrites(tmp_path: Path):
    project = tmp_path / "p"
    project.mkdir()
    (project / "digest.yaml").write_text("# mine\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["init", str(project)])
    assert result.exit_code == 1
    assert "already exists" in result.stderr
    assert (project / "digest.yaml").read_text("utf-8") == "# mine\n"
    assert not (project / "sources").exists()


def test_theme_folder_of_a_new_project_overrides_templates(tmp_path: Path):
    project = tmp_path / "p"
    CliRunner().invoke(cli, ["init", str(project)])
    template = project / "theme" / "templates" / "about.html"
    template.write_text(
        '{% extends "base.html" %}{% block main %}<p>Our own about page</p>{% endblock %}',
        encoding="utf-8",
    )
    cwd = os.getcwd()
    try:
        os.chdir(project)
        result = CliRunner().invoke(cli, ["build", "--quiet"])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    assert "Our own about page" in (project / "output" / "about.html").read_text("utf-8")
