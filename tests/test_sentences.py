"""Sentence splitting and the rules that keep a summary sentence standing on its own."""

from __future__ import annotations

import segtok.segmenter
from hypothesis import given, settings
from hypothesis import strategies as st

from digest import sentences
from digest.sentences import (
    _BOILERPLATE,
    _BOILERPLATE_KEYS,
    _RUN_IN,
    _RUN_IN_KEYS,
    is_boilerplate,
    leans_on_context,
    split_sentences,
)

# Texts before a candidate break as segtok meets them: abbreviations, initials, lone characters
# and digits, author lists, brackets, and ordinary words.
_BEFORE_BREAK = [
    "Dr",
    "He met Dr",
    "The U.S",
    "in the U.S",
    "Gen",
    "J",
    "By J",
    "Doctor J. R",
    "Smith, A",
    "Smith, J. and B",
    "(J",
    "[A.-B",
    "5",
    "12345",
    "x",
    "The talks ended",
    "It rose 5",
    "on Jan",
    "Apr",
    "vs",
    "figs",
    "",
    " ",
]


def test_a_title_does_not_end_a_sentence():
    paragraph = (
        '"This report is a disappointment," said Sen. Sheldon Whitehouse (D-R.I.). '
        "Gov. Kathy Hochul and Lt. Gov. Brian Benjamin spoke on Monday."
    )
    assert split_sentences(paragraph) == [
        '"This report is a disappointment," said Sen. Sheldon Whitehouse (D-R.I.).',
        "Gov. Kathy Hochul and Lt. Gov. Brian Benjamin spoke on Monday.",
    ]


def test_a_case_or_bill_number_stays_with_its_sentence():
    paragraph = (
        "The committee took up S. 1, the elections bill, on Tuesday. "
        "The ruling in Roe v. Wade was cited. The House passed H.R. 4 later."
    )
    assert split_sentences(paragraph) == [
        "The committee took up S. 1, the elections bill, on Tuesday.",
        "The ruling in Roe v. Wade was cited.",
        "The House passed H.R. 4 later.",
    ]


def test_sentences_are_still_split_at_full_stops():
    assert split_sentences("The storm hit Marlow. Residents left their homes.") == [
        "The storm hit Marlow.",
        "Residents left their homes.",
    ]


def test_a_named_speaker_saying_she_is_not_a_bare_pronoun():
    assert not leans_on_context("Kathy Hochul on Sunday said she aims to create an ethical office.")
    assert not leans_on_context("The lawyer, Cory Strolla, has said he plans to appeal.")
    assert leans_on_context('"We will appeal the verdict on Monday," said he.')
    assert leans_on_context('"We will appeal," said she, leaving the court on Monday.')


def test_a_publication_stamp_is_furniture():
    assert is_boilerplate("PUBLISHED FEBRUARY 23, 2021: House Democrats are forging ahead.")
    assert is_boilerplate("ORIGINALLY PUBLISHED JANUARY 2021: Parler attracted new users.")
    assert is_boilerplate("Updated: We have added new reports to the article.")
    assert not is_boilerplate("Published reports say the plan failed in the Senate on Monday.")


def test_furniture_words_are_found_in_any_case():
    assert is_boilerplate("READ MORE: The senator's full statement on the vote.")
    assert is_boilerplate("Click Here to see the whole gallery of the flood.")
    assert is_boilerplate("Follow us on Twitter at @Example for the latest updates.")
    assert is_boilerplate("Photo By Jane Doe for the Daily Example newspaper staff.")
    assert not is_boilerplate("The Senate passed the bill on Monday after a long debate.")


# One text for each alternative of ``_BOILERPLATE``, in the pattern's order.
_BOILERPLATE_EXAMPLES = (
    "see https://example.com for more",
    "go to www.example.com today",
    "pic.twitter.com/abc posted",
    "write to desk@example.org now",
    "follow @newsdesk for updates",
    "trending #breaking today",
    "read also the story",
    "read more of it",
    "see also the report",
    "click here to vote",
    "sign up for free",
    "subscribe to the show",
    "our newsletter is out",
    "follow us on the web",
    "all rights reserved 2021",
    "copyright the example post",
    "getty images for the show",
    "photo by jane doe",
    "photograph credit jane doe",
    "image source: archive",
    "image credit jane doe",
    "file photo of the site",
    "ap photo of the site",
    "advertisement continue reading",
    "share this on the web",
    "this story has been updated to add",
    "this article was corrected on monday",
    "we use cookies here",
    "enable javascript to see",
    "jane doe contributed to this report",
    "editor's note: the text was cut",
    "log in to comment",
    "sign in to comment",
    "related: the earlier story",
    "comments: none yet",
    "watch: the clip",
    "video: the clip",
    "listen: the podcast",
)


# Pieces of furniture and story words, for texts that may or may not match the pattern.
_FURNITURE_PIECES = (
    "read", "more", "also", "see", "photo", "photograph", "by", "credit", "image", "source",
    "log", "in", "sign", "up", "@", "#", "a", "x", ":", " ", ".", "'", "editor", "s", "note",
    "this", "story", "was", "updated", "www", "http", "//", "pic", "twitter", "com", "related",
    "watch", "cookies", "file", "ap", "the",
)  # fmt: skip


