"""The incremental cache: same site with or without it, and every change seen."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from digest import incremental
from digest.build import build
from digest.cache import FILE_NAME, Cache, content_key, fingerprint
from digest.config import Config, SiteConfig, SummaryConfig
from tests.conftest import config_for
from tests.test_parallel import assert_same_site, write_corpus


def _config(tmp_path: Path, out: str = "out", **kw) -> Config:
    return config_for(
        tmp_path / "src",
        tmp_path / out,
        cache=str(tmp_path / "cache"),
        site=SiteConfig(search=False),
        **kw,
    )


def _events(out: Path) -> dict:
    return json.loads((out / "events.json").read_text(encoding="utf-8"))


def _ids(out: Path) -> set[str]:
    """Every article of the site, duplicates included."""
    events = _events(out)["events"]
    return {i for e in events for a in e["articles"] for i in (a["id"], *a["duplicates"])}


def test_warm_and_deleted_cache_give_the_same_site(tmp_path: Path) -> None:
    write_corpus(tmp_path / "src")
    cold = _config(tmp_path, "cold")
    build(cold, jobs=1)
    assert (tmp_path / "cache" / FILE_NAME).is_file()
    warm = _config(tmp_path, "warm")
    digest, _ = build(warm, jobs=1)
    assert any("cached" in name for name, _ in digest.timings)  # the cache was really used
    assert_same_site(tmp_path / "cold", tmp_path / "warm")
    shutil.rmtree(tmp_path / "cache")
    build(_config(tmp_path, "fresh"), jobs=1)
    assert_same_site(tmp_path / "cold", tmp_path / "fresh")


def test_changed_article_is_seen(tmp_path: Path) -> None:
    write_corpus(tmp_path / "src")
    build(_config(tmp_path), jobs=1)
    changed = sorted((tmp_path / "src").glob("*.md"))[0]
    text = changed.read_text(encoding="utf-8")
    changed.write_text(text.replace("Tuesday morning", "Friday evening"), encoding="utf-8")
    build(_config(tmp_path), jobs=1)
    # The warm rebuild equals a build from scratch of the changed folder.
    build(config_for(tmp_path / "src", tmp_path / "scratch", cache=str(tmp_path / "c2"),
                     site=SiteConfig(search=False)), jobs=1)  # fmt: skip
    assert_same_site(tmp_path / "out", tmp_path / "scratch")
    pages = [p for p in (tmp_path / "out" / "articles").glob("*.html")]
    assert any("Friday evening" in p.read_text(encoding="utf-8") for p in pages)


def test_added_and_removed_articles_are_seen(tmp_path: Path) -> None:
    write_corpus(tmp_path / "src", n_outlets=2)
    build(_config(tmp_path), jobs=1)
    before = _ids(tmp_path / "out")
    write_corpus(tmp_path / "src", n_outlets=3)
    build(_config(tmp_path), jobs=1)
    grown = _ids(tmp_path / "out")
    assert before < grown
    for extra in (tmp_path / "src").glob("*-2.md"):
        extra.unlink()
    build(_config(tmp_path), jobs=1)
    after = _ids(tmp_path / "out")
    assert after == before


def test_config_change_invalidates(tmp_path: Path) -> None:
    write_corpus(tmp_path / "src")
    build(_config(tmp_path), jobs=1)
    short = _config(tmp_path, "short", summary=SummaryConfig(max_words=12))
    assert fingerprint(short) != fingerprint(_config(tmp_path))
    build(short, jobs=1)
    for event in _events(tmp_path / "short")["events"]:
        assert sum(len(s["text"].split()) for s in event["summary"]) <= 12


def test_paths_do_not_invalidate(tmp_path: Path) -> None:
    a = _config(tmp_path)
    b = dataclasses.replace(a, out=str(tmp_path / "elsewhere"), cache=str(tmp_path / "c"))
    assert fingerprint(a) == fingerprint(b)


def test_theme_change_invalidates(tmp_path: Path) -> None:
    theme = tmp_path / "theme" / "templates"
    theme.mkdir(parents=True)
    plain = _config(tmp_path)
    (theme / "extra.html").write_text("one", encoding="utf-8")
    themed = dataclasses.replace(plain, theme=str(tmp_path / "theme"))
    first = fingerprint(themed)
    (theme / "extra.html").write_text("two", encoding="utf-8")
    assert fingerprint(themed) != first != fingerprint(plain)


def test_unchanged_rebuild_leaves_output_untouched(tmp_path: Path) -> None:
    write_corpus(tmp_path / "src")
    config = _config(tmp_path)
    build(config, jobs=1)
    index = tmp_path / "out" / "index.html"
    stamp = index.stat()
    build(config, jobs=1)
    assert index.stat().st_ino == stamp.st_ino and index.stat().st_mtime_ns == stamp.st_mtime_ns


def test_only_changed_pages_are_rewritten(tmp_path: Path) -> None:
    write_corpus(tmp_path / "src")
    config = _config(tmp_path)
    build(config, jobs=1)
    pages = {p: p.stat().st_ino for p in (tmp_path / "out").rglob("*.html")}
    changed = sorted((tmp_path / "src").glob("*.md"))[0]
    changed.write_text(changed.read_text(encoding="utf-8") + "\nA new closing line.\n")
    build(config, jobs=1)
    kept = [p for p, ino in pages.items() if p.exists() and p.stat().st_ino == ino]
    rewritten = [p for p, ino in pages.items() if p.exists() and p.stat().st_ino != ino]
    assert kept and rewritten  # some pages are hard links of the previous site, some new


def test_without_a_cache_identical_pages_are_still_linked(tmp_path: Path) -> None:
    # No memo of how the pages were made: each is rendered, and one whose bytes are those of
    # the page in place is hard-linked from it, in every folder of the site.
    write_corpus(tmp_path / "src")
    config = _config(tmp_path)
    build(config, jobs=1)
    out = tmp_path / "out"
    before = {p.relative_to(out): p.stat().st_ino for p in out.rglob("*") if p.is_file()}
    shutil.rmtree(tmp_path / "cache")
    build(config, jobs=1)
    after = {p.relative_to(out): p.stat().st_ino for p in out.rglob("*") if p.is_file()}
    assert after.keys() == before.keys()
    assert {p.parts[0] for p in before} >= {"events", "articles", "keywords", "index.html"}
    assert after == before


def test_edited_output_is_rewritten(tmp_path: Path) -> None:
    write_corpus(tmp_path / "src")
    config = _config(tmp_path)
    build(config, jobs=1)
    index = tmp_path / "out" / "index.html"
    good = index.read_text(encoding="utf-8")
    index.write_text("tampered", encoding="utf-8")
    build(config, jobs=1)
    assert index.read_text(encoding="utf-8") == good


def test_corrupt_cache_file_is_replaced(tmp_path: Path) -> None:
    write_corpus(tmp_path / "src")
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / FILE_NAME).write_bytes(b"not a database" * 100)
    build(_config(tmp_path), jobs=1)
    build(_config(tmp_path, "again"), jobs=1)
    assert_same_site(tmp_path / "out", tmp_path / "again")


def test_cache_round_trip_and_fingerprint_isolation(tmp_path: Path) -> None:
    with Cache(tmp_path, "fp-one") as cache:
        cache.put_many("k", {"a": (1, "x"), "b": None})
        assert cache.get_many("k", ["a", "b", "c"]) == {"a": (1, "x"), "b": None}
    with Cache(tmp_path, "fp-two") as cache:
        assert cache.get_many("k", ["a", "b"]) == {}
    assert content_key("a", 1) == content_key("a", 1) != content_key("a1")


def _keys(cache: Cache, kind: str) -> set[str]:
    return set(cache.get_many(kind, ["a", "b", "c", "d"]))


def test_closing_drops_what_the_build_did_not_use_and_skips_a_prune_with_nothing_to_drop(
    tmp_path: Path, monkeypatch
) -> None:
    with Cache(tmp_path, "fp") as cache:
        cache.put_many("k", {"a": 1, "b": 2, "c": 3})
    with Cache(tmp_path, "fp") as cache:
        cache.get_many("k", ["a", "b"])  # "c" goes when this build closes
    pruned: list[bool] = []
    real_transaction = Cache._transaction

    def watched(self):
        pruned.append(True)
        return real_transaction(self)

    monkeypatch.setattr(Cache, "_transaction", watched)
    with Cache(tmp_path, "fp") as cache:  # the same keys used, nothing added: nothing to drop
        assert cache.get_many("k", ["a", "b"]) == {"a": 1, "b": 2}
    assert pruned == []
    other = Cache(tmp_path, "fp")  # another build's connection adds an entry
    other._db.execute("INSERT INTO entry VALUES ('k', ?, ?)", (other._prefix + "d", b"x"))
    other.close(commit=False)
    with Cache(tmp_path, "fp") as cache:  # the same keys, but an entry was added: prune
        cache.get_many("k", ["a", "b"])
    assert pruned
    monkeypatch.undo()
    with Cache(tmp_path, "fp") as cache:
        assert _keys(cache, "k") == {"a", "b"}


def test_code_change_invalidates(tmp_path: Path, monkeypatch) -> None:
    import digest.cache as cache_module

    config = _config(tmp_path)
    before = fingerprint(config)
    monkeypatch.setattr(cache_module, "_code", lambda: [("summarize.py", b"changed")])
    assert fingerprint(config) != before


def test_preloaded_values_match_and_stay_in_step(tmp_path: Path) -> None:
    with Cache(tmp_path / "c", "k" * 40) as cache:
        cache.put_many("documents", {"a": ("A",), "b": ["B"]})
        cache.put("events", "a", "not a document")
    with Cache(tmp_path / "c", "k" * 40) as cache:
        cache.preload("documents")
        assert cache.get_many("documents", ["a", "b", "c"]) == {"a": ("A",), "b": ["B"]}
        cache.put("documents", "c", 3)  # a miss computed during the build
        assert cache.get("documents", "c") == 3
        assert cache.get("events", "a") == "not a document"  # other kinds still queried
    with Cache(tmp_path / "c", "j" * 40) as other:  # another fingerprint sees none of them
        other.preload("documents")
        assert other.get("documents", "a") is None


def test_preloaded_values_read_one_at_a_time_are_kept_and_bad_ones_are_misses(
    tmp_path: Path,
) -> None:
    with Cache(tmp_path / "c", "k" * 40) as cache:
        cache.put_many("documents", {"a": ("A",), "b": ["B"], "c": 3})
        prefix = cache._prefix
        cache._db.execute(  # an entry no pickle can read
            "UPDATE entry SET value = ? WHERE key = ?", (b"not a pickle", prefix + "c")
        )
    with Cache(tmp_path / "c", "k" * 40) as cache:
        cache.preload("documents")
        assert cache.get("documents", "a") == ("A",)
        assert cache.get("documents", "c") is None
        assert cache.get("documents", "missing") is None
    # Closing drops what this build did not ask for ("b"), and keeps what it did.
    with Cache(tmp_path / "c", "k" * 40) as cache:
        assert set(cache.get_many("documents", ["a", "b"])) == {"a"}


def test_unloaded_snapshot_leaves_every_value_readable(tmp_path: Path) -> None:
    with Cache(tmp_path / "c", "k" * 40) as cache:
        cache.put_many("documents", {"a": ("A",)})
    with Cache(tmp_path / "c", "k" * 40) as cache:
        cache.preload("documents")
        cache.put("documents", "b", ["B"])
        cache.unload("documents")
        cache.unload("never loaded")  # nothing to drop is not an error
        # Served by the file now: both the stored value and the one put after the preload.
        assert cache.get_many("documents", ["a", "b", "c"]) == {"a": ("A",), "b": ["B"]}
        cache.put("documents", "c", 3)
        assert cache.get("documents", "c") == 3


def test_values_put_while_preloaded_are_written_in_one_transaction(tmp_path: Path) -> None:
    with Cache(tmp_path / "c", "k" * 40) as cache:
        cache.preload("documents")
        statements: list[str] = []
        cache._db.set_trace_callback(statements.append)
        for i in range(50):
            cache.put("documents", f"d{i}", i)
        assert cache.get("documents", "d7") == 7  # answered from the snapshot meanwhile
        assert not statements  # nothing written yet
        cache.unload("documents")
        assert statements.count("COMMIT") == 1
        cache._db.set_trace_callback(None)
    with Cache(tmp_path / "c", "k" * 40) as cache:
        assert cache.get_many("documents", ["d0", "d49"]) == {"d0": 0, "d49": 49}


def test_values_put_while_preloaded_are_written_on_success_only(tmp_path: Path) -> None:
    with Cache(tmp_path / "c", "k" * 40) as cache:
        cache.preload("documents")
        cache.put("documents", "kept", 1)  # never unloaded: written when the build ends well
    with pytest.raises(RuntimeError), Cache(tmp_path / "c", "k" * 40) as cache:
        cache.preload("documents")
        cache.put("documents", "lost", 2)
        raise RuntimeError("the build failed")
    with Cache(tmp_path / "c", "k" * 40) as cache:
        assert cache.get_many("documents", ["kept", "lost"]) == {"kept": 1}


def test_rows_are_written_in_key_order_and_the_last_put_wins(tmp_path: Path) -> None:
    with Cache(tmp_path / "c", "k" * 40) as cache:
        statements: list[str] = []
        cache._db.set_trace_callback(statements.append)
        cache.put_many("articles", {"b": 1, "c": 2, "a": 3})
        inserted = [s for s in statements if s.startswith("INSERT OR REPLACE")]
        assert [s.split("'")[3].split(":")[1] for s in inserted] == ["a", "b", "c"]
        cache._db.set_trace_callback(None)
        cache.preload("documents")
        for value in range(3):
            cache.put("documents", "same", value)
    with Cache(tmp_path / "c", "k" * 40) as cache:
        assert cache.get_many("articles", "abc") == {"a": 3, "b": 1, "c": 2}
        assert cache.get("documents", "same") == 2


def _count_reads(source: Path, monkeypatch) -> list[str]:
    """The names of the files under ``source`` read from now on, in order."""
    reads: list[str] = []
    real = Path.read_bytes

    def counted(path: Path) -> bytes:
        if path.is_relative_to(source):
            reads.append(path.name)
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", counted)
    return reads


def test_each_source_file_is_read_once(tmp_path: Path, monkeypatch) -> None:
    source = tmp_path / "src"
    write_corpus(source)
    reads = _count_reads(source, monkeypatch)
    # Every file counts as just written, so none is remembered by its times (see the next test).
    monkeypatch.setattr(incremental, "RECENT_NS", 10**18)
    for _ in range(2):  # cold, then answered from the cache by the file's bytes
        reads.clear()
        build(config_for(source, tmp_path / "out", cache=str(tmp_path / "cache")))
        files = sorted(p.name for p in source.rglob("*") if p.is_file())
        assert sorted(reads) == files


def test_a_file_written_just_before_it_is_read_is_not_remembered(tmp_path: Path) -> None:
    # Its times could stay the same through a second write within the same clock tick.
    from digest.read import default_readers

    path = tmp_path / "fresh.md"
    path.write_text("---\ntitle: Fresh\n---\n\nA story written just now.\n", "utf-8")
    with Cache(tmp_path / "c", "k" * 40) as cache:
        reader = incremental.cached_readers(default_readers(), cache)[".md"]
        [document] = reader.read_path(path, "fresh.md", "fresh")
        assert document.id == "fresh"
        incremental.uncache_readers(cache)
        assert (
            cache._db.execute("SELECT COUNT(*) FROM entry WHERE kind = 'file-stats'").fetchone()[0]
            == 0
        )
        assert (
            cache._db.execute("SELECT COUNT(*) FROM entry WHERE kind = 'documents'").fetchone()[0]
            == 1
        )


def test_an_unchanged_file_is_not_read_again(tmp_path: Path, monkeypatch) -> None:
    import os
    import time

    source = tmp_path / "src"
    write_corpus(source)
    reads = _count_reads(source, monkeypatch)
    config = config_for(source, tmp_path / "out", cache=str(tmp_path / "cache"))
    # Files written this very second are read again by the next build (their times could stay
    # the same through another write); here every file counts as old enough to be remembered.
    monkeypatch.setattr(incremental, "RECENT_NS", 0)
    build(config)
    first = (tmp_path / "out" / "events.json").read_bytes()
    reads.clear()
    build(config)
    assert reads == []
    # Same size, same modification time, other words: the change time still tells.
    edited = sorted(source.glob("*.md"))[0]
    st = edited.stat()
    text = edited.read_text(encoding="utf-8")
    words = text.split("\n\n")[-1].split()
    changed = text.replace(words[0], words[0][::-1], 1)
    assert len(changed.encode()) == st.st_size and changed != text
    time.sleep(0.01)
    edited.write_text(changed, encoding="utf-8")
    os.utime(edited, ns=(st.st_atime_ns, st.st_mtime_ns))
    reads.clear()
    build(config)
    assert reads == [edited.name]
    assert (tmp_path / "out" / "events.json").read_bytes() != first or words[0] == words[0][::-1]
    # And without the cache, the same site.
    scratch = config_for(source, tmp_path / "scratch", cache=str(tmp_path / "c2"))
    build(scratch)
    assert (tmp_path / "scratch" / "events.json").read_bytes() == (
        tmp_path / "out" / "events.json"
    ).read_bytes()


def _newer_report(folder: Path) -> None:
    """A report of a new event, dated after every report of ``write_corpus``."""
    (folder / "glacier.md").write_text(
        "---\ntitle: Glacier survey finds record melt in Svalbard\nsource: Polar Review\n"
        "date: 2024-04-20\n---\n\nGlaciologists measured record summer melt on Svalbard's "
        "largest ice cap, the survey team reported.\n\nThe survey drilled twelve cores and "
        "mapped crevasses with drones over six weeks.\n",
        encoding="utf-8",
    )


def _pages(out: Path) -> dict[Path, tuple[int, bytes]]:
    return {p.relative_to(out): (p.stat().st_ino, p.read_bytes()) for p in out.rglob("*.html")}


def test_a_newer_report_leaves_the_pages_of_other_events_alone(tmp_path: Path) -> None:
    write_corpus(tmp_path / "src")
    config = _config(tmp_path)
    build(config, jobs=1)
    before = _pages(tmp_path / "out")
    _newer_report(tmp_path / "src")
    build(config, jobs=1)
    after = _pages(tmp_path / "out")
    # The site's "Updated" date moved, and only the pages about the whole site show it.
    assert "20 April 2024" in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert b'class="dateline"' not in after[Path("articles/glacier.html")][1]
    old_reports = [p for p in before if p.parts[0] in ("events", "articles")]
    assert old_reports and all(after[p] == before[p] for p in old_reports)  # same file, linked
    # So do the feeds of keywords the new event does not carry: a feed is as new as its events.
    feeds = sorted((tmp_path / "out" / "keywords").glob("*.xml"))
    untouched = [f for f in feeds if b"Svalbard" not in f.read_bytes()]
    assert untouched and all(b"2024-04-20" not in f.read_bytes() for f in untouched)


def test_unchanged_pages_are_not_rendered_again(tmp_path: Path, monkeypatch) -> None:
    import jinja2

    write_corpus(tmp_path / "src")
    config = _config(tmp_path)
    build(config, jobs=1)
    pages = len(_pages(tmp_path / "out"))
    log = tmp_path / "rendered.log"
    render = jinja2.Template.render

    def counted(self, *args, **kwargs):
        # The render stage runs in a child process: count through a file.
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"{self.name}\n")
        return render(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Template, "render", counted)
    _newer_report(tmp_path / "src")
    build(config, jobs=1)
    rendered = log.read_text(encoding="utf-8").split()
    # The new event's and article's pages and the pages about the whole site, not the others.
    assert "event.html" in rendered and "article.html" in rendered
    assert len(rendered) < pages / 3
    # The reused pages are exactly those a build from scratch makes.
    scratch = config_for(tmp_path / "src", tmp_path / "scratch", cache=str(tmp_path / "c2"),
                         site=SiteConfig(search=False))  # fmt: skip
    build(scratch, jobs=1)
    assert_same_site(tmp_path / "out", tmp_path / "scratch")


def test_an_edited_page_is_not_reused(tmp_path: Path) -> None:
    write_corpus(tmp_path / "src")
    config = _config(tmp_path)
    build(config, jobs=1)
    page = sorted((tmp_path / "out" / "events").glob("*.html"))[0]
    good = page.read_bytes()
    page.write_bytes(good.replace(b"<", b"[", 1))  # same size, other content
    _newer_report(tmp_path / "src")  # so that the rebuild renders
    build(config, jobs=1)
    assert page.read_bytes() == good


def test_a_changed_markdown_body_is_rendered_again(tmp_path: Path) -> None:
    # The body's HTML is made only for pages that are rendered; the page's key must still
    # cover the Markdown it comes from, even when the article's text stays the same.
    write_corpus(tmp_path / "src")
    source = sorted((tmp_path / "src").glob("*.md"))[0]
    head, body = source.read_text(encoding="utf-8").split("\n---\n", 1)
    words = body.split()
    source.write_text(f"{head}\n---\n{body.replace(words[0], f'*{words[0]}*', 1)}", "utf-8")
    config = _config(tmp_path)
    build(config, jobs=1)
    page = tmp_path / "out" / "articles" / f"{source.stem}.html"
    assert f"<em>{words[0]}</em>" in page.read_text(encoding="utf-8")
    source.write_text(f"{head}\n---\n{body.replace(words[0], f'**{words[0]}**', 1)}", "utf-8")
    build(config, jobs=1)
    assert f"<strong>{words[0]}</strong>" in page.read_text(encoding="utf-8")


def test_a_build_failing_after_render_leaves_no_false_memo(tmp_path: Path, monkeypatch) -> None:
    """The page memo is stored before the search index is built; if that then fails, the next
    build must not take the old site's pages for the ones the failed build rendered."""
    from digest import search

    write_corpus(tmp_path / "src")
    config = _config(tmp_path)
    build(config, jobs=1)
    _newer_report(tmp_path / "src")

    def broken(*args, **kwargs):
        raise RuntimeError("indexer failed")

    with monkeypatch.context() as m:
        m.setattr(search, "enabled", lambda site: True)
        m.setattr(search, "index_site", broken)
        with pytest.raises(RuntimeError, match="indexer failed"):
            build(config, jobs=1)
    assert not (tmp_path / "out" / "articles" / "glacier.html").exists()  # the old site
    build(config, jobs=1)
    scratch = config_for(tmp_path / "src", tmp_path / "scratch", cache=str(tmp_path / "c2"),
                         site=SiteConfig(search=False))  # fmt: skip
    build(scratch, jobs=1)
    assert_same_site(tmp_path / "out", tmp_path / "scratch")


