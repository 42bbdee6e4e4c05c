"""Near-duplicate detection: exact and edited copies fold together, distinct stories do not."""

from __future__ import annotations

import random

import numpy as np

from digest.config import DedupeConfig
from digest.dedupe import CANDIDATE_JACCARD, band_shape, copy_prints, dedupe
from digest.evaluate.data import GoldArticle
from digest.evaluate.dedupe import edit_copy
from tests.conftest import make_article

STORY = "\n\n".join(
    [
        "The European Central Bank held its key interest rate at 4 percent on Thursday, saying "
        "inflation in the euro zone was falling faster than its economists had expected.",
        "President Christine Lagarde told reporters in Frankfurt that the governing council had "
        "not discussed cutting rates and that it was “premature” to do so before the summer.",
        "Markets had priced in a first cut by April, and the euro slipped against the dollar as "
        "traders pushed back their bets after Lagarde's remarks.",
        "Wage growth remains the bank's main worry: unions in Germany and the Netherlands have "
        "won raises of more than 5 percent for the coming year.",
        "The bank will publish new staff projections at its next meeting in March, when most "
        "analysts expect a clearer signal on the timing of cuts.",
    ]
)
OTHER = "\n\n".join(
    [
        "Japan's parliament approved a record defence budget on Friday, with spending on "
        "long-range missiles and air defence rising by a quarter from last year.",
        "Prime Minister Fumio Kishida has pledged to double defence spending to 2 percent of "
        "economic output by 2027, citing threats from China and North Korea.",
        "Opposition lawmakers criticised the plan to fund it through higher corporate and "
        "tobacco taxes, saying the public had not been consulted.",
    ]
)


def _groups(copies):
    return sorted(sorted([c.article.id, *(d.id for d in c.duplicates)]) for c in copies)


def test_exact_copies_collapse():
    a = make_article("a", "ECB holds rates", STORY)
    b = make_article("b", "ECB holds rates", STORY)
    assert _groups(dedupe([a, b], DedupeConfig())) == [["a", "b"]]


def test_edited_wire_copy_collapses():
    trimmed = "\n\n".join(STORY.split("\n\n")[:4])
    paras = trimmed.split("\n\n")
    paras[1], paras[2] = paras[2], paras[1]
    edited = "\n\n".join(
        ["Sign up for our newsletter to get the top stories every morning."]
        + [p.replace("“", '"').replace("”", '"').replace("'", "’") for p in paras]
    )
    a = make_article("a", "ECB holds rates", STORY)
    b = make_article("b", "Lagarde: too early to cut rates", edited)
    assert _groups(dedupe([a, b], DedupeConfig())) == [["a", "b"]]


def test_generated_copies_collapse():
    gold = GoldArticle("g", "e", "ECB holds rates", STORY, None, "Wire", None)
    rng = random.Random(3)
    copies = [edit_copy(gold, rng, f"g-copy{n}") for n in range(5)]
    articles = [make_article("g", "ECB holds rates", STORY)] + [
        make_article(c.id, c.title or "", c.text or "") for c in copies
    ]
    assert _groups(dedupe(articles, DedupeConfig())) == [sorted(a.id for a in articles)]


def test_different_stories_stay_apart():
    a = make_article("a", "ECB holds rates", STORY)
    b = make_article("b", "Japan approves defence budget", OTHER)
    assert _groups(dedupe([a, b], DedupeConfig())) == [["a"], ["b"]]


def test_fullest_version_is_kept():
    short = "\n\n".join(STORY.split("\n\n")[:3])
    a = make_article("a", "ECB holds rates", short)
    b = make_article("b", "ECB holds rates", STORY)
    (copies,) = dedupe([a, b], DedupeConfig())
    assert copies.article.id == "b" and [d.id for d in copies.duplicates] == ["a"]


