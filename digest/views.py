"""View models: the explicit, documented context templates receive (see docs/themes.md).

Templates never see internal objects or the config; they get these frozen records, built here
from the ``Digest``. Every string is raw text: the template engine escapes it. The only
pre-rendered HTML is ``ArticlePage.body_html``, which is sanitized here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime

import markdown as md
import nh3

from digest.build import slugify
from digest.config import Config
from digest.model import Article, Digest, Event

ALLOWED_SCHEMES = {"http", "https", "mailto"}


@dataclass(frozen=True)
class Site:
    title: str
    description: str
    language: str
    base_url: str
    generated: str  # ISO date of the newest report, or SOURCE_DATE_EPOCH when set
    event_count: int
    article_count: int
    outlet_count: int


@dataclass(frozen=True)
class SourceRef:
    """An article as listed under an event."""

    number: int  # citation number on the event page
    id: str
    title: str
    source: str
    date: str  # ISO date or ""
    date_label: str
    url: str  # original URL (http/https only) or ""
    href: str  # relative link to the article page from the event page
    also: tuple[AlsoPublished, ...]


@dataclass(frozen=True)
class AlsoPublished:
    """A duplicate folded into an article: another outlet that ran the same copy."""

    id: str
    title: str
    source: str
    url: str


@dataclass(frozen=True)
class CitedSentence:
    text: str
    citations: tuple[int, ...]  # SourceRef.number values


@dataclass(frozen=True)
class EventCard:
    """An event as listed on the index."""

    id: str
    headline: str
    href: str  # relative to the site root
    date: str
    date_label: str
    outlet_count: int
    article_count: int
    keywords: tuple[str, ...]
    lead: str  # first summary sentence


@dataclass(frozen=True)
class EventPage:
    card: EventCard
    date_range: str
    summary: tuple[CitedSentence, ...]
    sources: tuple[SourceRef, ...]


@dataclass(frozen=True)
class ArticlePage:
    id: str
    title: str
    source: str
    author: str
    place: str
    date: str
    date_label: str
    url: str
    paragraphs: tuple[str, ...]
    body_html: str  # sanitized HTML of a Markdown article, else ""
    event_href: str  # relative to the article page
    event_headline: str


def date_label(value: datetime | None) -> str:
    if value is None:
        return ""
    label = f"{value.day} {value:%B %Y}"
    if (value.hour, value.minute) != (0, 0):
        label += f", {value:%H:%M} UTC"
    return label


def iso(value: datetime | None) -> str:
    if value is None:
        return ""
    if (value.hour, value.minute, value.second) == (0, 0, 0):
        return value.date().isoformat()
    return value.isoformat().replace("+00:00", "Z")


def safe_url(url: str | None) -> str:
    """The URL when it is a web link, else "": no javascript:, data: or other schemes."""
    if not url:
        return ""
    scheme = url.split(":", 1)[0].strip().lower() if ":" in url else ""
    return url if scheme in ("http", "https") else ""


def display_title(article: Article) -> str:
    """An article's title, or its opening words when the article has none."""
    if article.title:
        return article.title
    words = article.text.split()
    if not words:
        return article.id
    return " ".join(words[:12]) + ("…" if len(words) > 12 else "")


def sanitize_markdown(text: str) -> str:
    html = md.markdown(text, output_format="html")
    return nh3.clean(html, url_schemes=ALLOWED_SCHEMES, link_rel="noopener noreferrer nofollow")


def generated_at(digest: Digest) -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return iso(datetime.fromtimestamp(int(epoch), tz=UTC))
    dates = [e.last_date for e in digest.events if e.last_date is not None]
    return iso(max(dates)) if dates else ""


class Urls:
    """Page paths of events and articles, unique and safe whatever the input ids are."""

    def __init__(self, digest: Digest) -> None:
        self._event: dict[str, str] = {}
        self._article: dict[str, str] = {}
        taken: set[str] = set()
        for event in digest.events:
            self._event[event.id] = self._claim(f"events/{slugify(event.id, 80) or 'event'}", taken)
            for copies in event.members:
                for article in (copies.article, *copies.duplicates):
                    base = f"articles/{slugify(article.id, 80) or 'article'}"
                    self._article[article.id] = self._claim(base, taken)

    @staticmethod
    def _claim(base: str, taken: set[str]) -> str:
        path, n = f"{base}.html", 2
        while path in taken:
            path, n = f"{base}-{n}.html", n + 1
        taken.add(path)
        return path

    def event(self, event_id: str) -> str:
        return self._event[event_id]

    def article(self, article_id: str) -> str:
        return self._article[article_id]


def relative(target: str, from_page: str) -> str:
    """Link from one page to another, both given relative to the site root."""
    return os.path.relpath(target, os.path.dirname(from_page) or ".").replace(os.sep, "/")


def site_view(digest: Digest, config: Config) -> Site:
    articles = [a for e in digest.events for c in e.members for a in (c.article, *c.duplicates)]
    return Site(
        title=config.site.title,
        description=config.site.description,
        language=config.site.language,
        base_url=config.site.base_url.rstrip("/"),
        generated=generated_at(digest),
        event_count=len(digest.events),
        article_count=len(articles),
        outlet_count=len({a.source for a in articles if a.source}),
    )


def event_card(event: Event, urls: Urls) -> EventCard:
    outlets = {a.source or a.id for c in event.members for a in (c.article, *c.duplicates)}
    return EventCard(
        id=event.id,
        headline=event.headline,
        href=urls.event(event.id),
        date=iso(event.date),
        date_label=date_label(event.date),
        outlet_count=len(outlets),
        article_count=sum(1 + len(c.duplicates) for c in event.members),
        keywords=event.keywords,
        lead=event.summary[0].text if event.summary else "",
    )


def event_page(event: Event, urls: Urls) -> EventPage:
    page = urls.event(event.id)
    sources: list[SourceRef] = []
    number: dict[str, int] = {}
    for i, copies in enumerate(event.members, start=1):
        a = copies.article
        number[a.id] = i
        sources.append(
            SourceRef(
                number=i,
                id=a.id,
                title=display_title(a),
                source=a.source or "",
                date=iso(a.date),
                date_label=date_label(a.date),
                url=safe_url(a.url),
                href=relative(urls.article(a.id), page),
                also=tuple(
                    AlsoPublished(d.id, display_title(d), d.source or "", safe_url(d.url))
                    for d in copies.duplicates
                ),
            )
        )
    summary = tuple(
        CitedSentence(s.text, tuple(sorted(number[i] for i in s.sources if i in number)))
        for s in event.summary
    )
    first, last = event.date, event.last_date
    if first and last and first.date() != last.date():
        span = f"{date_label(first)} – {date_label(last)}"
    else:
        span = date_label(first)
    return EventPage(event_card(event, urls), span, summary, tuple(sources))


def article_page(article: Article, event: Event, urls: Urls) -> ArticlePage:
    page = urls.article(article.id)
    return ArticlePage(
        id=article.id,
        title=display_title(article),
        source=article.source or "",
        author=article.author or "",
        place=article.place or "",
        date=iso(article.date),
        date_label=date_label(article.date),
        url=safe_url(article.url),
        paragraphs=article.paragraphs,
        body_html=sanitize_markdown(article.markdown) if article.markdown.strip() else "",
        event_href=relative(urls.event(event.id), page),
        event_headline=event.headline,
    )
