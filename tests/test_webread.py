"""Readers for saved web pages and feed files, and the extraction they share with digest fetch."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.clean import clean
from digest.model import Article
from digest.read import ReadError, read_folder
from digest.webread import (
    decode_html,
    fragment_to_markdown,
    normalize_url,
    read_feed,
    read_html,
    readers,
    stable_name,
)

WEB = Path(__file__).parent / "fixtures" / "web"
BASE = "https://valley.example"


def copy(tmp_path: Path, rel: str, name: str | None = None) -> Path:
    """A fixture file with its ``{base}`` placeholders filled in."""
    target = tmp_path / (name or Path(rel).name)
    target.write_bytes((WEB / rel).read_bytes().replace(b"{base}", BASE.encode()))
    return target


def test_readers_cover_web_suffixes():
    assert set(readers()) == {".html", ".htm", ".xml", ".rss", ".atom"}


# HTML pages -----------------------------------------------------------------------------------


def test_html_page_text_and_metadata(tmp_path):
    (doc,) = read_html(copy(tmp_path, "pages/bridge.html").read_bytes(), "bridge.html", "bridge")
    assert doc.format == "markdown" and doc.id == "bridge" and doc.path == "bridge.html"
    assert doc.get("title") == "Council approves new bridge over the river"
    assert doc.get("author") == "Jane Roe"
    assert doc.get("date") == "2024-06-06"
    assert doc.get("source") == "The Valley Times"
    assert doc.get("url") == f"{BASE}/news/2024/bridge-vote"
    paragraphs = doc.body.split("\n\n")
    assert len(paragraphs) == 3 and paragraphs[0].startswith("The city council voted")
    assert "Subscribe" not in doc.body and "# Council" not in doc.body


def test_html_without_declared_charset_falls_back_to_windows_1252(tmp_path):
    (doc,) = read_html(copy(tmp_path, "pages/latin1.html").read_bytes(), "latin1.html", "latin1")
    assert "Café owners in the Zürich street" in doc.body
    assert doc.get("title") == "Café owners in Zürich street protest parking rules"


def test_html_meta_charset(tmp_path):
    (doc,) = read_html(copy(tmp_path, "pages/ferry.html").read_bytes(), "ferry.html", "ferry")
    assert "“This is the biggest investment in our history,”" in doc.body


def test_html_without_date_has_no_date(tmp_path):
    (doc,) = read_html(copy(tmp_path, "pages/nodate.html").read_bytes(), "nodate.html", "nodate")
    assert doc.get("date") is None


def test_html_without_article_is_rejected(tmp_path):
    page = tmp_path / "empty.html"
    page.write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>")
    with pytest.raises(ReadError, match="no article text"):
        read_html(page.read_bytes(), "empty.html", "empty")


def test_html_page_cleans_into_an_article(tmp_path):
    (doc,) = read_html(copy(tmp_path, "pages/bridge.html").read_bytes(), "bridge.html", "bridge")
    article = clean(doc)
    assert isinstance(article, Article)
    assert article.title == "Council approves new bridge over the river"
    assert article.date == datetime(2024, 6, 6, tzinfo=UTC)
    assert article.author == "Jane Roe" and article.source == "The Valley Times"
    assert len(article.paragraphs) == 3


@pytest.mark.parametrize(
    ("raw", "declared", "expected"),
    [
        ("Zürich".encode(), None, "Zürich"),
        ("Zürich".encode("latin-1"), None, "Zürich"),
        ("Zürich".encode("latin-1"), "ISO-8859-1", "Zürich"),
        (b"\xef\xbb\xbf" + "Zürich".encode(), "latin-1", "Zürich"),  # a BOM outranks the header
        (b'<meta charset="koi8-r">' + "Москва".encode("koi8-r"), None, "Москва"),
        ("Zürich".encode(), "no-such-charset", "Zürich"),
        # Codecs of text no page is written in, which raise whatever the error handler.
        ("Zürich".encode(), "undefined", "Zürich"),
        (b"<meta charset='idna'>" + "Zürich".encode(), None, "Zürich"),
        ("Zürich".encode("latin-1"), "punycode", "Zürich"),
    ],
)
def test_decode_html(raw, declared, expected):
    assert expected in decode_html(raw, declared)


# Feed files -----------------------------------------------------------------------------------


def test_rss_file_gives_one_document_per_entry(tmp_path):
    docs = read_feed(copy(tmp_path, "rss2.xml").read_bytes(), "valley.xml", "valley")
    assert len(docs) == 9
    assert len({d.id for d in docs}) == 9
    assert all(d.id.startswith("valley-") and d.path == "valley.xml" for d in docs)
    first = docs[0]
    assert first.get("title") == "Council approves new bridge over the river"
    assert first.get("source") == "Valley Times"
    assert first.get("date") == "2024-06-06T10:00:00Z"
    assert first.get("author") == "Jane Roe"
    assert first.get("url") == f"{BASE}/pages/bridge.html?utm_source=rss"
    library = docs[1]
    assert library.body.split("\n\n") == [
        "The town library will open until nine in the evening on weekdays from July, the library "
        "board announced on Friday.",
        "The change follows a survey of readers.",
    ]


def test_feed_document_ids_are_stable_when_entries_are_added(tmp_path):
    before = read_feed(copy(tmp_path, "rss2.xml").read_bytes(), "valley.xml", "valley")
    text = (
        (WEB / "rss2.xml")
        .read_text()
        .replace(
            "<item>",
            "<item><title>Newest</title><link>{base}/pages/new.html</link></item><item>",
            1,
        )
    )
    (tmp_path / "valley.xml").write_text(text.replace("{base}", BASE))
    after = read_feed((tmp_path / "valley.xml").read_bytes(), "valley.xml", "valley")
    assert [d.id for d in after[1:]] == [d.id for d in before]


def test_atom_file(tmp_path):
    docs = read_feed(
        copy(tmp_path, "atom.xml", "gazette.atom").read_bytes(), "gazette.atom", "gazette"
    )
    assert [d.get("title") for d in docs] == [
        "Ferry company orders two electric boats",
        "Fish market reopens after renovation",
    ]
    ferry, fish = docs
    assert ferry.get("date") == "2024-06-11T07:00:00Z"  # published wins over updated
    assert ferry.get("author") == "Ola Nordmann" and ferry.get("source") == "Harbour Gazette"
    assert fish.get("date") == "2024-06-11T18:30:02Z"
    assert "eighteen months" in fish.body and "cold rooms" in fish.body


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ((WEB / "broken.xml").read_bytes(), "not an RSS or Atom feed"),
        (b"", "empty file"),
        (b'<rss version="2.0"><channel><title>Quiet</title></channel></rss>', "no entries"),
        (b"<urlset><url><loc>https://x.example/</loc></url></urlset>", "not an RSS or Atom"),
    ],
)
def test_broken_feed_files_are_rejected(tmp_path, content, reason):
    path = tmp_path / "feed.xml"
    path.write_bytes(content)
    with pytest.raises(ReadError, match=reason):
        read_feed(path.read_bytes(), "feed.xml", "feed")


def test_source_folder_with_web_files(tmp_path):
    copy(tmp_path, "pages/bridge.html")
    copy(tmp_path, "atom.xml", "gazette.rss")
    shutil.copy(WEB / "broken.xml", tmp_path / "broken.xml")
    documents, rejected = read_folder(tmp_path)
    assert [(r.path, r.reason.split(":")[0]) for r in rejected] == [
        ("broken.xml", "not an RSS or Atom feed")
    ]
    assert sorted(d.path for d in documents) == ["bridge.html", "gazette.rss", "gazette.rss"]
    articles = [clean(d) for d in documents]
    assert all(isinstance(a, Article) and a.paragraphs for a in articles)


# Shared helpers -------------------------------------------------------------------------------


def test_fragment_to_markdown():
    assert fragment_to_markdown("<p>One <b>two</b>.</p><p>Three.</p>") == "One **two**.\n\nThree."
    assert fragment_to_markdown("Plain text.\n\nSecond.") == "Plain text.\n\nSecond."
    assert fragment_to_markdown("") == ""
    text = "“The [council] will decide,” the file_name said, under ~20 people."
    assert fragment_to_markdown(f"<p>{text}</p>") == text  # no needless backslash escapes


def test_stable_name():
    url = "https://www.example.com/news/2024/06/bridge-vote.html"
    name = stable_name(url)
    assert name.startswith("bridge-vote-") and name == stable_name(url)
    assert stable_name(url + "?utm_source=rss&utm_medium=feed#comments") == name
    assert stable_name("HTTPS://WWW.EXAMPLE.COM/news/2024/06/bridge-vote.html") == name
    assert stable_name(url + "?page=2") != name
    assert stable_name("https://example.com/").startswith("example-com-")
    tag = "tag:gazette.example,2024:ferry"
    assert stable_name(tag) == stable_name(tag) and stable_name(tag) != stable_name(tag + "2")


def test_normalize_url_keeps_meaningful_query():
    assert (
        normalize_url("https://A.example/p?id=3&utm_campaign=x#top") == "https://a.example/p?id=3"
    )


def test_a_page_dated_after_the_build_day_keeps_its_date():
    """htmldate's default latest date is the end of today: the page below would be undated
    until 2090, and the same input would give another site then."""
    story = "<p>" + "The storm closed the harbour of Marlow on Tuesday night. " * 8 + "</p>"
    page = (
        '<html><head><title>Storm</title><meta property="article:published_time" '
        f'content="2090-03-04T10:00:00Z"></head><body><article><h1>Storm</h1>{story}'
        "</article></body></html>"
    )
    (doc,) = read_html(page.encode(), "future.html", "future")
    assert doc.get("date") == "2090-03-04"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("3 &lt; 5 and 7 &gt; 6: maths", "3 < 5 and 7 > 6: maths"),  # plain text keeps its signs
        ("AT&amp;T &lt;3 fans", "AT&T <3 fans"),
        ("Teaser &lt;em&gt;only&lt;/em&gt;", "Teaser only"),  # markup: its text
    ],
)
def test_feed_titles_are_plain_text(tmp_path, title, expected):
    raw = (
        f"<rss><channel><title>T</title><item><title>{title}</title>"
        "<link>https://valley.example/a</link><description>Text.</description></item>"
        "</channel></rss>"
    ).encode()
    (doc,) = read_feed(raw, "t.xml", "t")
    assert doc.get("title") == expected
