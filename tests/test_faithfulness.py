"""Faithfulness of the merged summaries on the seeds build and on a slice of the dev data.

The full dev check runs in the evaluation command (`digest eval --task summaries`).
"""

from __future__ import annotations

import pytest

from digest.build import gather
from digest.config import Config
from digest.evaluate.data import load_gold
from digest.evaluate.summaries import pinned_events
from digest.faithfulness import faithfulness_problems
from digest.summarize import summarize
from tests.conftest import EVAL_DIR, ROOT, SEEDS, make_article

# Events of each dev file checked here; every event is checked by the evaluation command.
SLICE = 25


def test_seeds_summaries_are_faithful():
    digest = gather(Config(source=str(SEEDS), base_dir=str(ROOT)))
    assert digest.events
    for event in digest.events:
        assert event.summary, event.id
        summary = summarize(event.articles, Config().summary)
        assert summary.sentences == event.summary
        assert faithfulness_problems(summary, event.articles) == []
        assert event.headline
        assert len(event.headline.split()) <= 24


def test_checker_catches_unfaithful_summaries():
    from digest.model import Summary, SummarySentence

    a = make_article("a", "T", "The bridge reopened on Monday after repairs.")
    b = make_article("b", "T", "The bridge reopened on Monday after repairs.")
    invented = Summary("h", (SummarySentence("The bridge was closed for good.", ("a",)),))
    assert any("not a span" in p for p in faithfulness_problems(invented, [a, b]))
    uncited = Summary("h", (SummarySentence(a.paragraphs[0], ("a",)),))
    assert any("does not cite b" in p for p in faithfulness_problems(uncited, [a, b]))


def test_context_leaning_sentence_needs_its_predecessor_just_before_it():
    from digest.model import Summary, SummarySentence

    lead = "The mayor of Marlow closed the harbour road on Monday."
    said = "He said the road would reopen once the water went down."
    a = make_article("a", "T", f"{lead} {said}\n\nThe council opened two shelters in town.")
    b = make_article("b", "T", "Forecasters expect the rain to ease by Thursday morning.")
    other = "Forecasters expect the rain to ease by Thursday morning."
    follows = Summary("h", (SummarySentence(lead, ("a",)), SummarySentence(said, ("a",))))
    assert faithfulness_problems(follows, [a, b]) == []
    alone = Summary("h", (SummarySentence(said, ("a",)),))
    assert any("leans on missing context" in p for p in faithfulness_problems(alone, [a, b]))
    apart = Summary(
        "h",
        (
            SummarySentence(lead, ("a",)),
            SummarySentence(other, ("b",)),
            SummarySentence(said, ("a",)),
        ),
    )
    assert any("leans on missing context" in p for p in faithfulness_problems(apart, [a, b]))
    swapped = Summary("h", (SummarySentence(said, ("a",)), SummarySentence(lead, ("a",))))
    assert any("leans on missing context" in p for p in faithfulness_problems(swapped, [a, b]))


@pytest.mark.parametrize("name", ["allsides.dev.jsonl", "multinews.dev.jsonl"])
def test_dev_slice_summaries_are_faithful(name):
    path = EVAL_DIR / name
    if not path.is_file():
        pytest.skip("../shared/eval is not available")
    for gold, articles in pinned_events(load_gold(path, SLICE)):
        summary = summarize(articles, Config().summary)
        assert faithfulness_problems(summary, articles) == [], gold.id
        total = sum(len(s.text.split()) for s in summary.sentences)
        assert total <= Config().summary.max_words
