"""Web formats: HTML pages and RSS/Atom feeds, as read from disk or from the network.

The read stage uses ``readers()`` for ``.html`` and feed files in the source folder; ``digest
fetch`` uses the same extraction for downloaded pages and feed entries, so an article reads the
same whether it was saved by hand or fetched.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import feedparser
import lxml.etree
import lxml.html
import trafilatura

from digest.clean import partial_date
from digest.model import Document
from digest.read import Reader, ReadError

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
# Less text than this is what an extractor finds on navigation, consent or error pages.
MIN_PAGE_WORDS = 20
# Only dates the page states: the extensive search guesses from copyright lines and the like.
# A fixed latest date: htmldate's default, the end of today, discards a page's date until the
# day it falls on has come, so the same page would be dated on one build day and not another.
_DATE_PARAMS = {"extensive_search": False, "original_date": True, "max_date": "2099-12-31"}
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ocid|cmpid)$", re.I)


@dataclass(frozen=True)
class Page:
    """The article found in an HTML page: Markdown text and the metadata the page declares."""

    markdown: str
    title: str | None = None
    author: str | None = None
    date: str | None = None  # ISO 8601 date, as the page states it
    sitename: str | None = None
    url: str | None = None  # the page's canonical URL, when it declares one


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        found = codecs.lookup(name.strip().strip("\"'"))
    except LookupError:
        return None
    # "hex", "rot13" and "zlib" are codecs too, but not of bytes to text: decoding would raise.
    return found.name if getattr(found, "_is_text_encoding", True) else None


def decode_html(raw: bytes, declared: str | None = None) -> str:
    """Decode an HTML page: BOM, then the HTTP charset, then ``<meta charset>``, then UTF-8,
    then Windows-1252 (what pages labelled Latin-1 really use)."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):  # fmt: skip
        if raw.startswith(bom):
            return raw.decode(name, errors="replace").lstrip("\ufeff")
    m = _META_CHARSET.search(raw[:4096])
    for name in (_codec(declared), _codec(m.group(1).decode("ascii")) if m else None):
        if name is None:
            continue
        if name in ("latin-1", "iso8859-1", "ascii"):
            name = "cp1252"  # browsers read these labels as Windows-1252; so must we
        try:
            return raw.decode(name, errors="replace")
        except (UnicodeError, LookupError, ValueError):
            # "undefined", "idna", "punycode": codecs of text that no page is written in, which
            # raise whatever the error handler; the label is ignored like an unknown one.
            continue
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(unicodedata.normalize("NFC", str(value)).split())
    return text or None


def _drop_title_heading(markdown: str, title: str | None) -> str:
    """Remove a leading ``# Title`` that repeats the title, which the front matter already holds."""
    lines = markdown.lstrip().splitlines()
    heading = lines[0][2:].strip().strip("#") if lines and lines[0].startswith("# ") else None
    if heading and title and _clean(heading) == _clean(title):
        return "\n".join(lines[1:]).strip()
    return markdown.strip()


def _relax_escapes(markdown: str) -> str:
    """Drop the extractor's backslash escapes where Markdown needs none, so the files read as
    plain text: brackets that start no link ("[sic]"), underscores inside words, tildes."""
    markdown = markdown.replace("\\~", "~")
    markdown = re.sub(r"(?<=\w)\\_(?=\w)", "_", markdown)
    return re.sub(r"\\\[([^\[\]\n]*?)\\\](?![(:\[])", r"[\1]", markdown)


def extract_page(html: str, url: str | None = None) -> Page | None:
    """The article text and metadata of a page, or None when it holds no article text."""
    meta = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        date_extraction_params=_DATE_PARAMS,
    )
    body = trafilatura.extract(
        html, url=url, output_format="markdown", include_comments=False, include_tables=True
    )
    if meta is None or not body or len(body.split()) < MIN_PAGE_WORDS:
        return None
    title = _clean(meta.title)
    canonical = _clean(meta.url)
    if canonical and not re.match(r"^https?://", canonical, re.I):
        canonical = None
    return Page(
        markdown=_relax_escapes(_drop_title_heading(body, title)),
        title=title,
        author=_clean(meta.author),
        date=_clean(meta.date),
        sitename=_clean(meta.sitename),
        url=canonical,
    )


