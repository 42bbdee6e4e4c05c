"""Summarize stage: budget, citations, redundancy, stand-alone sentences, headlines."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from digest.config import SummaryConfig
from digest.headline import choose_headline, clean_title
from digest.sentences import article_sentences, leans_on_context, split_sentences, trim, usable
from digest.summarize import _rarity_weight, _Tfidf, _vectors, score_sentences, summarize
from tests.conftest import make_article

A = make_article(
    "a",
    "Storm floods the harbour town of Marlow",
    "A powerful storm flooded the harbour town of Marlow on Tuesday, forcing hundreds of "
    "residents to leave their homes.\n\n"
    "He said the water rose faster than anyone expected.\n\n"
    "The town council opened three emergency shelters in the school and the sports hall.\n\n"
    "However, the coast guard said no one was missing after the flood.",
)
B = make_article(
    "b",
    "Marlow flooded as storm hits the coast",
    "A powerful storm flooded the harbour town of Marlow on Tuesday, forcing hundreds of "
    "residents to leave their homes.\n\n"
    "Electricity was cut to about four thousand households across the region overnight.\n\n"
    '"We have never seen anything like it. The sea came into the streets," said Marlow mayor '
    "Anna Berg.",
)
C = make_article(
    "c",
    "Storm in Marlow: council opens shelters",
    "The Marlow town council opened emergency shelters for families forced out by the flood.\n\n"
    "Forecasters at the national weather office expect the rain to ease by Thursday morning.\n\n"
    "This is the worst flood in the region in forty years.",
)


def _summary(*articles, words=100):
    return summarize(list(articles), SummaryConfig(max_words=words))


def test_summary_stays_within_the_budget_with_whole_sentences():
    for budget in (20, 35, 60, 100):
        summary = _summary(A, B, C, words=budget)
        total = sum(len(s.text.split()) for s in summary.sentences)
        assert total <= budget
        for s in summary.sentences:
            assert s.text[-1] in '.!?"”'


def test_every_sentence_is_a_span_of_a_cited_article():
    summary = _summary(A, B, C)
    texts = {a.id: " ".join(a.paragraphs) for a in (A, B, C)}
    assert summary.sentences
    for s in summary.sentences:
        assert any(s.text in texts[i] or s.text[1:] in texts[i] for i in s.sources)


def test_a_fact_stated_by_two_outlets_cites_both():
    summary = _summary(A, B, C)
    lead = [s for s in summary.sentences if s.text.startswith("A powerful storm")]
    assert len(lead) == 1
    assert lead[0].sources == ("a", "b")


def test_no_two_sentences_say_the_same_thing():
    summary = _summary(A, B, C, words=200)
    texts = [s.text for s in summary.sentences]
    assert len(texts) == len(set(texts))
    shelters = [t for t in texts if "shelters" in t]
    assert len(shelters) == 1


def test_context_leaning_sentences_only_follow_their_predecessor_and_markers_trimmed():
    summary = _summary(A, B, C, words=300)
    texts = [s.text for s in summary.sentences]
    assert "The coast guard said no one was missing after the flood." in texts
    # "He said ..." is read right after the sentence before it in its own article.
    he = texts.index("He said the water rose faster than anyone expected.")
    assert he > 0 and texts[he - 1] == A.paragraphs[0]
    assert "a" in summary.sentences[he].sources
    by_text = {a.id: [s.text for s in article_sentences([a])] for a in (A, B, C)}
    for i, s in enumerate(summary.sentences):
        if leans_on_context(s.text):
            assert i > 0
            assert any(
                texts[i - 1] == own[j - 1]
                for a in s.sources
                for own in [by_text[a]]
                for j in range(1, len(own))
                if own[j] == s.text
            )


def test_context_leaning_sentence_is_left_out_without_its_predecessor():
    # The question before it is never a summary sentence, so "He said ..." has no context.
    asked = make_article(
        "q",
        "Storm floods the harbour town of Marlow",
        "Why did the water in the harbour town of Marlow rise so fast?\n\n"
        "He said the storm flooded the harbour town of Marlow within an hour.",
    )
    texts = [s.text for s in _summary(asked, A, B, words=300).sentences]
    assert not any(t.startswith("He said the storm") for t in texts)


def test_quotes_stay_whole():
    sentences = split_sentences(B.paragraphs[2])
    assert sentences == [B.paragraphs[2]]
    assert usable(sentences[0])


def test_leans_on_context():
    assert leans_on_context("He said the talks would resume next week in Geneva.")
    assert leans_on_context('"We will not give up on this," she said on Monday evening.')
    assert leans_on_context("But the plan was rejected by the committee on Monday.")
    assert leans_on_context("In an interview, he denied that the company knew of it.")
    assert not leans_on_context("Police said they found the car near the border on Monday.")
    assert not leans_on_context("The minister said her office would publish the report.")


def test_trim_only_removes_a_leading_marker():
    assert trim("However, the vote was delayed.") == "The vote was delayed."
    assert trim("The vote, however, was delayed.") == "The vote, however, was delayed."


def test_boilerplate_is_never_used():
    assert not usable("Read also: Ten things you need to know about the storm today.")
    assert not usable("Follow us on Twitter for the latest news about the storm in Marlow.")
    assert not usable("The storm flooded the town, forcing residents out of their homes...")


def test_headline_is_the_most_representative_title():
    assert _summary(A, B, C).headline in {A.title, B.title, C.title}
    assert _summary(A, B, C).headline != C.title  # C's title shares least with the others


def test_headline_without_titles_is_a_whole_short_sentence():
    untitled = [dataclasses.replace(a, title="") for a in (A, B, C)]
    summary = summarize(untitled, SummaryConfig(max_words=100))
    sentences = {s for a in untitled for p in a.paragraphs for s in split_sentences(p)}
    assert summary.headline in sentences
    assert len(summary.headline.split()) <= 24


def test_an_event_whose_sentences_cannot_stand_alone_still_gets_a_whole_sentence_headline():
    # Every sentence leans on another ("His ..."): no summary, yet a headline, taken whole.
    caption = make_article(
        "c",
        "",
        "His lawyer hugged him after the hearing in the federal court of Chicago.\n\n"
        "He said nothing.",
    )
    summary = summarize([caption], SummaryConfig(max_words=100))
    assert summary.sentences == ()
    assert summary.headline == caption.paragraphs[0]


def test_without_any_short_sentence_the_headline_is_the_opening_words():
    words = " ".join(f"word{i}" for i in range(40))  # one 40-word run: no short sentence
    article = make_article("w", "", words)
    headline = choose_headline([article], [])
    assert headline == " ".join(f"word{i}" for i in range(12)) + "…"
    assert choose_headline([make_article("e", "", "")], []) == "e"  # no words: its id


def test_outlet_suffix_is_cut_from_titles():
    assert clean_title("Storm floods Marlow | Reuters", "Reuters") == "Storm floods Marlow"
    assert choose_headline([make_article("x", "Storm closes the port - The Daily Bugle")], []) == (
        "Storm closes the port"
    )


@pytest.mark.parametrize(
    ("title", "source", "expected"),
    [
        # The outlet by name, by its own words, by its web address, or after a bar.
        ("Storm floods Marlow | Reuters", "Reuters", "Storm floods Marlow"),
        ("Snowden has no regrets - WDRB 41 Louisville News", "WDRB", "Snowden has no regrets"),
        ("Growth gains momentum - Live5News.com", "Live 5 News", "Growth gains momentum"),
        ("Capitalism will prevent a cold war | The Nation", "The Nation. (blog)", None),
        ("Libyan parliament ousts the prime minister | The Republic", "The Tribune", None),
        ("Storm hits the coast - nytimes.com", "New York Times", "Storm hits the coast"),
        # The outlet known by its web address, the title ending in its name.
        (
            "Storm closes the harbour of Marlow - Live 5 News",
            "live5news.com",
            "Storm closes the harbour of Marlow",
        ),
        (
            "Storm closes the harbour of Marlow - BBC News",
            "bbc.co.uk",
            "Storm closes the harbour of Marlow",
        ),
        # A tail that is part of the headline: a qualifier, who said it, what kind of piece.
        ("No end to the pandemic before spring — at the earliest", "Daily News", "keep"),
        ("Stronger sterling would delay rate rise - BoE's Bean", "Reuters", "keep"),
        ("Delta variant doubles risk of hospitalisation - Scottish study", "Reuters", "keep"),
        ("Jon Favreau cooks up an amiable comedy - review", "The Guardian", "keep"),
        ("Obama's plan faces a vote - Capitol Hill", "The Hill", "keep"),
        # Too short to lose a word.
        ("Stocks fall - Reuters", "Reuters", "keep"),
    ],
)
def test_only_a_tail_that_names_the_outlet_is_cut(title, source, expected):
    if expected == "keep":
        expected = title
    elif expected is None:
        expected = title.rsplit(" | ", 1)[0]
    assert clean_title(title, source) == expected


def test_a_news_title_heads_the_event_before_an_opinion_piece():
    opinion = make_article(
        "o",
        "Troops died in Kabul because leadership let them down",
        source="New York Post (Opinion)",
    )
    column = make_article(
        "c",
        "Kabul troops died because leadership failed",
        url="https://example.com/opinion/2021/08/27/kabul/",
    )
    news = make_article(
        "n", "Thirteen troops died in Kabul airport attack", source="Military Times"
    )
    assert choose_headline([opinion, column, news], []) == news.title
    # With only opinion pieces, one of them still heads it.
    assert choose_headline([opinion, column], []) in {opinion.title, column.title}


def test_summary_is_deterministic_and_order_independent_of_calls():
    assert _summary(A, B, C) == _summary(A, B, C)


def test_position_counts_only_usable_sentences():
    # A pronoun-led sentence before the lead is never used, so it must not push the lead back.
    lead = "A powerful storm flooded the harbour town of Marlow on Tuesday night."
    plain = make_article("p", "", lead)
    padded = make_article("q", "", "He said the water rose fast.\n\n" + lead)
    sentences = article_sentences([plain, padded])
    scored = score_sentences(sentences, _vectors(sentences), 2)
    assert [c.sentence.text for c in scored] == [lead, lead]
    assert scored[0].score == pytest.approx(scored[1].score)


def test_rarity_damps_the_rarest_words():
    # "storm" is common English; the made-up word has never been seen.
    assert 0 < _rarity_weight("qzxvrmarlowq") < _rarity_weight("storm")


def test_tfidf_matches_scikit_learn():
    from sklearn.feature_extraction.text import TfidfVectorizer

    documents = [["storm", "flood", "storm", "town"], ["town", "council"], [], ["flood", "x"]]
    ours = _Tfidf.fit(documents)
    theirs = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True, norm="l2")
    expected = theirs.fit_transform(documents).toarray()
    assert list(ours.vocabulary) == list(theirs.get_feature_names_out())
    assert np.allclose(ours.transform(documents).toarray(), expected, atol=1e-12)
    titles = [["storm", "unknown"], ["nothing"]]
    assert np.allclose(ours.transform(titles).toarray(), theirs.transform(titles).toarray())


def test_empty_event():
    summary = summarize([make_article("e", "", "")], SummaryConfig())
    assert summary.sentences == ()


def _gold_file(folder, extra=None):
    import json

    event = {
        "event_id": "storm-1",
        "summary": "A storm flooded Marlow on Tuesday and the council opened shelters.",
        "date": "2024-01-02",
        "articles": [
            {"id": a.id, "title": a.title, "text": "\n\n".join(a.paragraphs), "source": a.id}
            for a in (A, B, C)
        ],
        **(extra or {}),
    }
    path = folder / "tiny.dev.jsonl"
    path.write_text(json.dumps(event) + "\n", encoding="utf-8")
    return path


def test_summary_evaluation_scores_every_system(tmp_path):
    from digest.evaluate.summaries import SYSTEMS, run

    report = run([_gold_file(tmp_path)])
    for name in SYSTEMS:
        assert f"| {name} |" in report
    assert "faithfulness problems (site and evaluation budgets): 0" in report


def test_keyword_evaluation_compares_with_plain_yake(tmp_path):
    from digest.evaluate.keywords import entity_found, run

    report = run([_gold_file(tmp_path, {"main_entities": ["Marlow", "Anna Berg"]})])
    assert "| digest |" in report and "| yake |" in report
    assert "| yake, titles in sentence case |" in report
    assert entity_found("Barack Obama", ["Obama"])
    assert entity_found("Marlow", ["Marlow town council"])
    assert not entity_found("Senate Democrats", ["Senate"])


def test_acronym_openings_are_not_pronouns():
    from digest.sentences import leans_on_context

    assert not leans_on_context("WHO officials said the outbreak had peaked in the region.")
    assert leans_on_context("Who knows what the officials will decide next week?")
    assert leans_on_context("This was the first visit of the year.")


def test_a_budget_no_sentence_fits_is_told_apart_from_no_usable_sentence():
    text = (
        "The council approved the new bridge over the river on Tuesday after a long debate in "
        "the town hall, the mayor said."
    )
    tight = summarize([make_article("a", "Bridge", text)], SummaryConfig(max_words=5))
    assert tight.sentences == () and tight.over_budget
    roomy = summarize([make_article("a", "Bridge", text)], SummaryConfig(max_words=100))
    assert len(roomy.sentences) == 1 and not roomy.over_budget
    # A sentence that leans on context is not a budget problem.
    bare = summarize([make_article("b", "Hug", "He hugged him.")], SummaryConfig(max_words=100))
    assert bare.sentences == () and not bare.over_budget
