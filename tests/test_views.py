"""Article views: the plain-paragraph shortcut of bodies gives what markdown-it and nh3 give;
an untitled article is shown by its first words."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.model import Article
from digest.views import _parse_and_clean, _plain_paragraphs, display_title, sanitize_markdown

# Prose, every character or line start that can make markup, and characters that are neither
# (a byte-order mark, zero-width and bidi marks, controls, emoji), so that random texts cross
# the shortcut's boundary from both sides.
_PROSE = [
    "The", "minister", "said", "it's", "“fine”", '"quoted"', "‘single’", "café", "2021.",
    "3)", "10.", "(AP)", "U.S.", "—", "…", "$5", "50%", "e-mail", "a:b", "@name", "x/y",
    "\ufeff", "\u200b", "\xad", "\u202e", "\x07", "\x85", "\x1f", "😀", "e\u0301",
]  # fmt: skip
_PIECES = _PROSE + [
    "*", "_", "`", "[", "]", "<b>", "&amp;", "&", "#", "|", "!", "~~", "\\", ">", "-", "+",
    "=", "===", "---", "\t", "\xa0", "\u2003", "\u2028", "\r", " ", "  ", "    ", "\n", "\n\n",
    "\n \n", "\n\n\n",
]  # fmt: skip


@settings(max_examples=int(os.environ.get("FUZZ_SCALE", "1")) * 400, deadline=None)
@given(
    st.one_of(
        st.lists(st.sampled_from(_PIECES), max_size=40).map(" ".join),
        # Prose alone, in lines and paragraphs: the texts the shortcut takes.
        st.lists(
            st.tuples(st.sampled_from(_PROSE), st.sampled_from([" ", "\n", "\n\n", "\n  "])),
            max_size=40,
        ).map(lambda pairs: "".join(word + gap for word, gap in pairs)),
    )
)
def test_the_shortcut_gives_what_the_parser_and_sanitizer_give(text: str) -> None:
    plain = _plain_paragraphs(text)
    if plain is not None:
        assert plain == _parse_and_clean(text)


@pytest.mark.parametrize(
    "text",
    [
        "The minister said “it's fine” on Monday.\n\nCases rose 50% in the U.S. — again…",
        '  A "quoted" line\n  and its next line\n\n',
        "One paragraph\nwith a soft break.\n\nAnd a second paragraph.",
        "Prices: $5 (AP) e-mail a:b @name x/y 3 items.",
    ],
)
def test_plain_prose_takes_the_shortcut_with_the_same_html(text: str) -> None:
    plain = _plain_paragraphs(text)
    assert plain is not None
    assert plain == _parse_and_clean(text) == sanitize_markdown(text)


@pytest.mark.parametrize(
    "text",
    [
        "Some *emphasis* here.",
        "A [link](http://example.com).",
        "<script>alert(1)</script>",
        "Tom &amp; Jerry",
        "# Heading",
        "Heading\n===",
        "Heading\n---",
        "- a list item",
        "1. a numbered item",
        "2) another",
        "> a quote",
        "    indented code",
        "hard  \nbreak",
        "a\tb",
        "non\xa0breaking",
        "\u2003em space",
        "one\n\n\n\ntwo",
        "a | table | row",
        "~~struck~~",
        "back\\slash",
    ],
)
def test_anything_that_may_be_markup_goes_through_the_parser(text: str) -> None:
    assert _plain_paragraphs(text) is None
    assert sanitize_markdown(text) == _parse_and_clean(text)


def test_an_empty_body_is_left_to_the_parser() -> None:
    assert _plain_paragraphs(" \n\n ") is None
    assert sanitize_markdown(" \n\n ") == _parse_and_clean(" \n\n ")


def _untitled(*paragraphs: str) -> Article:
    return Article(id="a-id", path="a.md", title="", paragraphs=paragraphs)


@pytest.mark.parametrize(
    ("paragraphs", "shown"),
    [
        (("one two three",), "one two three"),
        (("1 2 3 4 5 6", "7 8 9 10 11 12"), "1 2 3 4 5 6 7 8 9 10 11 12"),
        (("1 2 3 4 5 6", "7 8 9 10 11 12 13"), "1 2 3 4 5 6 7 8 9 10 11 12…"),
        (("1 2 3", "4 5 6", "7 8 9", "10 11 12", "13 14"), "1 2 3 4 5 6 7 8 9 10 11 12…"),
        ((), "a-id"),
        # One long paragraph, as scraped text often is: only its opening is split.
        ((" ".join(map(str, range(1, 400))) + "  \n ",), "1 2 3 4 5 6 7 8 9 10 11 12…"),
        (("1 2 3 4 5 6 7 8 9 10 11 12 13",), "1 2 3 4 5 6 7 8 9 10 11 12…"),
        (("1 2 3 4 5 6 7 8 9 10 11 12  ", "  "), "1 2 3 4 5 6 7 8 9 10 11 12"),
        (("1\t2\n3", "4  5 6 7 8 9 10 11 12", "13"), "1 2 3 4 5 6 7 8 9 10 11 12…"),
    ],
)
def test_an_untitled_article_shows_its_first_twelve_words(paragraphs, shown) -> None:
    article = _untitled(*paragraphs)
    assert display_title(article) == shown
    # The same as from the whole text.
    words = article.text.split()
    assert shown == (" ".join(words[:12]) + ("…" if len(words) > 12 else "") if words else "a-id")
