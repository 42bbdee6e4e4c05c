"""View models: the explicit, documented context templates receive (see docs/themes.md).

Templates never see internal objects or the config; they get these frozen records, built here
from the ``Digest``. Every string is raw text: the template engine escapes it. The only
pre-rendered HTML is ``ArticlePage.body_html``, which is sanitized here.

Every ``href`` is a path relative to the site root (``events/x.html``); templates prefix it with
``root``, the way from the current page back to the root, so links stay relative everywhere.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import nh3
from markdown_it import MarkdownIt

from digest.config import Config
from digest.headline import opening_words
from digest.model import Article, Digest, Event

ALLOWED_SCHEMES = {"http", "https", "mailto"}
# Longer Markdown bodies are shown as their cleaned paragraphs: no article needs more, and it
# bounds the time any one page can take.
MAX_MARKDOWN_CHARS = 100_000


@dataclass(frozen=True)
class Site:
    title: str
    description: str
    language: str
    base_url: str  # without a trailing slash; "" when not configured
    search: bool  # whether the search page and index exist


@dataclass(frozen=True)
class Edition:
    """The site as of this build: only the pages about the whole site (home, archive, keywords,
    about) show it. Every other page is made from its own content and the settings alone, so new
    reports leave it unchanged and a rebuild reuses it (``render._Writer.reuse``)."""

    generated: str  # ISO date of the newest report, or SOURCE_DATE_EPOCH when set
    generated_label: str
    event_count: int
    article_count: int
    outlet_count: int


@dataclass(frozen=True)
class FeedLink:
    title: str
    href: str  # absolute when site.base_url is set, else relative to the site root


@dataclass(frozen=True)
class PageMeta:
    """What the <head> of a page says about it."""

    title: str  # full <title>, site name included
    heading: str  # the page's own name, for Open Graph
    description: str
    canonical: str  # absolute URL, or "" without site.base_url
    og_type: str  # "website" or "article"
    feeds: tuple[FeedLink, ...]


@dataclass(frozen=True)
class KeywordRef:
    name: str
    href: str


@dataclass(frozen=True)
class AlsoPublished:
    """A duplicate folded into an article: another outlet that ran the same copy."""

    id: str
    title: str
    source: str
    url: str
    href: str  # its own article page


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
    href: str
    also: tuple[AlsoPublished, ...]


@dataclass(frozen=True)
class CitedSentence:
    text: str
    citations: tuple[int, ...]  # SourceRef.number values


@dataclass(frozen=True)
class EventCard:
    """An event as listed on the index, keyword, day and related lists."""

    id: str
    headline: str
    href: str
    date: str
    date_label: str
    outlet_count: int  # distinct named outlets
    article_count: int  # reports, copies included
    keywords: tuple[KeywordRef, ...]
    lead: str  # first summary sentence
    outlets: tuple[str, ...]  # distinct outlet names, sorted


@dataclass(frozen=True)
class TimelineEntry:
    """One report in the order it was published; undated reports come last."""

    date: str
    date_label: str
    source: str
    title: str
    href: str
    number: int  # the SourceRef it belongs to
    duplicate: bool  # a copy folded into that source


@dataclass(frozen=True)
class Coverage:
    outlet_count: int  # distinct named outlets
    outlets: tuple[str, ...]
    unknown_outlet: int  # reports whose outlet is not known
    article_count: int
    first: str
    first_label: str
    last: str
    last_label: str
    undated: int  # reports without a known date


@dataclass(frozen=True)
class EventPage:
    card: EventCard
    date_range: str
    summary: tuple[CitedSentence, ...]
    sources: tuple[SourceRef, ...]
    coverage: Coverage
    timeline: tuple[TimelineEntry, ...]
    related: tuple[EventCard, ...]  # oldest first, so a storyline reads in order
    day_href: str  # the archive page of the event's day, or ""
    # No summary because every sentence that could stand alone is over ``summary.max_words``.
    over_budget: bool = False


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
    event_href: str
    event_headline: str
    duplicate_of: str  # title of the article this one is a copy of, or ""
    # Reports of its event, in time order, this one included: all of them for an event of up to
    # 2 * REPORTS_AROUND + 1, else that many around this one (the event page lists them all).
    event_reports: tuple[TimelineEntry, ...]
    more_reports: int  # reports of its event left out of event_reports


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
    return article.title or opening_words(article)


@functools.cache
def _markdown() -> MarkdownIt:
    # Setting up the parser (compiling its rule chains) cost more than rendering an article;
    # render() keeps no state between calls, so one parser per process serves every page.
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


# Anything that could make Markdown markup or that the sanitizer writes as an entity: markup
# characters anywhere (not "!": it makes an image only before a "[", which is one of them);
# white space other than spaces and line breaks (tabs indent, and the parser trims Unicode
# spaces); list, quote and heading markers and indented code at a line's start; hard line
# breaks (a space or more before a line break); runs of blank lines. A text with none of these
# is plain paragraphs, and its HTML is known without parsing it.
_MARKUP = re.compile(
    r"[\\`*_\[\]<>#|~&\x00]|[^\S \n]"
    r"|^ {0,3}(?:[-+=>]|\d{1,9}[.)])|^ {4}| \n|\n[ ]*\n[ ]*\n",
    re.M,
)
_BLANK_LINE = re.compile(r"\n[ ]*\n")


def _plain_paragraphs(text: str) -> str | None:
    """The sanitized HTML of a text that is plain paragraphs, or None when it may hold markup.

    Most article bodies are cleaned prose; for them, what markdown-it and nh3 would make is
    known: each paragraph in ``<p>``, its lines stripped of outer spaces and joined by line
    breaks, the text unchanged (it has no ``&``, ``<`` or ``>``, and nh3 writes quotes back as
    they were). Parsing and sanitizing were a tenth of the render stage.
    tests/test_views.py checks that the result is the same as the full path's.
    """
    if _MARKUP.search(text):
        return None
    body = text.strip("\n ")
    if not body:
        return None
    return "".join(
        "<p>" + "\n".join(line.strip(" ") for line in part.split("\n")) + "</p>\n"
        for part in _BLANK_LINE.split(body)
    )


def sanitize_markdown(text: str) -> str:
    """Markdown as sanitized HTML, or "" when it is too long to render (see docs/robustness.md).

    markdown-it (CommonMark) rather than Python-Markdown: the latter takes quadratic time on
    unclosed brackets and tags and overflows the stack on deeply nested lists, so one hostile
    article could stall or crash the build; markdown-it is linear and caps nesting.
    """
    if len(text) > MAX_MARKDOWN_CHARS:
        return ""
    plain = _plain_paragraphs(text)
    return plain if plain is not None else _parse_and_clean(text)


def _parse_and_clean(text: str) -> str:
    html = _markdown().render(text)
    return nh3.clean(html, url_schemes=ALLOWED_SCHEMES, link_rel="noopener noreferrer nofollow")


def article_body(article: Article) -> str:
    """An article's Markdown body as sanitized HTML; "" for an article without one."""
    return sanitize_markdown(article.markdown) if article.markdown.strip() else ""


