"""End to end in a real browser: the seeds site served on localhost, driven with Playwright.

Uses Debian's chromium (/usr/bin/chromium; Playwright cannot download its own browser here) and
axe-core from npm (tests/browser/package.json, installed by .ci/run with
``npm install --prefix tests/browser``; the fixture installs it itself when npm is there).
Without a browser these tests skip with the reason; under CI (CI=true) they fail instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = Path(os.environ.get("DIGEST_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
NPM_DIR = ROOT / "tests" / "browser"
AXE = NPM_DIR / "node_modules" / "axe-core" / "axe.min.js"
IN_CI = os.environ.get("CI", "").lower() == "true"


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"browser tests must run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[test]')")
    if not CHROMIUM.is_file():
        _unavailable(f"no browser at {CHROMIUM} (apt-get install chromium, or set DIGEST_CHROMIUM)")
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def base_url(seeds_site: Path) -> Iterator[str]:
    from digest.serve import make_server

    if not (seeds_site / "pagefind").is_dir():
        _unavailable("the seeds site has no search index (pip install pagefind)")
    server = make_server(seeds_site, 0, None)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file() and shutil.which("npm"):
        subprocess.run(
            ["npm", "install", "--prefix", str(NPM_DIR), "--no-package-lock", "--no-audit"],
            capture_output=True,
            timeout=300,
            check=False,
        )
    if not AXE.is_file():
        _unavailable(f"axe-core is missing: npm install --prefix {NPM_DIR.relative_to(ROOT)}")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture()
def page(browser, base_url: str) -> Iterator[object]:
    context = browser.new_context(base_url=base_url)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.errors = errors
    yield tab
    context.close()


def _biggest_event(seeds_json: dict) -> dict:
    return max(seeds_json["events"], key=lambda e: (len(e["articles"]), e["id"]))


def test_index_event_citation_round_trip(page, seeds_json: dict):
    event = _biggest_event(seeds_json)
    page.goto("index.html")
    assert page.title()
    headlines = page.locator(".card-title a")
    assert headlines.count() == len(seeds_json["events"])
    page.get_by_role("link", name=event["title"], exact=True).first.click()
    page.wait_for_url(re.compile(r"events/.+\.html$"))
    assert page.locator("h1").inner_text() == event["title"]
    # A citation leads to its source in the list, then to the article page, and back.
    page.locator("a.cite").first.click()
    target = page.locator(".sources li:target")
    assert target.count() == 1
    number = target.get_attribute("id")
    target.locator("a.source-title").click()
    page.wait_for_url(re.compile(r"articles/.+\.html$"))
    assert page.locator("article.story h1").inner_text()
    page.locator("a.back").click()
    page.wait_for_url(re.compile(r"events/.+\.html$"))
    assert page.locator("h1").inner_text() == event["title"]
    assert page.locator(f"#{number}").count() == 1
    assert not page.errors, page.errors


def test_keyword_page_lists_its_events(page, seeds_json: dict):
    event = _biggest_event(seeds_json)
    page.goto("keywords/index.html")
    first = page.locator(".topic-index a").first
    name = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"keywords/.+\.html$"))
    assert page.locator("h1").inner_text() == name
    listed = set(page.locator(".card-title a").all_inner_texts())
    carrying = {e["title"] for e in seeds_json["events"] if e["keywords"]}
    assert listed and listed <= carrying
    # The event's own keyword chips lead to pages that list it.
    page.goto(f"events/{event['id']}.html")
    page.locator(".event-side .keywords a").first.click()
    page.wait_for_url(re.compile(r"keywords/.+\.html$"))
    assert event["title"] in page.locator(".card-title a").all_inner_texts()
    assert not page.errors, page.errors


def _search_word(event: dict) -> str:
    """A word of the event's headline that is long enough to be telling."""
    words = re.findall(r"[A-Za-z]{6,}", event["title"]) or re.findall(r"\w{4,}", event["title"])
    return max(words, key=len)


def test_search_reaches_the_event(page, seeds_json: dict):
    event = _biggest_event(seeds_json)
    word = _search_word(event)
    page.goto("index.html")
    page.locator("#site-search").fill(word)
    page.locator("#site-search").press("Enter")
    page.wait_for_url(re.compile(r"search\.html\?q="))
    results = page.locator("#search-results li a")
    results.first.wait_for(timeout=15000)
    link = page.locator("#search-results li a", has_text=event["title"])
    assert link.count() >= 1, results.all_inner_texts()
    link.first.click()
    page.wait_for_url(re.compile(r"events/.+\.html$"))
    assert page.locator("h1").inner_text() == event["title"]
    assert not page.errors, page.errors  # the CSP lets Pagefind run, nothing is blocked


def test_pages_read_without_javascript(browser, base_url: str, seeds_json: dict):
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    tab = context.new_page()
    tab.goto("index.html")
    tab.get_by_role("link", name="Keywords", exact=True).first.click()
    tab.wait_for_url(re.compile(r"keywords/index\.html$"))
    tab.get_by_role("link", name="Archive", exact=True).first.click()
    tab.wait_for_url(re.compile(r"archive/index\.html$"))
    tab.goto("search.html")
    assert "needs JavaScript" in tab.locator("#search-status").inner_text()
    context.close()


