"""Keywords stage: junk removed, variants merged, natural casing, bounded input."""

from __future__ import annotations

import random

import pytest

import digest.keywords
from digest.config import KeywordsConfig
from digest.keywords import (
    MAX_WORDS,
    _Candidate,
    _capitalised_words,
    _checked_release,
    _CooccurrenceGraph,
    _dedup_similarity,
    _fast_yake,
    _GraphLibrary,
    _key,
    _merge_variants,
    _read_sentence,
    _sentence_case,
    _SmallListNumerics,
    _with_lost_first_word,
    event_text,
    extract_keywords,
)
from digest.model import Summary, SummarySentence
from tests.conftest import SEEDS, make_article

ARTICLES = [
    make_article(
        "a",
        "NATO Secretary General Jens Stoltenberg visits Helsinki",
        "NATO Secretary General Jens Stoltenberg said on Thursday that the alliance has no plans "
        "to deploy forces to Ukraine.\n\n"
        "Stoltenberg met Finnish President Alexander Stubb in Helsinki to discuss air defence.\n\n"
        "NATO allies have sent air defence systems to Ukraine since the Russian invasion.",
        source="Daily Courier",
        author="Leila Mansour",
        place="HELSINKI",
    ),
    make_article(
        "b",
        "Stoltenberg: no NATO troops for Ukraine",
        "Jens Stoltenberg told reporters in Helsinki that NATO allies would keep supplying air "
        "defence to Ukraine.\n\n"
        "Stoltenberg said Russia's invasion of Ukraine had pushed Finland to join NATO in 2023.",
        source="Nordic Times",
    ),
]
SUMMARY = Summary(
    "NATO has no plans to deploy forces to Ukraine",
    (SummarySentence(ARTICLES[0].paragraphs[0], ("a",)),),
)


def _keywords(count: int = 10) -> tuple[str, ...]:
    return extract_keywords(ARTICLES, SUMMARY, KeywordsConfig(count=count))


def test_keywords_name_the_event():
    keywords = _keywords()
    assert "NATO" in keywords
    assert "Ukraine" in keywords
    assert "Jens Stoltenberg" in keywords


def test_no_byline_outlet_dateline_or_date_junk():
    lowered = " ".join(_keywords()).lower()
    for junk in ("leila", "mansour", "courier", "nordic times", "thursday", "2023"):
        assert junk not in lowered
    assert not any(k.isupper() and len(k) > 5 for k in _keywords())  # no "HELSINKI"


def test_variants_are_merged():
    keywords = [k.lower() for k in _keywords()]
    assert len(keywords) == len(set(keywords))
    for a in keywords:
        for b in keywords:
            if a != b:
                assert f" {a} " not in f" {b} ", (a, b)
    assert not any(k.lower().startswith(("secretary", "general")) for k in _keywords())


def test_natural_casing():
    keywords = _keywords()
    assert "air defence" in keywords or "Air Defence" not in keywords
    assert all(k != k.upper() or len(k) <= 5 for k in keywords)


def test_count_is_respected():
    assert len(_keywords(3)) <= 3
    assert _keywords(0) == ()


def test_keyword_text_is_bounded():
    long_article = make_article("long", "Long", " ".join(["The river rose again."] * 5000))
    text = event_text([long_article] * 3, Summary("h", ()))
    assert len(text.split()) <= MAX_WORDS


def test_deterministic():
    assert _keywords() == _keywords()


# Three outlets' headlines in headline case over sentence-case reports (made up for the test).
DEBT = [
    make_article(
        "l",
        "Senate Republicans Block Debt Limit Hike as Default Deadline Looms",
        "Senate Republicans on Wednesday blocked a bill to raise the debt limit, setting up a "
        "showdown with Democrats weeks before the Treasury could run out of cash.\n\n"
        "Senate Majority Leader Chuck Schumer said Democrats would bring the bill back next week.",
        source="Capitol Wire",
    ),
    make_article(
        "c",
        "GOP Blocks Debt Limit Hike Again, Biden’s Agenda Stalls",
        "Republicans blocked the debt limit hike for the second time this month, and President "
        "Joe Biden’s agenda stalled in the Senate.\n\n"
        "Mitch McConnell said Democrats could raise the limit on their own.",
        source="Daily Ledger",
    ),
    make_article(
        "r",
        "Democrats Fail to Pass Debt Limit Hike as Republicans Dig In",
        "Democrats failed to pass a debt limit hike on Wednesday after Senate Republicans refused "
        "to support it.\n\n"
        "Chuck Schumer called the vote reckless and said the Treasury would run out of room.",
        source="Evening Post",
    ),
]
DEBT_SUMMARY = Summary("", (SummarySentence(DEBT[0].paragraphs[0], ("l",)),))


