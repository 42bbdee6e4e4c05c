"""Atom feeds: valid for feedparser, one for the site and one per keyword, links that resolve."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin

import feedparser
import pytest

from digest.build import build
from digest.config import SiteConfig
from digest.model import Copies, Digest, Event, SummarySentence
from digest.pages import keyword_slug
from digest.render import render_site
from tests.conftest import SEEDS, config_for, make_article

ATOM = "{http://www.w3.org/2005/Atom}"


def headers(location: str) -> dict[str, str]:
    return {"content-location": location, "content-type": "application/atom+xml"}


def parse(path: Path) -> feedparser.FeedParserDict:
    # Parsed as served from the site's root, so relative links resolve like a reader's would.
    base = "http://localhost/" + path.as_posix().split("/output/", 1)[1]
    feed = feedparser.parse(path.read_bytes(), response_headers=headers(base))
    assert not feed.bozo, (path, feed.get("bozo_exception"))
    assert feed.version == "atom10"
    return feed


def test_site_feed_lists_every_event(seeds_site: Path, seeds_json: dict):
    feed = parse(seeds_site / "feed.xml")
    assert feed.feed.title
    assert [e.title for e in feed.entries] == [e["title"] for e in seeds_json["events"]]
    for entry, event in zip(feed.entries, seeds_json["events"], strict=True):
        assert entry.id.startswith("urn:uuid:")
        assert entry.link == f"http://localhost/events/{event['id']}.html"
        assert (seeds_site / "events" / f"{event['id']}.html").is_file()
        assert entry.updated_parsed is not None
        assert {t.term for t in entry.get("tags", [])} <= {k for k in event["keywords"]} | {
            k for e in seeds_json["events"] for k in e["keywords"]
        }
        assert event["summary"][0]["text"] in entry.summary


def test_feed_has_required_atom_elements(seeds_site: Path):
    root = ET.parse(seeds_site / "feed.xml").getroot()
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{name}") is not None, name
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated", "link"):
            assert entry.find(f"{ATOM}{name}") is not None, name


def test_one_feed_per_keyword_with_a_page(seeds_site: Path, seeds_json: dict):
    carriers: dict[str, set[str]] = {}
    for event in seeds_json["events"]:
        for keyword in event["keywords"]:
            carriers.setdefault(keyword_slug(keyword), set()).add(event["title"])
    shared = {slug: titles for slug, titles in carriers.items() if len(titles) >= 2}
    assert shared
    for slug, titles in shared.items():
        feed = parse(seeds_site / "keywords" / f"{slug}.xml")
        assert {e.title for e in feed.entries} == titles
        for entry in feed.entries:
            rel = entry.link.removeprefix("http://localhost/")
            assert (seeds_site / rel).is_file(), entry.link
        page = (seeds_site / "keywords" / f"{slug}.html").read_text("utf-8")
        assert 'type="application/atom+xml" title="News digest: ' in page
        assert f'href="{slug}.xml"' in page


def test_a_feed_is_as_new_as_its_newest_entry(seeds_site: Path):
    """A keyword's feed changes only when its own events do, not whenever the site gets news."""
    feeds = [seeds_site / "feed.xml", *sorted((seeds_site / "keywords").glob("*.xml"))]
    assert len(feeds) > 1
    for path in feeds:
        root = ET.parse(path).getroot()
        entries = [e.find(f"{ATOM}updated").text for e in root.findall(f"{ATOM}entry")]
        assert root.find(f"{ATOM}updated").text == max(entries), path.name


def test_feed_is_deterministic_and_has_no_wall_clock(tmp_path: Path):
    feeds = []
    for name in ("a", "b"):
        config = config_for(SEEDS, tmp_path / name, cache=str(tmp_path / f"cache-{name}"))
        build(dataclasses.replace(config, site=SiteConfig(search=False)))
        feeds.append((tmp_path / name / "feed.xml").read_text("utf-8"))
    assert feeds[0] == feeds[1]


def test_source_date_epoch_sets_feed_updated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1718000000")
    build(
        dataclasses.replace(
            config_for(SEEDS, tmp_path / "out", cache=str(tmp_path / "cache")),
            site=SiteConfig(search=False),
        )
    )
    root = ET.parse(tmp_path / "out" / "feed.xml").getroot()
    assert root.find(f"{ATOM}updated").text == "2024-06-10T06:13:20Z"


