"""Properties of the build over random input (hypothesis): random text, random front matter and
random file names, laced with markup and script. The build never raises, every input is
accounted for exactly once, and every page is well nested and carries nothing from the input
but text: no element, no event handler, no URL scheme other than http, https and mailto.

Bounded to well under a minute. Set CI=1 for the derandomized profile (same examples every run)
and FUZZ_SCALE=N for N times the examples.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest.build import build
from digest.clean import clean
from digest.model import Article, Rejection
from digest.read import read_folder
from tests.conftest import config_for
from tests.test_hostile import accounted_paths, assert_safe_site, expected_inputs

settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
# FUZZ_SCALE=20 runs twenty times the examples, for a deeper search than the suite can afford.
SCALE = max(1, int(os.environ.get("FUZZ_SCALE", "1") or 1))

# Fragments a hostile page would carry; the text strategies splice them into everything.
PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    "<xfuzz onclick=alert(3)>x</xfuzz>",
    "<iframe src=javascript:alert(4)></iframe>",
    '<a href="javascript:alert(5)">j</a>',
    '<a href="data:text/html,<script>alert(6)</script>">d</a>',
    "[md](javascript:alert(7))",
    "![md](data:image/png;base64,AAAA)",
    "<svg onload=alert(8)>",
    "\"'><b onmouseover=alert(9)>",
    "javascript:alert(10)",
    "vbscript:msgbox(11)",
    "<style>*{display:none}</style>",
    "<!-- comment",
    "---",
    "\x00\x07\x1b",
    "&#106;avascript:alert(12)",
    "*a [b <c ![d ",
    "\u202e\u200b\ufeff",
]
text = st.lists(st.one_of(st.text(max_size=40), st.sampled_from(PAYLOADS)), max_size=8).map("".join)
scalars = st.one_of(
    text,
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.dates(),
    st.datetimes(timezones=st.sampled_from([None, UTC])),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3), max_leaves=6)
KEYS = ["title", "source", "url", "date", "author", "id", "event"]
front_matter = st.dictionaries(
    st.one_of(st.sampled_from(KEYS), st.text(min_size=1, max_size=10)), values, max_size=6
)


def _yaml(meta: dict) -> str:
    try:
        return yaml.safe_dump(meta, allow_unicode=True, sort_keys=True)
    except yaml.YAMLError:
        return "title: unrepresentable\n"


@st.composite
def article_file(draw) -> tuple[str, bytes]:
    """One input file: a file name and its bytes, Markdown with front matter or plain text."""
    stem = draw(
        st.text(
            st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)),
            min_size=1,
            max_size=30,
        ).filter(lambda s: s not in (".", "..") and len(s.encode()) < 200)
    )
    kind = draw(st.sampled_from(["md", "txt", "raw", "none"]))
    body = draw(text)
    if kind == "md":
        meta = draw(front_matter)
        data = f"---\n{_yaml(meta)}---\n{body}\n".encode()
        return stem + ".md", data
    if kind == "txt":
        lines = draw(st.lists(text, max_size=6))
        return stem + ".txt", "\n".join(lines).encode(draw(st.sampled_from(["utf-8", "utf-16"])))
    if kind == "raw":
        return stem + ".md", draw(st.binary(max_size=200))
    return stem, body.encode()


files = st.lists(article_file(), min_size=1, max_size=6, unique_by=lambda f: f[0])


def _write(folder: Path, entries: list[tuple[str, bytes]]) -> None:
    for name, data in entries:
        (folder / name).write_bytes(data)


@settings(max_examples=150 * SCALE, suppress_health_check=[HealthCheck.too_slow])
@given(entries=files)
def test_read_and_clean_never_raise_and_account_for_every_file(entries):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _write(folder, entries)
        documents, rejected = read_folder(folder)
        paths = sorted([d.path for d in documents] + [r.path for r in rejected])
        assert paths == expected_inputs(folder)
        ids = [d.id for d in documents] + [r.id for r in rejected]
        assert len(ids) == len(set(ids))
        for doc in documents:
            result = clean(doc)
            assert isinstance(result, Article | Rejection)
            if isinstance(result, Article) and result.url:
                assert result.url.lower().startswith(("http://", "https://"))


@settings(max_examples=12 * SCALE, suppress_health_check=[HealthCheck.too_slow])
@given(entries=files, epoch=st.sampled_from(["", "1700000000"]))
def test_build_never_raises_and_pages_carry_only_text(entries, epoch):
    old = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        os.environ["SOURCE_DATE_EPOCH"] = epoch
    else:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            src, out = Path(tmp) / "src", Path(tmp) / "site"
            src.mkdir()
            _write(src, entries)
            digest, _ = build(config_for(src, out, cache=str(Path(tmp) / "cache")), jobs=1)
            assert accounted_paths(digest) == expected_inputs(src)
            assert_safe_site(out)
            html = "".join(p.read_text("utf-8") for p in out.rglob("*.html"))
            assert "<xfuzz" not in html and "<script>alert" not in html
            assert sorted(os.listdir(tmp)) == [".site.lock", "cache", "site", "src"]
            if epoch:  # every "generated at" is the epoch: 2023-11-14T22:13:20Z
                index = (out / "index.html").read_text("utf-8")
                assert 'datetime="2023-11-14T22:13:20Z"' in index or not digest.events
            # Deterministic: a second build, with its own cache, is byte-identical.
            again = Path(tmp) / "again"
            build(config_for(src, again, cache=str(Path(tmp) / "cache2")), jobs=1)
            first = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
            second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
            assert first == second
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


def test_the_strategies_reach_front_matter_dates():
    # A guard on the generator itself: dates and datetimes survive the YAML round trip.
    meta = {"date": date(2024, 1, 2), "when": datetime(2024, 1, 2, 3, 4)}
    assert yaml.safe_load(_yaml(meta)) == meta