def test_every_boilerplate_alternative_holds_a_key():
    # is_boilerplate searches the pattern only in sentences holding a key: each alternative of
    # the pattern must hold one, or its furniture would pass as a story sentence.
    alternatives = _BOILERPLATE.pattern.count("|") + 1
    assert len(_BOILERPLATE_EXAMPLES) >= 30 and alternatives > 30
    for text in _BOILERPLATE_EXAMPLES:
        assert _BOILERPLATE.search(text), text
        assert any(key in text for key in _BOILERPLATE_KEYS), text
        assert is_boilerplate(text.capitalize() + "."), text


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(_FURNITURE_PIECES),
        max_size=12,
    )
)
def test_a_text_the_pattern_matches_holds_a_key(pieces: list[str]):
    for text in (" ".join(pieces), "".join(pieces)):
        if _BOILERPLATE.search(text):
            assert any(key in text for key in _BOILERPLATE_KEYS), text


def test_media_furniture_run_into_a_sentence_is_found():
    # A scraper that lost the line breaks runs captions and credits into the story's sentences.
    for furniture in (
        "Media playback is unsupported on your device media caption Karen Allen in Nairobi: the"
        " siege is ending.",
        "Image caption The blue patches in this false colour image are scour marks.",
        "Photo: USGS Image 1 of / 19 Caption Close Image 1 of 19 A swarm of earthquakes hit.",
        "Photo: Getty Washington — in the weeks before the firing, the director asked for more.",
        "A teacher, 31, is the first in the country (Picture: Getty) to do so.",
        "Credit: NASA/JPL-Caltech NASA's Cassini spacecraft has orbited Saturn since 2004.",
        "Reuters/Kevin Lamarque Fanning was previously undersecretary of the Air Force.",
        "Breaking News Emails Get breaking news alerts and special reports.",
        "Gregory dies at 84 Enlarge this image toggle caption Frederick M. Brown He was a comic.",
        "John died of a heart attack [Getty: pic posed by model] after years of nail biting.",
        "Story Highlights A judge received a similar letter that is also being tested.",
        "See more photography Hide Caption 1 of 157 photos: protests against the visit.",
        "Update, 22 July (2:44 pm EST): the department uploaded a new video of the arrest.",
        "Posted Wed Mar 27, 2013 11:39 am Hours after the shooting, the suspect left the city.",
        "The department (2:44 pm EST) uploaded a new video of the arrest on its website.",
        "Boston doctors compare bomb injuries to war wounds i itoggle caption the doctors said.",
        "By Caleb Downs and Christine Schmidt Staff Writers Longtime followers of the speaker.",
        "Play Facebook Twitter Embed Reeva Steenkamp's mother spoke of the release.",
        # Labels end with a colon, followed by a space.
        "Watch: live feed of the meteor shower over the lake.",
        "Related: hospital visitor says it was panic inside.",
        "Mariah Carey is pregnant with a baby boy Email This Although she is keeping quiet.",
    ):
        assert is_boilerplate(furniture), furniture
        lower = furniture.lower()
        if _RUN_IN.search(lower):  # the cheap test before the pattern lets every match through
            assert any(key in lower for key in _RUN_IN_KEYS), furniture
    for story in (
        "A Reuters/Ipsos poll found that support for the plan fell to 40 percent.",
        "The J. Paul Getty Museum reopened its galleries to visitors on Tuesday.",
        "The judge sent angry emails to the airline after his luggage was lost.",
        "The image shows the rover at the drill site on Mars.",
        "Human Rights Watch said in a report released on Tuesday.",
        "The video was posted online on Monday and watched by millions.",
        "The meeting starts at 2:30 in the afternoon, officials said.",
    ):
        assert not is_boilerplate(story), story


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from(_BEFORE_BREAK), st.text(max_size=12)), min_size=1, max_size=4
    ).map(" ".join)
)
def test_the_abbreviation_test_from_the_end_answers_as_segtoks_own(text: str):
    forward = sentences._ABBREVIATIONS.search(text) is not None
    assert (sentences._ABBREVIATIONS_FROM_THE_END.search(text) is not None) == forward


def test_splits_are_the_same_with_the_test_from_the_end(monkeypatch):
    paragraphs = [
        "Dr. Smith met Gen. Jones in the U.S. capital on Jan. 3. They talked. J. R. R. Tolkien "
        "wrote it. See figs. 2 and 3. It cost $5.5 million. No. 5 won.",
        "Smith, J. and B. Jones found it (J. Am. Chem. Soc.). Then it rose 5. Prices fell.",
        'He said: "We will go." The vote is Tuesday. St. Louis agreed. Mt. Fuji erupted?',
    ]
    found = [split_sentences(p) for p in paragraphs]
    assert segtok.segmenter.ABBREVIATIONS is sentences._ABBREVIATIONS  # restored after use
    sentences._split.cache_clear()
    monkeypatch.setattr(sentences, "_ABBREVIATIONS_FROM_THE_END", None)  # segtok as shipped
    assert [split_sentences(p) for p in paragraphs] == found
    sentences._split.cache_clear()