def test_absolute_links_with_base_url(tmp_path: Path, seeds_json: dict):
    base = "https://news.example.org/d/"
    config = dataclasses.replace(
        config_for(SEEDS, tmp_path / "out", cache=str(tmp_path / "cache")),
        site=SiteConfig(base_url=base, search=False),
    )
    build(config)
    data = (tmp_path / "out" / "feed.xml").read_bytes()
    feed = feedparser.parse(data, response_headers=headers("http://elsewhere.example/feed.xml"))
    assert not feed.bozo
    self_link = next(link.href for link in feed.feed.links if link.rel == "self")
    assert self_link == urljoin(base, "feed.xml")
    assert [e.link for e in feed.entries] == [
        urljoin(base, f"events/{e['id']}.html") for e in seeds_json["events"]
    ]


def test_feed_text_survives_markup_characters_and_empty_values():
    # The feed is written as text, so every value must come back from an XML parser unchanged.
    from digest.feeds import Feed, FeedEntry, atom_xml

    odd = 'Tom & "Jerry" <b>bold</b>\n\ttabbed\r'
    entry = FeedEntry(
        id="urn:uuid:1",
        title=odd,
        updated="2024-01-01T00:00:00Z",
        published="",
        href='events/a.html?x=1&y="2"',
        authors="A & B",
        categories=(odd, "plain"),
        summary=odd,
        content="<p>" + odd + "</p>",
    )
    feed = Feed("urn:uuid:0", "", "", 'en"', "2024-01-01T00:00:00Z", "feed.xml", "", (entry,))
    root = ET.fromstring(atom_xml(feed).encode("utf-8"))
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == 'en"'
    assert root.find(f"{ATOM}title").text is None  # empty, not missing
    assert root.find(f"{ATOM}subtitle") is None
    [item] = root.findall(f"{ATOM}entry")
    # XML parsers turn a bare "\r" in text into "\n"; attributes keep it, escaped.
    text = odd.replace("\r", "\n")
    assert item.find(f"{ATOM}title").text == text
    assert item.find(f"{ATOM}published") is None
    assert item.find(f"{ATOM}link").get("href") == 'events/a.html?x=1&y="2"'
    assert [c.get("term") for c in item.findall(f"{ATOM}category")] == [odd, "plain"]
    assert item.find(f"{ATOM}author/{ATOM}name").text == "A & B"
    assert item.find(f"{ATOM}summary").text == text
    assert item.find(f"{ATOM}content").text == "<p>" + text + "</p>"
    assert not feedparser.parse(atom_xml(feed).encode("utf-8")).bozo


def _dated_event(id: str, keywords: tuple[str, ...], day: int | None) -> Event:
    when = datetime(2024, 6, day, tzinfo=UTC) if day else None
    article = make_article(id=id, title=f"Story {id}", text=f"Text of story {id}.", date=when)
    return Event(
        id=id,
        headline=f"Story {id}",
        members=(Copies(article),),
        keywords=keywords,
        summary=(SummarySentence(f"Text of story {id}.", (id,)),),
        date=when,
    )


def test_an_undated_entry_takes_each_feed_s_own_date(tmp_path: Path, monkeypatch):
    """Entries are made once per process and shared by the feeds (``render._write_feed``); an
    undated event's entry stands in the date of the feed it is in, so it differs by feed."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    events = (
        _dated_event("z", ("strike",), 9),
        _dated_event("y", ("port",), 2),
        _dated_event("x", ("port", "strike"), None),
    )
    digest = Digest(events=events, rejected=(), timings=(), keys={})
    config = config_for(tmp_path / "src", tmp_path / "out", site=SiteConfig(search=False))
    (tmp_path / "stage").mkdir()
    render_site(digest, config, tmp_path / "stage", jobs=1)

    def updated_of_x(path: Path) -> str:
        root = ET.parse(path).getroot()
        entry = next(
            e for e in root.findall(f"{ATOM}entry") if e.find(f"{ATOM}title").text == "Story x"
        )
        return entry.find(f"{ATOM}updated").text

    keywords = tmp_path / "stage" / "keywords"
    assert updated_of_x(keywords / f"{keyword_slug('port')}.xml") == "2024-06-02T00:00:00Z"
    assert updated_of_x(keywords / f"{keyword_slug('strike')}.xml") == "2024-06-09T00:00:00Z"
    assert updated_of_x(tmp_path / "stage" / "feed.xml") == "2024-06-09T00:00:00Z"