def fragment_to_markdown(html: str) -> str:
    """Markdown of an HTML fragment (a feed entry's content), one paragraph per block."""
    if not html or not html.strip():
        return ""
    if "<" not in html:
        return "\n\n".join(" ".join(p.split()) for p in re.split(r"\n\s*\n", html) if p.strip())
    text = trafilatura.extract(f"<html><body><article>{html}</article></body></html>",
                               output_format="markdown", favor_recall=True)  # fmt: skip
    if text and text.strip():
        return _relax_escapes(text.strip())
    # Too short for the extractor's thresholds: take the text of the fragment as it is.
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (ValueError, lxml.etree.ParserError):
        return ""
    return " ".join(root.text_content().split())


# Feeds -------------------------------------------------------------------------------------


def parse_feed(raw: bytes, headers: dict[str, str] | None = None) -> Any:
    """Parse RSS 0.9x/1.0/2.0 or Atom. Raises ReadError when the bytes are not a feed at all.

    ``headers`` are the HTTP response's: ``content-type`` may name the charset, and
    ``content-location`` (the feed's URL) resolves relative links."""
    parsed = feedparser.parse(raw, response_headers=headers or {}, sanitize_html=True)
    if parsed.entries or parsed.get("version"):
        return parsed  # feedparser recovers what it can from a damaged but real feed
    problem = _clean(parsed.get("bozo_exception"))
    # The XML parser names no file ("<unknown>:2:0: syntax error"); say the line instead.
    m = re.match(r"^<unknown>:(\d+):\d+: (.*)$", problem or "")
    detail = f": {m.group(2)} at line {m.group(1)}" if m else f": {problem}" if problem else ""
    raise ReadError(f"not an RSS or Atom feed{detail}")


def entry_link(entry: Any) -> str | None:
    link = _clean(entry.get("link"))
    if link and re.match(r"^https?://", link, re.I):
        return link
    guid = _clean(entry.get("id"))
    if guid and re.match(r"^https?://", guid, re.I) and entry.get("guidislink", True):
        return guid
    return None


def entry_date(entry: Any) -> str | None:
    """The entry's publication (or else update) time as ISO 8601 UTC.

    feedparser completes a date the feed states only in part: "2024-05" becomes the first of
    May and a time alone ("10:30") takes today's date, so the site would change with the build
    day. Such a date gives way to a whole one the entry states under another key; failing
    that, it is passed on as the feed wrote it, and the clean stage ignores it with a warning,
    as it does a partial date in front matter."""
    value = entry_time(entry)
    if value is not None:
        return datetime(*value[:6], tzinfo=UTC).isoformat().replace("+00:00", "Z")
    partial = [_own(entry, key) for key in _DATE_KEYS if _own(entry, f"{key}_parsed")]
    return partial[0].strip() if partial and partial[0] else None


_DATE_KEYS = ("published", "updated", "created")


def entry_time(entry: Any) -> Any:
    """feedparser's parsed time (a ``time.struct_time`` in UTC) of the first date the entry
    states in full, publication first; None when it states none (``entry_date``)."""
    for key in _DATE_KEYS:
        value = _own(entry, f"{key}_parsed")
        if value and not partial_date(_own(entry, key) or ""):
            return value
    return None


def _own(entry: Any, key: str) -> Any:
    """The entry's own value for ``key``: feedparser's dict answers a missing "updated" with
    the "published" value (and a deprecation warning), which would read one date as two; the
    plain dict lookup sees only what the entry holds."""
    return dict.get(entry, key)


