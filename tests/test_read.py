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