def _inodes(folder: Path) -> dict[Path, int]:
    return {p.relative_to(folder): p.stat().st_ino for p in folder.rglob("*") if p.is_file()}


def test_unchanged_static_files_keep_their_files(tmp_path: Path) -> None:
    """The theme's files are copied on every build; unchanged ones are linked back, so a deploy
    tool sees only what changed."""
    write_corpus(tmp_path / "src")
    config = _config(tmp_path)
    build(config, jobs=1)
    static = tmp_path / "out" / "static"
    before = _inodes(static)
    _newer_report(tmp_path / "src")
    build(config, jobs=1)
    assert before and _inodes(static) == before


def test_a_page_key_tells_shared_values_apart_by_their_digest() -> None:
    """Event cards and feed entries are pickled once per process (``render.KeyMemo``); a key
    still changes with any of their values, and equal values give equal keys in any process."""
    from digest.render import KeyMemo, page_key
    from digest.views import EventCard, KeywordRef

    def card(headline: str) -> EventCard:
        keyword = (KeywordRef("port strike", "keywords/port-strike.html"),)
        return EventCard("e1", headline, "events/e1.html", "", "", 1, 1, keyword, "Lead.", ("A",))

    memo = KeyMemo()
    key = page_key("event.html", {"related": (card("Port strike"),)}, memo=memo)
    assert page_key("event.html", {"related": (card("Port strike"),)}, memo=memo) == key
    assert page_key("event.html", {"related": (card("Port strike"),)}, memo=KeyMemo()) == key
    assert page_key("event.html", {"related": (card("Port strike ends"),)}, memo=memo) != key
    assert page_key("event.html", {"related": (card("Port strike"),) * 2}, memo=memo) != key
    assert page_key("index.html", {"related": (card("Port strike"),)}, memo=memo) != key
    # Digests made ahead (``KeyMemo.prime``, in the parent before workers fork) key alike.
    primed = KeyMemo()
    made = card("Port strike")
    primed.prime([made])
    assert page_key("event.html", {"related": (made,)}, memo=primed) == key


