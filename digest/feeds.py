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


def feed_entry(
    event: Event, *, href: str, keywords: Sequence[str], updated: datetime | None
) -> FeedEntry:
    """One event as an entry; ``updated`` stands in for the date of an undated event.

    An event is an entry of the site's feed and of each of its keywords' feeds: the render
    makes each entry once per process and hands it to every feed (``render._write_feed``).
    """
    return FeedEntry(
        id=_urn("event", event.id),
        title=event.headline,
        updated=_stamp(event.last_date or updated),
        published=_stamp(event.date) if event.date is not None else "",
        href=href,
        authors=", ".join(outlets_of(event)),
        categories=tuple(keywords),
        summary=event.summary[0].text if event.summary else "",
        content=_content(event),
    )


def feed_of(
    *,
    title: str,
    subtitle: str,
    language: str,
    feed_key: str,
    self_href: str,
    home_href: str,
    events: Sequence[Event],
    entry: Callable[[Event], FeedEntry],
    updated: datetime | None,
) -> Feed:
    """The feed of ``events`` (newest first, at most FEED_SIZE of them), each made by ``entry``
    (``feed_entry`` with the feed's links and ``updated``)."""
    entries = tuple(entry(event) for event in list(events)[:FEED_SIZE])
    return Feed(
        _urn("feed", feed_key), title, subtitle, language, _stamp(updated), self_href, home_href,
        entries,
    )  # fmt: skip


def _text(value: str) -> str:
    # What ElementTree escapes in text: the document stays the one it wrote before.
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(value: str) -> str:
    return (
        _text(value)
        .replace('"', "&quot;")
        .replace("\r", "&#13;")
        .replace("\n", "&#10;")
        .replace("\t", "&#09;")
    )


def _element(indent: str, tag: str, text: str) -> str:
    return f"{indent}<{tag}>{_text(text)}</{tag}>" if text else f"{indent}<{tag} />"


def atom_xml(feed: Feed) -> str:
    """The Atom 1.0 document of ``feed``.

    Written as text rather than through ElementTree: a site has a feed per keyword, and building
    and serialising element trees was most of the time of the feeds (a sixth of a render).
    Every value goes through ``_text`` or ``_attr``; the test compares with ElementTree's parse.
    """
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="{ATOM}" xml:lang="{_attr(feed.language)}">',
        _element("  ", "id", feed.id),
        _element("  ", "title", feed.title),
    ]
    if feed.subtitle:
        lines.append(_element("  ", "subtitle", feed.subtitle))
    lines += [
        _element("  ", "updated", feed.updated),
        f'  <link rel="self" type="application/atom+xml" href="{_attr(feed.self_href)}" />',
        f'  <link rel="alternate" type="text/html" href="{_attr(feed.home_href)}" />',
        "  <author>",
        _element("    ", "name", feed.title),
        "  </author>",
        "  <generator>digest</generator>",
    ]
    for item in feed.entries:
        lines += [
            "  <entry>",
            _element("    ", "id", item.id),
            _element("    ", "title", item.title),
            _element("    ", "updated", item.updated),
        ]
        if item.published:
            lines.append(_element("    ", "published", item.published))
        lines.append(f'    <link rel="alternate" type="text/html" href="{_attr(item.href)}" />')
        if item.authors:
            lines += ["    <author>", _element("      ", "name", item.authors), "    </author>"]
        lines += [f'    <category term="{_attr(k)}" />' for k in item.categories]
        if item.summary:
            lines.append(f'    <summary type="text">{_text(item.summary)}</summary>')
        content = f'    <content type="html">{_text(item.content)}</content>'
        lines += [content if item.content else '    <content type="html" />', "  </entry>"]
    lines.append("</feed>")
    return "\n".join(lines) + "\n"


def sitemap(urls: Sequence[str]) -> str:
    """A sitemap.xml listing absolute page URLs (sorted, so the file is stable)."""
    ET.register_namespace("", SITEMAP)
    root = ET.Element(f"{{{SITEMAP}}}urlset")
    for url in sorted(urls):
        entry = ET.SubElement(root, f"{{{SITEMAP}}}url")
        ET.SubElement(entry, f"{{{SITEMAP}}}loc").text = url
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"
