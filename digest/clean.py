"""Clean stage: strip what a scraped page carries besides the story, and settle the metadata.

Scraped text keeps the page around the story: repeated headlines, section labels, breadcrumbs,
bylines, datelines, captions, "Read also" blocks, comments and subscription notices. This stage
removes them, keeping what they tell (author, place, date, outlet) as metadata.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any
from urllib.parse import urlsplit

from dateutil import parser as dateparser

from digest.model import Article, Document, Rejection

KNOWN_KEYS = {"title", "source", "url", "date", "author", "id", "event"}

# Every kind of white space (lines are split already): runs of it make the dateline and date
# patterns below backtrack, so they are collapsed first.
_WS = re.compile(r"[\s\u200b]+")
_TERMINAL = re.compile(r"[.!?…][\"'”’»)\]]*$")
_WORD = re.compile(r"\w+", re.U)

# A paragraph this long that ends like a sentence is story text, not page furniture.
_BODY_MIN_WORDS = 12
# Notices and captions are short; longer paragraphs are never tested against their patterns.
_SHORT_CHARS = 2000

_READ_ALSO = re.compile(
    r"^(read (also|more|next)|see also|also read|"
    r"related( (articles?|stories|news|coverage|content))?|"
    r"more (on|from) (this|the)|recommended( for you)?|you may also like|most read)\b\s*:?",
    re.I,
)
_COMMENTS = re.compile(
    r"^((\d+|one|two|three|no) (comments?|responses?|replies)|leave a (reply|comment)|"
    r"comments?|add (a|your) comment|join the (conversation|discussion)|post a comment|"
    r"your email address will not be published.*)\s*:?$",
    re.I,
)
_NOTICE = re.compile(
    r"(\bsubscri(be|ption|bers?)\b|\bcopyright\b|©|\ball rights reserved\b|\bnewsletter\b|"
    r"\bsign up\b|\bcookies?\b.*\b(consent|accept|policy)\b|\bprivacy policy\b|"
    r"\bfollow us on\b|\bclick here\b)",
    re.I,
)
_CAPTION = re.compile(
    r"(\b(courtesy|file) (photo|image)\b|\bphoto(graph)?\s*(:|by|credit)|"
    r"\b(ap|afp|reuters|getty|epa)( images| photo)?\s*/|\bgetty images\b|"
    r"\bimage (source|credit)\b|\bcredit\s*:|\(photo\b|"
    r"\bphoto:\s|\. courtesy photo$|^\s*photo\b)",
    re.I,
)
_BREADCRUMB = re.compile(r"\s(/|>|»|›)\s")
_AGENCY_DATELINE = re.compile(r"^([A-Z][\w .,'’-]{1,60}?)\s*\|\s*([\w .&'’-]{2,40}?)\s*\|\s*(?=\S)")
_CAPS_DATELINE = re.compile(
    r"^([A-Z][A-Z .'’-]{2,40}(?:,\s*[A-Z][\w.]*(?: [A-Z][\w.]*)?)?)"
    r"(?:,?\s+\w{3,9}\.? \d{1,2})?\s*(?:\(([\w .&'’-]{2,30})\))?\s*[-—–:]\s+(?=\S)"
)
# A wire service's dateline in any case: "Washington (CNN) ...", "abuja, nigeria ( ap ) — ..."
# (feeds that lower-case their text, or outlets that do not capitalise the place).
_WIRE_DATELINE = re.compile(
    r"^([^\W\d_][\w.'’-]*(?:,?\s+[^\W\d_][\w.'’-]*){0,3})"
    r"(?:,?\s+\w{3,9}\.? \d{1,2})?\s*\(\s*(ap|cnn|reuters|afp|upi)\s*\)\s*(?:[-—–:]+\s*)?(?=\S)",
    re.I,
)
# Each wire service as it writes its own name, whatever case the dateline is in ("( reuters )",
# "(REUTERS)").
_WIRE_NAMES = {"ap": "AP", "cnn": "CNN", "reuters": "Reuters", "afp": "AFP", "upi": "UPI"}
# Words of a sentence's opening, never of a dateline's place: "The company (AP) said ...".
_NOT_A_PLACE = frozenset({
    "a", "an", "the", "he", "she", "it", "they", "we", "i", "you", "his", "her", "its", "their",
    "this", "that", "said", "says", "told", "according", "to", "in", "of", "for", "on", "at",
    "by", "with", "from", "as",
})  # fmt: skip
_OUTLET_NOTICE = re.compile(
    r"^(?P<outlet>[A-Z][\w&.'’ -]{2,60}?) (website|site|app) (contains|offers|publishes)", re.I
)
_COPYRIGHT_OUTLET = re.compile(r"(?:©|copyright)\s*(?:\d{4}\s*)?(?P<outlet>[A-Z][\w&.'’ -]{2,40})")
_BYLINE_DATE = re.compile(
    r"(\d{1,2}[./-]\d{1,2}[./-]\d{4}|\d{4}-\d{2}-\d{2}|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4}|"
    r"\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* \d{4})",
    re.I,
)
_BY = re.compile(r"^by\s+(?P<name>[A-Z][\w.'’-]+(?:\s+(?:[A-Z][\w.'’-]+|de|van|von|al))*)", re.I)
_DATE_ONLY = re.compile(
    r"^(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day\s*,?\s*)?"
    r"(?:\w++\s*,?\s*){0,3}\d{4}(?:\s*,?\s*\d{1,2}:\d{2}.*)?$",
    re.I,
)


def normalize_line(line: str) -> str:
    return _WS.sub(" ", unicodedata.normalize("NFC", line)).strip()


def _key(text: str) -> str:
    """Comparison key: lower-cased words only, so quotes and punctuation do not matter."""
    return " ".join(_WORD.findall(text.lower()))


def _is_body(line: str) -> bool:
    return len(line.split()) >= _BODY_MIN_WORDS and bool(_TERMINAL.search(line))


def _same_headline(a: str, b: str) -> bool:
    ka, kb = _key(a), _key(b)
    if not ka or not kb:
        return False
    if ka == kb or (len(kb.split()) >= 2 and kb in ka) or (len(ka.split()) >= 2 and ka in kb):
        return True
    wa, wb = set(ka.split()), set(kb.split())
    return len(wa & wb) / len(wa | wb) >= 0.75


# A publication date in a link's path, as many outlets write it: /2021/10/15/..., or at the end
# of the slug, .../some-story-2021-10-15/. Year, month and day all present: a year and month
# alone (/2021/10/) say too little, and digits run together (20211015) may be an id.
_URL_DATE = re.compile(
    r"(?<=[/_-])((?:19|20)\d\d)([/_-])(0?[1-9]|1[0-2])\2(0?[1-9]|[12]\d|3[01])(?=[/_.-]|$)"
)


def url_date(url: str | None) -> datetime | None:
    """The date in a link's path ("https://www.nytimes.com/2021/10/15/world/..."), or None.

    The rule htmldate applies to links (``extract_url_date``), without its check against
    today's clock, which would make the same input give a different site on another day.
    """
    if not url:
        return None
    try:
        path = urlsplit(url).path
    except ValueError:  # a malformed address ("http://[::1") states no date either
        return None
    m = _URL_DATE.search(path)
    if m is None:
        return None
    try:
        return datetime(int(m[1]), int(m[3]), int(m[4]), tzinfo=UTC)
    except ValueError:  # 2021/02/30
        return None


class _FixedCenturies(dateparser.parserinfo):
    """dateutil's words for dates, with two-digit years read by a rule that ignores the clock."""

    def convertyear(self, year: int, century_specified: bool = False) -> int:
        if year < 100 and not century_specified:
            # POSIX strptime's rule for %y: 69-99 are 1969-1999, 00-68 are 2000-2068. dateutil
            # would centre its window on this year, so "6/5/76" would change century with it.
            return year + (1900 if year >= 69 else 2000)
        return year