def test_headline_case_is_no_sign_of_a_name():
    keywords = extract_keywords(DEBT, DEBT_SUMMARY, KeywordsConfig(count=10))
    assert {"Chuck Schumer", "Senate Republicans", "debt limit hike"} <= set(keywords)
    # Before, runs of the headlines ranked as names: "GOP Blocks Debt Limit Hike".
    lowered_in_text = {"block", "blocks", "debt", "limit", "hike", "fail", "pass", "default"}
    for keyword in keywords:
        assert not any(w in lowered_in_text for w in keyword.split() if w[:1].isupper())


def test_names_are_told_by_the_sentences_not_the_titles():
    lines = [
        "Joe Lieberman met the Supreme Court nominee on Monday.",
        "The court said Lieberman would testify, and officials agreed.",
        "Officials blocked the bill.",
    ]
    names = _capitalised_words(lines)
    assert {"joe", "lieberman", "supreme", "court", "monday"} <= names  # "Joe" starts a sentence
    assert not {"officials", "blocked", "the", "bill", "said"} & names  # lower case inside one
    assert "nominee" not in names and "senate" not in names  # lower case, or not there at all


def test_a_headline_case_title_is_read_in_sentence_case():
    names = frozenset({"senate", "republicans", "obama"})
    assert (
        _sentence_case("Senate Republicans Block Debt Limit Hike as GOP Digs In", names)
        == "Senate Republicans block debt limit hike as GOP digs in"
    )
    assert _sentence_case("Perry Defends Faith From Obama’s War", names) == (
        "Perry defends faith from Obama’s war"
    )
    names = _capitalised_words(["US strikes hit Iran-backed militia groups in Iraq."])
    assert {"iran", "iraq"} <= names and not {"backed", "militia"} & names
    assert _sentence_case("US Strikes Hit Iran-Backed Militia Sites", names) == (
        "US strikes hit Iran-backed militia sites"
    )
    title = "Senate blocks a bill on the debt limit"  # already in sentence case
    assert _sentence_case(title, frozenset()) == title


def _candidates(*phrases: str) -> list[_Candidate]:
    return [
        _Candidate(tuple(p.split()), _key(tuple(p.split())), float(rank))
        for rank, p in enumerate(phrases)
    ]


def test_word_runs_sliding_along_one_passage_are_one_keyword():
    kept = _merge_variants(
        _candidates("GOP blocks debt", "blocks debt limit", "debt limit hike", "Chuck Schumer"),
        frozenset({"gop", "chuck", "schumer"}),
    )
    # The second shares two words with the first; the third only one.
    assert [" ".join(k.tokens) for k in kept] == [
        "GOP blocks debt",
        "debt limit hike",
        "Chuck Schumer",
    ]
    names = _merge_variants(_candidates("Stoltenberg", "Jens Stoltenberg"), None)
    assert [" ".join(k.tokens) for k in names] == ["Jens Stoltenberg"]


def test_split_words_everyday_words_and_media_furniture_are_no_keywords(
    monkeypatch: pytest.MonkeyPatch,
):
    class _Yake:
        def extract_keywords(self, text: str) -> list[tuple[str, float]]:
            return [
                ("Biden s falling", 0.01),
                ("Don n’t wait", 0.02),
                ("Schumer D NY", 0.03),
                ("device media caption", 0.035),  # page furniture run into the text
                ("Media playback", 0.036),
                ("people", 0.037),  # an everyday word names no topic
                ("Secretary of State", 0.038),  # a title, whose cut leaves "of State"
                ("poll numbers", 0.04),
                ("ransomware", 0.05),
            ]

    monkeypatch.setattr(digest.keywords, "_extractor", lambda _n: _Yake())
    keywords = extract_keywords(DEBT, DEBT_SUMMARY, KeywordsConfig(count=10))
    assert keywords == ("poll numbers", "ransomware")


def _yake_inputs() -> list[str]:
    """Texts of every length YAKE meets: the seed pages, their first sentences, a headline."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    return [*texts, *(t[:400] for t in texts), "NATO chief visits Helsinki."]


def test_fast_yake_gives_yakes_own_output():
    """The numpy and graph stand-ins change YAKE's speed, not one of its scores."""
    import yake

    for text in _yake_inputs():
        plain = yake.KeywordExtractor(lan="en", n=3, top=40).extract_keywords(text)
        with _fast_yake():
            fast = yake.KeywordExtractor(lan="en", n=3, top=40).extract_keywords(text)
        assert plain and fast == plain


def test_project_extractor_gives_yakes_own_output():
    """The extractor the stage uses (with its own candidate similarity) ranks as YAKE does."""
    import yake

    extractor = digest.keywords._extractor(3)
    # Only on a YAKE release it was checked against; any other keeps YAKE's own.
    assert (extractor.dedup_function is _dedup_similarity) == _checked_release()
    for text in _yake_inputs():
        plain = yake.KeywordExtractor(lan="en", n=3, top=40).extract_keywords(text)
        with _fast_yake():
            assert extractor.extract_keywords(text) == plain


