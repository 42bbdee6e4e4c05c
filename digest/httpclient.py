"""A polite HTTP client for ``digest fetch``.

Every request carries a descriptive User-Agent and a deadline for the whole exchange (connect,
headers, body, redirects included; the host name's lookup, which no socket is open for yet,
keeps the system resolver's own timeout); timeouts, dropped connections, 429 and 5xx responses are
retried with exponential backoff (honouring ``Retry-After``); a semaphore per host and one
overall bound how many requests run at once; robots.txt is read once per site and obeyed
(RFC 9309: a missing file allows everything, an unreachable one forbids everything),
including its Crawl-delay between requests to that site.
Conditional GET is the caller's choice: pass the validators a previous response returned.
Every failure reason is one line of printable text, whatever the server sent.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
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
MAX_REASON = 200  # characters; a reason is one line of the report, however long the server's text
_CHUNK = 64 * 1024


def _one_line(text: object, limit: int = MAX_REASON) -> str:
    """``text`` as one line of printable characters, at most ``limit`` long.

    Reasons quote status lines, URLs and exception messages, which a server controls: a newline
    would break the report's one-line-per-failure layout, and an escape sequence would be obeyed
    by the user's terminal.
    """
    kept = "".join(ch if ch.isprintable() else " " if ch.isspace() else "" for ch in str(text))
    line = " ".join(kept.split())
    return line if len(line) <= limit else line[: limit - 3].rstrip() + "..."


class FetchError(Exception):
    """A request failed for good; the message is the reason shown to the user."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(_one_line(reason))
        self.status = status


