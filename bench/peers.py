"""Peers harness: render the same texts with Hugo and Pelican, each with a minimal theme.

Every input article becomes one page, plus a home page listing them, one file per page (no pretty
URLs, as digest writes). Each peer is timed end to end as a user would run it (reading, Markdown,
templates, writing), the median of several runs, and compared in pages per second with digest's
render stage. A peer that is not installed is skipped with a note saying so.

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
from collections.abc import Sequence
from pathlib import Path

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
        meta, body = split_front_matter(path.read_text(encoding="utf-8"))
        title = str(meta.get("title") or path.stem)
        date = str(meta.get("date") or "2000-01-01")[:10]
        out.append((path.stem, title, date, body.strip()))
    return out


def _yaml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def hugo_site(articles: Sequence[tuple[str, str, str, str]], site: Path) -> None:
    shutil.rmtree(site, ignore_errors=True)
    (site / "content" / "articles").mkdir(parents=True)
    (site / "layouts" / "_default").mkdir(parents=True)
    (site / "hugo.toml").write_text(HUGO_CONFIG)
    (site / "layouts" / "_default" / "single.html").write_text(HUGO_SINGLE)
    (site / "layouts" / "index.html").write_text(HUGO_HOME)
    for stem, title, date, body in articles:
        front = f"---\ntitle: {_yaml_string(title)}\ndate: {date}\n---\n\n"
        (site / "content" / "articles" / f"{stem}.md").write_text(front + body + "\n")


def pelican_site(articles: Sequence[tuple[str, str, str, str]], site: Path) -> None:
    shutil.rmtree(site, ignore_errors=True)
    (site / "content").mkdir(parents=True)
    (site / "theme" / "templates").mkdir(parents=True)
    (site / "pelicanconf.py").write_text(PELICAN_CONFIG)
    (site / "theme" / "templates" / "article.html").write_text(PELICAN_ARTICLE)
    (site / "theme" / "templates" / "index.html").write_text(PELICAN_INDEX)
    for stem, title, date, body in articles:
        head = f"Title: {' '.join(title.split())}\nDate: {date}\n\n"
        (site / "content" / f"{stem}.md").write_text(head + body + "\n")


def _timed(cmd: Sequence[str], cwd: Path, out: Path) -> tuple[float, int]:
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {(done.stderr or done.stdout)[-2000:]}")
    return seconds, sum(1 for _ in out.rglob("*.html"))


def run_hugo(site: Path, runs: int) -> dict[str, object] | str:
    hugo = shutil.which("hugo")
    if hugo is None:
        return "skipped: hugo is not installed (apt-get install -y hugo)"
    version = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.strip()
    times, pages = [], 0
    for _ in range(runs):
        seconds, pages = _timed([hugo, "--quiet", "--destination", "public"], site, site / "public")
        times.append(seconds)
    median = statistics.median(times)
    return {"version": version, "pages": pages, "seconds": median, "pages_per_s": pages / median}


def run_pelican(site: Path, runs: int) -> dict[str, object] | str:
    if importlib.util.find_spec("pelican") is None:
        return "skipped: pelican is not installed (pip install pelican)"
    from importlib.metadata import version

    cmd = [sys.executable, "-m", "pelican", "content", "-o", "output", "-s", "pelicanconf.py", "-q"]
    times, pages = [], 0
    for _ in range(runs):
        seconds, pages = _timed(cmd, site, site / "output")
        times.append(seconds)
    median = statistics.median(times)
    return {
        "version": f"pelican {version('pelican')}",
        "pages": pages,
        "seconds": median,
        "pages_per_s": pages / median,
    }


def compare(source: Path, digest_runs: Sequence, work: Path, runs: int) -> dict[str, object]:
    """Peers' pages per second, and digest's render stage as a ratio of each."""
    articles = _articles(source)
    hugo_site(articles, work / "hugo")
    pelican_site(articles, work / "pelican")
    render = statistics.median(r.stages.get("render", 0.0) for r in digest_runs)
    pages = digest_runs[0].pages
    result: dict[str, object] = {
        "digest_render": {"pages": pages, "seconds": render, "pages_per_s": pages / render}
    }
    for name, figures in (
        ("hugo", run_hugo(work / "hugo", runs)),
        ("pelican", run_pelican(work / "pelican", runs)),
    ):
        result[name] = figures
        if isinstance(figures, dict):
            result[f"digest_vs_{name}"] = round((pages / render) / figures["pages_per_s"], 2)
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
    hugo_site(articles, work / "hugo")
    pelican_site(articles, work / "pelican")
    print("hugo:", run_hugo(work / "hugo", args.runs))
    print("pelican:", run_pelican(work / "pelican", args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