def _stored(tmp_path: Path, kind: str) -> int:
    import sqlite3

    db = sqlite3.connect(tmp_path / "cache" / FILE_NAME)
    try:
        return db.execute("SELECT COUNT(*) FROM entry WHERE kind = ?", (kind,)).fetchone()[0]
    finally:
        db.close()


def test_a_rebuild_makes_grouping_prints_of_new_articles_only(tmp_path: Path, monkeypatch) -> None:
    """Dedupe and cluster rerun over every article when one is added, but what they read of
    each article (words, phrases, MinHash signature) comes from the cache for all the others;
    the site is the one a build without a cache makes. The grouping runs in a child process, so
    the spy writes to a file."""
    made = tmp_path / "made.txt"
    real = incremental._make_prints

    def spy(job):
        with made.open("a", encoding="utf-8") as f:
            f.write("".join(f"{a.id}\n" for a in job[0]))
        return real(job)

    monkeypatch.setattr(incremental, "_make_prints", spy)
    write_corpus(tmp_path / "src", n_outlets=2)
    build(_config(tmp_path), jobs=1)
    first = made.read_text(encoding="utf-8").split()
    assert len(first) == len(list((tmp_path / "src").glob("*.md")))
    assert _stored(tmp_path, "prints") == len(first)

    made.write_text("", encoding="utf-8")
    build(_config(tmp_path), jobs=1)  # no change: the grouping is cached, the prints kept
    assert made.read_text(encoding="utf-8") == ""
    assert _stored(tmp_path, "prints") == len(first)

    _newer_report(tmp_path / "src")
    build(_config(tmp_path), jobs=1)
    assert made.read_text(encoding="utf-8").split() == ["glacier"]
    assert "glacier" in _ids(tmp_path / "out")
    monkeypatch.setattr(incremental, "_make_prints", real)
    build(config_for(tmp_path / "src", tmp_path / "cold", site=SiteConfig(search=False)), jobs=1)
    assert_same_site(tmp_path / "cold", tmp_path / "out")

    (tmp_path / "src" / "glacier.md").unlink()
    build(_config(tmp_path), jobs=1)
    assert _stored(tmp_path, "prints") == len(first)  # the removed article's print is dropped