def test_syndicated_headlines_collapse_but_generic_ones_do_not():
    items = [
        make_article("h1", "McDonald's sales dip amid shifting eating habits", ""),
        make_article("h2", "McDonald's sales dip amid shifting eating habits ...", ""),
        make_article("h3", "UPDATE 1-McDonald's sales dip amid shifting eating habits", ""),
        make_article("h4", "McDonald's to try build-your-own-burger menu", ""),
        make_article("s1", "Stocks fall", ""),
        make_article("s2", "Stocks rise", ""),
    ]
    assert _groups(dedupe(items, DedupeConfig())) == [["h1", "h2", "h3"], ["h4"], ["s1"], ["s2"]]


def test_copies_pinned_to_different_events_stay_apart():
    a = make_article("a", "ECB holds rates", STORY, event="one")
    b = make_article("b", "ECB holds rates", STORY, event="two")
    c = make_article("c", "ECB holds rates", STORY)
    groups = _groups(dedupe([a, b, c], DedupeConfig()))
    assert len(groups) == 2 and ["a", "c"] in groups


def test_dedupe_is_deterministic():
    items = [
        make_article("a", "ECB holds rates", STORY),
        make_article("b", "ECB", STORY.replace("Thursday", "Thursday morning")),
        make_article("c", "Japan", OTHER),
    ]
    assert _groups(dedupe(items, DedupeConfig())) == _groups(dedupe(items[::-1], DedupeConfig()))


def test_prints_made_beforehand_give_the_same_copies():
    """A rebuild gives dedupe the prints it cached: the copies are those found without them,
    and the prints depend on each article alone (made in any company, in any order)."""
    gold = GoldArticle("g", "e", "ECB holds rates", STORY, None, "Wire", None)
    rng = random.Random(5)
    copies = [edit_copy(gold, rng, f"g-copy{n}") for n in range(5)]
    articles = [make_article("g", "ECB holds rates", STORY)]
    articles += [make_article(c.id, c.title or "", c.text or "") for c in copies]
    articles += [make_article("j", "Japan approves defence budget", OTHER)]
    articles += [
        make_article("h1", "McDonald's sales dip amid shifting eating habits", ""),
        make_article("h2", "UPDATE 1-McDonald's sales dip amid shifting eating habits", ""),
        make_article("s1", "Stocks fall", ""),
    ]
    alone = _groups(dedupe(articles, DedupeConfig()))
    assert sorted(["g", *(c.id for c in copies)]) in alone and ["h1", "h2"] in alone
    # Each print made on its own, in reverse order.
    prints = {a.id: copy_prints([a], DedupeConfig())[0] for a in reversed(articles)}
    together = copy_prints(articles, DedupeConfig())
    for article, made in zip(articles, together, strict=True):
        one = prints[article.id]
        assert (one.exact, one.headline_only) == (made.exact, made.headline_only)
        assert (one.signature is None) == (made.signature is None)
        assert one.signature is None or np.array_equal(one.signature, made.signature)
    assert prints["s1"].signature is None  # a headline too short to tell copies apart
    assert prints["h1"].headline_only and not prints["g"].headline_only
    assert _groups(dedupe(articles, DedupeConfig(), prints)) == alone


def test_lsh_bands_are_those_datasketch_chooses():
    # The candidates' Jaccard (0.3) with the default 128 permutations: the bands and rows that
    # datasketch's MinHashLSH picks. A release that picks otherwise changes which pairs are
    # compared, and should be noticed.
    assert band_shape(CANDIDATE_JACCARD, DedupeConfig().num_perm) == (37, 3)
    for threshold in (0.3, 0.5, 0.7, 0.9):
        for num_perm in (32, 128, 256):
            bands, rows = band_shape(threshold, num_perm)
            assert bands >= 2 and bands * rows <= num_perm
    # A lower threshold asks for more, shorter bands: more pairs become candidates.
    assert band_shape(0.5, 128)[0] > band_shape(0.9, 128)[0]