def generated_time(events: Sequence[Event]) -> datetime | None:
    """SOURCE_DATE_EPOCH when set, else the newest report of ``events``: never the wall clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if re.fullmatch(r"[0-9]+", epoch):  # ASCII digits: isdigit() also takes "²" and "١"
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    dates = [e.last_date for e in events if e.last_date is not None]
    return max(dates) if dates else None


def relative(target: str, from_page: str) -> str:
    """Link from one page to another, both given relative to the site root.

    The site's own paths are plain ``a/b.html`` forms, so this works on their segments:
    ``os.path.relpath`` makes both paths absolute first and was a tenth of the render stage.
    Anything else (``./``, ``..``, empty segments) goes to ``relpath``.
    """
    folder = from_page.rpartition("/")[0]
    to = [] if target == "." else target.split("/")
    start = folder.split("/") if folder else []
    if any(part in ("", ".", "..") for part in (*to, *start)):
        return os.path.relpath(target, folder or ".").replace(os.sep, "/")
    common = 0
    while common < min(len(to), len(start)) and to[common] == start[common]:
        common += 1
    return "/".join([".."] * (len(start) - common) + to[common:]) or "."


def all_articles(event: Event) -> list[Article]:
    return [a for c in event.members for a in (c.article, *c.duplicates)]


def outlets_of(event: Event) -> tuple[str, ...]:
    """Distinct named outlets, sorted; reports of unknown outlet are not counted."""
    return tuple(sorted({a.source for a in all_articles(event) if a.source}))


def site_view(config: Config, search: bool) -> Site:
    return Site(
        title=config.site.title,
        description=config.site.description,
        language=config.site.language,
        base_url=config.site.base_url.rstrip("/"),
        search=search,
    )


def edition_view(digest: Digest) -> Edition:
    articles = [a for e in digest.events for a in all_articles(e)]
    when = generated_time(digest.events)
    return Edition(
        generated=iso(when),
        generated_label=date_label(when),
        event_count=len(digest.events),
        article_count=len(articles),
        outlet_count=len({a.source for a in articles if a.source}),
    )


def event_card(event: Event, href: str, keywords: tuple[KeywordRef, ...]) -> EventCard:
    outlets = outlets_of(event)
    return EventCard(
        id=event.id,
        headline=event.headline,
        href=href,
        date=iso(event.date),
        date_label=date_label(event.date),
        outlet_count=len(outlets),
        article_count=len(all_articles(event)),
        keywords=keywords,
        lead=event.summary[0].text if event.summary else "",
        outlets=outlets,
    )


def _coverage(event: Event) -> Coverage:
    articles = all_articles(event)
    dates = sorted(a.date for a in articles if a.date is not None)
    first, last = (dates[0], dates[-1]) if dates else (None, None)
    outlets = outlets_of(event)
    return Coverage(
        outlet_count=len(outlets),
        outlets=outlets,
        unknown_outlet=sum(1 for a in articles if not a.source),
        article_count=len(articles),
        first=iso(first),
        first_label=date_label(first),
        last=iso(last),
        last_label=date_label(last),
        undated=len(articles) - len(dates),
    )


def event_page(
    event: Event,
    card: EventCard,
    article_href: dict[str, str],
    related: tuple[EventCard, ...],
    day_href: str,
) -> EventPage:
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
                href=article_href[a.id],
                also=tuple(
                    AlsoPublished(
                        d.id, display_title(d), d.source or "", safe_url(d.url), article_href[d.id]
                    )
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
    return EventPage(
        card,
        span,
        summary,
        tuple(sources),
        _coverage(event),
        event_timeline(event, article_href),
        related,
        day_href,
        event.summary_over_budget,
    )


def event_timeline(event: Event, article_href: dict[str, str]) -> tuple[TimelineEntry, ...]:
    """Every report of the event, copies included, oldest first (undated last); each is
    numbered as its original is among the event's sources."""
    timeline: list[tuple[tuple, TimelineEntry]] = []
    for i, copies in enumerate(event.members, start=1):
        a = copies.article
        for report in (a, *copies.duplicates):
            entry = TimelineEntry(
                date=iso(report.date),
                date_label=date_label(report.date),
                source=report.source or "",
                title=display_title(report),
                href=article_href[report.id],
                number=i,
                duplicate=report is not a,
            )
            timeline.append(((report.date is None, report.date, i, report.id), entry))
    return tuple(entry for _key, entry in sorted(timeline, key=lambda t: t[0]))


