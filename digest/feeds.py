"""Atom feeds of events and the sitemap.

Entry ids are ``urn:uuid`` values derived from the event id, so they survive a change of host.
Links are absolute when ``site.base_url`` is set; without it they are relative to the feed's own
location, which Atom allows and feed readers resolve against the feed URL.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from digest.model import Event
from digest.views import all_articles, display_title, outlets_of

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
FEED_SIZE = 50
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _stamp(value: datetime | None) -> str:
    return (value or _EPOCH).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _urn(kind: str, key: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"digest:{kind}:{key}").urn


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text
    return el


def _content(event: Event) -> str:
    """The summary as HTML: every sentence with the outlets it comes from."""
    names = {a.id: a.source or display_title(a) for a in all_articles(event)}
    parts = []
    for sentence in event.summary:
        cited = ", ".join(dict.fromkeys(names[i] for i in sentence.sources if i in names))
        suffix = f" <small>({escape(cited)})</small>" if cited else ""
        parts.append(f"<p>{escape(sentence.text)}{suffix}</p>")
    return "\n".join(parts)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One event as a feed entry: every value the Atom document shows, already formatted."""

    id: str
    title: str
    updated: str
    published: str  # "" for an undated event
    href: str
    authors: str  # the outlets, comma-separated; "" when none is named
    categories: tuple[str, ...]
    summary: str  # the first summary sentence, "" without a summary
    content: str  # the cited summary as HTML


@dataclass(frozen=True, slots=True)
class Feed:
    """An Atom feed as plain values: two feeds with equal ``Feed`` values are the same file."""

    id: str
    title: str
    subtitle: str
    language: str
    updated: str
    self_href: str
    home_href: str
    entries: tuple[FeedEntry, ...]


def feed_of(
    *,
    title: str,
    subtitle: str,
    language: str,
    feed_key: str,
    self_href: str,
    home_href: str,
    events: Sequence[Event],
    event_href: Callable[[Event], str],
    keywords: Callable[[Event], Sequence[str]],
    updated: datetime | None,
) -> Feed:
    """The feed of ``events`` (newest first, at most FEED_SIZE of them)."""
    entries = tuple(
        FeedEntry(
            id=_urn("event", event.id),
            title=event.headline,
            updated=_stamp(event.last_date or updated),
            published=_stamp(event.date) if event.date is not None else "",
            href=event_href(event),
            authors=", ".join(outlets_of(event)),
            categories=tuple(keywords(event)),
            summary=event.summary[0].text if event.summary else "",
            content=_content(event),
        )
        for event in list(events)[:FEED_SIZE]
    )
    return Feed(
        _urn("feed", feed_key), title, subtitle, language, _stamp(updated), self_href, home_href,
        entries,
    )  # fmt: skip


def atom_xml(feed: Feed) -> str:
    """The Atom 1.0 document of ``feed``."""
    ET.register_namespace("", ATOM)
    root = ET.Element(
        f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": feed.language}
    )
    _sub(root, "id", feed.id)
    _sub(root, "title", feed.title)
    if feed.subtitle:
        _sub(root, "subtitle", feed.subtitle)
    _sub(root, "updated", feed.updated)
    _sub(root, "link", rel="self", type="application/atom+xml", href=feed.self_href)
    _sub(root, "link", rel="alternate", type="text/html", href=feed.home_href)
    author = _sub(root, "author")
    _sub(author, "name", feed.title)
    _sub(root, "generator", "digest")
    for item in feed.entries:
        entry = _sub(root, "entry")
        _sub(entry, "id", item.id)
        _sub(entry, "title", item.title)
        _sub(entry, "updated", item.updated)
        if item.published:
            _sub(entry, "published", item.published)
        _sub(entry, "link", rel="alternate", type="text/html", href=item.href)
        if item.authors:
            writer = _sub(entry, "author")
            _sub(writer, "name", item.authors)
        for keyword in item.categories:
            _sub(entry, "category", term=keyword)
        if item.summary:
            _sub(entry, "summary", item.summary, type="text")
        _sub(entry, "content", item.content, type="html")
    for el in root.iter():
        if not el.tag.startswith("{"):
            el.tag = f"{{{ATOM}}}{el.tag}"
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"


def sitemap(urls: Sequence[str]) -> str:
    """A sitemap.xml listing absolute page URLs (sorted, so the file is stable)."""
    ET.register_namespace("", SITEMAP)
    root = ET.Element(f"{{{SITEMAP}}}urlset")
    for url in sorted(urls):
        entry = ET.SubElement(root, f"{{{SITEMAP}}}url")
        ET.SubElement(entry, f"{{{SITEMAP}}}loc").text = url
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"
