"""Full-text search: a Pagefind index of the built site, written into its ``pagefind/`` folder.

Pagefind runs on the finished pages (the staging folder of the atomic build), so the index always
matches the site it ships with. It needs no server: the browser fetches index fragments as the
reader types. Pages mark what is indexed with ``data-pagefind-body``.

Pagefind holds every page it indexes in memory until it writes the index: about 70 KB a page,
3 GB for the 44,000 event pages of 100,000 articles. A site with more than
``site.search_index_pages`` indexed pages gets several indexes (``bundles``), built one after
another, each over a share of the pages; the search page merges them in the browser
(Pagefind's ``mergeIndex``).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from digest.config import SiteConfig
from digest.errors import BuildError
from digest.model import Digest
from digest.output import link_or_copy

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


def bundles(digest: Digest, site: SiteConfig) -> list[str]:
    """The folders of the site's search indexes, the first one the main index: one index per
    ``site.search_index_pages`` indexed pages (event pages, and article pages with
    ``search_articles``). The render stage lists them on the search page; the search stage
    builds them."""
    pages = len(digest.events)
    if site.search_articles:
        pages += sum(1 + len(c.duplicates) for e in digest.events for c in e.members)
    per_index = site.search_index_pages
    count = max(1, -(-pages // per_index)) if per_index > 0 else 1
    return [BUNDLE] + [f"{BUNDLE}/part-{n}" for n in range(2, count + 1)]


def index_site(
    site: Path, language: str, articles: bool = False, parts: Sequence[str] = (BUNDLE,)
) -> int:
    """Index the event pages of ``site`` (and with ``articles``, the article pages) into the
    folders ``parts`` (``bundles``); returns the number of files Pagefind wrote.

    Pagefind reads only the pages its glob names: listing pages repeat what event pages say, and
    reading them too cost more time and memory than the whole rest of the render stage. With
    several parts, the pages in name order are cut into as many runs of near-equal length, and
    each run is indexed on its own from a folder of hard links to its pages (at their paths in
    the site, so Pagefind records the same URLs); one Pagefind at a time.
    """
    binary = pagefind_binary()
    if binary is None:
        raise BuildError("search is on but Pagefind is not installed: pip install pagefind")
    # The front page too: with no event yet it is the only page, and Pagefind fails on a site
    # with nothing to index; beside event pages it is left out (no data-pagefind-body).
    glob = "{index.html,events/*.html" + (",articles/*.html}" if articles else "}")
    if len(parts) == 1:
        _pagefind([str(binary), "--site", str(site), "--glob", glob], language, site / parts[0])
    else:
        pages = _indexed_pages(site, articles)
        for n, part in enumerate(parts):
            share = pages[n * len(pages) // len(parts) : (n + 1) * len(pages) // len(parts)]
            links = site / f".search-part-{n + 1}"  # inside the staging folder, removed below
            try:
                for folder in {rel.rpartition("/")[0] for rel in share}:
                    (links / folder).mkdir(parents=True, exist_ok=True)
                for rel in share:
                    link_or_copy(site / rel, links / rel)
                command = [str(binary), "--site", str(links), "--glob", "**/*.html"]
                _pagefind(command, language, site / part)
            finally:
                shutil.rmtree(links, ignore_errors=True)
    return sum(1 for p in (site / BUNDLE).rglob("*") if p.is_file())


def _indexed_pages(site: Path, articles: bool) -> list[str]:
    """The event pages of the site (and the article pages), as paths in it, in name order."""
    folders = ["events", "articles"] if articles else ["events"]
    return sorted(
        f"{folder}/{p.name}" for folder in folders for p in (site / folder).glob("*.html")
    )


def _pagefind(command: list[str], language: str, bundle: Path) -> None:
    command = [*command, "--output-path", str(bundle), "--force-language", language, "--silent"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BuildError(f"Pagefind could not index the site: {exc}") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BuildError(f"Pagefind failed: {detail[-1] if detail else done.returncode}")
