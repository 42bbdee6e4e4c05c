"""``digest init DIR``: a new digest project, ready to build.

It writes a commented ``digest.yaml`` (every key, with its default and help, from the config
schema, so the file never drifts from what ``load_config`` accepts), a source folder with one
example article, and a note on overriding the theme. Existing files are never overwritten.
"""

from __future__ import annotations

import ast
from pathlib import Path

from digest.config import CONFIG_FILE, describe_schema
from digest.errors import DigestError

# Keys a new project sets explicitly; every other key is listed commented out with its default.
_SET = {
    "source": "sources",
    "out": "output",
    "theme": "theme",
    "site.title": "My news digest",
}

EXAMPLE_ARTICLE = """\
---
title: Example outlet opens a digest
source: Example Outlet
date: 2024-01-15
url: https://example.org/news/digest-opens
---
This is an example article. Put one article per file in this folder: Markdown with front matter
like this one, or plain text scraped from a news page.

Articles from several outlets about the same happening are grouped into one event, and the event
gets a summary made of sentences taken from the articles, each one citing its sources.
"""

THEME_NOTE = """\
# Your theme

Templates and static files placed here override the default theme one by one: copy a template
from the default theme (for example `templates/event.html`), edit it, and only that template
changes. Files you do not copy still come from the default theme.

- templates/: Jinja templates (base.html, index.html, event.html, article.html, keyword.html,
  keywords.html, day.html, archive.html, about.html, search.html, macros.html)
- static/: CSS, scripts and images, copied to `static/` in the site (a `static/style.css`
  here replaces the default stylesheet)

The context every template receives is documented in docs/themes.md of the digest repository.
`digest init` sets `theme: theme` in digest.yaml, so this folder is already in use.
"""


def _yaml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '""' if value == "" else repr(value).replace("'", '"')
    return repr(value)


def config_text() -> str:
    """A digest.yaml with every key, its default and its help line."""
    lines = [
        "# digest configuration. Every key is optional; commented keys show their default.",
        "# Paths are relative to the folder holding this file.",
        "",
    ]
    for key, default, help_text in describe_schema():
        depth = key.count(".")
        name = key.rsplit(".", 1)[-1]
        pad = "  " * depth
        if default == "":  # a section: left commented unless a key of it is set
            used = any(k.startswith(key + ".") for k in _SET)
            lines += ["", f"{pad}# {help_text}", f"{pad}{'' if used else '# '}{name}:"]
            continue
        if default == "[]":
            lines.append(f"{pad}# {name}: []  # {help_text}")
            continue
        if key in _SET:
            lines.append(f"{pad}{name}: {_yaml_value(_SET[key])}  # {help_text}")
        else:
            value = _yaml_value(ast.literal_eval(default))
            lines.append(f"{pad}# {name}: {value}  # {help_text}")
    return "\n".join(lines).replace("\n\n\n", "\n\n") + "\n"


def scaffold(folder: Path) -> list[Path]:
    """Create a project in ``folder``; returns the files written. Refuses to overwrite."""
    files = {
        folder / CONFIG_FILE: config_text(),
        folder / "sources" / "example.md": EXAMPLE_ARTICLE,
        folder / "theme" / "README.md": THEME_NOTE,
    }
    existing = [str(p) for p in files if p.exists()]
    if existing:
        raise DigestError(f"'{existing[0]}' already exists; nothing was written")
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (folder / "theme" / "templates").mkdir(exist_ok=True)
    (folder / "theme" / "static").mkdir(exist_ok=True)
    return list(files)