_DATE_PARSER = dateparser.parser(_FixedCenturies())

# dateutil takes what the text leaves out from a default (today, unless told otherwise). Parsed
# against two defaults, a field the text states comes out the same and one it omits does not.
# Their days lie more than a week apart because a weekday ("Tuesday, May 2024") moves the
# default day forward by up to six days: 1 and 2 May would both land on Tuesday 7 May.
_DEFAULTS = (datetime(2001, 1, 1), datetime(2002, 2, 15))


def _stated_offset(name: str | None, offset: int | None) -> tzinfo | None:
    """The zone of a parsed date from its stated offset only ("+02:00", "Z", "UTC", "GMT").

    Without this dateutil reads an abbreviation that matches the machine's own zone ("EST" on a
    machine in New York) as local time, so the same file would give another date elsewhere; an
    abbreviation is read as UTC everywhere instead, as it already was on a UTC machine.
    """
    if offset is None:
        return None
    return UTC if offset == 0 else timezone(timedelta(seconds=offset))


def _full_date(text: str, *, dayfirst: bool) -> datetime | None:
    """The date ``text`` states with its year, month and day, or None.

    A date without its year ("June 5") or a time alone ("10:30") would otherwise take them from
    the day of the build. A date without its day ("May 2024") is not completed either, although
    the first of the month would be deterministic: a reader takes a report's date for the day it
    appeared, the date sets its place in the list and which reports may share its event (within
    ``grouping.window_days``), and a made-up day weeks early would move both, while an undated
    article still groups by its text and may take its date from its byline or link.
    """
    both = _both_readings(text, dayfirst=dayfirst)
    return both[0] if both is not None and both[0].date() == both[1].date() else None


