"""``digest fetch``: collect the articles of the configured feeds into the source folder.

Each feed is downloaded (conditional GET: its ETag and Last-Modified are remembered between runs),
each entry's link is followed and the article extracted from the page; when the page cannot be
had, the entry's own text is used and the file says so. Every article becomes one Markdown file
with front matter, named from its URL, so runs are idempotent: a URL already on disk is left
alone (no request is made for it) unless ``force`` is set.
"""

from __future__ import annotations

import calendar
import json
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from tqdm import tqdm

from digest.clean import partial_date
from digest.config import Config, FeedConfig, url_problem
from digest.errors import ConfigError
from digest.httpclient import Client, FetchError, Response
from digest.read import ReadError, split_front_matter
from digest.webread import (
    Page,
    decode_html,
    entry_author,
    entry_date,
    entry_key,
    entry_link,
    entry_markdown,
    entry_time,
    entry_title,
    extract_page,
    normalize_url,
    parse_feed,
    stable_name,
)

STATE_DIR = "fetch"  # under the cache folder: validators and last copy of each feed
_HTML_TYPES = ("text/html", "application/xhtml+xml", "")


@dataclass(frozen=True)
class FetchReport:
    """What a fetch did. Paths are relative to the source folder; reasons are for the user."""

    added: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()  # (url or feed, reason)
    failed: tuple[tuple[str, str], ...] = ()  # (url or feed, reason)
    notes: tuple[tuple[str, str], ...] = ()  # (path, remark), e.g. text taken from the feed
    feeds_ok: int = 0

    def lines(self) -> list[str]:
        """The report as printed by the command: notes, skips, failures, then the counts."""
        out = [f"note {path}: {text}" for path, text in self.notes]
        out += [f"skipped {what}: {why}" for what, why in self.skipped]
        out += [f"failed {what}: {why}" for what, why in self.failed]
        out.append(
            f"{len(self.added)} added, {len(self.unchanged)} unchanged, "
            f"{len(self.skipped)} skipped, {len(self.failed)} failed"
        )
        return out


@dataclass(frozen=True)
class _Entry:
    feed: FeedConfig
    feed_title: str | None
    data: Any  # the feedparser entry

    @property
    def link(self) -> str | None:
        return entry_link(self.data)


@dataclass
class _Tally:
    """Outcomes collected from worker threads; only the coordinating thread touches it."""

    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)

    def report(self, feeds_ok: int) -> FetchReport:
        return FetchReport(
            added=tuple(sorted(self.added)),
            unchanged=tuple(sorted(self.unchanged)),
            skipped=tuple(sorted(self.skipped)),
            failed=tuple(sorted(self.failed)),
            notes=tuple(sorted(self.notes)),
            feeds_ok=feeds_ok,
        )


# State between runs --------------------------------------------------------------------------


def _state_dir(config: Config) -> Path:
    return config.path(config.cache) / STATE_DIR


