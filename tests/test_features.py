"""Grouping features: words, vectors, phrases, topic vectors and closeness in time."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import scipy.sparse as sp

from digest.background import Rarity
from digest.features import (
    TermMaker,
    Words,
    date_rarity,
    headline_figures,
    lead_weekdays,
    phrase_hashes,
    phrase_matrix,
    sorted_unique,
    tfidf_matrix,
    topic_vectors,
    weekdays,
    weighted_terms,
)
from tests.conftest import make_article


def test_closeness_in_time_counts_by_how_rare_it_is_in_the_folder():
    rows, cols = np.array([0, 2, 0]), np.array([1, 3, 4])
    # Five dates over two years: two reports a day apart are a rare coincidence.
    spread = np.array([0.0, 1.0, 300.0, 600.0, np.nan])
    rarity = date_rarity(spread, rows, cols, window_days=7)
    assert rarity[0] > 0.8
    assert rarity[2] == 0.0  # an undated side says nothing
    # Every article stamped at the same moment: closeness in time tells nothing.
    same_time = np.full(5, 100.0)
    assert np.all(date_rarity(same_time, rows, cols, window_days=7) == 0.0)
    # Within a folder of one day, an hour apart says less than a day apart in two years.
    one_day = np.array([0.0, 1 / 24, 0.3, 0.6, 0.9])
    assert date_rarity(one_day, rows, cols, window_days=7)[0] < rarity[0]


def test_topic_vectors_are_unit_rows_for_members_only():
    # Words 0 and 1 always occur together, as do 2 and 3: rows sharing no word but one of a
    # pair of companions end up close in the topic space.
    x = sp.csr_matrix(
        np.array(
            [
                [1.0, 1.0, 0, 0],
                [1.0, 0, 0, 0],
                [0, 1.0, 0, 0],
                [0, 0, 1.0, 1.0],
                [0, 0, 1.0, 0],
                [0, 0, 0, 1.0],
                [1.0, 1.0, 1.0, 1.0],
            ]
        )
    )
    z = topic_vectors(x, np.arange(6), 2)
    assert np.allclose(np.linalg.norm(z[:6], axis=1), 1.0)
    assert np.all(z[6] == 0.0)  # not a member
    assert z[1] @ z[2] > 0.99  # no shared word, same topic
    assert abs(z[1] @ z[4]) < 0.01
    assert np.array_equal(topic_vectors(x, np.arange(6), 2), z)  # seeded


def test_sorted_unique_is_np_unique():
    rng = np.random.default_rng(0)
    for values in (rng.integers(0, 50, 1000), rng.integers(0, 2**62, 500, dtype=np.uint64)):
        assert np.array_equal(sorted_unique(values), np.unique(values))
        assert sorted_unique(values).dtype == values.dtype
    assert len(sorted_unique(np.zeros(0, dtype=np.int64))) == 0


def test_words_mark_capitals_inside_sentences_as_names():
    words = Words()
    text = "The Pope met Obama in 2015. Then Rome’s mayor spoke"
    assert words.content(text, names=True) == [
        ("", False),  # a stop word, and the first word of the text
        ("pope", True),
        ("met", False),
        ("obama", True),
        ("", False),  # "in"
        ("2015", False),
        ("", False),  # after a full stop: no name
        ("rome", True),
        ("mayor", False),
        ("spoke", False),
    ]
    assert all(not name for _, name in words.content(text, names=False))
    assert words.content(text, names=True) == words.content(text, names=True)  # memo


def test_tfidf_vocabulary_in_order_of_first_use():
    # Each article's words are added in sorted order; a word already seen keeps its id.
    articles = [
        make_article("a", "Volcano erupts", "Lava flows, villages burn."),
        make_article("b", "Lava reaches sea", "Villages evacuated as volcano erupts."),
    ]
    make = TermMaker(6)
    x, words, df = tfidf_matrix([make(a).body for a in articles], Rarity({}))
    first = ["burn", "erupts", "flows", "lava", "villages", "volcano"]
    assert words == [*first, "evacuated", "reaches", "sea"]
    assert df.tolist() == [1, 2, 1, 2, 2, 2, 1, 1, 1]
    assert np.allclose(np.asarray(x.multiply(x).sum(axis=1)).ravel(), 1.0)


def test_phrase_matrix_keeps_phrases_shared_by_few_articles():
    quote = "we will rebuild every home that was lost"
    articles = [
        make_article("a", "Storm", f"The governor said: {quote}."),
        make_article("b", "Storm aftermath", f"“{quote.capitalize()}”, she said."),
        make_article("c", "Election", "Votes were counted late into the night."),
    ]
    make = TermMaker(6)
    rows = [make(a).phrases for a in articles]
    m = phrase_matrix(rows, 2)
    shared = (m @ m.T).toarray()
    assert shared[0, 1] == 3  # the 8-word quote holds three 6-word phrases
    assert shared[2].sum() == 0
    assert phrase_matrix(rows, 1).shape[1] == 0  # in more than max_df articles


def test_phrase_hashes_depend_on_the_article_alone():
    # Cached prints are compared with prints made in other builds and processes: a phrase must
    # hash the same whatever was read before it.
    text = "The council voted to close the old bridge to all traffic from Monday."
    article = make_article("a", "Bridge", text)
    alone = phrase_hashes(article, 6)
    after_others = TermMaker(6)
    after_others(
        make_article("b", "Other", "Monday traffic on the bridge was light, the council said.")
    )
    assert np.array_equal(after_others(article).phrases, alone)
    assert len(alone) == len(set(alone.tolist())) > 0
    assert np.all(alone[:-1] < alone[1:])  # sorted
    assert phrase_hashes(make_article("s", "", "Too short"), 6).size == 0


def test_stop_words_are_scikit_learns_without_importing_it():
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from digest.background import english_stop_words

    assert english_stop_words() == ENGLISH_STOP_WORDS
    # The stage modules must not load scikit-learn for them (0.75 s per build).
    code = (
        "import sys, digest.cluster, digest.dedupe, digest.noise, digest.summarize;"
        "print('sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_cached_word_weights_are_exact():
    # Prints keep the weights as float32: every sum of position and name weights is a multiple
    # of a quarter, which float32 holds exactly, so vectors from the cache are the same.
    lead = "Mayor Carlos Moedas said Lisbon would recover from the storm. "
    later = "Crews cleared roads across the city while Moedas visited the harbour. " * 20
    article = make_article("a", "Storm hits Lisbon", lead + "\n\n" + later)
    words, weights = TermMaker(6)(article).body
    exact = weighted_terms(article)
    assert words.split(" ") == sorted(exact)
    assert weights.astype(np.float64).tolist() == [exact[w] for w in sorted(exact)]
    assert any(w % 1 for w in exact.values())  # fractional weights are among them


def test_topic_vectors_are_scikit_learns_truncated_svd():
    # The SVD runs on scipy's ARPACK directly (importing scikit-learn's decomposition module
    # took longer than the SVD); the vectors must be those TruncatedSVD gives, bit for bit.
    from sklearn.decomposition import TruncatedSVD

    rng = np.random.RandomState(3)
    x = sp.random(60, 40, density=0.15, random_state=rng, format="csr")
    members = np.arange(0, 60, 2)
    z = topic_vectors(x, members, 5)
    part = x[members]
    part = part[:, sorted_unique(part.indices)]
    ref = np.zeros_like(z)
    ref[members] = TruncatedSVD(5, algorithm="arpack", random_state=0).fit_transform(part)
    ref /= np.maximum(np.linalg.norm(ref, axis=1, keepdims=True), 1e-12)
    assert np.array_equal(z, ref)


def test_weekdays_are_the_days_a_report_says_its_event_happened_on():
    monday, tuesday, friday, sunday = 1, 2, 16, 64
    assert weekdays("The senator said Monday that talks resumed on Tuesday.") == monday | tuesday
    assert weekdays("lawmakers passed the bill early friday") == friday  # lower-cased text
    assert weekdays("No day is named here.") == 0
    # Weekdays that point to some other day than the event's.
    for elsewhere in (
        "Talks have stalled since last Monday and may resume next Friday.",
        "Results of Super Tuesday and of Black Friday sales.",
        'Graham said on "Fox News Sunday" that The Sunday Times was wrong.',
        "Shops now close on Sundays.",
        "Leaders walk to the floor at the Capitol in Washington, Tuesday, Feb. 6, 2018.",
        "Leaders walk at the Capitol in Washington, Tuesday,... (Associated Press)",
    ):
        assert weekdays(elsewhere) == 0, elsewhere
    assert weekdays("Since last Monday, and on Sunday again") == sunday


def test_lead_weekdays_read_the_headline_and_the_opening_words_only():
    early = make_article("a", "Court rules on Friday", "The judge ruled. " * 10)
    assert lead_weekdays(early) == 16
    late = make_article("b", "Court rules", "The judge ruled. " * 30 + "\n\nOn Monday, an appeal.")
    assert lead_weekdays(late) == 0  # past the first 80 words


def test_headline_figures_are_the_figures_a_headline_states():
    assert headline_figures("US adds a solid 850,000 jobs") == headline_figures("850K jobs")
    assert headline_figures("$3.5T budget deal") == headline_figures("$3.5 trillion budget")
    assert headline_figures("Donates 500M doses") == headline_figures("500 million doses")
    assert headline_figures("US adds 559,000 jobs") != headline_figures("US adds 850,000 jobs")
    assert bin(headline_figures("99 missing, 10 hurt and 1 dead")).count("1") == 3
    # A count written with a separator is a figure even where its digits would make a year.
    assert headline_figures("Plant cuts 2,000 jobs") == headline_figures("Plant cuts 2K jobs") > 0
    # Digits in a word or code, years, decades, ordinals, days of a month and spans of time are
    # not figures.
    for title in (
        "COVID-19 cases rise",
        "G-7 leaders meet",
        "5G phones",
        "Remembering 9/11",
        "The 2022 budget",
        "Music of the 1990s",
        "Takes 1st place",
        "Payments go out July 15",
        "The Jan. 6 committee",
        "Highest in 21 years",
        "The end of a 20-year war",
        "",
        None,
    ):
        assert headline_figures(title) == 0, title


def test_words_count_content_words_in_their_normal_form():
    counts = Words().count("Biden’s plan, Biden's PLAN and the plan: 2021 and 12 jobs")
    assert counts == {"biden": 2, "plan": 3, "2021": 1, "jobs": 1}