# Reports listed either side of an article on its page. Listing every report of the event on
# each report's page made a large event cost the square of its size: at 100,000 articles one
# event of 815 reports put 664,000 entries on its 815 pages.
REPORTS_AROUND = 5


def reports_near(
    timeline: tuple[TimelineEntry, ...], at: int, reach: int = REPORTS_AROUND
) -> tuple[tuple[TimelineEntry, ...], int]:
    """The ``2 * reach + 1`` reports of a timeline centred on its ``at``-th (shifted to stay
    inside it at the ends), and how many reports that leaves out."""
    width = 2 * reach + 1
    lo = max(0, min(at - reach, len(timeline) - width))
    near = timeline[lo : lo + width]
    return near, len(timeline) - len(near)


def article_page(
    article: Article,
    event: Event,
    original: Article,
    event_href: str,
    event_reports: tuple[TimelineEntry, ...] = (),
    more_reports: int = 0,
    body: bool = True,
) -> ArticlePage:
    """The page of ``article``; without ``body``, ``body_html`` is left "" for the caller to
    fill with ``article_body`` (the render does so only for a page it renders)."""
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
        body_html=article_body(article) if body else "",
        event_href=event_href,
        event_headline=event.headline,
        duplicate_of=display_title(original) if original is not article else "",
        event_reports=event_reports,
        more_reports=more_reports,
    )