def entry_title(entry: Any) -> str | None:
    """The entry's title as plain text. Atom allows HTML titles, and feedparser marks an RSS
    title that carries markup as HTML too; a plain one keeps its "<" and ">" ("3 < 5")."""
    title = entry.get("title") or ""
    kind = (entry.get("title_detail") or {}).get("type", "text/plain")
    if "html" in kind and ("<" in title or "&" in title):
        try:
            root = lxml.html.fragment_fromstring(title, create_parent="div")
        except (lxml.etree.ParserError, ValueError):
            return _clean(re.sub(r"<[^>]*>", " ", title))
        # Each element's text apart: "<b>Vote</b><i>today</i>" is two words, as shown.
        return _clean(" ".join(root.itertext()))
    return _clean(title)


def entry_author(entry: Any) -> str | None:
    detail = entry.get("author_detail") or {}
    return _clean(detail.get("name")) or _clean(entry.get("author"))


def entry_markdown(entry: Any) -> str:
    """The entry's own text: its full content if the feed carries it, else its summary."""
    contents = entry.get("content") or []
    best = max((c.get("value", "") for c in contents), key=len, default="")
    summary = entry.get("summary", "") or ""
    return fragment_to_markdown(best if len(best) >= len(summary) else summary)


def entry_key(entry: Any) -> str:
    """What identifies an entry across runs: its link, else its id, else its title."""
    return (
        entry_link(entry)
        or _clean(entry.get("id"))
        or _clean(entry.get("title"))
        or entry_markdown(entry)[:200]
    )


def normalize_url(url: str) -> str:
    """The URL without fragment and tracking parameters, scheme and host lower-cased."""
    parts = urlsplit(url.strip())
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not _TRACKING.match(k)])  # fmt: skip
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", query, ""))


def stable_name(key: str) -> str:
    """A file-name-safe name for a URL (or any key): a readable slug plus a hash, so it is the
    same on every run and never collides."""
    if re.match(r"^https?://", key, re.I):
        key = normalize_url(key)
        parts = urlsplit(key)
        words = [p for p in parts.path.split("/") if p] or [parts.hostname or ""]
        base = re.sub(r"\.(s?html?|php|aspx?)$", "", words[-1], flags=re.I)
    else:
        base = key
    ascii_text = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:50].rstrip("-")
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]
    return f"{slug}-{digest}" if slug else digest


# Readers for the source folder ----------------------------------------------------------------


def _meta(**values: str | None) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, v) for k, v in values.items() if v))


def read_html(data: bytes, rel: str, doc_id: str) -> list[Document]:
    """A saved web page: the article text and metadata, as trafilatura finds them."""
    page = extract_page(decode_html(data))
    if page is None:
        raise ReadError("no article text found in the HTML page")
    meta = _meta(title=page.title, source=page.sitename, url=page.url, date=page.date,
                 author=page.author)  # fmt: skip
    return [Document(id=doc_id, path=rel, body=page.markdown, meta=meta, format="markdown")]


def read_feed(raw: bytes, rel: str, doc_id: str) -> list[Document]:
    """A saved RSS or Atom feed: one document per entry, with the entry's own text."""
    if not raw.strip():
        raise ReadError("empty file, not a feed")
    feed = parse_feed(raw)
    if not feed.entries:
        raise ReadError("the feed has no entries")
    source = _clean(feed.feed.get("title"))
    documents = []
    for entry in feed.entries:
        meta = _meta(title=entry_title(entry), source=source, url=entry_link(entry),
                     date=entry_date(entry), author=entry_author(entry))  # fmt: skip
        documents.append(
            Document(
                id=f"{doc_id}-{stable_name(entry_key(entry))}",
                path=rel,
                body=entry_markdown(entry),
                meta=meta,
                format="markdown",
            )
        )
    return documents


def readers() -> dict[str, Reader]:
    """Readers by file suffix for web pages and feed files."""
    return {
        ".html": read_html,
        ".htm": read_html,
        ".xml": read_feed,
        ".rss": read_feed,
        ".atom": read_feed,
    }
