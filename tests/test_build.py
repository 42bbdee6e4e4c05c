"""End to end: the seeds site, the events.json contract, links, escaping and atomic output."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from digest.build import build
from digest.errors import BuildError
from tests.conftest import SEEDS, config_for


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)
            if name == "id" and value:
                self.ids.add(value)


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_events_json_contract(seeds_json: dict):
    assert set(seeds_json) == {"events", "rejected"}
    for event in seeds_json["events"]:
        assert set(event) == {"id", "title", "date", "keywords", "summary", "articles"}
        assert event["title"] and event["summary"]
        member_ids = {a["id"] for a in event["articles"]}
        for sentence in event["summary"]:
            assert set(sentence) == {"text", "sources"}
            assert sentence["sources"] and set(sentence["sources"]) <= member_ids
        for article in event["articles"]:
            assert set(article) == {"id", "title", "source", "url", "date", "duplicates"}


def test_events_json_has_one_event_per_line(seeds_site: Path, seeds_json: dict):
    lines = (seeds_site / "events.json").read_text(encoding="utf-8").splitlines()
    events = [json.loads(line.strip().rstrip(",")) for line in lines if '"summary"' in line]
    assert events == seeds_json["events"]
    assert lines[0] == "{" and lines[-1] == "}"
    # An empty list stays valid JSON on its line.
    assert '"rejected": []' in lines or any('"reason"' in line for line in lines)


def test_every_input_file_appears_exactly_once(seeds_json: dict):
    seen = [a["id"] for e in seeds_json["events"] for a in e["articles"]]
    seen += [d for e in seeds_json["events"] for a in e["articles"] for d in a["duplicates"]]
    seen += [r["id"] for r in seeds_json["rejected"]]
    assert sorted(seen) == sorted(p.stem for p in SEEDS.iterdir())


def test_every_link_resolves(seeds_site: Path, seeds_json: dict):
    pages = list(seeds_site.rglob("*.html"))
    assert len(pages) >= 1 + len(seeds_json["events"]) + 5
    for page in pages:
        parsed = _parse(page)
        for link in parsed.links:
            if re.match(r"^[a-z]+:", link):
                assert link.startswith(("http://", "https://")), (page, link)
                continue
            target, _, fragment = link.partition("#")
            assert not link.startswith("/"), f"{page}: absolute link {link}"
            resolved = (page.parent / target).resolve() if target else page
            assert resolved.is_file(), f"{page}: broken link {link}"
            if fragment:
                assert fragment in _parse(resolved).ids, f"{page}: missing anchor {link}"


def test_event_pages_link_every_article_and_cite_sources(seeds_site: Path, seeds_json: dict):
    for page in (seeds_site / "events").glob("*.html"):
        html = page.read_text(encoding="utf-8")
        event_id = page.stem
        event = next(e for e in seeds_json["events"] if e["id"] == event_id)
        links = set(_parse(page).links)
        for article in event["articles"]:
            slug = article["id"].lower().replace("_", "-")
            assert f"../articles/{slug}.html" in links, (page, article["id"])
        assert 'class="cite"' in html


def test_index_lists_events_newest_first(seeds_site: Path, seeds_json: dict):
    html = (seeds_site / "index.html").read_text(encoding="utf-8")
    positions = [html.index(f"events/{e['id']}.html") for e in seeds_json["events"]]
    assert positions == sorted(positions)
    dates = [e["date"] for e in seeds_json["events"] if e["date"]]
    assert dates == sorted(dates, reverse=True)


def test_html_from_articles_is_escaped(tmp_path: Path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "evil.md").write_text(
        "---\ntitle: '<script>alert(1)</script> \"quoted\" <b onmouseover=x>'\n"
        "source: '<img src=x onerror=alert(2)>'\nurl: 'javascript:alert(3)'\n---\n"
        'Body with <iframe src="http://evil"></iframe> and <a href="javascript:x">link</a>.\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    build(config_for(src, out))
    for page in out.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<script>" not in html and "<iframe" not in html and "<img" not in html
        assert "javascript:" not in html and "onerror=" not in html.replace("onerror=alert", "")
        assert "&lt;script&gt;" in html or page.name == "index.html" or "evil" not in html


def test_deterministic(tmp_path: Path):
    a, b = tmp_path / "a", tmp_path / "b"
    build(config_for(SEEDS, a))
    build(config_for(SEEDS, b))
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert files_a == files_b
    for rel in files_a:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


def test_failed_build_keeps_previous_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    out = tmp_path / "out"
    build(config_for(SEEDS, out))
    before = (out / "index.html").read_bytes()

    def boom(*args, **kwargs):
        raise RuntimeError("render failed")

    monkeypatch.setattr("digest.render.render_site", boom)
    # A fresh cache, so the build really renders: an unchanged site is otherwise left as it is.
    with pytest.raises(RuntimeError):
        build(config_for(SEEDS, out, cache=str(tmp_path / "fresh-cache")))
    assert (out / "index.html").read_bytes() == before
    assert not list(tmp_path.glob(".out.*.tmp"))


def test_missing_source_is_fatal(tmp_path: Path):
    with pytest.raises(BuildError, match="does not exist"):
        build(config_for(tmp_path / "nope", tmp_path / "out"))


def test_broken_article_is_reported_and_the_rest_builds(tmp_path: Path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "good.md").write_text("---\ntitle: Good story\n---\nA fine story text.\n", "utf-8")
    (src / "bad.md").write_text("---\ntitle: [oops\n---\nText.\n", "utf-8")
    out = tmp_path / "out"
    build(config_for(src, out))
    data = json.loads((out / "events.json").read_text("utf-8"))
    assert [r["id"] for r in data["rejected"]] == ["bad"]
    assert data["events"][0]["articles"][0]["id"] == "good"


def test_timings_name_every_stage_and_keep_the_search_index_apart(tmp_path: Path):
    from digest.search import available

    digest, _ = build(config_for(SEEDS, tmp_path / "out"), jobs=1)
    names = [name for name, _ in digest.timings]
    stages = ["read", "clean", "features", "dedupe", "cluster", "summarize", "render"]
    assert names[: len(stages)] == stages
    assert names[len(stages) :] == (["search"] if available() else [])
    assert all(seconds >= 0 for _, seconds in digest.timings)
    assert (tmp_path / "out" / "pagefind").is_dir() == available()


def test_a_file_rejected_when_cleaned_never_renames_an_article(tmp_path: Path):
    """An empty page or a cookie notice is rejected only after cleaning, yet it had claimed its
    id when read: the article beside it keeps its own name all the same, built from a cache
    or not, and the same name as without the broken file."""
    src = tmp_path / "src"
    src.mkdir()
    story = "The storm closed the harbour of Marlow on Tuesday night, the coastguard said. " * 3
    (src / "story.txt").write_text(f"Storm closes Marlow harbour\n\n{story}\n", "utf-8")
    (src / "story.md").write_text("", "utf-8")  # rejected when cleaned: no title and no text
    (src / "story.html").write_text(  # a cookie notice: rejected as noise when cleaned
        "<html><body><p>We use cookies to improve your experience. Manage consent in the "
        "cookie policy.</p></body></html>",
        "utf-8",
    )
    for run in range(2):  # the second from the cache
        digest, _ = build(config_for(src, tmp_path / "out"))
        ids = [a.id for e in digest.events for c in e.members for a in (c.article, *c.duplicates)]
        assert ids == ["story"], run
        assert sorted(r.id for r in digest.rejected) == ["story-2", "story-3"]
    assert (tmp_path / "out" / "articles" / "story.html").is_file()
    (src / "story.md").unlink()
    (src / "story.html").unlink()
    digest, _ = build(config_for(src, tmp_path / "out"))
    assert [c.article.id for e in digest.events for c in e.members] == ["story"]


def test_an_event_is_dated_by_its_earliest_report_copies_included(tmp_path: Path):
    src = tmp_path / "src"
    src.mkdir()
    text = (
        "The council approved the new bridge over the river on Tuesday after a long debate. "
        "Work starts in the spring and should take two years, the mayor said at the meeting. "
        "The bridge will carry cyclists and buses, and the old ferry will stop running."
    )
    # The later report adds a sentence, so it is kept and the earlier one becomes its copy.
    (src / "a.md").write_text(
        f"---\ntitle: Bridge approved\ndate: 2024-06-06\n---\n{text} Residents cheered.\n"
    )
    (src / "b.md").write_text(f"---\ntitle: Bridge approved\ndate: 2024-06-04\n---\n{text}\n")
    out = tmp_path / "out"
    digest, _ = build(config_for(src, out))
    (event,) = digest.events
    assert [c.article.id for c in event.members] == ["a"]
    assert [d.id for d in event.members[0].duplicates] == ["b"]
    assert event.date.date().isoformat() == "2024-06-04"
    assert (out / "archive" / "2024-06-04.html").is_file()
