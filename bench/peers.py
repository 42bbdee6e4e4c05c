"""Peers harness: render the same texts with Hugo and Pelican, each with a minimal theme.

Every input article becomes one page, plus a home page listing them, one file per page (no pretty
URLs, as digest writes). Each peer is timed end to end as a user would run it (reading, Markdown,
templates, writing), the median of several runs, and compared in pages per second with digest's
render stage, timed in turn with them (see ``run_peers``). A peer that is not installed is
skipped with a note saying so.

Run it on its own (after ``python -m bench.scale`` has written the inputs)::

    .venv/bin/python -m bench.peers /tmp/digest-bench/n1000/source --runs 3
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.disk import empty_trash, set_aside
from digest.read import split_front_matter

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="/style.css"></head>
<body><header><a href="/index.html">Digest</a></header><main>{main}</main></body></html>
"""

HUGO_CONFIG = """baseURL = "http://localhost/"
title = "Digest"
uglyURLs = true
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404", "section"]
"""
HUGO_SINGLE = _PAGE.format(
    title="{{ .Title }}",
    main='<article><h1>{{ .Title }}</h1><p>{{ .Date.Format "2006-01-02" }}</p>'
    "{{ .Content }}</article>",
)
HUGO_HOME = _PAGE.format(
    title="{{ .Site.Title }}",
    main='<ul>{{ range .Site.RegularPages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>'
    "</li>{{ end }}</ul>",
)

PELICAN_CONFIG = """SITENAME = "Digest"
SITEURL = ""
THEME = "theme"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_DATE = (2000, 1, 1)
SLUGIFY_SOURCE = "basename"
ARTICLE_URL = ARTICLE_SAVE_AS = "articles/{slug}.html"
DIRECT_TEMPLATES = ["index"]
DEFAULT_PAGINATION = False
TAGS_SAVE_AS = CATEGORIES_SAVE_AS = AUTHORS_SAVE_AS = ARCHIVES_SAVE_AS = ""
TAG_SAVE_AS = CATEGORY_SAVE_AS = AUTHOR_SAVE_AS = ""
FEED_ALL_ATOM = CATEGORY_FEED_ATOM = TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = AUTHOR_FEED_RSS = None
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
STATIC_PATHS = []
"""
PELICAN_ARTICLE = _PAGE.format(
    title="{{ article.title }}",
    main="<article><h1>{{ article.title }}</h1><p>{{ article.date.strftime('%Y-%m-%d') }}</p>"
    "{{ article.content }}</article>",
)
PELICAN_INDEX = _PAGE.format(
    title="{{ SITENAME }}",
    main='<ul>{% for article in articles %}<li><a href="/{{ article.url }}">{{ article.title }}'
    "</a></li>{% endfor %}</ul>",
)


def _articles(source: Path) -> list[tuple[str, str, str, str]]:
    """(file stem, title, date, Markdown body) of every input article, in name order."""
    out = []
    for path in sorted(source.glob("*.md")):
        meta, body, _ = split_front_matter(path.read_text(encoding="utf-8"))
        title = str(meta.get("title") or path.stem)
        date = str(meta.get("date") or "2000-01-01")[:10]
        out.append((path.stem, title, date, body.strip()))
    return out


def _yaml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def hugo_site(articles: Sequence[tuple[str, str, str, str]], site: Path, trash: Path) -> None:
    set_aside(site, trash)
    (site / "content" / "articles").mkdir(parents=True)
    (site / "layouts" / "_default").mkdir(parents=True)
    (site / "hugo.toml").write_text(HUGO_CONFIG)
    (site / "layouts" / "_default" / "single.html").write_text(HUGO_SINGLE)
    (site / "layouts" / "index.html").write_text(HUGO_HOME)
    for stem, title, date, body in articles:
        front = f"---\ntitle: {_yaml_string(title)}\ndate: {date}\n---\n\n"
        (site / "content" / "articles" / f"{stem}.md").write_text(front + body + "\n")


def pelican_site(articles: Sequence[tuple[str, str, str, str]], site: Path, trash: Path) -> None:
    set_aside(site, trash)
    (site / "content").mkdir(parents=True)
    (site / "theme" / "templates").mkdir(parents=True)
    (site / "pelicanconf.py").write_text(PELICAN_CONFIG)
    (site / "theme" / "templates" / "article.html").write_text(PELICAN_ARTICLE)
    (site / "theme" / "templates" / "index.html").write_text(PELICAN_INDEX)
    for stem, title, date, body in articles:
        head = f"Title: {' '.join(title.split())}\nDate: {date}\n\n"
        (site / "content" / f"{stem}.md").write_text(head + body + "\n")


def _timed(cmd: Sequence[str], cwd: Path, out: Path, trash: Path) -> tuple[float, int]:
    set_aside(out, trash)  # not deleted: see bench/disk.py
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {(done.stderr or done.stdout)[-2000:]}")
    return seconds, sum(1 for _ in out.rglob("*.html"))


def _hugo() -> tuple[str, str] | str:
    """The command's path and version, or why the peer is skipped."""
    hugo = shutil.which("hugo")
    if hugo is None:
        return "skipped: hugo is not installed (apt-get install -y hugo)"
    version = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.strip()
    return hugo, version


