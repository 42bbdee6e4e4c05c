"""`digest init`: a commented config, an example article and a theme folder, ready to build."""

from __future__ import annotations

import errno
import os
import re
from contextlib import chdir
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest.cli import cli
from digest.config import Config, FeedConfig, SiteConfig, describe_schema, load_config


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
    with chdir(project):
        built = runner.invoke(cli, ["build", "--quiet"])
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
    with chdir(project):
        result = CliRunner().invoke(cli, ["build", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "Our own about page" in (project / "output" / "about.html").read_text("utf-8")


def _refused(result, *problem: str) -> None:
    """``result`` is a one-line error naming ``problem``, with exit status 1."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # not an error escaping as a traceback
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("error: ")
    for words in problem:
        assert words in result.stderr


@pytest.mark.parametrize("taken", ["sources", "theme/templates", "theme/static", "theme"])
def test_init_checks_every_folder_before_writing(tmp_path: Path, taken: str):
    project = tmp_path / "p"
    (project / taken).parent.mkdir(parents=True)
    (project / taken).write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(cli, ["init", str(project)])
    _refused(result, f"'{project / taken}' is a file, not a folder", "nothing was written")
    assert not (project / "digest.yaml").exists()
    assert not (project / "sources" / "example.md").exists()
    assert (project / taken).read_text("utf-8") == "mine"


def test_init_under_a_file_is_a_one_line_error(tmp_path: Path):
    (tmp_path / "afile").write_text("", encoding="utf-8")
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "afile" / "sub")])
    _refused(result, f"'{tmp_path / 'afile'}' is a file, not a folder")


def test_init_never_writes_through_a_dangling_symlink(tmp_path: Path):
    project = tmp_path / "p"
    project.mkdir()
    (project / "digest.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    (tmp_path / "folder-link").symlink_to(tmp_path / "nowhere")
    result = CliRunner().invoke(cli, ["init", str(project)])
    _refused(result, "digest.yaml' already exists")
    assert not (tmp_path / "elsewhere.yaml").exists()
    assert not (project / "sources").exists()
    # A dangling link where a folder is needed is no folder either.
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "folder-link")])
    _refused(result, "is a broken symbolic link, not a folder")
    assert not (tmp_path / "nowhere").exists()


def test_init_refuses_an_empty_folder_name(tmp_path: Path):
    with chdir(tmp_path):
        result = CliRunner().invoke(cli, ["init", ""])
    _refused(result, "FOLDER is empty")
    assert list(tmp_path.iterdir()) == []


def test_failed_write_takes_back_what_was_written(tmp_path: Path, monkeypatch):
    real_open = Path.open

    def full_disk(path: Path, mode: str = "r", *args, **kwargs):
        if path.name == "README.md":  # the last file init writes
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", full_disk)
    project = tmp_path / "new" / "p"
    result = CliRunner().invoke(cli, ["init", str(project)])
    _refused(result, "cannot write", "README.md", "No space left on device")
    assert list(tmp_path.iterdir()) == []  # the folders init made went too


def _uncommented(lines: list[str]) -> list[str]:
    """``lines`` with the ``# `` mark of every commented key removed; help lines stay."""
    key = re.compile(r"^(\s*)# (\s*(?:- )?[a-z_]+:(?: .*)?)$")
    return [key.sub(r"\1\2", line) for line in lines]


def test_commented_feeds_example_is_valid_once_uncommented(tmp_path: Path):
    project = tmp_path / "p"
    CliRunner().invoke(cli, ["init", str(project)])
    lines = (project / "digest.yaml").read_text("utf-8").splitlines()
    start = lines.index("# feeds:")
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith("  #"))
    block = [line.replace("# ", "", 1) for line in lines[start:end]]
    (project / "feeds.yaml").write_text("\n".join(block) + "\n", encoding="utf-8")
    config = load_config(project / "feeds.yaml")
    assert config.feeds == [FeedConfig(url="https://example.org/news/feed.xml")]


def test_every_commented_key_is_its_default_once_uncommented(tmp_path: Path):
    project = tmp_path / "p"
    CliRunner().invoke(cli, ["init", str(project)])
    file = project / "digest.yaml"
    file.write_text("\n".join(_uncommented(file.read_text("utf-8").splitlines())), "utf-8")
    assert "\n# dedupe:" not in file.read_text("utf-8")
    expected = Config(
        source="sources",
        out="output",
        theme="theme",
        site=SiteConfig(title="My news digest"),
        feeds=[FeedConfig(url="https://example.org/news/feed.xml")],
        base_dir=str(project),
    )
    assert load_config(file) == expected
