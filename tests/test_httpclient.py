"""The HTTP client against hostile local servers: slow drips and unprintable reasons."""

from __future__ import annotations

import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from digest.config import FetchConfig
from digest.httpclient import MAX_REASON, Client, FetchError

UA = "digest-test/1.0 (+https://example.org/digest)"
TIMEOUT = 0.5
DRIP = 0.1  # seconds between bytes: each read is quick, only the whole request is slow
PAGE = b"<html><body><p>The ferry leaves at nine.</p></body></html>"

# Requests go to the local test servers, never through a proxy of the environment.
pytestmark = pytest.mark.usefixtures("no_proxy")


def _handler(stop: threading.Event) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            # The client hangs up on the slow answers: that is the point of those tests.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._route()

        def _drip(self, data: bytes) -> None:
            for i in range(len(data)):
                if stop.wait(DRIP):
                    return
                self.wfile.write(data[i : i + 1])

        def _answer(self, status: int, body: bytes = b"", reason: str | None = None, **headers):
            self.send_response(status, reason)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(body)

        def _route(self) -> None:
            path = self.path
            if path == "/fast":
                self._answer(200, PAGE, Content_Type="text/html")
            elif path in ("/slow-body", "/slow-body-unsized"):
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
                if path == "/slow-body":
                    self.wfile.write(b"Content-Length: 100000\r\n")
                self.wfile.write(b"Connection: close\r\n\r\n")
                self._drip(b"x" * 100_000)
            elif path in ("/slow-headers", "/robots.txt"):
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                self._drip(b"X-Padding: a\r\n" * 1000)
            elif path.startswith("/hop/"):
                # Each hop is quick, but together they take longer than the timeout.
                n = int(path.rsplit("/", 1)[1])
                time.sleep(0.2)
                self._answer(302, Location=f"/hop/{n + 1}")
            elif path == "/loop":
                self._answer(302, Location="/loop")
            elif path == "/escape":
                self._answer(404, reason="\x1b]0;pwned\x07 \x9b2J")
            elif path == "/long":
                self._answer(503, reason="Busy " + "very " * 300)
            else:
                self._answer(404)

    return Handler


@pytest.fixture(scope="module")
def base():
    stop = threading.Event()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stop))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    stop.set()
    httpd.shutdown()
    httpd.server_close()


def client(retries: int = 0) -> Client:
    return Client(FetchConfig(timeout=TIMEOUT, retries=retries, backoff=0, user_agent=UA))


def timed_failure(url: str) -> tuple[str, float]:
    start = time.monotonic()
    with pytest.raises(FetchError) as info:
        client().get(url)
    return str(info.value), time.monotonic() - start


# The timeout is a deadline for the whole request -----------------------------------------------


@pytest.mark.parametrize("path", ["/slow-body", "/slow-body-unsized", "/slow-headers"])
def test_a_slow_drip_is_abandoned_at_the_deadline(base, path):
    reason, took = timed_failure(base + path)
    assert reason == "timed out after 0.5 s"
    assert TIMEOUT - 0.1 < took < TIMEOUT + 1


def test_redirects_do_not_restart_the_clock(base):
    reason, took = timed_failure(base + "/hop/0")
    assert reason == "timed out after 0.5 s"
    assert took < TIMEOUT + 1


def test_a_slow_robots_txt_forbids_the_site_in_time(base):
    start = time.monotonic()
    why = client().refusal(base + "/news/a.html")
    assert why == "robots.txt could not be read (timed out after 0.5 s), so the site is not crawled"
    assert time.monotonic() - start < TIMEOUT + 1


def test_a_fast_response_is_unaffected_and_leaves_no_timer(base):
    # A long timeout: a timer left running would still be waiting when it is looked for.
    slow = Client(FetchConfig(timeout=60, retries=0, backoff=0, user_agent=UA))
    resp = slow.get(base + "/fast")
    assert resp.status == 200 and resp.body == PAGE and resp.content_type == "text/html"
    timers = [t for t in threading.enumerate() if isinstance(t, threading.Timer)]
    for timer in timers:
        timer.join(1)  # a cancelled timer ends at once
    assert not any(t.is_alive() for t in timers)


# Every reason is one line of printable text ----------------------------------------------------


def test_a_redirect_loop_is_reported_on_one_line(base):
    with pytest.raises(FetchError) as info:
        client().get(base + "/loop")
    reason = str(info.value)
    assert reason.startswith("HTTP 302 ") and "infinite loop" in reason
    assert reason.isprintable() and "\n" not in reason and "  " not in reason


def test_escape_sequences_from_the_server_are_dropped(base):
    with pytest.raises(FetchError) as info:
        client().get(base + "/escape")
    assert str(info.value) == "HTTP 404 ]0;pwned 2J"  # no ESC, BEL or C1 CSI left


def test_a_long_reason_is_shortened_but_keeps_the_attempt_count(base):
    with pytest.raises(FetchError) as info:
        client(retries=1).get(base + "/long")
    reason = str(info.value)
    assert reason.startswith("HTTP 503 Busy very")
    assert reason.endswith("... (after 2 attempts)")
    assert len(reason) <= MAX_REASON