def _axe_violations(page, axe: str, path: str, scheme: str) -> list[str]:
    page.emulate_media(color_scheme=scheme)
    page.goto(path)
    if path.startswith("search.html"):
        page.locator("#search-results li").first.wait_for(timeout=15000)
    # Injected through the automation channel, which the page's CSP does not govern.
    page.evaluate(axe + "\n;true")
    result = page.evaluate("async () => await axe.run(document)")
    return [
        f"{path} ({scheme}): {v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]


def test_axe_finds_no_violations(page, axe_source: str, seeds_site: Path, seeds_json: dict):
    event = _biggest_event(seeds_json)
    article = event["articles"][0]["id"]
    article_page = next(
        p.relative_to(seeds_site).as_posix()
        for p in (seeds_site / "articles").glob("*.html")
        if p.stem == re.sub(r"[^a-z0-9]+", "-", article.lower()).strip("-")
    )
    keywords = sorted(p for p in (seeds_site / "keywords").glob("*.html") if p.stem != "index")
    paths = [
        "index.html",
        f"events/{event['id']}.html",
        keywords[0].relative_to(seeds_site).as_posix(),
        article_page,
        f"search.html?q={_search_word(event)}",  # with its results shown
    ]
    violations = [
        v
        for path in paths
        for scheme in ("light", "dark")
        for v in _axe_violations(page, axe_source, path, scheme)
    ]
    assert not violations, json.dumps(violations, indent=1)


def test_axe_is_really_checking(page, axe_source: str):
    """A page with a known violation is reported, so a clean result above means something."""
    page.set_content("<html><body><img src='x.png'><a href='#'></a></body></html>")
    page.evaluate(axe_source + "\n;true")
    result = page.evaluate("async () => await axe.run(document)")
    assert {"image-alt", "link-name"} <= {v["id"] for v in result["violations"]}


def test_serve_reloads_the_open_page(browser, seeds_site: Path):
    """`digest serve`'s reload script runs under the page's CSP and reloads after a rebuild."""
    from digest.serve import Reloader, make_server

    reloader = Reloader()
    server = make_server(seeds_site, 0, reloader)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context = browser.new_context()
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        with tab.expect_response(re.compile(r"/__digest__/events$")):
            tab.goto(f"http://127.0.0.1:{server.server_port}/index.html")
        tab.evaluate("window.__before_reload = true")
        with tab.expect_navigation(timeout=10000):
            reloader.bump()
        assert tab.evaluate("window.__before_reload === undefined")
        assert not errors, errors
    finally:
        context.close()
        server.shutdown()
        server.server_close()


def test_search_finds_events_in_every_part_of_a_split_index(browser, tmp_path_factory):
    """A site with more pages than ``site.search_index_pages`` gets its index in parts, which
    the search page merges: here one event page per part, each found by its own word."""
    from digest.build import build
    from digest.config import SiteConfig
    from digest.serve import make_server
    from tests.conftest import SEEDS, config_for

    out = tmp_path_factory.mktemp("split") / "output"
    build(config_for(SEEDS, out, site=SiteConfig(search_index_pages=1)))
    if not (out / "pagefind").is_dir():
        _unavailable("no search index (pip install pagefind)")
    events = json.loads((out / "events.json").read_text(encoding="utf-8"))["events"]
    assert len(list((out / "pagefind").glob("part-*/pagefind.js"))) == len(events) - 1
    server = make_server(out, 0, None)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    context = browser.new_context(base_url=f"http://127.0.0.1:{server.server_port}/")
    try:
        tab = context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda e: errors.append(str(e)))
        for event in events:
            tab.goto(f"search.html?q={_search_word(event)}")
            link = tab.locator("#search-results li a", has_text=event["title"])
            link.first.wait_for(timeout=15000)
        assert not errors, errors
    finally:
        context.close()
        server.shutdown()
        server.server_close()


def test_search_shows_more_results_on_request(browser, tmp_path_factory):
    """Results come twenty at a time; the status says how many there are and how many are shown,
    and "More results" shows the rest."""
    from digest.build import build
    from digest.serve import make_server
    from tests.conftest import config_for

    root = tmp_path_factory.mktemp("many")
    source = root / "source"
    source.mkdir()
    syllables = ["ka", "lo", "mi", "ne", "pu", "ra", "si", "to", "ve", "zu"]
    for n in range(25):
        # Each article its own words (so its own event) and one word all of them share.
        own = [syllables[n % 10] + syllables[n // 10] + syllables[(n + k) % 10] for k in range(6)]
        text = f"The zeppelin {own[0]} {own[1]} landed near {own[2]} on Monday. " * 2
        text += f"Witnesses in {own[3]} said the {own[4]} crew waved at {own[5]}."
        title = f"Zeppelin lands in {own[0].capitalize()}"
        (source / f"z{n:02}.md").write_text(f"---\ntitle: {title}\n---\n{text}\n", "utf-8")
    out = root / "output"
    build(config_for(source, out))
    if not (out / "pagefind").is_dir():
        _unavailable("no search index (pip install pagefind)")
    events = json.loads((out / "events.json").read_text(encoding="utf-8"))["events"]
    assert len(events) == 25
    server = make_server(out, 0, None)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context = browser.new_context(base_url=f"http://127.0.0.1:{server.server_port}/")
    try:
        tab = context.new_page()
        tab.goto("search.html?q=zeppelin")
        results = tab.locator("#search-results li")
        # (The page's CSP forbids evaluated strings, so waits go through locators.)
        results.nth(19).wait_for(timeout=15000)
        assert results.count() == 20
        assert "25 results" in tab.locator("#search-status").inner_text()
        assert "first 20 shown" in tab.locator("#search-status").inner_text()
        tab.get_by_role("button", name="More results").click()
        results.nth(24).wait_for(timeout=15000)
        assert results.count() == 25
        hrefs = results.evaluate_all("items => items.map(i => i.querySelector('a').href)")
        assert len(set(hrefs)) == 25  # no result listed twice
        assert tab.locator("#search-status").inner_text().startswith("25 results for")
        assert not tab.get_by_role("button", name="More results").is_visible()
    finally:
        context.close()
        server.shutdown()
        server.server_close()