def test_half_the_prints_from_a_child_are_the_same(monkeypatch) -> None:
    from digest import parallel
    from tests.conftest import make_article

    articles = [
        make_article(f"a{i}", f"Report {i} on the harbour strike", f"Dock workers walked out. {i}")
        for i in range(12)
    ]
    config = Config(source="src")
    alone = incremental.grouping_prints(articles, config, 1, {}, None)
    monkeypatch.setattr(incremental, "BACKGROUND_PRINTS", 4)
    started = []
    real = parallel.in_background
    monkeypatch.setattr(parallel, "in_background", lambda *a: started.append(1) or real(*a))
    split = incremental.grouping_prints(articles, config, 2, {}, None)
    assert started == [1]
    assert list(split) == list(alone) == [a.id for a in articles]
    for key, (copy_print, terms) in alone.items():
        other_print, other_terms = split[key]
        assert copy_print.exact == other_print.exact
        assert (copy_print.signature == other_print.signature).all()
        assert terms.body[0] == other_terms.body[0]
        assert (terms.body[1] == other_terms.body[1]).all()
        assert (terms.phrases == other_terms.phrases).all()


def test_a_cache_that_cannot_be_reopened_only_costs_time(tmp_path: Path, monkeypatch) -> None:
    """The grouping child opens the cache again for the prints; when that fails, it makes them
    all, and the site is the same."""
    import sqlite3

    write_corpus(tmp_path / "src")
    build(_config(tmp_path, "cold"), jobs=1)

    def locked(self, key):
        raise sqlite3.OperationalError("database is locked")

    cache = Cache(tmp_path / "another-cache", "k" * 40)
    monkeypatch.setattr(Cache, "_open", locked)
    assert cache.reopen() is None
    monkeypatch.undo()
    cache.close()
    _newer_report(tmp_path / "src")
    real = Cache.reopen
    monkeypatch.setattr(Cache, "reopen", lambda self: None)
    build(_config(tmp_path, "warm"), jobs=1)
    monkeypatch.setattr(Cache, "reopen", real)
    shutil.rmtree(tmp_path / "cache")
    build(_config(tmp_path, "fresh"), jobs=1)
    assert_same_site(tmp_path / "warm", tmp_path / "fresh")


