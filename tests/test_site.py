"""The site around the events: keyword pages, archive, paging, about, coverage, related events,
metadata (canonical, Open Graph, sitemap) and the search switch."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, datetime
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import markupsafe
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest import parallel
from digest.build import build
from digest.config import SiteConfig
from digest.listings import pager
from digest.model import Copies, Digest, Event, SummarySentence
from digest.pages import keyword_slug, paged
from digest.related import (
    MAX_POSTINGS,
    MAX_RELATED,
    MIN_COSINE,
    MIN_POSTINGS,
    event_vectors,
    related_events,
)
from digest.render import _escape_str, environment
from digest.search import available as search_available
from digest.views import reports_near
from tests.conftest import SEEDS, config_for, make_article


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def find(self, tag: str, **want: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in want.items())]


def tags(path: Path) -> _Tags:
    parser = _Tags()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def links(path: Path) -> set[str]:
    return {a["href"] for a in tags(path).find("a")}


def _keyword_events(seeds_json: dict) -> dict[str, set[str]]:
    slugs: dict[str, set[str]] = {}
    for event in seeds_json["events"]:
        for keyword in event["keywords"]:
            slugs.setdefault(keyword_slug(keyword), set()).add(event["id"])
    return slugs


def test_a_keyword_page_per_shared_keyword_listing_its_events(seeds_site: Path, seeds_json: dict):
    slugs = _keyword_events(seeds_json)
    shared = {slug: ids for slug, ids in slugs.items() if len(ids) >= 2}
    assert shared and len(shared) < len(slugs), "the seeds have shared and single keywords"
    index_links = links(seeds_site / "keywords" / "index.html")
    for slug, event_ids in shared.items():
        page = seeds_site / "keywords" / f"{slug}.html"
        assert f"../keywords/{slug}.html" in index_links
        assert (seeds_site / "keywords" / f"{slug}.xml").is_file()
        listed = {h.rsplit("/", 1)[-1][:-5] for h in links(page) if h.startswith("../events/")}
        assert listed == event_ids, slug
    # A keyword of one event gets no page and no feed (keyword_min_events defaults to 2).
    for slug in set(slugs) - set(shared):
        assert not (seeds_site / "keywords" / f"{slug}.html").exists()
        assert not (seeds_site / "keywords" / f"{slug}.xml").exists()
        assert f"../keywords/{slug}.html" not in index_links


def test_event_keywords_link_to_their_pages(seeds_site: Path, seeds_json: dict):
    slugs = _keyword_events(seeds_json)
    for event in seeds_json["events"]:
        page = seeds_site / "events" / f"{event['id']}.html"
        page_links = links(page)
        html = page.read_text(encoding="utf-8")
        for keyword in event["keywords"]:
            href = f"../keywords/{keyword_slug(keyword)}.html"
            if len(slugs[keyword_slug(keyword)]) >= 2:
                assert href in page_links
            else:  # shown, escaped, but not a link to a page that does not exist
                assert href not in page_links
                assert f"<span>{escape(keyword)}</span>" in html


def test_every_keyword_gets_a_page_with_min_events_one(tmp_path: Path, seeds_json: dict):
    config = config_for(SEEDS, tmp_path / "out", cache=str(tmp_path / "cache"))
    config = dataclasses.replace(config, site=SiteConfig(keyword_min_events=1, search=False))
    build(config)
    for slug, event_ids in _keyword_events(seeds_json).items():
        page = tmp_path / "out" / "keywords" / f"{slug}.html"
        listed = {h.rsplit("/", 1)[-1][:-5] for h in links(page) if h.startswith("../events/")}
        assert listed == event_ids, slug


def test_day_archive_has_stable_urls(seeds_site: Path, seeds_json: dict):
    archive = links(seeds_site / "archive" / "index.html")
    for event in seeds_json["events"]:
        day = event["date"][:10] if event["date"] else "undated"
        assert f"../archive/{day}.html" in archive
        listed = links(seeds_site / "archive" / f"{day}.html")
        assert f"../events/{event['id']}.html" in listed


def test_index_pages_past_per_page(tmp_path: Path, seeds_json: dict):
    config = config_for(SEEDS, tmp_path / "out", cache=str(tmp_path / "cache"))
    config = dataclasses.replace(config, site=SiteConfig(per_page=1, search=False))
    build(config)
    out = tmp_path / "out"
    events = [e["id"] for e in seeds_json["events"]]
    found = []
    pages = [out / "index.html", *(out / "page" / f"{n}.html" for n in range(2, len(events) + 1))]
    for page in pages:
        found += [h for h in links(page) if h.startswith(("events/", "../events/"))]
    found = [h.rsplit("/", 1)[-1][:-5] for h in dict.fromkeys(found)]
    assert set(events) <= set(found)
    assert not (out / "page" / f"{len(events) + 1}.html").exists()
    assert "page/2.html" in links(out / "index.html")
    assert "../index.html" in links(out / "page" / "2.html")
    # One event per page: the lead's storyline lists the events the page does not show.
    following = tags(out / "index.html").find("div", **{"class": "lead-related"})
    assert following
    assert len([h for h in links(out / "index.html") if h.startswith("events/")]) > 2
    # Keyword and day pages page too: every event of a keyword is on one of its pages.
    shared = {s for s, ids in _keyword_events(seeds_json).items() if len(ids) >= 2}
    for event in seeds_json["events"]:
        for keyword in event["keywords"]:
            slug = keyword_slug(keyword)
            if slug not in shared:
                continue
            parts = [out / "keywords" / f"{slug}.html"]
            parts += sorted((out / "keywords" / slug).glob("*.html"))
            hrefs = {h.rsplit("/", 1)[-1] for part in parts for h in links(part)}
            assert f"{event['id']}.html" in hrefs, (slug, event["id"])


def test_paged_lists_keep_stable_paths():
    events = tuple(_event(f"e{i}", f"Headline {i}", "Text.", ("alpha",), 1 + i) for i in range(5))
    parts = paged("keywords/alpha.html", events, 2)
    assert [p.path for p in parts] == [
        "keywords/alpha.html",
        "keywords/alpha/2.html",
        "keywords/alpha/3.html",
    ]
    assert [len(p.events) for p in parts] == [2, 2, 1]
    assert [p.number for p in paged("archive/2024-06-01.html", (), 2)] == [1]


def test_pager_links_the_ends_and_the_pages_near_this_one():
    events = tuple(
        _event(f"e{i}", f"Headline {i}", "Text.", ("alpha",), 1 + i % 28) for i in range(40)
    )
    parts = paged("index.html", events, 2)  # 20 pages

    def shown(number: int) -> list[tuple[int, bool, bool]]:
        return [(p.number, p.current, p.gap_before) for p in pager(parts, number).pages]

    assert shown(1) == [(1, True, False), (2, False, False), (3, False, False), (20, False, True)]
    assert shown(10) == [
        (1, False, False),
        (8, False, True),
        (9, False, False),
        (10, True, False),
        (11, False, False),
        (12, False, False),
        (20, False, True),
    ]
    # No gap where one would hide nothing: page 2 follows page 1.
    assert [(n, gap) for n, _, gap in shown(4)] == [
        (1, False), (2, False), (3, False), (4, False), (5, False), (6, False), (20, True)
    ]  # fmt: skip
    assert shown(20)[-1] == (20, True, False)
    last = pager(parts, 20)
    assert (last.prev_href, last.next_href, last.count) == ("index/19.html", "", 20)
    # Every page's links stay a handful however long the list grows.
    many = paged("index.html", tuple(events * 50), 2)
    assert max(len(pager(many, n).pages) for n in range(1, len(many) + 1)) == 7
    for n in (1, 2, 500, len(many)):
        hrefs = [p.href for p in pager(many, n).pages]
        assert hrefs[0] == "index.html" and hrefs[-1] == f"index/{len(many)}.html"
    assert [p.number for p in pager(paged("index.html", events[:1], 2), 1).pages] == [1]


def test_pager_gap_is_rendered(tmp_path: Path):
    events = tuple(_event(f"e{i}", f"Headline {i}", "Text.", ("alpha",), 1) for i in range(10))
    env = environment(config_for(SEEDS, tmp_path / "out"))
    nav = env.from_string(
        '{% from "macros.html" import pager_nav with context %}{{ pager_nav(pager) }}'
    ).render(pager=pager(paged("index.html", events, 1), 5), root="../")
    numbers = re.findall(r">(\d+|…)<", nav)
    assert numbers == ["1", "…", "3", "4", "5", "6", "7", "…", "10"]
    assert nav.count('<li class="gap" aria-hidden="true">…</li>') == 2
    assert '<span aria-current="page">5</span>' in nav
    assert '<a href="../index/10.html">10</a>' in nav
    assert 'rel="prev" href="../index/4.html"' in nav


class _Html:
    def __html__(self) -> str:
        return "<b>safe</b>"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "plain",
        "<script>\"x\" & 'y'</script>",
        "é — “quoted” \x00",
        markupsafe.Markup("<i>"),
        _Html(),
        42,
        -7,
        10**30,
        True,
        None,
        3.5,
    ],
)
def test_templates_escape_exactly_as_markupsafe(value, tmp_path: Path):
    expected = markupsafe.escape(value)
    got = _escape_str(value)
    assert type(got) is markupsafe.Markup and got == expected
    env = environment(config_for(SEEDS, tmp_path / "out"))
    template = env.from_string("[{{ v }}]{% macro m(x) %}({{ x }}){% endmacro %}{{ m(v) }}")
    # The compiled template prints through the shortcut, not MarkupSafe's own function.
    assert template.root_render_func.__globals__["escape"] is _escape_str
    assert template.render(v=value) == f"[{expected}]({expected})"


def test_about_page_counts_sources(seeds_site: Path, seeds_json: dict):
    text = re.sub(r"\s+", " ", (seeds_site / "about.html").read_text("utf-8"))
    reports = sum(1 + len(a["duplicates"]) for e in seeds_json["events"] for a in e["articles"])
    sentences = sum(len(e["summary"]) for e in seeds_json["events"])
    assert f"<strong>{reports}</strong> report" in text
    assert f"<strong>{len(seeds_json['events'])}</strong> event" in text
    assert f"Each of the {sentences} summary sentences" in text
    dates = sorted(e["date"][:10] for e in seeds_json["events"] if e["date"])
    if dates:
        assert f'datetime="{dates[0]}"' in text


def test_front_page_never_lists_an_event_twice(seeds_site: Path, seeds_json: dict):
    """The seed events are one storyline, and all three fit on the front page: the lead's
    "Follow the story" would list the other two a second time, so it is left out."""
    html = (seeds_site / "index.html").read_text("utf-8")
    assert "lead-related" not in html
    for event in seeds_json["events"]:
        assert html.count(f'href="events/{event["id"]}.html"') <= 2  # headline and full coverage


def test_about_page_says_one_copy_in_the_singular(tmp_path: Path):
    source = tmp_path / "src"
    source.mkdir()
    story = "A storm closed the harbour of Marlow on Tuesday after waves broke the sea wall. " * 3
    for name, outlet in (("a", "Daily Bugle"), ("b", "Evening Post")):
        (source / f"{name}.md").write_text(
            f"---\ntitle: Storm closes Marlow harbour\nsource: {outlet}\n---\n{story}\n"
        )
    build(config_for(source, tmp_path / "out", site=SiteConfig(search=False)))
    text = re.sub(r"\s+", " ", (tmp_path / "out" / "about.html").read_text("utf-8"))
    assert "of which 1 was a copy of another report and was folded into it" in text


def test_event_page_shows_coverage_and_timeline(seeds_site: Path, seeds_json: dict):
    for event in seeds_json["events"]:
        html = (seeds_site / "events" / f"{event['id']}.html").read_text("utf-8")
        outlets = {a["source"] for a in event["articles"] if a["source"]}
        coverage = html.split('id="coverage-h"', 1)[1].split("</dl>", 1)[0]
        assert re.search(rf"<dt>Outlets</dt><dd>{len(outlets)}\b", coverage)
        for outlet in outlets:
            assert outlet in coverage
        timeline = html.split('id="timeline-h"', 1)[1].split("</ol>", 1)[0]
        reports = sum(1 + len(a["duplicates"]) for a in event["articles"])
        assert timeline.count("<li>") == reports
        dates = sorted(a["date"] for a in event["articles"] if a["date"])
        if dates:
            assert f'datetime="{dates[0]}"' in coverage and f'datetime="{dates[-1]}"' in coverage


def _event(id: str, headline: str, text: str, keywords: tuple[str, ...], day: int) -> Event:
    article = make_article(id=id, title=headline, text=text)
    return Event(
        id=id,
        headline=headline,
        members=(Copies(article),),
        keywords=keywords,
        summary=(SummarySentence(text, (id,)),),
        date=datetime(2024, 6, day, tzinfo=UTC),
    )


def test_an_event_without_a_summary_says_why_instead_of_claiming_cited_sentences(tmp_path: Path):
    from digest.render import render_site

    plain = _event("plain", "Storm floods Marlow", "The river rose in Marlow on Tuesday.", (), 3)
    bare = dataclasses.replace(
        _event("bare", "Caption of a photo", "He hugged him.", (), 4), summary=()
    )
    long = dataclasses.replace(
        _event("long", "Storm", "The river rose in Marlow on Tuesday.", (), 5),
        summary=(),
        summary_over_budget=True,
    )
    digest = Digest(events=(bare, plain, long), rejected=())
    out = tmp_path / "site"
    render_site(digest, config_for(SEEDS, tmp_path / "out"), out, 1)
    page = (out / "events" / "bare.html").read_text(encoding="utf-8")
    assert "can stand on its own in a summary" in page
    assert "Every sentence above is taken word for word from" not in page
    # The budget is why: the page says so instead of blaming the sentences.
    page = (out / "events" / "long.html").read_text(encoding="utf-8")
    assert "is longer than this site's summaries are allowed to be" in page
    assert "can stand on its own in a summary" not in page
    plain = (out / "events" / "plain.html").read_text()
    assert "Every sentence above is taken word for word from" in plain


def test_related_events_share_a_storyline():
    events = [
        _event("c", "Port strike spreads to Rotterdam", "Dockers in Rotterdam joined the "
               "strike begun in Antwerp by the FNV union against Maersk.", ("port strike",), 3),
        _event("b", "Maersk reroutes ships as strike grows", "Shipping group Maersk said the "
               "FNV strike at Antwerp forced it to reroute.", ("port strike",), 2),
        _event("a", "Antwerp dockers strike", "Dockers at Antwerp began a strike called by "
               "the FNV union.", ("dockers",), 1),
        _event("z", "Film festival opens in Venice", "The Venice film festival opened with "
               "a premiere by Sofia Coppola.", ("film festival",), 3),
    ]  # fmt: skip
    related = related_events(events)
    assert set(related["a"]) == {"b", "c"}
    assert "a" in related["b"] and "c" in related["b"]
    assert related["z"] == ()
    assert "z" not in related["c"]


def test_a_name_every_event_shares_relates_none_of_them():
    # Twelve stories that all name the president and the White House: that is no storyline.
    # Two of them share one of their own (a port strike), and only those two are related.
    topics = ("tariff", "drought", "vaccine", "orchestra", "satellite", "glacier", "lottery",
              "volcano", "marathon", "bakery", "museum", "pipeline")  # fmt: skip
    events = [
        _event(f"e{i:02d}", f"Biden comments on {topic}", f"President Joe Biden spoke about "
               f"the {topic} at the White House.", ("Joe Biden", "White House"), 1 + i)
        for i, topic in enumerate(topics)
    ]  # fmt: skip
    events[3] = _event("e03", "Biden on Antwerp port strike", "President Joe Biden spoke about "
                       "the Antwerp port strike by FNV dockers at the White House.",
                       ("Joe Biden", "White House"), 4)  # fmt: skip
    events[9] = _event("e09", "Antwerp dockers extend strike", "FNV dockers extended the "
                       "Antwerp port strike, Joe Biden noted at the White House.",
                       ("Joe Biden", "White House"), 10)  # fmt: skip
    related = related_events(events)
    assert related["e03"] == ("e09",) and related["e09"] == ("e03",)
    assert all(related[e.id] == () for e in events if e.id not in ("e03", "e09"))


def _related_plainly(events):
    """related_events written plainly: dense cosines over the words of two to ``limit`` events,
    every other event at or above the floor, best first, ties by order."""
    x, df = event_vectors(events)
    dense = x.toarray()
    limit = min(MAX_POSTINGS, max(MIN_POSTINGS, len(events) // 10), max(3, len(events) // 2))
    kept = dense[:, (df >= 2) & (df <= limit)]
    scores = kept @ kept.T
    related = {}
    for i, event in enumerate(events):
        found = [
            (-round(float(scores[i, j]), 6), j)
            for j in range(len(events))
            if j != i and round(float(scores[i, j]), 6) >= MIN_COSINE
        ]
        related[event.id] = tuple(events[j].id for _, j in sorted(found)[:MAX_RELATED])
    return related


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_related_events_match_the_plain_rule(data):
    # Few names, so that many events share them, scores tie, some events have more related
    # events than are kept, and a name in more than 20 events stops counting.
    names = ["Antwerp", "Maersk", "FNV", "Rotterdam", "Coppola", "Venice", "NATO", "Helsinki"]
    count = data.draw(st.integers(1, 45))
    events = []
    for i in range(count):
        mine = data.draw(st.lists(st.sampled_from(names), max_size=5, unique=True))
        keywords = tuple(data.draw(st.lists(st.sampled_from(["port strike", "film"]), max_size=2)))
        text = "Reports say " + " and ".join(mine or ["nothing"]) + " met."
        events.append(_event(f"e{i:02d}", f"Story {i}", text, keywords, 1 + i % 28))
    assert related_events(events) == _related_plainly(events)


def test_related_events_found_in_a_child_while_pages_render_give_the_same_site(
    monkeypatch, tmp_path: Path
):
    import digest.render as render

    stories = (
        ("Dockers strike", "Dockers at Antwerp and Rotterdam began strike number {} called by "
         "the FNV union against Maersk.", ("port strike",)),
        ("Film festival day", "Day {} of the Venice film festival brought a premiere by Sofia "
         "Coppola.", ("film festival",)),
    )  # fmt: skip
    events = tuple(
        _event(f"e{i}", f"{stories[i % 2][0]} {i}", stories[i % 2][1].format(i), stories[i % 2][2],
               1 + i)
        for i in range(6)
    )  # fmt: skip
    digest = Digest(events=events, rejected=(), timings=(), keys={})
    assert any(related_events(events).values())
    config = config_for(SEEDS, tmp_path / "out")
    render.render_site(digest, config, tmp_path / "alone", 1)
    # Few events: every page is rendered here, and related events are found in this process.
    monkeypatch.setattr(render, "BACKGROUND_EVENTS", 3)
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 2)
    started = []
    real = parallel.in_background
    monkeypatch.setattr(parallel, "in_background", lambda *a: started.append(1) or real(*a))
    render.render_site(digest, config, tmp_path / "beside", 2)
    assert started == [1]
    assert _tree(tmp_path / "beside") == _tree(tmp_path / "alone")
    page = (tmp_path / "beside" / "events" / "e0.html").read_text()
    assert "Follow the story" in page and "Dockers strike 2" in page


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_related_events_link_each_other_on_the_site(tmp_path: Path):
    src = tmp_path / "src"
    src.mkdir()
    stories = [
        ("one", "2024-06-01", "Antwerp dockers strike over pay",
         "Dockers at Antwerp began a strike called by the FNV union, and Maersk ships wait."),
        ("two", "2024-06-03", "Rotterdam joins Antwerp port strike",
         "The FNV union took the strike from Antwerp to Rotterdam, and Maersk ships wait."),
    ]  # fmt: skip
    for name, day, title, body in stories:
        front = f"title: {title}\ndate: {day}\nsource: Outlet {name}\nevent: {name}"
        (src / f"{name}.md").write_text(f"---\n{front}\n---\n{body}\n", encoding="utf-8")
    out = tmp_path / "out"
    build(
        dataclasses.replace(
            config_for(src, out, cache=str(tmp_path / "cache")), site=SiteConfig(search=False)
        )
    )
    pages = sorted((out / "events").glob("*.html"))
    assert len(pages) == 2
    for page, other in ((pages[0], pages[1]), (pages[1], pages[0])):
        html = page.read_text("utf-8")
        assert 'id="related-h"' in html
        assert f'href="../events/{other.name}"' in html.split('id="related-h"', 1)[1]


def test_every_page_has_meta_description_open_graph_and_csp(seeds_site: Path):
    for page in seeds_site.rglob("*.html"):
        if "pagefind" in page.parts:
            continue
        found = tags(page)
        assert found.find("meta", name="description")[0]["content"], page
        for prop in ("og:title", "og:description", "og:type", "og:site_name"):
            assert found.find("meta", property=prop), (page, prop)
        csp = found.find("meta", **{"http-equiv": "Content-Security-Policy"})[0]["content"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        # No third-party requests: every stylesheet, script and icon is the site's own.
        for tag, attr in (("link", "href"), ("script", "src"), ("img", "src")):
            for element in found.find(tag):
                if tag == "link" and element.get("rel") in ("alternate", "canonical"):
                    continue
                assert not re.match(r"^[a-z]+:|^//", element.get(attr, "")), (page, element)
        assert not found.find("link", rel="canonical"), "no canonical URL without base_url"


def test_base_url_enables_canonical_sitemap_and_absolute_feeds(tmp_path: Path):
    base = "https://news.example.org/digest"
    config = config_for(SEEDS, tmp_path / "out", cache=str(tmp_path / "cache"))
    config = dataclasses.replace(config, site=SiteConfig(base_url=base + "/", search=False))
    build(config)
    out = tmp_path / "out"
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))
    for rel in pages:
        found = tags(out / rel)
        assert found.find("link", rel="canonical")[0]["href"] == f"{base}/{rel}"
        assert found.find("meta", property="og:url")[0]["content"] == f"{base}/{rel}"
        feeds = found.find("link", rel="alternate")
        assert feeds and all(f["href"].startswith(base + "/") for f in feeds)
        # Links between pages stay relative, so the site still works from disk.
        assert not any(a["href"].startswith(base) for a in found.find("a"))
    sitemap = (out / "sitemap.xml").read_text("utf-8")
    locs = re.findall(r"<loc>(.*?)</loc>", sitemap)
    assert sorted(locs) == sorted(f"{base}/{rel}" for rel in pages)


def test_no_sitemap_without_base_url(seeds_site: Path):
    assert not (seeds_site / "sitemap.xml").exists()
    feed = tags(seeds_site / "index.html").find("link", rel="alternate")[0]["href"]
    assert feed == "feed.xml"


@pytest.mark.skipif(not search_available(), reason="pagefind is not installed")
def test_search_index_is_built_by_default(seeds_site: Path):
    assert (seeds_site / "pagefind" / "pagefind.js").is_file()
    assert (seeds_site / "search.html").is_file()
    assert tags(seeds_site / "index.html").find("form", role="search")
    event = next((seeds_site / "events").glob("*.html")).read_text("utf-8")
    assert "data-pagefind-body" in event


@pytest.mark.skipif(not search_available(), reason="pagefind is not installed")
def test_search_indexes_event_pages_and_articles_on_request(
    tmp_path: Path, seeds_site: Path, seeds_json: dict
):
    # Pagefind writes one fragment per indexed page.
    events = len(seeds_json["events"])
    articles = len(list((seeds_site / "articles").glob("*.html")))
    assert len(list((seeds_site / "pagefind" / "fragment").iterdir())) == events
    config = config_for(SEEDS, tmp_path / "out", cache=str(tmp_path / "cache"))
    build(dataclasses.replace(config, site=SiteConfig(search_articles=True)))
    fragments = len(list((tmp_path / "out" / "pagefind" / "fragment").iterdir()))
    assert fragments == events + articles
    assert 'placeholder="Search events and articles"' in (
        tmp_path / "out" / "search.html"
    ).read_text("utf-8")


@pytest.mark.skipif(not search_available(), reason="pagefind is not installed")
def test_search_builds_on_a_site_with_no_event(tmp_path: Path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "empty.txt").write_text("", encoding="utf-8")
    build(config_for(tmp_path / "src", tmp_path / "out", cache=str(tmp_path / "cache")))
    assert (tmp_path / "out" / "pagefind" / "pagefind.js").is_file()
    assert (tmp_path / "out" / "search.html").is_file()


@pytest.mark.skipif(not search_available(), reason="pagefind is not installed")
def test_a_large_site_gets_its_search_index_in_parts(tmp_path: Path, seeds_json: dict):
    # Pagefind holds every page it indexes in memory: past ``search_index_pages`` pages the
    # index is built in parts, one Pagefind at a time, each page in exactly one part.
    from digest.search import bundles

    events = len(seeds_json["events"])
    config = config_for(SEEDS, tmp_path / "out", cache=str(tmp_path / "cache"))
    build(dataclasses.replace(config, site=SiteConfig(search_index_pages=2, search_articles=True)))
    out = tmp_path / "out"
    articles = len(list((out / "articles").glob("*.html")))
    parts = -(-(events + articles) // 2)
    assert parts > 2
    folders = [out / "pagefind", *(out / "pagefind" / f"part-{n}" for n in range(2, parts + 1))]
    assert all((folder / "pagefind.js").is_file() for folder in folders)
    assert not (out / "pagefind" / f"part-{parts + 1}").exists()
    fragments = [len(list((folder / "fragment").iterdir())) for folder in folders]
    assert sum(fragments) == events + articles and max(fragments) - min(fragments) <= 1
    listed = tags(out / "search.html").find("div", id="search")[0]["data-more-bundles"].split()
    assert listed == [f"pagefind/part-{n}/" for n in range(2, parts + 1)]
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # the link folders are gone
    digest = build(dataclasses.replace(config, site=SiteConfig(search_index_pages=0)))[0]
    assert bundles(digest, SiteConfig(search_index_pages=0)) == ["pagefind"]
    assert bundles(digest, SiteConfig(search_index_pages=events)) == ["pagefind"]
    split = bundles(digest, SiteConfig(search_index_pages=events - 1))
    assert split == ["pagefind", "pagefind/part-2"]


@pytest.mark.skipif(not search_available(), reason="pagefind is not installed")
def test_index_parts_are_built_without_hard_links_too(tmp_path: Path, monkeypatch):
    import os

    def no_links(*_args, **_kwargs):
        raise OSError("hard links are not supported here")

    monkeypatch.setattr(os, "link", no_links)
    config = config_for(SEEDS, tmp_path / "out", cache=str(tmp_path / "cache"))
    build(dataclasses.replace(config, site=SiteConfig(search_index_pages=1)))
    out = tmp_path / "out"
    parts = [out / "pagefind", *sorted((out / "pagefind").glob("part-*"))]
    assert len(parts) == 3
    assert [len(list((p / "fragment").iterdir())) for p in parts] == [1, 1, 1]


def test_search_can_be_turned_off(tmp_path: Path):
    config = config_for(SEEDS, tmp_path / "out", cache=str(tmp_path / "cache"))
    build(dataclasses.replace(config, site=SiteConfig(search=False)))
    out = tmp_path / "out"
    assert not (out / "pagefind").exists() and not (out / "search.html").exists()
    assert not tags(out / "index.html").find("form", role="search")
    assert "search.html" not in links(out / "index.html")


def test_seed_events_form_one_storyline(seeds_site: Path, seeds_json: dict):
    """The seeds report one story over time: related links join all their events."""
    ids = [e["id"] for e in seeds_json["events"]]
    graph: dict[str, set[str]] = {}
    for event_id in ids:
        html = (seeds_site / "events" / f"{event_id}.html").read_text("utf-8")
        related = html.split('id="related-h"', 1)[1] if 'id="related-h"' in html else ""
        graph[event_id] = set(re.findall(r'href="\.\./events/([^"]+)\.html"', related))
    reached, todo = set(), [ids[0]]
    while todo:
        node = todo.pop()
        if node not in reached:
            reached.add(node)
            todo.extend(graph[node])
    assert reached == set(ids), graph


@pytest.mark.skipif(not search_available(), reason="pagefind is not installed")
def test_only_the_search_page_lets_webassembly_compile(seeds_site: Path):
    for page in seeds_site.rglob("*.html"):
        if "pagefind" in page.parts:
            continue
        meta = tags(page).find("meta", **{"http-equiv": "Content-Security-Policy"})[0]
        assert ("'wasm-unsafe-eval'" in meta["content"]) == (page.name == "search.html"), page


def test_empty_source_builds_a_site_that_says_so(tmp_path: Path):
    src = tmp_path / "src"
    src.mkdir()
    out = tmp_path / "out"
    build(
        dataclasses.replace(
            config_for(src, out, cache=str(tmp_path / "cache")), site=SiteConfig(search=False)
        )
    )
    assert "No events yet" in (out / "index.html").read_text("utf-8")
    assert "No keywords yet" in (out / "keywords" / "index.html").read_text("utf-8")
    assert (out / "about.html").is_file() and (out / "feed.xml").is_file()


def test_article_text_stays_escaped_in_feeds_and_lists(tmp_path: Path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "evil.md").write_text(
        "---\ntitle: '<script>alert(1)</script> Storm hits <b>coast</b>'\nsource: '<i>Outlet</i>'\n"
        "date: 2024-05-01\n---\nThe <script>alert(2)</script> storm hit the Coast of Normandy "
        "on Monday, and the Coast Guard of Normandy said roads were closed.\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    build(
        dataclasses.replace(
            config_for(src, out, cache=str(tmp_path / "cache")), site=SiteConfig(search=False)
        )
    )
    for path in [*out.rglob("*.html"), *out.rglob("*.xml")]:
        text = path.read_text("utf-8")
        assert "<script>" not in text and "<b>coast" not in text and "<i>Outlet" not in text, path


def test_relative_links_match_relpath_for_every_kind_of_site_path():
    import itertools
    import os

    from digest.views import relative

    paths = [
        ".",
        "index.html",
        "feed.xml",
        "events/a.html",
        "articles/a.html",
        "keywords/k.html",
        "keywords/k/2.html",
        "keywords/k.xml",
        "page/2.html",
        "archive/2024-01-01/2.html",
        "a/b/c/d.html",
        "events",
        "x/./y.html",
        "../up.html",
        "a//b.html",
    ]
    for target, page in itertools.product(paths, paths):
        assert relative(target, page) == os.path.relpath(target, os.path.dirname(page) or ".")
    assert relative(".", "keywords/k/2.html") == "../.."
    assert relative("keywords/k.html", "keywords/k/2.html") == "../k.html"


def test_reports_near_keeps_a_window_of_the_timeline():
    timeline = tuple(range(20))
    assert reports_near(timeline, 0, 2) == ((0, 1, 2, 3, 4), 15)
    assert reports_near(timeline, 10, 2) == ((8, 9, 10, 11, 12), 15)
    assert reports_near(timeline, 19, 2) == ((15, 16, 17, 18, 19), 15)
    assert reports_near(timeline[:4], 3, 2) == ((0, 1, 2, 3), 0)


def test_article_page_lists_the_reports_around_it(tmp_path: Path):
    """An article of a large event lists the reports nearest it in time, and says how many more
    the event page has; the event page lists them all."""
    source = tmp_path / "src"
    source.mkdir()
    topics = "harbour bridge tunnel railway airport ferry stadium museum library hospital "
    topics += "school market"
    for i, topic in enumerate(topics.split()):
        (source / f"r{i:02}.md").write_text(
            f"---\ntitle: Council votes on the {topic} plan\nsource: Outlet {i}\n"
            f"date: 2024-06-{i + 1:02}\nevent: plans\n---\n"
            f"The council of Brackwater voted on the {topic} budget on day {i}, its "
            f"{topic} committee said after a meeting that lasted {i + 2} hours.\n",
            encoding="utf-8",
        )
    out = tmp_path / "out"
    build(dataclasses.replace(config_for(source, out), site=SiteConfig(search=False)))
    events = json.loads((out / "events.json").read_text("utf-8"))["events"]
    assert len(events) == 1 and len(events[0]["articles"]) == 12
    event_html = (out / "events" / f"{events[0]['id']}.html").read_text("utf-8")
    timeline = event_html.split('id="timeline-h"', 1)[1].split("</ol>", 1)[0]
    assert timeline.count("<li>") == 12
    ids = [a["id"] for a in sorted(events[0]["articles"], key=lambda a: a["date"])]
    for at, id in enumerate(ids):
        html = (out / "articles" / f"{id}.html").read_text("utf-8")
        side = html.split('class="side-reports"', 1)[1].split("</aside>", 1)[0]
        listed = re.findall(r"articles/([\w-]+)\.html", side.split("</ol>")[0])
        current = re.search(r'aria-current="page">', side)
        assert current and len(listed) == 10  # the 11 around it, itself not a link
        lo = max(0, min(at - 5, 1))
        assert [i for i in ids[lo : lo + 11] if i != id] == listed
        assert "1 more report on the event page" in side
