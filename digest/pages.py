"""The site map: which pages exist and where, decided once before anything is rendered.

Paths are unique and safe whatever the input ids and keywords are, and stable from build to
build: an event keeps its URL, a day's archive page is ``archive/YYYY-MM-DD.html``, a keyword's
page is ``keywords/<slug>.html``.
"""

from __future__ import annotations

import functools
import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from digest.build import slugify
from digest.model import Digest, Event
from digest.views import KeywordRef, all_articles, date_label

UNDATED = "undated"


@dataclass(frozen=True)
class IndexPage:
    """One page of a paged list of events."""

    number: int
    path: str
    events: tuple[Event, ...]


@dataclass(frozen=True)
class Topic:
    """A keyword and the events that carry it (newest first)."""

    slug: str
    name: str
    href: str
    feed: str
    events: tuple[Event, ...]
    pages: tuple[IndexPage, ...]


@dataclass(frozen=True)
class Day:
    key: str  # YYYY-MM-DD, or "undated"
    label: str
    href: str
    events: tuple[Event, ...]
    pages: tuple[IndexPage, ...]


def paged(first: str, events: tuple[Event, ...], per_page: int) -> tuple[IndexPage, ...]:
    """Split a list: ``first`` holds page 1, ``<first without .html>/<n>.html`` the rest.

    A folder named after the first page cannot collide with any other page's file.
    """
    chunks = [events[i : i + per_page] for i in range(0, len(events), per_page)] or [()]
    base = first.removesuffix(".html")
    return tuple(
        IndexPage(n, first if n == 1 else f"{base}/{n}.html", tuple(chunk))
        for n, chunk in enumerate(chunks, start=1)
    )


def _claim(base: str, taken: set[str], ext: str = ".html") -> str:
    path, n = f"{base}{ext}", 2
    while path in taken:
        path, n = f"{base}-{n}{ext}", n + 1
    taken.add(path)
    return path


# Memoised: a keyword is slugged for each event, card and feed that carries it (113,000 calls
# for 34,000 keywords at 10,000 articles). The memo holds a site's keywords (236,000 at 100,000
# articles, about 40 MB): one that held fewer missed on nearly every call, each a regex slug.
@functools.lru_cache(maxsize=1 << 20)
def keyword_slug(keyword: str) -> str:
    """The keyword's slug; scripts without an ASCII form get a short hash instead."""
    slug = slugify(keyword, 60)
    if slug:
        return slug
    return "k-" + hashlib.sha1(keyword.strip().lower().encode()).hexdigest()[:10]


def day_key(when: datetime | None) -> str:
    return when.date().isoformat() if when is not None else UNDATED


class SitePlan:
    """Every page path of the site and the lists the pages show."""

    def __init__(
        self,
        digest: Digest,
        per_page: int,
        keyword_min_events: int = 1,
    ) -> None:
        # Related events are not part of the plan: the render finds them while it writes the
        # pages that do not show them (``digest.render.render_site``).
        self.events = digest.events
        self.event_slugs: dict[str, tuple[str, ...]] = {
            e.id: tuple(dict.fromkeys(keyword_slug(k) for k in e.keywords)) for e in digest.events
        }
        self.event_href: dict[str, str] = {}
        self.article_href: dict[str, str] = {}
        taken: set[str] = {"events/index.html", "articles/index.html"}
        for event in digest.events:
            base = f"events/{slugify(event.id, 80) or 'event'}"
            self.event_href[event.id] = _claim(base, taken)
            for article in all_articles(event):
                base = f"articles/{slugify(article.id, 80) or 'article'}"
                self.article_href[article.id] = _claim(base, taken)
        self.topics = self._topics(digest.events, per_page, keyword_min_events)
        self._topic_by_slug = {t.slug: t for t in self.topics}
        # Cards and every feed an event is in ask for its keywords: made once here.
        self._keyword_refs = {e.id: self._refs(e) for e in digest.events}
        self.days = self._days(digest.events, per_page)
        self.day_of: dict[str, str] = {
            e.id: d.href for d in self.days for e in d.events if d.key != UNDATED
        }
        self.index_pages = self._index_pages(digest.events, per_page)

    @staticmethod
    def _topics(events: tuple[Event, ...], per_page: int, min_events: int) -> list[Topic]:
        forms: dict[str, Counter[str]] = {}
        members: dict[str, list[Event]] = {}
        for event in events:
            seen: set[str] = set()
            for keyword in event.keywords:
                slug = keyword_slug(keyword)
                forms.setdefault(slug, Counter())[keyword] += 1
                if slug not in seen:
                    seen.add(slug)
                    members.setdefault(slug, []).append(event)
        topics = []
        # A keyword of a single event would get a page listing only that event: most keywords
        # are such (nine in ten at 10,000 articles), and their pages and feeds were most of the
        # site's files while telling the reader nothing the event page does not.
        for slug in sorted(s for s in members if len(members[s]) >= min_events):
            # The most used spelling names the topic; ties go to the alphabetically first.
            name = min(forms[slug].items(), key=lambda kv: (-kv[1], kv[0]))[0]
            href = f"keywords/{slug}.html"
            topics.append(
                Topic(
                    slug=slug,
                    name=name,
                    href=href,
                    feed=f"keywords/{slug}.xml",
                    events=tuple(members[slug]),
                    pages=paged(href, tuple(members[slug]), per_page),
                )
            )
        return topics

    @staticmethod
    def _days(events: tuple[Event, ...], per_page: int) -> list[Day]:
        by_day: dict[str, list[Event]] = {}
        for event in events:
            by_day.setdefault(day_key(event.date), []).append(event)
        keys = sorted((k for k in by_day if k != UNDATED), reverse=True)
        labels = {k: date_label(datetime.fromisoformat(k)) for k in keys}
        if UNDATED in by_day:
            keys.append(UNDATED)
            labels[UNDATED] = "Date unknown"
        return [
            Day(
                key,
                labels[key],
                f"archive/{key}.html",
                tuple(by_day[key]),
                paged(f"archive/{key}.html", tuple(by_day[key]), per_page),
            )
            for key in keys
        ]

    @staticmethod
    def _index_pages(events: tuple[Event, ...], per_page: int) -> list[IndexPage]:
        # The front page's later pages live in page/ (page/2.html), the one exception to paged().
        return [
            IndexPage(
                p.number, "index.html" if p.number == 1 else f"page/{p.number}.html", p.events
            )
            for p in paged("index.html", events, per_page)
        ]

    def topic(self, slug: str) -> Topic:
        return self._topic_by_slug[slug]

    def keyword_refs(self, event: Event) -> tuple[KeywordRef, ...]:
        """The event's keywords, each linked to its page when it has one (``href`` "": none)."""
        return self._keyword_refs[event.id]

    def _refs(self, event: Event) -> tuple[KeywordRef, ...]:
        names = {keyword_slug(k): k for k in reversed(event.keywords)}  # first spelling wins
        refs = []
        for slug in self.event_slugs[event.id]:
            topic = self._topic_by_slug.get(slug)
            ref = KeywordRef(topic.name, topic.href) if topic else KeywordRef(names[slug], "")
            refs.append(ref)
        return tuple(refs)
