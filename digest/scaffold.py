"""``digest init DIR``: a new digest project, ready to build.

It writes a commented ``digest.yaml`` (every key, with its default and help, from the config
schema, so the file never drifts from what ``load_config`` accepts), a source folder with one
example article, and a note on overriding the theme. Every path it needs is checked before
anything is written, and a write that fails takes back what was written before it, so a project
is made whole or not at all. Existing files, even dangling symlinks, are never written over or
through.
"""

from __future__ import annotations

import ast
import os
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
# Values for the commented example item of a list, where the default would not work as one.
_EXAMPLE = {"feeds[].url": "https://example.org/news/feed.xml"}

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
    schema = describe_schema()
    mapping_lists = {key.split("[].", 1)[0] for key, _, _ in schema if "[]." in key}
    opened: set[str] = set()  # lists whose example item has its first key written
    for key, default, help_text in schema:
        depth = key.count(".")
        name = key.rsplit(".", 1)[-1]
        pad = "  " * depth
        # A section, or a list of them: commented out unless a key of it is set.
        if default == "" or key in mapping_lists:
            used = any(k.startswith(key + ".") for k in _SET)
            lines += ["", f"{pad}# {help_text}", f"{pad}{'' if used else '# '}{name}:"]
            continue
        if "[]." in key:
            # A key of a list's one example item: the first opens the item with "- ", so the
            # block is a valid list once its "# " marks are removed.
            item = key.split("[].", 1)[0]
            mark = "  " if item in opened else "- "
            opened.add(item)
            value = _yaml_value(_EXAMPLE.get(key, ast.literal_eval(default)))
            lines.append(f"{pad}# {mark}{name}: {value}  # {help_text}")
            continue
        if key in _SET:
            lines.append(f"{pad}{name}: {_yaml_value(_SET[key])}  # {help_text}")
        else:
            value = _yaml_value(ast.literal_eval(default))
            lines.append(f"{pad}# {name}: {value}  # {help_text}")
    return "\n".join(lines).replace("\n\n\n", "\n\n") + "\n"


def scaffold(folder: Path) -> list[Path]:
    """Create a project in ``folder``; returns the files written.

    Raises ``DigestError`` before writing anything when a path it needs is taken, and after
    taking back what it wrote when a write fails (no permission, a full disk).
    """
    theme = folder / "theme"
    folders = [*reversed(folder.parents), folder, folder / "sources", theme]
    folders += [theme / "templates", theme / "static"]
    files = {
        folder / CONFIG_FILE: config_text(),
        folder / "sources" / "example.md": EXAMPLE_ARTICLE,
        theme / "README.md": THEME_NOTE,
    }
    problems = [_folder_problem(p) for p in folders] + [_file_problem(p) for p in files]
    problem = next((p for p in problems if p), None)
    if problem:
        raise DigestError(f"{problem}; nothing was written")
    _create(folders, files)
    return list(files)


def _folder_problem(path: Path) -> str | None:
    """Why ``path`` cannot be a folder of the project: it exists and is not one."""
    if not os.path.lexists(path) or path.is_dir():
        return None
    kind = "a file" if path.exists() else "a broken symbolic link"
    return f"'{path}' is {kind}, not a folder"


def _file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be written: anything is there. ``lexists``, because a dangling
    symlink does not "exist", yet writing to it would create the file it points to."""
    return f"'{path}' already exists" if os.path.lexists(path) else None


def _create(folders: list[Path], files: dict[Path, str]) -> None:
    """Make the missing ``folders``, then write ``files``; on failure remove what was made."""
    made: list[Path] = []
    path = folders[0]
    try:
        for path in folders:
            if not path.is_dir():
                path.mkdir()
                made.append(path)
        for path, text in files.items():
            # "x": a file (or symlink) that appeared since the checks is an error, not a target.
            with path.open("x", encoding="utf-8") as f:
                made.append(path)  # before writing: a full disk leaves no partial file behind
                f.write(text)
    except OSError as exc:
        _take_back(made)
        where = exc.filename or path
        raise DigestError(
            f"cannot write '{where}': {exc.strerror or exc}; nothing was written"
        ) from None


def _take_back(made: list[Path]) -> None:
    """Remove what ``_create`` made, newest first, so each folder is empty when its turn comes."""
    for path in reversed(made):
        try:
            if path.is_dir() and not path.is_symlink():
                path.rmdir()
            else:
                path.unlink()
        except OSError:
            pass  # best effort: the error that stopped the writes is what the user must see
