"""Render stage: write the site for a ``Digest`` into a folder, from the theme's templates.

Pages are rendered from view models (digest/views.py, digest/listings.py) at the paths the site
plan decides (digest/pages.py). ``events.json`` is the machine-readable digest and part of the
public interface (documented in the README). Atom feeds, the sitemap and the search index are
written last, from the finished pages.
"""

from __future__ import annotations

import json
import os
import shutil
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import jinja2

from digest import listings, search
from digest.config import Config
from digest.feeds import atom_feed, sitemap
from digest.model import Digest, Event
from digest.pages import SitePlan
from digest.parallel import map_ordered
from digest.theme import theme_dirs
from digest.views import (
    FeedLink,
    PageMeta,
    Site,
    article_page,
    event_card,
    event_page,
    generated_time,
    iso,
    relative,
    site_view,
)

DESCRIPTION_CHARS = 200
# Pages queued before they are rendered over the worker processes: bounds the views held at once.
_PAGES_PER_FLUSH = 4096


def environment(config: Config) -> jinja2.Environment:
    return _environment(tuple(d.resolve() for d in theme_dirs(config)))


@lru_cache(maxsize=8)
def _environment(dirs: tuple[Path, ...]) -> jinja2.Environment:
    # One per theme folder (absolute) and process: compiling templates costs more than a page.
    # Jinja still reloads a template whose file changed since (auto_reload).
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d / "templates") for d in dirs]),
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
    """Writes pages into the staging folder; a page identical to the one in the ``previous``
    site is hard-linked from it instead, so only changed pages are rewritten (their times and
    inodes tell a deploy tool what changed) and an unchanged site costs no disk writes."""

    def __init__(self, root: Path, previous: Path | None = None) -> None:
        self.root = root
        self.previous = previous if previous is not None and previous.is_dir() else None
        self.count = 0

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        self.count += 1
        if self.previous is not None:
            old = self.previous / rel
            try:
                if old.stat().st_size == len(data) and old.read_bytes() == data:
                    os.link(old, path)
                    return
            except OSError:
                pass  # no such page before, or no hard links on this disk: write it
        path.write_bytes(data)


def _copy_static(config: Config, dest: Path) -> None:
    # Later theme folders are the defaults; copy them first so a user theme's files win.
    for theme in reversed(theme_dirs(config)):
        static = theme / "static"
        if static.is_dir():
            shutil.copytree(static, dest / "static", dirs_exist_ok=True)


