"""Summarize stage on very long articles: the sentences scored per event are capped."""

from __future__ import annotations

import pytest

from digest import summarize as summarize_module
from digest.config import SummaryConfig
from digest.faithfulness import faithfulness_problems
from digest.sentences import article_sentences
from digest.summarize import _lead_rows, summarize
from tests.conftest import make_article

LEAD = (
    "A powerful storm flooded the harbour town of Marlow on Tuesday, forcing hundreds of "
    "residents to leave their homes."
)
STORY = make_article(
    "story",
    "Storm floods the harbour town of Marlow",
    f"{LEAD}\n\n"
    "The town council opened three emergency shelters in the school and the sports hall.\n\n"
    "Electricity was cut to about four thousand households across the region overnight.",
)


def _transcript(n: int, lead: str = LEAD) -> str:
    """A long article: the story's lead first, then ``n`` usable sentences on other business."""
    tail = (
        f"Speaker {i} reported that agenda item {i} on road repairs was moved to the next session."
        for i in range(n)
    )
    return "\n\n".join([lead, *tail])


def _watch_vectors(monkeypatch: pytest.MonkeyPatch, limit: int) -> list[int]:
    """Record how many sentences each event's TF-IDF and cosine matrix is built over; refuse
    more than ``limit`` (without a cap, 20,000 sentences would take gigabytes before failing)."""
    seen: list[int] = []
    real = summarize_module._vectors

    def vectors(sentences, titles=()):
        seen.append(len(sentences))
        assert len(sentences) <= limit, f"a matrix over {len(sentences)} sentences"
        out = real(sentences, titles)
        assert out.sims.shape == (len(sentences), len(sentences))
        return out

    monkeypatch.setattr(summarize_module, "_vectors", vectors)
    return seen


def test_a_very_long_article_is_scored_on_its_lead_only(monkeypatch):
    cap = summarize_module._MAX_SENTENCES
    long = make_article("long", "Marlow council meeting transcript", _transcript(20_000))
    total = len(article_sentences([STORY, long]))
    assert total > 20_000
    # A fixed bound, not the cap itself: the test must fail fast if the cap is lifted.
    seen = _watch_vectors(monkeypatch, 2_000)
    summary = summarize([STORY, long], SummaryConfig())
    assert seen == [cap] and cap < total
    assert faithfulness_problems(summary, [STORY, long]) == []
    assert summary.sentences
    # Every summary sentence is a lead sentence: the short article's, or the long one's first.
    leads = {s.text for s in article_sentences([STORY, long]) if s.position < 3}
    assert {s.text for s in summary.sentences} <= leads
    assert LEAD in [s.text for s in summary.sentences]


def test_lead_rows_keep_each_articles_first_sentences(monkeypatch):
    monkeypatch.setattr(summarize_module, "_MAX_SENTENCES", 10)
    long = make_article("long", "Transcript", _transcript(50))
    sentences = article_sentences([STORY, long])
    rows = _lead_rows(sentences)
    kept = [sentences[i] for i in rows]
    assert rows == sorted(rows) and len(rows) == 10
    # All of the short article, and a leading run of the long one.
    assert [s.position for s in kept if s.article == 0] == [0, 1, 2]
    assert [s.position for s in kept if s.article == 1] == list(range(7))
    # An event within the cap is read whole.
    assert _lead_rows(sentences[:10]) == list(range(10))


def test_an_event_within_the_cap_is_unchanged(monkeypatch):
    long = make_article("long", "Marlow council meeting transcript", _transcript(40))
    expected = summarize([STORY, long], SummaryConfig())
    n = len(article_sentences([STORY, long]))
    seen = _watch_vectors(monkeypatch, n)
    monkeypatch.setattr(summarize_module, "_MAX_SENTENCES", n)
    assert summarize([STORY, long], SummaryConfig()) == expected
    assert seen == [n]


def test_citations_still_read_sentences_past_the_cap(monkeypatch):
    # The long article states the story's lead only far past the cap: it is still cited.
    monkeypatch.setattr(summarize_module, "_MAX_SENTENCES", 20)
    other = make_article(
        "other", "Transcript", _transcript(200, lead="The meeting opened.") + f"\n\n{LEAD}"
    )
    summary = summarize([STORY, other], SummaryConfig())
    cited = {s.text: s.sources for s in summary.sentences}
    assert cited[LEAD] == ("story", "other")
    assert faithfulness_problems(summary, [STORY, other]) == []
