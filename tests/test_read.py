import os
from pathlib import Path

from digest.read import decode, read_folder


def test_every_file_is_a_document_or_a_rejection(source_dir: Path):
    (source_dir / "a.txt").write_text("Title\n\nBody.", encoding="utf-8")
    (source_dir / "b.md").write_text("---\ntitle: B\n---\nBody.", encoding="utf-8")
    (source_dir / "c.pdf").write_bytes(b"%PDF")
    (source_dir / "d.md").write_text("---\ntitle: [unclosed\n---\nBody.", encoding="utf-8")
    (source_dir / "e.md").write_text("---\n- a list\n---\nBody.", encoding="utf-8")
    (source_dir / "f.md").write_text("---\ntitle: never closed\nBody.", encoding="utf-8")
    (source_dir / "g.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    docs, rejected = read_folder(source_dir)
    assert sorted(d.path for d in docs) == ["a.txt", "b.md"]
    reasons = {r.path: r.reason for r in rejected}
    assert "unsupported file type" in reasons["c.pdf"]
    assert "not valid YAML" in reasons["d.md"]
    assert "must be a mapping" in reasons["e.md"]
    assert "never closed" in reasons["f.md"]
    assert "binary" in reasons["g.txt"]


def test_front_matter_id_wins_and_duplicate_ids_are_made_unique(source_dir: Path):
    (source_dir / "one.md").write_text("---\nid: same\n---\nA.", encoding="utf-8")
    (source_dir / "two.md").write_text("---\nid: same\n---\nB.", encoding="utf-8")
    docs, _ = read_folder(source_dir)
    assert [d.id for d in docs] == ["same", "same-2"]


def test_encodings():
    assert decode("café".encode("cp1252")) == "café"
    assert decode("\ufeffcafé".encode("utf-8")) == "café"
    assert decode("café".encode("utf-16")) == "café"


def test_symlink_outside_source_is_not_followed(source_dir: Path, tmp_path: Path):
    outside = tmp_path / "secret.txt"
    outside.write_text("Secret\n\nDo not read.", encoding="utf-8")
    os.symlink(outside, source_dir / "link.txt")
    docs, rejected = read_folder(source_dir)
    assert docs == []
    assert "outside the source folder" in rejected[0].reason


def test_web_readers_cover_every_suffix_webread_reads():
    from digest import webread
    from digest.read import WEB_SUFFIXES, default_readers

    assert set(webread.readers()) == set(WEB_SUFFIXES)
    assert set(WEB_SUFFIXES) <= set(default_readers())


def _display_path_plainly(rel: str) -> str:
    import re

    text = os.fsencode(rel).decode("utf-8", errors="replace")
    return re.sub(r"[\x00-\x1f\x7f-\x9f]", "\ufffd", text)


def test_display_path_matches_the_rule_for_any_name():
    from hypothesis import given
    from hypothesis import strategies as st

    from digest.read import display_path

    names = st.text(
        st.one_of(
            st.characters(min_codepoint=0, max_codepoint=0x2FF),
            st.sampled_from(["\udcff", "\udc80", "é", "\x85", "/", " "]),
        )
    )

    @given(names)
    def check(rel: str) -> None:
        assert display_path(rel) == _display_path_plainly(rel)

    check()


def test_values_yaml_cannot_make_cost_the_value_or_the_file_never_the_folder(tmp_path: Path):
    (tmp_path / "feb30.md").write_text("---\ntitle: Leap\ndate: 2024-02-30\n---\nText.\n")
    (tmp_path / "notint.md").write_text("---\ntitle: Count\nn: !!int abc\n---\nText.\n")
    (tmp_path / "good.md").write_text("---\ntitle: Good\n---\nText.\n")
    docs, rejected = read_folder(tmp_path)
    by_id = {d.id: d for d in docs}
    # A date that cannot exist stays text, which the clean stage ignores with a warning.
    assert dict(by_id["feb30"].meta)["date"] == "2024-02-30"
    assert "good" in by_id
    assert [(r.id, r.reason.split(":")[0]) for r in rejected] == [
        ("notint", "front matter has a value YAML cannot read")
    ]


def test_a_page_labelled_with_a_codec_that_is_not_text_is_read(tmp_path: Path):
    body = "<p>" + "The storm closed the harbour of Marlow on Tuesday night. " * 5 + "</p>"
    for label in ("hex", "rot13", "zlib"):
        page = f'<html><head><meta charset="{label}"><title>Storm</title></head><body><article>'
        (tmp_path / f"{label}.html").write_text(page + body + "</article></body></html>")
    docs, rejected = read_folder(tmp_path)
    assert not rejected
    assert sorted(d.id for d in docs) == ["hex", "rot13", "zlib"]
    assert all("harbour of Marlow" in d.body for d in docs)


def test_a_reader_failing_in_a_way_nobody_foresaw_rejects_only_its_file(tmp_path: Path):
    (tmp_path / "a.txt").write_text("Storm\n\nThe storm closed the harbour.\n")
    (tmp_path / "b.md").write_text("---\ntitle: Good\n---\nText.\n")

    def broken(raw: bytes, rel: str, stem: str):
        raise RuntimeError("a bug in this reader")

    from digest.read import default_readers

    readers = {**default_readers(), ".txt": broken}
    docs, rejected = read_folder(tmp_path, readers)
    assert [d.id for d in docs] == ["b"]
    assert [(r.id, r.reason) for r in rejected] == [
        ("a", "could not be read: RuntimeError: a bug in this reader")
    ]


def _mixed_folder(folder: Path, n: int) -> None:
    """``n`` articles, some with clashing ids, beside files every reader rejects."""
    for i in range(n):
        (folder / f"a{i:03d}.md").write_text(
            f"---\ntitle: Story {i}\nid: {'same' if i % 10 == 0 else f's{i}'}\n---\n\nBody {i}.",
            encoding="utf-8",
        )
    (folder / "bad.md").write_text("---\ntitle: [unclosed\n---\nBody.", encoding="utf-8")
    (folder / "img.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (folder / "page.html").write_text(
        "<html><head><title>A page</title></head><body><article><p>"
        + "A story told on a web page, long enough to be read as one. " * 5
        + "</p></article></body></html>",
        encoding="utf-8",
    )
    (folder / "notes.pdf").write_bytes(b"%PDF")


def test_a_large_folder_read_by_workers_gives_what_one_process_gives(
    source_dir: Path, tmp_path: Path, monkeypatch
) -> None:
    import digest.parallel
    import digest.read
    from digest import incremental
    from digest.cache import Cache
    from digest.read import default_readers, read_folder_claims

    _mixed_folder(source_dir, 90)
    alone = read_folder_claims(source_dir, jobs=1)
    monkeypatch.setattr(digest.read, "PARALLEL_FILES", 10)
    monkeypatch.setattr(digest.parallel, "MIN_PARALLEL_ITEMS", 10)
    assert read_folder_claims(source_dir, jobs=2) == alone
    # Through the cache: the workers key what they read, this process stores it, and the next
    # read answers every file from the cache, unread, with the same documents.
    monkeypatch.setattr(incremental, "RECENT_NS", 0)
    reads: list[str] = []

    def read_cached() -> tuple:
        with Cache(tmp_path / "cache", "k" * 40) as cache:
            readers = incremental.cached_readers(default_readers(), cache)
            found = read_folder_claims(source_dir, readers, jobs=2)
            incremental.uncache_readers(cache)
        return found

    assert read_cached() == alone
    read_bytes = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda p: reads.append(p.name) or read_bytes(p))
    assert read_cached() == alone
    # Only the files that were rejected are read again: a rejection is not cached.
    assert sorted(reads) == ["bad.md", "img.txt"]
    docs, rejected, _ = alone
    assert len(docs) == 91 and {r.path for r in rejected} == {"bad.md", "img.txt", "notes.pdf"}
    assert [d.id for d in docs if d.id.startswith("same")][:2] == ["same", "same-2"]