def _clip(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


class _Pages:
    """Renders templates with the context every page shares: site, root, page path, meta."""

    def __init__(
        self, config: Config, site: Site, out: _Writer, search_on: bool, jobs: int | None = None
    ) -> None:
        self.config = config
        self.site = site
        self.out = out
        self.search_on = search_on
        self.jobs = jobs
        self.paths: list[str] = []
        self._queue: list[tuple[str, str, dict[str, Any]]] = []

    def url(self, rel: str) -> str:
        return f"{self.site.base_url}/{rel}" if self.site.base_url else ""

    def feed(self, title: str, rel: str, from_page: str) -> FeedLink:
        href = self.url(rel) or relative(rel, from_page)
        return FeedLink(title, href)

    def render(
        self,
        template: str,
        rel: str,
        *,
        heading: str,
        description: str,
        og_type: str = "website",
        feeds: tuple[tuple[str, str], ...] = (),
        **context: Any,
    ) -> None:
        root = relative(".", rel).rstrip("/") + "/"
        root = "" if root == "./" else root
        title = heading if rel == "index.html" else f"{heading} · {self.site.title}"
        site_feed = (f"{self.site.title}: all events", "feed.xml")
        meta = PageMeta(
            title=title,
            heading=heading,
            description=_clip(description or self.site.description),
            canonical=self.url(rel),
            og_type=og_type,
            feeds=tuple(self.feed(t, f, rel) for t, f in (site_feed, *feeds)),
        )
        context = dict(site=self.site, root=root, page_path=rel, meta=meta, **context)
        self._queue.append((template, rel, context))
        self.paths.append(rel)
        if len(self._queue) >= _PAGES_PER_FLUSH:
            self.flush()

    def flush(self) -> None:
        """Render the queued pages over the worker processes; each worker writes its pages.

        A page depends only on its own context, so the site is the same for any ``jobs``.
        """
        queue, self._queue = self._queue, []
        dirs = tuple(d.resolve() for d in theme_dirs(self.config))
        write = partial(_render_page, dirs, self.out.root, self.out.previous)
        self.out.count += sum(map_ordered(write, queue, self.jobs))


def _render_page(
    dirs: tuple[Path, ...], root: Path, previous: Path | None, page: tuple[str, str, dict[str, Any]]
) -> int:
    template, rel, context = page
    _Writer(root, previous).write(rel, _environment(dirs).get_template(template).render(context))
    return 1


def _write_feeds(digest: Digest, plan: SitePlan, pages: _Pages, out: _Writer) -> None:
    site = pages.site
    updated = generated_time(digest)

    def write(rel: str, key: str, title: str, events: tuple[Event, ...]) -> None:
        def href(event: Event) -> str:
            target = plan.event_href[event.id]
            return pages.url(target) or relative(target, rel)

        text = atom_feed(
            title=title,
            subtitle=site.description,
            language=site.language,
            feed_key=key,
            self_href=pages.url(rel) or relative(rel, rel),
            home_href=pages.url("index.html") or relative("index.html", rel),
            events=events,
            event_href=href,
            keywords=lambda e: [r.name for r in plan.keyword_refs(e)],
            updated=updated,
        )
        out.write(rel, text)

    write("feed.xml", "site", site.title, digest.events)
    for topic in plan.topics:
        write(topic.feed, f"keyword:{topic.slug}", f"{site.title}: {topic.name}", topic.events)


def render_site(digest: Digest, config: Config, dest: Path, jobs: int | None = None) -> int:
    """Write every page of the site into ``dest``; returns the number of files written.

    Pages are rendered by ``jobs`` worker processes (None: every core).
    """
    search_on = config.site.search and search.available()
    site = site_view(digest, config, search_on)
    plan = SitePlan(digest, config.site.per_page, config.site.keyword_min_events)
    out = _Writer(dest, previous=config.path(config.out))
    pages = _Pages(config, site, out, search_on, jobs)
    cards = {
        e.id: event_card(e, plan.event_href[e.id], plan.keyword_refs(e)) for e in digest.events
    }

    for index in plan.index_pages:
        lead = index.events[0].id if index.events else None
        pages.render(
            "index.html",
            index.path,
            heading=site.title if index.number == 1 else f"Latest events, page {index.number}",
            description=site.description,
            events=[cards[e.id] for e in index.events],
            pager=listings.pager(plan, index.number),
            lead_related=tuple(cards[i] for i in plan.related[lead][:3]) if lead else (),
        )
    for event in digest.events:
        related = tuple(cards[i] for i in plan.related[event.id])
        related = tuple(sorted(related, key=lambda c: (c.date == "", c.date, c.id)))
        view = event_page(
            event, cards[event.id], plan.article_href, related, plan.day_of.get(event.id, "")
        )
        pages.render(
            "event.html",
            plan.event_href[event.id],
            heading=event.headline,
            description=view.card.lead,
            og_type="article",
            event=view,
        )
        for copies in event.members:
            for article in (copies.article, *copies.duplicates):
                view_a = article_page(
                    article, event, copies.article, plan.event_href[event.id], view.timeline
                )
                pages.render(
                    "article.html",
                    plan.article_href[article.id],
                    heading=view_a.title,
                    description=article.paragraphs[0] if article.paragraphs else view_a.title,
                    og_type="article",
                    article=view_a,
                )
    topics = listings.topic_links(plan)
    pages.render(
        "keywords.html",
        "keywords/index.html",
        heading="Keywords",
        description=f"Every keyword of {site.title}, with the events that carry it.",
        topics=topics,
    )
    for topic in plan.topics:
        link = listings.topic_link(topic)
        for part in topic.pages:
            suffix = f", page {part.number}" if part.number > 1 else ""
            pages.render(
                "keyword.html",
                part.path,
                heading=topic.name + suffix,
                description=f"Events about {topic.name}: {len(topic.events)} in {site.title}.",
                feeds=((f"{site.title}: {topic.name}", topic.feed),),
                topic=link,
                events=[cards[e.id] for e in part.events],
                pager=listings.pager(topic.pages, part.number),
            )
    pages.render(
        "archive.html",
        "archive/index.html",
        heading="Archive",
        description=f"Events of {site.title} by day.",
        days=listings.day_links(plan),
    )
    for day in plan.days:
        newer, older = listings.neighbour_days(plan, day)
        heading = f"Events of {day.label}" if day.key != "undated" else "Events of unknown date"
        for part in day.pages:
            pages.render(
                "day.html",
                part.path,
                heading=heading + (f", page {part.number}" if part.number > 1 else ""),
                description=f"{len(day.events)} events of {day.label}.",
                day=listings.day_link(day),
                newer=newer,
                older=older,
                events=[cards[e.id] for e in part.events],
                pager=listings.pager(day.pages, part.number),
            )
    pages.render(
        "about.html",
        "about.html",
        heading="About this digest",
        description="How this digest is made: sources, cited summaries and the dates covered.",
        about=listings.about(digest),
    )
    if search_on:
        pages.render(
            "search.html",
            "search.html",
            heading="Search",
            description=f"Search every event{' and article' if config.site.search_articles else ''}"
            f" of {site.title}.",
            articles=config.site.search_articles,
        )
    pages.flush()
    _write_feeds(digest, plan, pages, out)
    if site.base_url:
        out.write("sitemap.xml", sitemap([pages.url(p) for p in pages.paths]))
    out.write("events.json", json.dumps(events_json(digest), indent=2, ensure_ascii=False) + "\n")
    _copy_static(config, dest)
    pages.flush()  # in case a page was queued after the feeds
    count = out.count
    if search_on:
        count += search.index_site(dest, site.language, config.site.search_articles)
    return count
