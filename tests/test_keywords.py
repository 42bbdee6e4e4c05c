"""Keywords stage: junk removed, variants merged, natural casing, bounded input."""

from __future__ import annotations

import random

import pytest

from digest.config import KeywordsConfig
from digest.keywords import (
    MAX_WORDS,
    _fast_yake,
    _SmallListNumerics,
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


def _yake_inputs() -> list[str]:
    """Texts of every length YAKE meets: the seed pages, their first sentences, a headline."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    return [*texts, *(t[:400] for t in texts), "NATO chief visits Helsinki."]


def test_fast_yake_gives_yakes_own_output():
    """The numpy stand-in changes YAKE's speed, not one of its scores."""
    import yake

    for text in _yake_inputs():
        plain = yake.KeywordExtractor(lan="en", n=3, top=40).extract_keywords(text)
        with _fast_yake():
            fast = yake.KeywordExtractor(lan="en", n=3, top=40).extract_keywords(text)
        assert plain and fast == plain


def test_fast_yake_applies_and_restores_numpy():
    import numpy as np
    import yake.data.single_word

    with _fast_yake():
        # If YAKE stops calling numpy as ``np`` here, the stand-in no longer applies.
        assert isinstance(yake.data.single_word.np, _SmallListNumerics)
    assert yake.data.single_word.np is np
    with pytest.raises(RuntimeError), _fast_yake():
        raise RuntimeError("inside")
    assert yake.data.single_word.np is np


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