def partial_date(text: str) -> bool:
    """Whether ``text`` reads as a date or time that leaves out its year, month or day
    ("10:30", "May 2024"), which ``_full_date`` would not complete; False for text that does
    not read as a date at all."""
    both = _both_readings(text, dayfirst=False)
    return both is not None and both[0].date() != both[1].date()


def _both_readings(text: str, *, dayfirst: bool) -> tuple[datetime, datetime] | None:
    """``text`` read against each of ``_DEFAULTS``, or None when it is not a date."""
    try:
        first, second = (
            _DATE_PARSER.parse(text, default=d, dayfirst=dayfirst, tzinfos=_stated_offset)
            for d in _DEFAULTS
        )
    except (ValueError, OverflowError):
        return None
    return first, second


def _parse_date(value: Any) -> datetime | None:
    """Any date value (YAML date, datetime or string) as an aware UTC datetime, or None."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and value.strip():
        dt = _full_date(value.strip(), dayfirst=False)
        if dt is None:
            return None
    else:
        return None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    try:
        return dt.astimezone(UTC)
    except (OverflowError, ValueError):  # "0001-01-01 00:00+05:00" falls before year 1 in UTC
        return None


def _byline_date(text: str) -> datetime | None:
    m = _BYLINE_DATE.search(text)
    if m is None:
        return None
    raw = m.group(1)
    # Numeric day-first dates (06.06.2024) are the convention of the outlets that write them.
    dt = _full_date(raw, dayfirst=bool(re.match(r"\d{1,2}[./]", raw)))
    return dt.replace(tzinfo=UTC) if dt is not None else None


def _as_text(value: Any) -> str | None:
    """A front-matter value as display text; lists are joined, mappings are not text."""
    if value is None or isinstance(value, dict):
        return None
    if isinstance(value, list | tuple):
        parts = [_as_text(v) for v in value]
        return ", ".join(p for p in parts if p) or None
    text = normalize_line(str(value))
    return text or None


class _Found:
    """Metadata the cleaner reads off the page while it strips it."""

    def __init__(self) -> None:
        self.author: str | None = None
        self.place: str | None = None
        self.date: datetime | None = None
        self.source: str | None = None


def _byline(line: str, found: _Found) -> bool:
    """Read a byline ("Name | 06.06.2024 - Update : ...", "By Name") into ``found``."""
    m = _BY.match(line)
    has_date = _BYLINE_DATE.search(line) is not None
    if m is None and not ("|" in line and has_date):
        return False
    if len(line.split()) > 16:
        return False
    if m is not None:
        found.author = found.author or m.group("name").strip()
    else:
        name = line.split("|")[0].strip()
        if name and not _BYLINE_DATE.search(name) and len(name.split()) <= 5:
            found.author = found.author or name
    if has_date:
        found.date = found.date or _byline_date(line)
    return True


def _dateline(paragraph: str, found: _Found) -> str:
    """Strip a leading dateline ("Brussels | Xinhua | ...", "HELSINKI (AFP) - ...")."""
    m = _AGENCY_DATELINE.match(paragraph)
    if m is not None:
        found.place = found.place or m.group(1).strip(" ,")
        found.source = found.source or m.group(2).strip()
        return paragraph[m.end() :]
    m = _CAPS_DATELINE.match(paragraph)
    if m is not None and m.group(1).split(",")[0].isupper():
        found.place = found.place or m.group(1).strip(" ,").title()
        if m.group(2):
            source = m.group(2).strip()
            found.source = found.source or _WIRE_NAMES.get(source.lower(), source)
        return paragraph[m.end() :]
    m = _WIRE_DATELINE.match(paragraph)
    if m is not None and not _NOT_A_PLACE.intersection(
        m.group(1).lower().replace(",", " ").split()
    ):
        place = m.group(1).strip(" ,")
        found.place = found.place or (
            place.title() if place.islower() or place.isupper() else place
        )
        found.source = found.source or _WIRE_NAMES[m.group(2).lower()]
        return paragraph[m.end() :]
    return paragraph


def _pick_title(header: list[str]) -> str:
    """The headline among the lines above the story: a repeated line wins, else the first that is
    not a date, breadcrumb or caption."""
    candidates = [
        ln
        for ln in header
        if not _DATE_ONLY.match(ln)
        and not _BREADCRUMB.search(ln)
        and not _CAPTION.search(ln)
        and not (_BY.match(ln) or ("|" in ln and _BYLINE_DATE.search(ln)))
    ]
    for i, line in enumerate(candidates):
        if any(_key(line) == _key(other) for other in candidates[i + 1 :]) or any(
            _BREADCRUMB.search(h) and _key(h).endswith(_key(line)) for h in header
        ):
            return line
    return candidates[0] if candidates else (header[0] if header else "")


def _strip_body(paragraphs: list[str], title: str, found: _Found) -> list[str]:
    out: list[str] = []
    skip_next = False
    for para in paragraphs:
        if skip_next:
            skip_next = False
            if not _is_body(para) or len(out) > 0:
                continue
        if _COMMENTS.match(para):
            break  # everything after a comment-section marker is reader comments
        if _READ_ALSO.match(para):
            rest = _READ_ALSO.sub("", para).strip(" :-—")
            # A bare marker introduces the next block; a marker with text is the block itself.
            skip_next = not rest
            continue
        words = len(para.split())
        # Length first: the notice and caption patterns are slow on long paragraphs.
        if words < 80 and len(para) < _SHORT_CHARS and _NOTICE.search(para):
            m = _OUTLET_NOTICE.match(para) or _COPYRIGHT_OUTLET.search(para)
            if m is not None:
                found.source = found.source or m.group("outlet").strip()
            continue
        if words < 30 and len(para) < _SHORT_CHARS and _CAPTION.search(para):
            continue
        if _same_headline(para, title) and words < 25:
            continue
        if words < 10 and not _TERMINAL.search(para):
            continue  # a sub-heading or label, not a sentence of the story
        if not out:
            para = _dateline(para, found)
        out.append(para)
    return out


def _split_header(lines: list[str]) -> tuple[list[str], list[str]]:
    for i, line in enumerate(lines):
        if _is_body(line):
            return lines[:i], lines[i:]
    return lines[:1], lines[1:]


_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_MD_LIST_ITEM = re.compile(r"^\s*([-*+]|\d{1,3}[.)])\s+")


def _markdown_inline(text: str) -> str:
    """Markdown inline syntax to plain text; backslash escapes survive as literal characters."""
    # Escaped characters are set aside first so the emphasis and link rules never see them.
    escaped: list[str] = []

    def hold(m: re.Match[str]) -> str:
        escaped.append(m.group(1))
        return f"\ue000{len(escaped) - 1}\ue001"

    text = _MD_ESCAPE.sub(hold, text)
    # The character classes stop at the next opening bracket so every pattern stays linear.
    text = re.sub(r"<[^<>]*>", " ", text)  # raw HTML never reaches plain text
    text = re.sub(r"!\[[^\[\]]*\]\([^()]*\)", " ", text)
    text = re.sub(r"\[([^\[\]]*)\]\([^()]*\)", r"\1", text)
    text = re.sub(r"(\*\*|__|`)", "", text)
    text = re.sub(r"(?<!\w)[*_](\S[^*_]*?\S|\S)[*_](?!\w)", r"\1", text)
    text = re.sub(r"\uE000(\d+)\uE001", lambda m: escaped[int(m.group(1))], text)
    return normalize_line(text)


def _markdown_to_paragraphs(body: str) -> tuple[list[str], str | None]:
    """Plain paragraphs of a Markdown body, and its first level-one heading if any.

    Each list item becomes a paragraph of its own; block quotes lose their markers.
    """
    heading = None
    paragraphs: list[str] = []
    # Script and style contents are code, not prose: drop them with their tags.
    body = re.sub(r"<(script|style)\b[^<>]*>.*?(</\1\s*>|\Z)", " ", body, flags=re.I | re.S)
    for block in re.split(r"\n\s*\n", body):
        lines = [re.sub(r"^\s*>\s?", "", ln) for ln in block.strip().splitlines() if ln.strip()]
        if not lines:
            continue
        h = re.match(r"^(#{1,6})\s+(.*)", " ".join(ln.strip() for ln in lines))
        if h:
            if h.group(1) == "#" and heading is None and not paragraphs:
                heading = _markdown_inline(h.group(2).rstrip().rstrip("#"))
            continue
        items: list[list[str]] = []
        for line in lines:
            if _MD_LIST_ITEM.match(line) or not items:
                items.append([_MD_LIST_ITEM.sub("", line)])
            else:
                items[-1].append(line.strip())
        for item in items:
            text = _markdown_inline(" ".join(item))
            if text:
                paragraphs.append(text)
    return paragraphs, heading


def _host_outlet(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:  # a malformed address ("http://[::1") names no outlet
        return None
    host = re.sub(r"^(www\d?|m|amp|edition|news)\.", "", host)
    return host or None


def _empty_reason(body: str) -> str:
    """Why a document with no title and no story text is rejected: it had no words at all, or
    every line it had was page furniture that this stage strips, which a reader of the report
    would otherwise take for an empty file."""
    count = len(_WORD.findall(body))
    if not count:
        return "no title and no text"
    said = "its one word is" if count == 1 else f"its {count} words are all"
    return (
        f"no title, and {said} page furniture (notices, captions, bylines, link lists), not a story"
    )


def clean(doc: Document) -> Article | Rejection:
    """Clean one document into an article, or reject it with a reason."""
    found = _Found()
    if doc.format == "markdown":
        paragraphs, heading = _markdown_to_paragraphs(doc.body)
        title = _as_text(doc.get("title")) or heading or ""
        paragraphs = _strip_body(paragraphs, title, found)
    else:
        lines = [normalize_line(ln) for ln in doc.body.splitlines()]
        lines = [ln for ln in lines if ln]
        header, body = _split_header(lines)
        title = _pick_title(header)
        for line in header:
            if line is title or _same_headline(line, title) or _byline(line, found):
                continue
            if line.isupper() and len(line.split()) <= 4 and not _DATE_ONLY.match(line):
                found.place = found.place or line.title()  # a dateline on its own line
        paragraphs = _strip_body(body, title, found)
    if not title and not paragraphs:
        return Rejection(doc.id, doc.path, _empty_reason(doc.body))
    url = _as_text(doc.get("url"))
    if url and not re.match(r"^https?://", url, re.I):
        url = None  # only web links are ever rendered as links
    date_value = doc.get("date")
    parsed = _parse_date(date_value)
    warnings = list(doc.warnings)
    if date_value not in (None, "") and parsed is None:
        warnings.append(f"date {date_value!r} is not an ISO 8601 date; ignored")
    extra = tuple((k, v) for k, v in doc.meta if k not in KNOWN_KEYS)
    return Article(
        id=doc.id,
        path=doc.path,
        title=title,
        paragraphs=tuple(paragraphs),
        source=_as_text(doc.get("source")) or found.source or _host_outlet(url),
        url=url,
        # The front matter's date, else one the page states, else the link's.
        date=parsed or found.date or url_date(url),
        author=_as_text(doc.get("author")) or found.author,
        place=found.place,
        event=_as_text(doc.get("event")),
        extra=extra,
        format=doc.format,
        markdown=doc.body if doc.format == "markdown" else "",
        warnings=tuple(warnings),
    )