def _load_state(folder: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # a missing or damaged state only costs full downloads
    feeds = data.get("feeds") if isinstance(data, dict) else None
    return {k: v for k, v in (feeds or {}).items() if isinstance(v, dict)}


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # A ".part" file is never read as an article, even by a build running during the fetch.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _save_state(folder: Path, feeds: dict[str, dict[str, str]]) -> None:
    text = json.dumps({"feeds": feeds}, indent=2, sort_keys=True) + "\n"
    _write_atomic(folder / "state.json", text.encode("utf-8"))


# Feeds ---------------------------------------------------------------------------------------


def _fetch_feed(
    client: Client, feed: FeedConfig, known: dict[str, str], folder: Path
) -> tuple[Any, dict[str, str] | None]:
    """The parsed feed and its new state entry (None: keep the old one). Raises FetchError."""
    copy = folder / f"{stable_name(feed.url)}.xml"
    have_copy = bool(known) and copy.is_file()
    etag = known.get("etag") if have_copy else None
    modified = known.get("last_modified") if have_copy else None
    resp = client.get(feed.url, etag=etag, last_modified=modified)
    if resp.status == 304:
        # Nothing new, but entries that failed last time are retried from the saved copy.
        # Links are relative to where the feed was last found, which a redirect may have moved.
        return parse_feed(copy.read_bytes(), {"content-location": resp.url or feed.url}), None
    headers = {"content-type": resp.headers.get("content-type", ""), "content-location": resp.url}
    try:
        parsed = parse_feed(resp.body, headers)
    except ReadError as exc:
        raise FetchError(str(exc)) from None
    _write_atomic(copy, resp.body)
    state = {k: v for k, v in (("etag", resp.etag), ("last_modified", resp.last_modified)) if v}
    return parsed, state


# Articles ------------------------------------------------------------------------------------


def article_path(source: Path, key: str) -> Path:
    """Where the article with this URL (or other entry key) lives: a folder per site.

    The folder is named after the link's host, which the feed chose: only its letters, digits,
    hyphens, underscores and inner dots are kept, so that "http://../x" cannot lead out of the
    source folder and "http://www..hidden/x" cannot make a hidden folder the build would not
    read."""
    host = urlsplit(key).hostname if re.match(r"^https?://", key, re.I) else None
    folder = re.sub(r"[^\w.-]", "", (host or "").lower())
    folder = re.sub(r"^www\d?\.", "", folder).strip(".") or "feeds"
    return source / folder / f"{stable_name(key)}.md"


def render_article(meta: dict[str, Any], body: str) -> str:
    """A Markdown file with YAML front matter; empty values are left out."""
    kept = {k: v for k, v in meta.items() if v not in (None, "")}
    front = yaml.safe_dump(kept, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{front}---\n\n{body.strip()}\n"


def _best_date(feed_date: str | None, page_date: str | None) -> str | None:
    """The feed's date, unless it states only part of one and the page states a whole one."""
    if feed_date and partial_date(feed_date) and page_date:
        return page_date
    return feed_date or page_date


def _fetched_of(path: Path) -> str | None:
    try:
        meta, _, _ = split_front_matter(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ReadError):
        return None
    value = meta.get("fetched")
    return str(value) if value else None


@dataclass(frozen=True)
class _Result:
    kind: str  # added, unchanged, skipped or failed
    what: str
    reason: str = ""
    note: str = ""


def _page_article(client: Client, url: str) -> tuple[Page | None, str, bool]:
    """The extracted page, or None, why it could not be had and whether robots.txt said no."""
    why = client.refusal(url)
    if why is not None:
        return None, why, True
    try:
        resp: Response = client.get(url)
    except FetchError as exc:
        return None, str(exc), False
    if resp.content_type not in _HTML_TYPES:
        return None, f"the page is {resp.content_type}, not HTML", False
    page = extract_page(decode_html(resp.body, resp.charset), resp.url)
    if page is None:
        return None, "no article text found on the page", False
    return page, "", False


def _collect(client: Client, entry: _Entry, source: Path, force: bool, now: str) -> _Result:
    """Fetch one entry's article into its file; any failure becomes a failed result."""
    try:
        return _collect_entry(client, entry, source, force, now)
    # Extractors meet arbitrary web input; whatever breaks on one page must not stop the run.
    except Exception as exc:  # noqa: BLE001
        return _Result("failed", entry.link or entry.feed.url, f"{type(exc).__name__}: {exc}")


def _collect_entry(client: Client, entry: _Entry, source: Path, force: bool, now: str) -> _Result:
    key = entry.link or entry_key(entry.data)
    if not key:
        return _Result("skipped", entry.feed.url, "an entry has no link, id, title or text")
    path = article_path(source, key)
    rel = path.relative_to(source).as_posix()
    if path.exists() and not force:
        return _Result("unchanged", rel)
    data = entry.data
    page, why, refused = _page_article(client, entry.link) if entry.link else (None, "", False)
    own = entry_markdown(data)
    if page is not None and len(own.split()) > 2 * len(page.markdown.split()):
        # A teaser page (paywall, consent wall) beside a feed that carries the whole article.
        why = f"the page held only {len(page.markdown.split())} words, the feed entry more"
    body = page.markdown if page is not None and not why else own
    if not body.strip():
        if not why:
            return _Result("skipped", key, "the entry has no link and no text")
        return _Result("skipped" if refused else "failed", key, why)
    note = f"text from the feed entry; the page could not be used: {why}" if why else ""
    meta = {
        "title": entry_title(data) or (page.title if page else None),
        "source": entry.feed.name or (page.sitename if page else None) or entry.feed_title,
        "url": (page.url if page else None) or entry.link,
        "date": _best_date(entry_date(data), page.date if page else None),
        "author": (page.author if page else None) or entry_author(data),
        "fetched": now,
        "text_from": "feed entry" if note else None,
    }
    text = render_article(meta, body)
    if path.exists():
        # Under --force an unchanged article keeps its file, and its original fetch time.
        same = render_article({**meta, "fetched": _fetched_of(path)}, body)
        if path.read_text(encoding="utf-8", errors="replace") == same:
            return _Result("unchanged", rel)
    try:
        _write_atomic(path, text.encode("utf-8"))
    except OSError as exc:
        return _Result("failed", rel, f"cannot write file: {exc.strerror or exc}")
    return _Result("added", rel, note=note)


# The command ---------------------------------------------------------------------------------


@contextmanager
def _cancelled_on_interrupt(pool: ThreadPoolExecutor) -> Iterator[None]:
    """On Ctrl-C (or any error), drop the queued downloads: the pool's own exit waits for every
    task it holds, which for a few hundred entries is minutes. Running ones end within the
    timeout, and each file is written whole or not at all."""
    try:
        yield
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise


def newest(entries: list[Any], limit: int) -> list[Any]:
    """The ``limit`` newest entries (0: all), in the feed's order. Most feeds list the newest
    first, some the oldest; an entry without a date counts as older than every dated one."""
    if limit <= 0 or len(entries) <= limit:
        return entries
    stamps = [_entry_stamp(e) for e in entries]
    by_age = sorted(range(len(entries)), key=lambda i: (stamps[i] is None, -(stamps[i] or 0), i))
    return [entries[i] for i in sorted(by_age[:limit])]


def _entry_stamp(entry: Any) -> float | None:
    # Only a date the entry states in full: feedparser completes "10:30" with today's date.
    value = entry_time(entry)
    return float(calendar.timegm(value)) if value is not None else None


def _bar(total: int, desc: str, progress: bool) -> tqdm:
    return tqdm(total=total, desc=desc, unit=f" {desc}", file=sys.stderr, leave=False,
                disable=not (progress and sys.stderr.isatty()))  # fmt: skip


def fetch_all(
    config: Config,
    force: bool = False,
    progress: bool = True,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> FetchReport:
    """Fetch every configured feed into the source folder. One failing feed never stops the
    others; every failure is in the report with its reason."""
    if not config.feeds:
        raise ConfigError("no feeds configured: add a 'feeds' list of {url: ...} to the config")
    for i, feed in enumerate(config.feeds):  # load_config checks them; a Config made in code not
        if problem := url_problem(feed.url, required=True):
            raise ConfigError(f"'feeds[{i}].url' {problem}")
    source = config.path(config.source)
    folder = _state_dir(config)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or exc
        raise ConfigError(f"cannot write the fetch state to '{folder}': {reason}") from None
    state = _load_state(folder)
    client = Client(config.fetch)
    tally = _Tally()
    now = clock().replace(microsecond=0).isoformat().replace("+00:00", "Z")
    feeds = list(dict.fromkeys(config.feeds))

    entries: list[_Entry] = []
    feeds_ok = 0
    pool = ThreadPoolExecutor(config.fetch.parallel)
    with pool, _bar(len(feeds), "feeds", progress) as bar, _cancelled_on_interrupt(pool):
        by_future = {
            pool.submit(_fetch_feed, client, f, state.get(f.url, {}), folder): f for f in feeds
        }
        done = {}
        for future in as_completed(by_future):  # the bar moves as feeds finish
            bar.update()
            done[by_future[future]] = future
        for feed in feeds:  # entries in config order, so the first feed listing an article wins
            future = done[feed]
            try:
                parsed, new_state = future.result()
            except FetchError as exc:
                tally.failed.append((feed.url, str(exc)))
                continue
            except (OSError, ReadError) as exc:
                tally.failed.append((feed.url, f"saved copy unusable: {exc}"))
                state.pop(feed.url, None)  # next run downloads it afresh
                continue
            except Exception as exc:  # noqa: BLE001 (one feed never stops the others)
                tally.failed.append((feed.url, f"{type(exc).__name__}: {exc}"))
                continue
            feeds_ok += 1
            if new_state is not None:
                state[feed.url] = new_state
            items = newest(parsed.entries, feed.limit)
            title = parsed.feed.get("title")
            entries.extend(_Entry(feed, title, e) for e in items)
    try:
        _save_state(folder, state)
    except OSError as exc:  # the next run then downloads every feed again: nothing else is lost
        tally.failed.append((str(folder / "state.json"), f"not saved: {exc.strerror or exc}"))

    # An article listed by two feeds (or twice in one) is collected once.
    unique: dict[str, _Entry] = {}
    for entry in entries:
        key = entry.link or entry_key(entry.data)
        norm = normalize_url(key) if entry.link else key
        if norm in unique:
            other = unique[norm].feed.url
            tally.skipped.append((key, f"listed more than once (first in {other})"))
            continue
        unique[norm] = entry

    pool = ThreadPoolExecutor(config.fetch.parallel)
    with pool, _bar(len(unique), "articles", progress) as bar, _cancelled_on_interrupt(pool):
        futures = [pool.submit(_collect, client, e, source, force, now) for e in unique.values()]
        for future in as_completed(futures):
            result = future.result()
            bar.update()
            if result.kind == "added":
                tally.added.append(result.what)
                if result.note:
                    tally.notes.append((result.what, result.note))
            elif result.kind == "unchanged":
                tally.unchanged.append(result.what)
            elif result.kind == "skipped":
                tally.skipped.append((result.what, result.reason))
            else:
                tally.failed.append((result.what, result.reason))
    return tally.report(feeds_ok)
