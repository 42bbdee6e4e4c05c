"""digest fetch against a local HTTP server serving the fixture feeds and pages in fixtures/web."""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import hashlib
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from digest.clean import clean
from digest.config import Config, FeedConfig, FetchConfig
from digest.errors import ConfigError
from digest.fetch import FetchReport, article_path, fetch_all, newest
from digest.httpclient import Client, FetchError
from digest.model import Article
from digest.read import read_folder, split_front_matter

WEB = Path(__file__).parent / "fixtures" / "web"
UA = "digest-test/1.0 (+https://example.org/digest)"
CLOCK = datetime(2024, 6, 12, 9, 30, tzinfo=UTC)

_PARAGRAPH = (
    "The council published item {n} of its weekly notices on Wednesday, listing the roads that "
    "will be closed for repairs and the times at which the waste collection will pass."
)

# Requests go to the local test servers, never through a proxy of the environment.
pytestmark = pytest.mark.usefixtures("no_proxy")


class Site:
    """What the test server saw, and the knobs the tests turn."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hits: Counter[str] = Counter()
        self.agents: set[str] = set()
        self.not_modified = 0
        self.inflight = 0
        self.max_inflight = 0
        self.rolling = 2  # entries in /feeds/rolling.xml
        self.base = ""


def _rolling_feed(site: Site) -> bytes:
    items = "".join(
        f"<item><title>Notice {n}</title><link>{site.base}/rolling/{n}.html</link>"
        f"<pubDate>Wed, 12 Jun 2024 0{n}:00:00 GMT</pubDate></item>"
        for n in range(site.rolling, 0, -1)
    )
    return f'<rss version="2.0"><channel><title>Notices</title>{items}</channel></rss>'.encode()


def _generated_page(n: str) -> bytes:
    paras = "".join(f"<p>{_PARAGRAPH.format(n=f'{n}.{i}')}</p>" for i in range(3))
    head = f"<html><head><title>Notice {n}</title></head>"
    return f"{head}<body><article><h1>Notice {n}</h1>{paras}</article></body></html>".encode()


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            path = urlsplit(self.path).path
            with site.lock:
                site.hits[path] += 1
                count = site.hits[path]
                site.agents.add(self.headers.get("User-Agent", ""))
            # The client may give up (timeout, size limit): that is the point of those tests.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._route(path, count)

        def _send(self, status: int, body: bytes = b"", ctype: str = "text/html", **headers: str):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in headers.items():
                self.send_header(k.replace("_", "-"), v)
            self.end_headers()
            self.wfile.write(body)

        def _file(self, rel: str) -> bytes:
            return (WEB / rel).read_bytes().replace(b"{base}", site.base.encode())

        def _feed(self, body: bytes) -> None:
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                with site.lock:
                    site.not_modified += 1
                self._send(304, ETag=etag)
                return
            modified = "Wed, 12 Jun 2024 08:00:00 GMT"
            self._send(200, body, "application/rss+xml", ETag=etag, Last_Modified=modified)

        def _route(self, path: str, count: int) -> None:
            if path == "/robots.txt":
                rules = (
                    b"User-agent: slowbot\nCrawl-delay: 2\n\nUser-agent: *\nDisallow: /private/\n"
                )
                self._send(200, rules, "text/plain")
            elif path == "/feeds/rolling.xml":
                self._feed(_rolling_feed(site))
            elif path == "/feeds/busy.xml":
                items = "".join(
                    f"<item><title>Busy {n}</title><link>{site.base}/busy/{n}.html</link></item>"
                    for n in range(6)
                )
                self._feed(f'<rss version="2.0"><channel>{items}</channel></rss>'.encode())
            elif path == "/feeds/odd.xml":
                items = "".join(
                    f"<item><title>{name}</title><link>{site.base}/odd/{name}</link>"
                    f"<description>The feed's own words about {name}.</description></item>"
                    for name in ("nav.html", "report.pdf")
                )
                full = " ".join(_PARAGRAPH.format(n=n) for n in range(5))
                items += (  # a relative link, an HTML title, and the whole text behind a teaser
                    "<item><title>Teaser &lt;em&gt;only&lt;/em&gt;</title>"
                    f"<link>/odd/teaser.html</link><description>{full}</description></item>"
                )
                self._feed(f'<rss version="2.0"><channel>{items}</channel></rss>'.encode())
            elif path == "/odd/teaser.html":
                teaser = " ".join(_PARAGRAPH.split()[:25]) + " Subscribers read more."
                page = f"<html><body><article><p>{teaser}</p></article></body></html>"
                self._send(200, page.encode())
            elif path == "/odd/nav.html":
                self._send(200, b"<html><body><nav><a href='/'>Home</a></nav></body></html>")
            elif path == "/odd/report.pdf":
                self._send(200, b"%PDF-1.4 ...", "application/pdf")
            elif path.startswith("/feeds/") and (WEB / path[7:]).is_file():
                self._feed(self._file(path[7:]))
            elif path == "/pages/latin1.html":
                self._send(200, self._file("pages/latin1.html"), "text/html; charset=iso-8859-1")
            elif path.startswith("/pages/") and (WEB / path[1:]).is_file():
                self._send(200, self._file(path[1:]))
            elif path == "/flaky/storm.html":
                if count == 1:
                    self._send(500, b"Internal Server Error")
                else:
                    self._send(200, self._file("pages/storm.html"))
            elif path == "/feeds/moved.xml":
                self._send(301, b"", Location="/rolling/feed.xml")
            elif path == "/rolling/feed.xml":  # links relative to the feed's new place
                self._feed(_rolling_feed(site).replace(site.base.encode() + b"/rolling/", b""))
            elif path == "/redirect/festival":
                self._send(301, b"", Location="/pages/festival.html")
            elif path == "/slow.html":
                time.sleep(1.5)
                self._send(200, self._file("pages/bridge.html"))
            elif path == "/huge.html":
                self.send_response(200)  # no Content-Length: the size only shows while reading
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                chunk = b"<p>" + b"minutes of the council " * 400 + b"</p>\n"
                for _ in range(2_000_000 // len(chunk) + 1):
                    self.wfile.write(chunk)
            elif path.startswith(("/rolling/", "/busy/")):
                if path.startswith("/busy/"):
                    # Counted while the client surely holds its slot: before any byte is sent.
                    with site.lock:
                        site.inflight += 1
                        site.max_inflight = max(site.max_inflight, site.inflight)
                    time.sleep(0.1)
                    with site.lock:
                        site.inflight -= 1
                self._send(200, _generated_page(path.rsplit("/", 1)[1].split(".")[0]))
            elif path.startswith("/gzip/"):
                size = 2_000_000 if path.endswith("bomb") else 0
                raw = b"<p>" + b"0" * size + b"</p>" if size else self._file("pages/bridge.html")
                if "gzip" in self.headers.get("Accept-Encoding", ""):
                    self._send(200, gzip.compress(raw), Content_Encoding="gzip")
                else:
                    self._send(200, raw)
            elif path == "/unavailable":
                self._send(503, b"busy", Retry_After="0")
            else:
                self._send(404, b"Not Found")

    return Handler


@pytest.fixture(scope="module")
def server():
    site = Site()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    httpd.daemon_threads = True
    site.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield site
    httpd.shutdown()
    httpd.server_close()


def make_config(root: Path, site: Site, *feeds: str, **fetch: object) -> Config:
    settings = {"timeout": 0.5, "retries": 1, "backoff": 0.01, "max_bytes": 1_000_000}
    settings.update(fetch)
    return Config(
        source=str(root / "sources"),
        cache=str(root / "cache"),
        feeds=[FeedConfig(url=f"{site.base}/feeds/{name}") for name in feeds],
        fetch=FetchConfig(user_agent=UA, **settings),
        base_dir=str(root),
    )


def front(path: Path) -> tuple[dict, str]:
    meta, body, _ = split_front_matter(path.read_text(encoding="utf-8"))
    return meta, body


def find(report: FetchReport, root: Path, needle: str) -> Path:
    (rel,) = [r for r in report.added if needle in r]
    return root / "sources" / rel


def reason(pairs: tuple[tuple[str, str], ...], needle: str) -> str:
    (why,) = [why for what, why in pairs if needle in what]
    return why


# RSS 2.0: one run over a feed with every kind of page -----------------------------------------


@pytest.fixture(scope="module")
def rss(server, tmp_path_factory):
    root = tmp_path_factory.mktemp("rss")
    server.agents.clear()
    report = fetch_all(make_config(root, server, "rss2.xml"), progress=False, clock=lambda: CLOCK)
    return root, report, set(server.agents)


def test_rss_counts(rss):
    _, report, _ = rss
    assert len(report.added) == 7
    assert len(report.failed) == 1 and len(report.skipped) == 1
    assert report.unchanged == ()
    assert report.lines()[-1] == "7 added, 0 unchanged, 1 skipped, 1 failed"


def test_page_metadata_and_front_matter(rss, server):
    root, report, _ = rss
    path = find(report, root, "bridge")
    meta, body = front(path)
    assert list(meta) == ["title", "source", "url", "date", "author", "fetched"]
    assert meta["title"] == "Council approves new bridge over the river"
    assert meta["source"] == "The Valley Times"  # the page's site name
    assert meta["url"] == f"{server.base}/news/2024/bridge-vote"  # the canonical URL
    assert meta["date"] == "2024-06-06T10:00:00Z"
    assert meta["author"] == "Jane Roe"
    assert meta["fetched"] == "2024-06-12T09:30:00Z"
    assert "ending a decade of debate" in body
    assert "Subscribe" not in body and "Home" not in body  # page furniture is left out
    assert path.parent.name == "127.0.0.1"  # a folder per site; tracking parameters ignored
    assert path == article_path(root / "sources", f"{server.base}/pages/bridge.html")


def test_404_falls_back_to_feed_text_and_says_so(rss):
    root, report, _ = rss
    path = find(report, root, "library")
    meta, body = front(path)
    assert meta["text_from"] == "feed entry"
    assert "nine in the evening" in body and "survey of readers" in body
    assert "HTTP 404" in reason(report.notes, "library")


def test_500_then_success_is_retried(rss, server):
    root, report, _ = rss
    assert server.hits["/flaky/storm.html"] == 2
    meta, body = front(find(report, root, "storm"))
    assert "text_from" not in meta and "harbour wall overnight" in body


def test_slow_page_times_out_and_uses_feed_text(rss, server):
    root, report, _ = rss
    assert server.hits["/slow.html"] == 2  # one retry, then the feed's own text
    assert "timed out after 0.5 s" in reason(report.notes, "slow")
    _, body = front(find(report, root, "slow"))
    assert body.strip() == (
        "The regional operator published the timetable of its new night train service."
    )


def test_redirect_is_followed(rss, server):
    root, report, _ = rss
    meta, body = front(find(report, root, "festival"))
    assert "town park" in body
    assert meta["url"] == f"{server.base}/pages/festival.html"


def test_non_utf8_page_is_decoded(rss):
    root, report, _ = rss
    meta, body = front(find(report, root, "latin1"))
    assert "Café owners in the Zürich street" in body and "pâtisserie" in body
    assert "Ã" not in body


def test_page_without_date(rss):
    root, report, _ = rss
    meta, body = front(find(report, root, "nodate"))
    assert "date" not in meta  # never guessed from a copyright line
    assert "sixty volunteers" in body


def test_huge_page_fails_with_reason(rss):
    _, report, _ = rss
    assert "over the 1,000,000-byte limit" in reason(report.failed, "huge")


def test_robots_txt_is_respected(rss, server):
    _, report, _ = rss
    assert "robots.txt" in reason(report.skipped, "private")
    assert server.hits["/private/briefing.html"] == 0
    assert server.hits["/robots.txt"] >= 1


def test_every_request_has_the_user_agent(rss):
    assert rss[2] == {UA}


def test_fetched_files_build_into_articles(rss):
    root, _, _ = rss
    documents, rejected = read_folder(root / "sources")
    assert rejected == []
    articles = [clean(d) for d in documents]
    assert all(isinstance(a, Article) for a in articles)
    bridge = next(a for a in articles if a.title.startswith("Council approves"))
    assert bridge.date == datetime(2024, 6, 6, 10, tzinfo=UTC)
    assert bridge.source == "The Valley Times" and bridge.author == "Jane Roe"


# Atom, broken feeds ---------------------------------------------------------------------------


def test_atom_feed(server, tmp_path):
    report = fetch_all(make_config(tmp_path, server, "atom.xml"), progress=False)
    assert len(report.added) == 2 and report.failed == ()
    meta, body = front(find(report, tmp_path, "ferry"))
    assert meta["author"] == "Ola Nordmann"
    assert meta["date"] == "2024-06-11T07:00:00Z"  # published, not updated
    assert meta["source"] == "Harbour Gazette"
    assert "“This is the biggest investment in our history,”" in body  # Windows-1252 page
    meta, body = front(find(report, tmp_path, "fish-market"))
    assert meta["text_from"] == "feed entry" and meta["author"] == "Kari Nordmann"
    assert "eighteen months" in body and "cold rooms" in body


def test_broken_feed_fails_and_others_continue(server, tmp_path):
    config = make_config(tmp_path, server, "broken.xml", "nowhere.xml", "atom.xml")
    report = fetch_all(config, progress=False)
    assert reason(report.failed, "broken.xml") == "not an RSS or Atom feed: syntax error at line 2"
    assert "HTTP 404" in reason(report.failed, "nowhere.xml")
    assert len(report.added) == 2
    assert report.feeds_ok == 1


def test_pages_without_article_text_fall_back_to_feed_text(server, tmp_path):
    report = fetch_all(make_config(tmp_path, server, "odd.xml"), progress=False)
    assert len(report.added) == 3 and report.failed == ()
    assert "no article text found" in reason(report.notes, "nav")
    assert "application/pdf, not HTML" in reason(report.notes, "report")
    _, body = front(find(report, tmp_path, "report"))
    assert body.strip() == "The feed's own words about report.pdf."


def test_feed_text_wins_over_a_teaser_page(server, tmp_path):
    report = fetch_all(make_config(tmp_path, server, "odd.xml"), progress=False)
    path = find(report, tmp_path, "teaser")
    meta, body = front(path)
    assert meta["title"] == "Teaser only"
    assert meta["url"] == f"{server.base}/odd/teaser.html"  # resolved against the feed's URL
    assert meta["text_from"] == "feed entry" and "item 4 of its weekly notices" in body
    assert "the page held only 28 words" in reason(report.notes, "teaser")


def test_truncated_feed_keeps_what_it_can(server, tmp_path):
    report = fetch_all(make_config(tmp_path, server, "truncated.xml"), progress=False)
    assert report.failed == ()
    meta, body = front(find(report, tmp_path, "market"))
    assert meta["title"] == "Market prices steady" and "strawberries" in body


def test_feed_name_from_config(server, tmp_path):
    feed = FeedConfig(f"{server.base}/feeds/atom.xml", name="Gazette", limit=1)
    config = dataclasses.replace(make_config(tmp_path, server), feeds=[feed])
    report = fetch_all(config, progress=False)
    assert len(report.added) == 1  # the limit: the newest entry, though it is listed second
    meta, _ = front(find(report, tmp_path, "fish-market"))
    assert meta["source"] == "Gazette"


def test_limit_takes_the_newest_entries_in_the_feed_order():
    def entry(name, stamp=None):
        return {"id": name, "published_parsed": time.gmtime(stamp) if stamp else None}

    oldest_first = [entry("a", 100), entry("b", 200), entry("undated"), entry("c", 300)]
    assert [e["id"] for e in newest(oldest_first, 2)] == ["b", "c"]
    assert [e["id"] for e in newest(oldest_first, 4)] == ["a", "b", "undated", "c"]
    assert [e["id"] for e in newest(oldest_first, 0)] == ["a", "b", "undated", "c"]
    # Undated entries count as the oldest, in the feed's order.
    undated = [entry("x"), entry("y"), entry("z", 50)]
    assert [e["id"] for e in newest(undated, 2)] == ["x", "z"]
    # So does a time alone, which feedparser dates today: the day of the run never decides.
    today = {**entry("today", time.time()), "published": "10:30"}
    assert [e["id"] for e in newest([entry("a", 100), entry("b", 200), today], 1)] == ["b"]


@pytest.mark.parametrize(
    ("link", "folder"),
    [
        ("http://../evil", "feeds"),
        ("http://.hidden/x", "hidden"),
        ("http://./dot", "feeds"),
        ("https://www.Example.org/a", "example.org"),
        ("http://www..hidden/x", "hidden"),  # "www." taken off first, then the dots
        ("http://www2..cache/x", "cache"),
        ("http://exa_mple.org/a", "exa_mple.org"),
        ("https://bücher.de/a", "bücher.de"),  # a name's letters in any script stay
        ("https://наука.рф/a", "наука.рф"),
    ],
)
def test_an_article_path_stays_inside_the_source_folder(tmp_path, link, folder):
    path = article_path(tmp_path, link)
    assert path.parent == tmp_path / folder
    assert not any(part.startswith(".") for part in path.relative_to(tmp_path).parts)


def test_an_unwritable_cache_folder_is_one_error_line(server, tmp_path):
    (tmp_path / "cachefile").write_text("")
    config = make_config(tmp_path, server, "rss2.xml")
    config = dataclasses.replace(config, cache=str(tmp_path / "cachefile"))
    with pytest.raises(ConfigError, match="cannot write the fetch state to"):
        fetch_all(config, progress=False)


# Repeated runs --------------------------------------------------------------------------------


def test_a_moved_feed_unchanged_since_keeps_its_links(server, tmp_path):
    # The second run gets 304 at the feed's new place and reads the saved copy: its relative
    # links are resolved against that place, not the configured one, so no article is new.
    config = make_config(tmp_path, server, "moved.xml")
    server.rolling = 2
    first = fetch_all(config, progress=False)
    assert len(first.added) == 2 and not first.failed
    urls = sorted(front(tmp_path / "sources" / rel)[0]["url"] for rel in first.added)
    assert urls == [f"{server.base}/rolling/{n}.html" for n in (1, 2)]
    before = server.not_modified
    second = fetch_all(config, progress=False)
    assert server.not_modified == before + 1
    assert second.added == () and not second.failed
    assert sorted(second.unchanged) == sorted(first.added)


def test_repeat_runs_are_idempotent_and_conditional(server, tmp_path):
    config = make_config(tmp_path, server, "rolling.xml")
    server.rolling = 2
    first = fetch_all(config, progress=False)
    assert len(first.added) == 2
    files = {p: p.read_bytes() for p in (tmp_path / "sources").rglob("*.md")}
    pages = server.hits["/rolling/1.html"]

    before = server.not_modified
    second = fetch_all(config, progress=False)
    assert second.added == () and sorted(second.unchanged) == sorted(first.added)
    assert server.not_modified == before + 1  # the feed answered 304 to the remembered ETag
    assert server.hits["/rolling/1.html"] == pages  # known articles are not downloaded again
    assert {p: p.read_bytes() for p in (tmp_path / "sources").rglob("*.md")} == files

    server.rolling = 3  # one new entry; the old ones repeat
    third = fetch_all(config, progress=False)
    assert len(third.added) == 1 and "3-" in third.added[0].rsplit("/", 1)[1]
    assert len(third.unchanged) == 2
    assert len(list((tmp_path / "sources").rglob("*.md"))) == 3
    state = (tmp_path / "cache" / "fetch" / "state.json").read_text()
    assert "etag" in state and "last_modified" in state


def test_user_edits_are_kept_unless_forced(server, tmp_path):
    config = make_config(tmp_path, server, "rolling.xml")
    server.rolling = 1
    (rel,) = fetch_all(config, progress=False, clock=lambda: CLOCK).added
    path = tmp_path / "sources" / rel
    original = path.read_text()
    path.write_text(original.replace("Notice 1", "Notice one (edited)"))

    again = fetch_all(config, progress=False)
    assert again.unchanged == (rel,) and "(edited)" in path.read_text()

    forced = fetch_all(config, force=True, progress=False, clock=lambda: CLOCK)
    assert forced.added == (rel,) and path.read_text() == original
    # Forcing again changes nothing: same text, and the first fetch time is kept.
    later = datetime(2025, 1, 1, tzinfo=UTC)
    assert fetch_all(config, force=True, progress=False, clock=lambda: later).unchanged == (rel,)
    assert path.read_text() == original


def test_duplicate_entries_across_feeds_are_collected_once(server, tmp_path):
    server.rolling = 1
    report = fetch_all(make_config(tmp_path, server, "rolling.xml", "rolling.xml?again"),
                       progress=False)  # fmt: skip
    assert len(report.added) == 1
    assert "listed more than once" in reason(report.skipped, "/rolling/1.html")


# The client -----------------------------------------------------------------------------------


def test_per_host_limit(server, tmp_path):
    server.max_inflight = 0
    report = fetch_all(make_config(tmp_path, server, "busy.xml", per_host=2, parallel=8),
                       progress=False)  # fmt: skip
    assert len(report.added) == 6
    assert server.max_inflight == 2


def test_503_is_retried_with_backoff_then_reported(server):
    slept: list[float] = []
    config = FetchConfig(timeout=0.5, retries=2, backoff=0.25, user_agent=UA)
    client = Client(config, sleep=slept.append)
    with pytest.raises(FetchError, match=r"HTTP 503 .*after 3 attempts") as info:
        client.get(f"{server.base}/unavailable")
    assert info.value.status == 503
    assert slept == [0.25, 0.5]


def test_gzip_responses_are_inflated_within_the_size_limit(server):
    client = Client(FetchConfig(timeout=0.5, retries=0, max_bytes=1_000_000, user_agent=UA))
    page = client.get(f"{server.base}/gzip/page")
    assert page.headers["content-encoding"] == "gzip"
    original = (WEB / "pages/bridge.html").read_bytes()
    assert page.body == original.replace(b"{base}", server.base.encode())
    with pytest.raises(FetchError, match="over the 1,000,000-byte limit"):
        client.get(f"{server.base}/gzip/bomb")  # 2 MB that travel as 2 kB


def test_client_errors_are_not_retried(server):
    client = Client(FetchConfig(timeout=0.5, retries=3, backoff=0, user_agent=UA))
    before = server.hits["/missing/x"]
    with pytest.raises(FetchError, match="HTTP 404"):
        client.get(f"{server.base}/missing/x")
    assert server.hits["/missing/x"] == before + 1


@pytest.mark.parametrize(("status", "allowed"), [(404, True), (403, True), (503, False)])
def test_robots_txt_status(status, allowed):
    """RFC 9309: no robots.txt (4xx) allows all; an unreachable one (5xx) forbids all."""

    class Answer(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    try:
        client = Client(FetchConfig(timeout=0.5, retries=1, backoff=0, user_agent=UA))
        why = client.refusal(f"http://127.0.0.1:{httpd.server_address[1]}/news/a.html")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert (why is None) == allowed
    if not allowed:
        assert "robots.txt could not be read (HTTP 503" in why


def test_crawl_delay_spaces_requests_to_a_site(server):
    slept: list[float] = []
    client = Client(FetchConfig(timeout=0.5, user_agent="slowbot/1.0"), sleep=slept.append)
    assert client.refusal(f"{server.base}/pages/bridge.html") is None
    client.get(f"{server.base}/pages/bridge.html")
    assert slept == []
    client.get(f"{server.base}/pages/storm.html")
    assert len(slept) == 1 and 1.5 < slept[0] <= 2.0


def test_connection_refused_is_a_clear_failure():
    client = Client(FetchConfig(timeout=0.5, retries=0, user_agent=UA))
    with pytest.raises(FetchError, match="connect"):
        client.get("http://127.0.0.1:9/")


# Configuration and output ---------------------------------------------------------------------


def test_no_feeds_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="no feeds"):
        fetch_all(Config(source=str(tmp_path)), progress=False)


def test_bad_feed_url_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"feeds\[0\]\.url"):
        fetch_all(Config(source=str(tmp_path), feeds=[FeedConfig(url="feeds.xml")]))


def test_no_progress_bar_when_not_a_terminal(server, tmp_path, capsys):
    server.rolling = 1
    fetch_all(make_config(tmp_path, server, "rolling.xml"), progress=True)
    assert capsys.readouterr().err == ""


def test_config_file_feeds(tmp_path):
    from digest.config import load_config

    cfg = tmp_path / "digest.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {
                "feeds": [{"url": "https://example.org/feed.xml", "name": "Example", "limit": 5}],
                "fetch": {"timeout": 5, "backoff": 0.5, "max_bytes": 100000},
            }
        )
    )
    config = load_config(cfg)
    assert config.feeds == [FeedConfig("https://example.org/feed.xml", "Example", 5)]
    assert config.fetch.backoff == 0.5 and config.fetch.max_bytes == 100000


# The command line -----------------------------------------------------------------------------


def write_config(root: Path, site: Site, *feeds: str) -> Path:
    path = root / "digest.yaml"
    settings = {"timeout": 0.5, "retries": 1, "backoff": 0.01, "user_agent": UA}
    data = {
        "source": "sources",
        "out": "site",
        "cache": "cache",
        "feeds": [{"url": f"{site.base}/feeds/{name}"} for name in feeds],
        "fetch": settings,
    }
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_cli_fetch_reports_and_is_idempotent(server, tmp_path):
    from click.testing import CliRunner

    from digest.cli import cli

    config = write_config(tmp_path, server, "atom.xml")
    result = CliRunner().invoke(cli, ["fetch", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "2 added, 0 unchanged, 0 skipped, 0 failed" in result.stderr
    assert "note 127.0.0.1/fish-market-" in result.stderr and "HTTP 404" in result.stderr
    result = CliRunner().invoke(cli, ["fetch", "--config", str(config), "--quiet"])
    assert result.exit_code == 0
    assert result.stderr.strip() == "0 added, 2 unchanged, 0 skipped, 0 failed"


def test_cli_fetch_fails_when_no_feed_can_be_read(server, tmp_path):
    from click.testing import CliRunner

    from digest.cli import cli

    config = write_config(tmp_path, server, "broken.xml")
    result = CliRunner().invoke(cli, ["fetch", "--config", str(config)])
    assert result.exit_code == 1
    assert "failed " in result.stderr and "not an RSS or Atom feed" in result.stderr
    assert "error: no feed could be read" in result.stderr


def test_cli_build_fetch(server, tmp_path):
    from click.testing import CliRunner

    from digest.cli import cli

    config = write_config(tmp_path, server, "atom.xml")
    result = CliRunner().invoke(cli, ["build", "--fetch", "--config", str(config), "--quiet"])
    assert result.exit_code == 0, result.stderr
    assert "2 added" in result.stderr
    pages = "".join(p.read_text() for p in (tmp_path / "site").rglob("*.html"))
    assert "electric boats" in pages and "cold rooms" in pages


# The examples ---------------------------------------------------------------------------------

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_example_config_loads():
    from digest.config import load_config

    config = load_config(EXAMPLES / "digest.yaml")
    assert len(config.feeds) == 2 and config.feeds[0].limit == 30


def test_example_workflow_runs_real_commands():
    from click.testing import CliRunner

    from digest.cli import cli

    workflow = yaml.safe_load((EXAMPLES / "github-pages.yml").read_text())
    runs = [s["run"] for job in workflow["jobs"].values() for s in job["steps"] if "run" in s]
    commands = [ln.split()[1:] for r in runs for ln in r.splitlines() if ln.startswith("digest ")]
    assert commands == [["build", "--fetch", "--quiet"]]
    for args in commands:  # unknown commands or options fail before --help is honoured
        result = CliRunner().invoke(cli, [*args, "--help"])
        assert result.exit_code == 0, result.output
