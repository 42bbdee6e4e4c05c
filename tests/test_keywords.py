"""Keywords stage: junk removed, variants merged, natural casing, bounded input."""

from __future__ import annotations

from digest.config import KeywordsConfig
from digest.keywords import MAX_WORDS, event_text, extract_keywords
from digest.model import Summary, SummarySentence
from tests.conftest import make_article

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
