"""Atom feeds of events and the sitemap.

Entry ids are ``urn:uuid`` values derived from the event id, so they survive a change of host.
Links are absolute when ``site.base_url`` is set; without it they are relative to the feed's own
location, which Atom allows and feed readers resolve against the feed URL.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
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


def atom_feed(
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
) -> str:
    """An Atom 1.0 document for ``events`` (newest first, at most FEED_SIZE of them)."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": language})
    _sub(feed, "id", _urn("feed", feed_key))
    _sub(feed, "title", title)
    if subtitle:
        _sub(feed, "subtitle", subtitle)
    _sub(feed, "updated", _stamp(updated))
    _sub(feed, "link", rel="self", type="application/atom+xml", href=self_href)
    _sub(feed, "link", rel="alternate", type="text/html", href=home_href)
    author = _sub(feed, "author")
    _sub(author, "name", title)
    _sub(feed, "generator", "digest")
    for event in list(events)[:FEED_SIZE]:
        entry = _sub(feed, "entry")
        _sub(entry, "id", _urn("event", event.id))
        _sub(entry, "title", event.headline)
        _sub(entry, "updated", _stamp(event.last_date or updated))
        if event.date is not None:
            _sub(entry, "published", _stamp(event.date))
        _sub(entry, "link", rel="alternate", type="text/html", href=event_href(event))
        outlets = outlets_of(event)
        if outlets:
            writer = _sub(entry, "author")
            _sub(writer, "name", ", ".join(outlets))
        for keyword in keywords(event):
            _sub(entry, "category", term=keyword)
        if event.summary:
            _sub(entry, "summary", event.summary[0].text, type="text")
        _sub(entry, "content", _content(event), type="html")
    for el in feed.iter():
        if not el.tag.startswith("{"):
            el.tag = f"{{{ATOM}}}{el.tag}"
    ET.indent(feed)
    body = ET.tostring(feed, encoding="unicode")
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
