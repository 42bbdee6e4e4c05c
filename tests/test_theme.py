"""Themes: a user theme overrides single templates and static files; the rest is the default."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from digest.build import build
from digest.config import SiteConfig, load_config
from digest.errors import ConfigError
from digest.theme import default_theme_dir, theme_dirs
from tests.conftest import SEEDS, config_for


def _config(tmp_path: Path, theme: Path):
    config = config_for(SEEDS, tmp_path / "out", theme=str(theme), cache=str(tmp_path / "cache"))
    return dataclasses.replace(config, site=SiteConfig(search=False))


def test_user_theme_comes_first_then_default(tmp_path: Path):
    theme = tmp_path / "mytheme"
    theme.mkdir()
    assert theme_dirs(_config(tmp_path, theme)) == [theme, default_theme_dir()]


def test_single_template_override(tmp_path: Path):
    theme = tmp_path / "mytheme"
    (theme / "templates").mkdir(parents=True)
    (theme / "templates" / "article.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1 class="mine">{{ article.title }}</h1>'
        "{% endblock %}",
        encoding="utf-8",
    )
    build(_config(tmp_path, theme))
    out = tmp_path / "out"
    article = next((out / "articles").glob("*.html")).read_text("utf-8")
    assert '<h1 class="mine">' in article
    assert "Skip to content" in article  # base.html still comes from the default theme
    event = next((out / "events").glob("*.html")).read_text("utf-8")
    assert 'class="mine"' not in event and 'id="summary-h"' in event


def test_user_static_files_win_and_default_ones_remain(tmp_path: Path):
    theme = tmp_path / "mytheme"
    (theme / "static").mkdir(parents=True)
    (theme / "static" / "style.css").write_text("body { color: red; }\n", encoding="utf-8")
    (theme / "static" / "extra.js").write_text("// mine\n", encoding="utf-8")
    build(_config(tmp_path, theme))
    static = tmp_path / "out" / "static"
    assert (static / "style.css").read_text("utf-8") == "body { color: red; }\n"
    assert (static / "extra.js").is_file()
    assert (static / "favicon.svg").is_file()


def test_templates_receive_view_models_not_internal_objects(tmp_path: Path):
    theme = tmp_path / "mytheme"
    (theme / "templates").mkdir(parents=True)
    (theme / "templates" / "event.html").write_text(
        "{{ event.__class__.__module__ }} {{ event.card.__class__.__module__ }}"
        "{% for s in event.sources %} {{ s.__class__.__module__ }}{% endfor %}",
        encoding="utf-8",
    )
    build(_config(tmp_path, theme))
    page = next((tmp_path / "out" / "events").glob("*.html")).read_text("utf-8")
    assert set(page.split()) == {"digest.views"}


def test_missing_theme_folder_is_a_config_error(tmp_path: Path):
    config = tmp_path / "digest.yaml"
    config.write_text("theme: nowhere\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="'theme' folder"):
        load_config(config)


def test_an_edited_template_is_used_by_the_next_render_in_the_same_process(tmp_path: Path):
    # Templates are not checked on each page (no auto_reload); a theme edited between two
    # renders of one process (digest serve where processes do not fork) gets a new environment.
    import os

    from digest.render import environment

    theme = tmp_path / "mytheme"
    (theme / "templates").mkdir(parents=True)
    page = theme / "templates" / "about.html"
    page.write_text("first", encoding="utf-8")
    config = _config(tmp_path, theme)
    assert environment(config).get_template("about.html").render() == "first"
    assert environment(config) is environment(config)  # compiled once while unchanged
    page.write_text("second", encoding="utf-8")
    os.utime(page, ns=(1, 1))  # a new time even on a file system with a coarse clock
    assert environment(config).get_template("about.html").render() == "second"
