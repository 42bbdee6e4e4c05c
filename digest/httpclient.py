"""A polite HTTP client for ``digest fetch``.

Every request carries a timeout and a descriptive User-Agent; timeouts, dropped connections, 429
and 5xx responses are retried with exponential backoff (honouring ``Retry-After``); a semaphore
per host and one overall bound how many requests run at once; robots.txt is read once per site
and obeyed (RFC 9309: a missing file allows everything, an unreachable one forbids everything),
including its Crawl-delay between requests to that site.
Conditional GET is the caller's choice: pass the validators a previous response returned.
"""

from __future__ import annotations

import http.client
import threading
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from digest.config import FetchConfig

MAX_RETRY_AFTER = 120.0  # seconds; a server asking for longer is treated as down for this run
MAX_CRAWL_DELAY = 60.0  # seconds; longer Crawl-delay values are capped to this
_CHUNK = 64 * 1024


class FetchError(Exception):
    """A request failed for good; the message is the reason shown to the user."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.status = status


class _Transient(Exception):
    """A failure worth retrying: timeout, dropped connection, 429 or 5xx."""

    def __init__(self, reason: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(reason)
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class Response:
    url: str  # the final URL, after redirects
    status: int  # 200-class, or 304 when the conditional GET found nothing new
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        msg = Message()
        msg["content-type"] = self.headers.get("content-type", "")
        return msg.get_content_charset()

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date; the backoff schedule is a fair stand-in


class Client:
    """Thread-safe HTTP GET with the politeness rules above. One client per ``digest fetch``."""

    def __init__(self, config: FetchConfig, sleep: Callable[[float], None] = time.sleep) -> None:
        self._config = config
        self._sleep = sleep
        self._opener = urllib.request.build_opener()
        self._lock = threading.Lock()
        self._overall = threading.BoundedSemaphore(config.parallel)
        self._per_host: dict[str, threading.BoundedSemaphore] = {}
        self._robots: dict[str, tuple[RobotFileParser, str]] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self._crawl_delay: dict[str, float] = {}  # by host, from robots.txt
        self._next_start: dict[str, float] = {}  # by host: earliest start of the next request

    @contextmanager
    def _slot(self, host: str) -> Iterator[None]:
        with self._lock:
            sem = self._per_host.setdefault(host, threading.BoundedSemaphore(self._config.per_host))
        # Always the host's slot first, then the overall one: one order, so no deadlock, and a
        # crawl delay waited out here does not hold a slot other hosts could use.
        with sem:
            delay = self._crawl_delay.get(host, 0.0)
            if delay:
                with self._lock:
                    now = time.monotonic()
                    start = max(now, self._next_start.get(host, now))
                    self._next_start[host] = start + delay
                if start > now:
                    self._sleep(start - now)
            with self._overall:
                yield

    def get(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Response:
        """GET ``url``, retrying transient failures. Raises FetchError with the reason."""
        # gzip saves the server bandwidth; the size limit applies to the decompressed body.
        headers = {"User-Agent": self._config.user_agent, "Accept-Encoding": "gzip"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempts = self._config.retries + 1
        for attempt in range(attempts):
            try:
                return self._once(url, headers)
            except _Transient as exc:
                if attempt == attempts - 1:
                    tries = f" (after {attempts} attempts)" if attempts > 1 else ""
                    raise FetchError(f"{exc}{tries}", exc.status) from None
                delay = self._config.backoff * 2**attempt
                if exc.retry_after is not None:
                    if exc.retry_after > MAX_RETRY_AFTER:
                        raise FetchError(f"{exc}; server asks to retry later", exc.status) from None
                    delay = max(delay, exc.retry_after)
                self._sleep(delay)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _once(self, url: str, headers: dict[str, str]) -> Response:
        timeout = self._config.timeout
        request = urllib.request.Request(url, headers=headers)
        with self._slot(urlsplit(url).netloc.lower()):
            deadline = time.monotonic() + timeout
            try:
                resp = self._opener.open(request, timeout=timeout)
            except urllib.error.HTTPError as exc:
                with exc:
                    got = {k.lower(): v for k, v in exc.headers.items()} if exc.headers else {}
                    if exc.code == 304:
                        return Response(url=exc.url or url, status=304, headers=got)
                    reason = f"HTTP {exc.code} {exc.reason}".rstrip()
                    if exc.code == 429 or exc.code >= 500:
                        retry = _retry_after(got.get("retry-after"))
                        raise _Transient(reason, exc.code, retry) from None
                    raise FetchError(reason, exc.code) from None
            except urllib.error.URLError as exc:
                if isinstance(exc.reason, TimeoutError):
                    raise _Transient(f"timed out after {timeout:g} s") from None
                if isinstance(exc.reason, ConnectionError):
                    raise _Transient(f"connection failed: {exc.reason}") from None
                raise FetchError(f"cannot connect: {exc.reason}") from None
            except TimeoutError:
                raise _Transient(f"timed out after {timeout:g} s") from None
            except (http.client.HTTPException, ConnectionError) as exc:
                raise _Transient(f"connection failed: {exc or type(exc).__name__}") from None
            except ValueError as exc:  # malformed URL
                raise FetchError(f"bad URL: {exc}") from None
            with resp:
                body = self._read(resp, deadline)
                got = {k.lower(): v for k, v in resp.headers.items()}
                return Response(url=resp.geturl(), status=resp.status, body=body, headers=got)

    def _read(self, resp: http.client.HTTPResponse, deadline: float) -> bytes:
        limit = self._config.max_bytes
        length = resp.headers.get("content-length")
        if length and length.isdigit() and int(length) > limit:
            raise FetchError(f"response is {int(length):,} bytes, over the {limit:,}-byte limit")
        gzipped = resp.headers.get("content-encoding", "").strip().lower() in ("gzip", "x-gzip")
        inflate = zlib.decompressobj(wbits=31) if gzipped else None
        chunks: list[bytes] = []
        size = 0
        try:
            while chunk := resp.read(_CHUNK):
                if inflate is not None:
                    # Never inflate more than the limit allows: a tiny gzip can hold gigabytes.
                    chunk = inflate.decompress(chunk, limit - size + 1)
                size += len(chunk)
                if size > limit:
                    raise FetchError(f"response is over the {limit:,}-byte limit")
                if time.monotonic() > deadline:
                    raise _Transient(f"timed out after {self._config.timeout:g} s")
                chunks.append(chunk)
            if inflate is not None:
                chunks.append(inflate.flush())
        except TimeoutError:
            raise _Transient(f"timed out after {self._config.timeout:g} s") from None
        except (http.client.HTTPException, ConnectionError) as exc:
            raise _Transient(f"connection broke while reading: {exc}") from None
        except zlib.error as exc:
            raise FetchError(f"response is not valid gzip: {exc}") from None
        return b"".join(chunks)

    def refusal(self, url: str) -> str | None:
        """Why robots.txt forbids fetching ``url``, or None when it is allowed."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            lock = self._robots_locks.setdefault(origin, threading.Lock())
        with lock:  # one robots.txt download per site, even with many pages queued
            if origin not in self._robots:
                self._robots[origin] = self._load_robots(origin)
        parser, why = self._robots[origin]
        if parser.can_fetch(self._config.user_agent, url):
            return None
        return why or "robots.txt disallows it"

    def _load_robots(self, origin: str) -> tuple[RobotFileParser, str]:
        parser = RobotFileParser(origin + "/robots.txt")
        try:
            resp = self.get(origin + "/robots.txt")
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                parser.allow_all = True  # no robots.txt: no rules
                return parser, ""
            parser.disallow_all = True
            return parser, f"robots.txt could not be read ({exc}), so the site is not crawled"
        parser.parse(resp.body.decode("utf-8", errors="replace").splitlines())
        delay = parser.crawl_delay(self._config.user_agent)
        if delay:
            with self._lock:
                self._crawl_delay[urlsplit(origin).netloc.lower()] = min(
                    float(delay), MAX_CRAWL_DELAY
                )
        return parser, ""
