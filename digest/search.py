"""Full-text search: a Pagefind index of the built site, written into its ``pagefind/`` folder.

Pagefind runs on the finished pages (the staging folder of the atomic build), so the index always
matches the site it ships with. It needs no server: the browser fetches index fragments as the
reader types. Pages mark what is indexed with ``data-pagefind-body``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from digest.config import SiteConfig
from digest.errors import BuildError

BUNDLE = "pagefind"


def pagefind_binary() -> Path | None:
    """The Pagefind executable shipped by the ``pagefind`` PyPI package, if installed."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        return None
    try:
        found = get_executable()
    except Exception:  # the package raises its own errors when no binary wheel matches
        return None
    return Path(found) if found else None


def available() -> bool:
    return pagefind_binary() is not None


def enabled(site: SiteConfig) -> bool:
    """Whether this build has search: asked for, and Pagefind installed. The render stage (the
    search page and box) and the search stage (the index) ask the same question."""
    return site.search and available()


def index_site(site: Path, language: str, articles: bool = False) -> int:
    """Index the event pages of ``site`` (and with ``articles``, the article pages); returns the
    number of files Pagefind wrote.

    Pagefind reads only the pages its glob names: listing pages repeat what event pages say, and
    reading them too cost more time and memory than the whole rest of the render stage.
    """
    binary = pagefind_binary()
    if binary is None:
        raise BuildError("search is on but Pagefind is not installed: pip install pagefind")
    command = [
        str(binary),
        "--site",
        str(site),
        "--glob",
        # The front page too: with no event yet it is the only page, and Pagefind fails on a
        # site with nothing to index; beside event pages it is left out (no data-pagefind-body).
        "{index.html,events/*.html,articles/*.html}" if articles else "{index.html,events/*.html}",
        "--output-subdir",
        BUNDLE,
        "--force-language",
        language,
        "--silent",
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BuildError(f"Pagefind could not index the site: {exc}") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BuildError(f"Pagefind failed: {detail[-1] if detail else done.returncode}")
    return sum(1 for p in (site / BUNDLE).rglob("*") if p.is_file())