def _pelican() -> str | None:
    """Pelican's version, or None when it is not installed."""
    if importlib.util.find_spec("pelican") is None:
        return None
    from importlib.metadata import version

    return f"pelican {version('pelican')}"


def _hugo_once(site: Path, hugo: str, trash: Path) -> tuple[float, int]:
    return _timed([hugo, "--quiet", "--destination", "public"], site, site / "public", trash)


def _pelican_once(site: Path, trash: Path) -> tuple[float, int]:
    cmd = [sys.executable, "-m", "pelican", "content", "-o", "output", "-s", "pelicanconf.py", "-q"]
    return _timed(cmd, site, site / "output", trash)


def _figures(version: str, timed: Sequence[tuple[float, int]]) -> dict[str, object]:
    median = statistics.median(seconds for seconds, _ in timed)
    pages = timed[-1][1]
    return {"version": version, "pages": pages, "seconds": median, "pages_per_s": pages / median}


def _check_pages(name: str, timed: Sequence[tuple[float, int]], expected: int) -> None:
    """A peer must write a page per article and its home page: one that skips articles (Pelican
    without the markdown package reads none, and says so only in warnings) would look fast."""
    for _, pages in timed:
        if pages < expected:
            raise RuntimeError(
                f"{name} wrote {pages} pages for {expected - 1} articles and a home page; "
                "see its warnings (for Pelican: pip install 'pelican[markdown]')"
            )


def run_peers(
    work: Path,
    runs: int,
    trash: Path,
    digest_render: Callable[[], tuple[float, int]] | None = None,
    articles: int | None = None,
) -> dict[str, object]:
    """Each peer ``runs`` times, and digest's render stage beside them: one run of each in turn,
    so that every tool meets the disk in the same state (creating a file here costs from 0.04 to
    1 ms of kernel time depending on the moment, which is most of a render's time). Previous
    outputs go to ``trash`` (bench/disk.py). With ``articles``, a peer that writes fewer pages
    than one per article and a home page is an error."""
    hugo = _hugo()
    pelican = _pelican()
    timed: dict[str, list[tuple[float, int]]] = {"digest_render": [], "hugo": [], "pelican": []}
    for _ in range(runs):
        if digest_render is not None:
            timed["digest_render"].append(digest_render())
        if isinstance(hugo, tuple):
            timed["hugo"].append(_hugo_once(work / "hugo", hugo[0], trash))
        if pelican is not None:
            timed["pelican"].append(_pelican_once(work / "pelican", trash))
    if articles is not None:
        for name in ("hugo", "pelican"):
            _check_pages(name, timed[name], articles + 1)
    result: dict[str, object] = {}
    if timed["digest_render"]:
        result["digest_render"] = _figures("digest", timed["digest_render"])
    result["hugo"] = _figures(hugo[1], timed["hugo"]) if isinstance(hugo, tuple) else hugo
    result["pelican"] = (
        _figures(pelican, timed["pelican"])
        if pelican is not None
        else "skipped: pelican is not installed (pip install pelican)"
    )
    return result


def compare(
    source: Path,
    digest_runs: Sequence,
    work: Path,
    runs: int,
    digest_render: Callable[[], tuple[float, int]],
    trash: Path,
) -> dict[str, object]:
    """Peers' pages per second, and digest's render stage as a ratio of each.

    ``digest_render`` renders the whole site once more (seconds, pages), run in turn with the
    peers; the render stage of the cold builds (``digest_runs``, if any) is reported beside it.
    """
    articles = _articles(source)
    hugo_site(articles, work / "hugo", trash)
    pelican_site(articles, work / "pelican", trash)
    result = run_peers(work, runs, trash, digest_render, len(articles))
    if digest_runs:
        cold = statistics.median(r.stages.get("render", 0.0) for r in digest_runs)
        pages = digest_runs[0].pages
        cold_figures = {"pages": pages, "seconds": cold, "pages_per_s": pages / cold}
        result["digest_render_cold"] = cold_figures
    ours = result["digest_render"]["pages_per_s"]  # type: ignore[index]
    for name in ("hugo", "pelican"):
        figures = result[name]
        if isinstance(figures, dict):
            result[f"digest_vs_{name}"] = round(ours / figures["pages_per_s"], 2)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.peers", description=__doc__.split("\n")[0]
    )
    parser.add_argument("source", help="Folder of .md input articles (as bench.scale writes).")
    parser.add_argument("--runs", type=int, default=3, help="Runs per peer; the median is kept.")
    parser.add_argument("--work", help="Folder for the peer sites (default: beside the source).")
    args = parser.parse_args(argv)
    source = Path(args.source)
    work = Path(args.work) if args.work else source.parent / "peers"
    articles = _articles(source)
    trash = work / ".trash"
    hugo_site(articles, work / "hugo", trash)
    pelican_site(articles, work / "pelican", trash)
    try:
        for name, figures in run_peers(work, args.runs, trash, articles=len(articles)).items():
            print(f"{name}:", figures)
    finally:
        empty_trash(trash)
    return 0


if __name__ == "__main__":
    sys.exit(main())