class _Transient(Exception):
    """A failure worth retrying: timeout, dropped connection, 429 or 5xx."""

    def __init__(self, reason: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(_one_line(reason))
        self.status = status
        self.retry_after = retry_after


def _given_up(exc: _Transient, note: str) -> FetchError:
    """The final failure for ``exc``; ``note`` is kept even when the reason must be shortened."""
    return FetchError(_one_line(exc, MAX_REASON - len(note)) + note, exc.status)


class _Watchdog:
    """Cuts a request's connections when its deadline passes.

    A socket timeout bounds each wait for data, not the request: a server sending one byte or
    one header line at a time would hold it for hours. One timer per request shuts its sockets
    down at the deadline, which ends whatever read is waiting. A cut connection can look like a
    short but complete response, so the caller must ask ``stop()`` whether the cut happened.
    """

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._deadline = 0.0
        self._lock = threading.Lock()
        # Duplicates of the request's sockets: urllib closes its own whenever it likes, and a
        # closed descriptor's number may be reused by another request, which must never be cut.
        self._sockets: list[socket.socket] = []
        self._expired = False
        self._stopped = False
        self._timer = threading.Timer(timeout, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        self._deadline = time.monotonic() + self._timeout
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def connect(
        self, address: tuple[str, int], timeout: float, source_address: object = None
    ) -> socket.socket:
        """``socket.create_connection``, for a socket the watchdog will cut at the deadline."""
        left = self._deadline - time.monotonic()
        if left <= 0:  # a redirect after the deadline: there is no time for another connection
            raise TimeoutError("deadline passed")
        # The watchdog cannot cut a socket that is still connecting; its own timeout must stop
        # at the deadline.
        sock = socket.create_connection(address, min(timeout, left), source_address)
        try:
            watched = sock.dup()
        except OSError:  # out of file descriptors
            sock.close()
            raise
        with self._lock:
            self._sockets.append(watched)
            if self._expired:
                _cut(watched)
        return sock

    def _expire(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._expired = True
            for sock in self._sockets:
                _cut(sock)

    def stop(self) -> bool:
        """Stop watching and let go of the sockets; True when the deadline had passed."""
        with self._lock:
            self._timer.cancel()
            self._stopped = True
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()
            return self._expired


def _cut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # the peer may have closed it already
        sock.shutdown(socket.SHUT_RDWR)


class _Watched(urllib.request.AbstractHTTPHandler):
    """Opens the connections of one request through its watchdog."""

    def __init__(self, watchdog: _Watchdog) -> None:
        super().__init__()
        self._watchdog = watchdog

    def do_open(
        self,
        http_class: Callable[..., http.client.HTTPConnection],
        req: urllib.request.Request,
        **http_conn_args: object,
    ) -> http.client.HTTPResponse:
        def connection(host: str, **options: object) -> http.client.HTTPConnection:
            conn = http_class(host, **options)
            # http.client opens every socket through this attribute (TLS and proxy tunnels
            # included), so the watchdog sees the socket before any byte is exchanged on it.
            conn._create_connection = self._watchdog.connect
            return conn

        return super().do_open(connection, req, **http_conn_args)


class _WatchedHTTP(_Watched, urllib.request.HTTPHandler):
    pass


class _WatchedHTTPS(_Watched, urllib.request.HTTPSHandler):
    pass


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
                    raise _given_up(exc, tries) from None
                delay = self._config.backoff * 2**attempt
                if exc.retry_after is not None:
                    if exc.retry_after > MAX_RETRY_AFTER:
                        raise _given_up(exc, "; server asks to retry later") from None
                    delay = max(delay, exc.retry_after)
                self._sleep(delay)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _timed_out(self) -> _Transient:
        return _Transient(f"timed out after {self._config.timeout:g} s")

    def _once(self, url: str, headers: dict[str, str]) -> Response:
        request = urllib.request.Request(url, headers=headers)
        # The deadline starts once the request has its slots: waiting for them is not its fault.
        with self._slot(urlsplit(url).netloc.lower()), _Watchdog(self._config.timeout) as watchdog:
            try:
                response = self._exchange(request, watchdog)
            except Exception:
                if watchdog.stop():  # whatever broke, it broke because the watchdog cut it
                    raise self._timed_out() from None
                raise
            if watchdog.stop():  # the body may have ended only because the watchdog cut it
                raise self._timed_out()
            return response

    def _exchange(self, request: urllib.request.Request, watchdog: _Watchdog) -> Response:
        """One request and its redirects, on connections ``watchdog`` cuts at the deadline."""
        # An opener per request, since its handlers carry the request's watchdog.
        opener = urllib.request.build_opener(_WatchedHTTP(watchdog), _WatchedHTTPS(watchdog))
        url = request.full_url
        try:
            resp = opener.open(request, timeout=self._config.timeout)
        except urllib.error.HTTPError as exc:
            with exc:
                got = {k.lower(): v for k, v in exc.headers.items()} if exc.headers else {}
                if exc.code == 304:
                    return Response(url=exc.url or url, status=304, headers=got)
                reason = f"HTTP {exc.code} {exc.reason}"
                if exc.code == 429 or exc.code >= 500:
                    retry = _retry_after(got.get("retry-after"))
                    raise _Transient(reason, exc.code, retry) from None
                raise FetchError(reason, exc.code) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise self._timed_out() from None
            if isinstance(exc.reason, ConnectionError):
                raise _Transient(f"connection failed: {exc.reason}") from None
            raise FetchError(f"cannot connect: {exc.reason}") from None
        except TimeoutError:
            raise self._timed_out() from None
        except (http.client.HTTPException, ConnectionError) as exc:
            raise _Transient(f"connection failed: {exc or type(exc).__name__}") from None
        except ValueError as exc:  # malformed URL
            raise FetchError(f"bad URL: {exc}") from None
        with resp:
            body = self._read(resp)
            got = {k.lower(): v for k, v in resp.headers.items()}
            return Response(url=resp.geturl(), status=resp.status, body=body, headers=got)

    def _read(self, resp: http.client.HTTPResponse) -> bytes:
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
                chunks.append(chunk)
            if inflate is not None:
                chunks.append(inflate.flush())
        except TimeoutError:
            raise self._timed_out() from None
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
