"""Render stage: write the site for a ``Digest`` into a folder, from the theme's templates.

Pages are rendered from view models (digest/views.py). ``events.json`` is the machine-readable
digest and part of the public interface (documented in the README).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jinja2

from digest.config import Config
from digest.model import Digest
from digest.theme import theme_dirs
from digest.views import (
    Urls,
    article_page,
    event_card,
    event_page,
    iso,
    relative,
    site_view,
)


def environment(config: Config) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d / "templates") for d in theme_dirs(config)]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


def events_json(digest: Digest) -> dict[str, Any]:
    """The public, machine-readable digest (schema in the README)."""
    return {
        "events": [
            {
                "id": e.id,
                "title": e.headline,
                "date": iso(e.date) or None,
                "keywords": list(e.keywords),
                "summary": [{"text": s.text, "sources": list(s.sources)} for s in e.summary],
                "articles": [
                    {
                        "id": c.article.id,
                        "title": c.article.title or None,
                        "source": c.article.source,
                        "url": c.article.url,
                        "date": iso(c.article.date) or None,
                        "duplicates": [d.id for d in c.duplicates],
                    }
                    for c in e.members
                ],
            }
            for e in digest.events
        ],
        "rejected": [{"id": r.id, "path": r.path, "reason": r.reason} for r in digest.rejected],
    }


class _Writer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.count = 0

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.count += 1


def _copy_static(config: Config, dest: Path) -> None:
    # Later theme folders are the defaults; copy them first so a user theme's files win.
    for theme in reversed(theme_dirs(config)):
        static = theme / "static"
        if static.is_dir():
            shutil.copytree(static, dest / "static", dirs_exist_ok=True)


def render_site(digest: Digest, config: Config, dest: Path) -> int:
    """Write every page of the site into ``dest``; returns the number of files written."""
    env = environment(config)
    urls = Urls(digest)
    site = site_view(digest, config)
    out = _Writer(dest)

    def page(template: str, rel: str, **context: Any) -> None:
        root = relative(".", rel).rstrip("/") + "/"
        root = "" if root == "./" else root
        html = env.get_template(template).render(site=site, root=root, page_path=rel, **context)
        out.write(rel, html)

    page("index.html", "index.html", events=[event_card(e, urls) for e in digest.events])
    for event in digest.events:
        view = event_page(event, urls)
        page("event.html", urls.event(event.id), event=view)
        for copies in event.members:
            for article in (copies.article, *copies.duplicates):
                page(
                    "article.html",
                    urls.article(article.id),
                    article=article_page(article, event, urls),
                )
    out.write("events.json", json.dumps(events_json(digest), indent=2, ensure_ascii=False) + "\n")
    _copy_static(config, dest)
    return out.count