def test_dedup_similarity_is_yakes():
    import yake

    if not _checked_release():
        pytest.skip("installed YAKE is not a release _dedup_similarity was checked against")
    theirs = yake.KeywordExtractor(lan="en", n=3)
    words = [
        "NATO",
        "nato",
        "Jens Stoltenberg",
        "Stoltenberg",
        "air defence",
        "air defense",
        "Helsinki",
        "Helsinki talks",
        "the",
        "Ukraine war",
        "Ukrainian war",
        "ab",
        "abc",
    ]
    for a in words:
        for b in words:
            assert _dedup_similarity(a, b) == theirs._optimized_similarity(a, b), (a, b)


def test_fast_yake_applies_and_restores_numpy_and_graph():
    import networkx
    import numpy as np
    import segtok.segmenter
    import yake.data.core
    import yake.data.single_word

    abbreviations = segtok.segmenter.ABBREVIATIONS
    with _fast_yake():
        # If YAKE stops calling numpy as ``np`` or networkx as ``nx`` there, the stand-ins no
        # longer apply: these lines say so.
        assert isinstance(yake.data.single_word.np, _SmallListNumerics)
        assert yake.data.core.nx is _GraphLibrary
        # On a release it was checked against, the sentence reader too.
        reads = yake.data.core.DataCore._process_sentence is _read_sentence
        assert reads == _checked_release()
        # YAKE's sentence splitting (segtok) tests for abbreviations from the end.
        assert segtok.segmenter.ABBREVIATIONS is not abbreviations
    assert segtok.segmenter.ABBREVIATIONS is abbreviations
    assert yake.data.single_word.np is np
    assert yake.data.core.nx is networkx
    assert yake.data.core.DataCore._process_sentence is not _read_sentence
    with pytest.raises(RuntimeError), _fast_yake():
        raise RuntimeError("inside")
    assert yake.data.single_word.np is np
    assert yake.data.core.nx is networkx
    assert segtok.segmenter.ABBREVIATIONS is abbreviations


def test_cooccurrence_graph_answers_as_networkx():
    """Same edges, same data, same order of successors and predecessors as networkx."""
    import networkx

    rng = random.Random(3)
    ours, theirs = _CooccurrenceGraph(), networkx.DiGraph()
    for _ in range(400):
        u, v = rng.randrange(30), rng.randrange(30)
        for g in (ours, theirs):
            g.add_node(u)
            if v not in g[u]:
                g.add_edge(u, v, tf=0.0)
            g[u][v]["tf"] += 1.0
    for node in range(30):
        if node not in theirs:
            assert not ours.has_edge(node, 0)
            continue
        assert ours[node] == dict(theirs[node])
        assert ours.out_edges(node) == list(theirs.out_edges(node))
        assert ours.in_edges(node) == list(theirs.in_edges(node))
        assert ours.out_edges(node, data=True) == list(theirs.out_edges(node, data=True))
        assert ours.in_edges(node, data=True) == list(theirs.in_edges(node, data=True))
        for other in range(30):
            assert ours.has_edge(node, other) == theirs.has_edge(node, other)


def test_a_failing_stand_in_costs_no_keywords(monkeypatch: pytest.MonkeyPatch):
    """YAKE turns its own errors into an empty list; the keywords are then made by YAKE as
    shipped, so they are the same as when the stand-ins work."""
    config = KeywordsConfig()
    summary = Summary(headline="", sentences=())
    expected = extract_keywords(ARTICLES, summary, config)

    class Broken(_CooccurrenceGraph):
        def add_edge(self, *args: object, **kwargs: object) -> None:
            raise KeyError("not supported")

    monkeypatch.setattr(_GraphLibrary, "DiGraph", Broken)
    assert expected and extract_keywords(ARTICLES, summary, config) == expected


def test_small_list_numerics_equal_numpy_exactly():
    import numpy as np

    rng = random.Random(7)
    fast = _SmallListNumerics()
    for n in range(1, 12):
        for _ in range(50):
            ints = [rng.randrange(0, 40) for _ in range(n)]
            floats = [rng.uniform(0.001, 9.0) for _ in range(n)]
            assert fast.median(ints) == np.median(ints)
            assert fast.median(floats) == np.median(floats)
            assert fast.prod(floats) == np.prod(floats)
    assert fast.prod([2, 3]) == np.prod([2, 3])  # integers: numpy's own product


def test_a_name_gets_back_the_first_word_yake_cut_as_a_stop_word():
    def back(name: str, text: str) -> str:
        return _with_lost_first_word(name, text, text.lower(), frozenset({"new", "former"}))

    text = "Police in New York City said so. (New York City) The New York City mayor spoke."
    assert back("York City", text) == "New York City"  # YAKE never starts with "new"
    assert back("York City", "New York City fell. York City won the cup.") == "York City"
    assert back("Zealand", "It rained in New Zealand.") == "New Zealand"
    assert back("Stoltenberg", "Former chief Stoltenberg spoke; Stoltenberg left.") == "Stoltenberg"
    assert back("Giffords", "Former Giffords spoke.") == "Giffords"  # a job title stays cut