def test_documents_keep_their_content_keys_from_reading_and_renamed_ones_get_their_own(
    tmp_path: Path, monkeypatch
) -> None:
    from digest.model import Document
    from digest.read import default_readers, read_folder

    source = tmp_path / "src"
    for folder in ("a", "b"):  # the same file name twice: the second document is renamed
        (source / folder).mkdir(parents=True)
        (source / folder / "story.md").write_text(
            f"---\ntitle: Story {folder}\n---\n\nDockers in {folder} began a strike.\n", "utf-8"
        )
    monkeypatch.setattr(incremental, "RECENT_NS", 0)  # every file old enough to be remembered
    hashed: list[str] = []
    real = incremental.content_key

    def counted(*parts):
        if len(parts) == 1 and isinstance(parts[0], Document):
            hashed.append(parts[0].id)
        return real(*parts)

    monkeypatch.setattr(incremental, "content_key", counted)
    for run in ("cold", "unchanged"):
        hashed.clear()
        with Cache(tmp_path / "c", "k" * 40) as cache:
            readers = incremental.cached_readers(default_readers(), cache)
            documents, _ = read_folder(source, readers)
            incremental.uncache_readers(cache)
            known = incremental.document_keys(readers)
            done = incremental.clean_all(documents, cache, 1, False, known)
        assert [d.id for d in documents] == ["story", "story-2"]
        # Every key is the document's own, whether made by the reader or here.
        assert [key for _, key in done] == [real(d) for d in documents]
        # Cold, the reader hashes both documents and the clean stage the renamed one again;
        # unchanged, only the renamed one is hashed at all.
        assert hashed == (["story", "story", "story-2"] if run == "cold" else ["story-2"])
