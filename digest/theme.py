"""Where themes live: the user's theme folder first, then the default theme.

A user theme may hold only the templates it overrides; the rest come from the default theme.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from digest.config import Config

DEFAULT_THEME = "themes/default"


def default_theme_dir() -> Path:
    """The default theme: inside the installed wheel, else at the root of the source tree."""
    packaged = Path(__file__).parent / "themes" / "default"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "themes" / "default"


def theme_dirs(config: Config) -> list[Path]:
    """Template search path, most specific first."""
    default = default_theme_dir()
    dirs: list[Path] = []
    if config.theme != DEFAULT_THEME:
        dirs.append(config.path(config.theme))
    else:
        local = config.path(config.theme)
        if local.is_dir() and local.resolve() != default.resolve():
            dirs.append(local)
    dirs.append(default)
    return dirs


def theme_problem(config: Config) -> str | None:
    """Why the configured theme cannot be used, or None when it can."""
    if config.theme == DEFAULT_THEME:
        return None if default_theme_dir().is_dir() else "default theme is missing from the install"
    folder = config.path(config.theme)
    if not folder.is_dir():
        return f"folder '{folder}' does not exist"
    return None
