"""Event grouping: the seeds, editor pins, and the sparse clustering itself."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from digest import parallel
from digest.background import Rarity, english_frequencies
from digest.build import gather
from digest.cluster import (
    _best_per_row,
    _local_scale,
    _prune,
    attach_singletons,
    cluster_articles,
    group,
    proposal_limits,
    similar_pairs,
    strongest_links,
)
from digest.config import GroupingConfig
from digest.features import TermMaker, headline_terms, phrase_matrix, tfidf_matrix
from digest.linkage import average_link
from digest.model import Copies
from tests.conftest import SEEDS, config_for, make_article

QUAKE = (
    "A magnitude 7.1 earthquake struck near Kathmandu on Saturday, flattening houses in the "
    "Gorkha district and killing at least 150 people, Nepal's home ministry said.\n\n"
    "Rescue teams from India and China were flying to Kathmandu as aftershocks shook the valley."
)
QUAKE_2 = (
    "At least 150 people died when a strong earthquake hit Nepal's Gorkha district on Saturday, "
    "officials in Kathmandu said, as aftershocks rattled the valley.\n\n"
    "India and China sent rescue teams to Kathmandu."
)
BUDGET = (
    "Portugal's parliament approved the 2025 budget on Friday after the Socialists abstained, "
    "sparing Prime Minister Luis Montenegro a snap election, lawmakers in Lisbon said.\n\n"
    "The budget cuts income tax for young workers and raises pensions."
)
BUDGET_2 = (
    "Lawmakers in Lisbon passed Prime Minister Luis Montenegro's 2025 budget on Friday as the "
    "Socialists abstained, avoiding a snap election.\n\n"
    "Young workers get an income tax cut and pensions rise."
)


def _copies(*articles):
    return [Copies(a) for a in articles]


def _bodies(articles):
    make = TermMaker(GroupingConfig().phrase_words)
    return [make(a).body for a in articles]


def _ids(groups):
    return sorted(sorted(c.article.id for c in g) for g in groups)


def test_seeds_form_their_three_events(tmp_path):
    digest = gather(config_for(SEEDS, tmp_path / "out"))
    groups = sorted(
        sorted(a.id[:3] for c in e.members for a in (c.article, *c.duplicates))
        for e in digest.events
    )
    assert groups == [["000", "001", "002"], ["003"], ["004"]]


def test_two_events_are_told_apart():
    items = _copies(
        make_article("q1", "Earthquake kills 150 in Nepal", QUAKE),
        make_article("b1", "Portugal passes budget", BUDGET),
        make_article("q2", "Nepal quake toll rises", QUAKE_2),
        make_article("b2", "Lisbon budget approved", BUDGET_2),
    )
    assert _ids(group(items, GroupingConfig())) == [["b1", "b2"], ["q1", "q2"]]


def test_pinned_articles_form_one_event_and_nothing_joins_them():
    items = _copies(
        make_article("q1", "Earthquake kills 150 in Nepal", QUAKE, event="pin-a"),
        make_article("b1", "Portugal passes budget", BUDGET, event="pin-a"),
        make_article("q2", "Nepal quake toll rises", QUAKE_2),
        make_article("q3", "Nepal quake toll rises", QUAKE_2 + "\n\nMore later."),
    )
    groups = _ids(group(items, GroupingConfig()))
    assert ["b1", "q1"] in groups  # the pin wins over the text
    assert ["q2", "q3"] in groups  # the unpinned copy-alike never joins the pinned event
    assert len(groups) == 2


def test_articles_far_apart_in_time_never_share_an_event():
    early = make_article(
        "q1", "Earthquake kills 150 in Nepal", QUAKE, date=datetime(2015, 4, 25, tzinfo=UTC)
    )
    late = make_article(
        "q2", "Nepal quake toll rises", QUAKE_2, date=datetime(2016, 4, 25, tzinfo=UTC)
    )
    undated = make_article("q3", "Nepal quake", QUAKE_2)
    labels = cluster_articles([early, late, undated], GroupingConfig())
    assert labels[0] != labels[1]


QUAKE_LATER = (
    "Rescuers in Nepal's Gorkha district pulled two survivors from the rubble on Tuesday, as the "
    "death toll from the earthquake near Kathmandu rose past 1,000, the home ministry said.\n\n"
    "Aid from India and China reached the valley."
)

JOBS = (
    "American employers added jobs at a solid pace as the economy reopened, the Labor "
    "Department said, with restaurants and hotels hiring and the unemployment rate at 5.8%.\n\n"
    "Wages rose as companies competed for workers in leisure and hospitality. Economists had "
    "expected a stronger gain, and some pointed to a shortage of child care keeping parents at "
    "home, while others blamed generous jobless benefits that several governors have moved to end "
    "early. Factory payrolls were little changed, and construction shed workers for a second month."
)
JOBS_2 = (
    "Hiring was led by hotels and bars as the reopening went on, the Labor Department reported, "
    "though the unemployment rate edged up to 5.9% as more people looked for work.\n\n"
    "Average hourly pay rose again; economists had expected more. Retailers and warehouses added "
    "staff ahead of the holiday season, and state and local schools brought back teachers for the "
    "autumn term. Treasury yields slipped after the release as traders weighed when the Federal "
    "Reserve might begin to slow its bond purchases, and stock futures pointed higher."
)


def test_undated_reports_of_other_weekdays_are_told_apart():
    first = make_article("q1", "Earthquake kills 150 in Nepal", QUAKE)  # "on Saturday"
    later = make_article("q2", "Nepal quake toll passes 1,000", QUAKE_LATER)  # "on Tuesday"
    same_day = make_article(
        "q3", "Nepal quake toll passes 1,000", QUAKE_LATER.replace("Tuesday", "Saturday")
    )
    # The headlines state different tolls: that rule is tested on its own below.
    config = dataclasses.replace(GroupingConfig(), figure_penalty=0.0)
    assert config.weekday_penalty > 0
    without = dataclasses.replace(config, weekday_penalty=0.0)
    # The same words: one event unless the leads name different days.
    assert cluster_articles([first, later], without) == [0, 0]
    assert cluster_articles([first, later], config) == [0, 1]
    assert cluster_articles([first, same_day], config) == [0, 0]
    # Dates, where both have them, place the reports in time instead.
    dated = [
        dataclasses.replace(first, date=datetime(2015, 4, 25, tzinfo=UTC)),
        dataclasses.replace(later, date=datetime(2015, 4, 28, tzinfo=UTC)),
    ]
    assert cluster_articles(dated, config) == [0, 0]


def test_undated_reports_whose_headlines_state_other_figures_are_told_apart():
    # One subject a month apart: the texts alike, the headlines stating each month's figure.
    may = make_article("j1", "US adds 559,000 jobs in May", JOBS)
    june = make_article("j2", "US adds 850,000 jobs in June", JOBS_2)
    june_2 = make_article("j3", "Economy beats forecasts with 850K jobs", JOBS_2)
    config = GroupingConfig()
    assert config.figure_penalty > 0
    without = dataclasses.replace(config, figure_penalty=0.0)
    assert cluster_articles([may, june], without) == [0, 0]
    assert cluster_articles([may, june], config) == [0, 1]
    # The same figure however written ("850,000", "850K"), or no figure on one side: as before.
    assert cluster_articles([june, june_2], config) == [0, 0]
    no_figure = dataclasses.replace(may, title="US adds jobs in May")
    assert cluster_articles([no_figure, june], config) == [0, 0]
    # A headline-only item has nothing but its headline, whose figures vary within one running
    # story (a price, a version): the rule fades with shortness and leaves two headlines alone.
    bare = [
        make_article("h1", "Economy adds 559,000 jobs", ""),
        make_article("h2", "US adds 850,000 jobs as hiring picks up", ""),
    ]
    assert cluster_articles(bare, config) == cluster_articles(bare, without) == [0, 0]
    # Dates, where both have them, place the reports in time instead.
    dated = [
        dataclasses.replace(may, date=datetime(2021, 6, 4, tzinfo=UTC)),
        dataclasses.replace(june, date=datetime(2021, 6, 6, tzinfo=UTC)),
    ]
    assert cluster_articles(dated, config) == [0, 0]


def test_candidates_come_only_from_shared_distinctive_words():
    articles = [
        make_article("q1", "Earthquake kills 150 in Nepal", QUAKE),
        make_article("b1", "Portugal passes budget", BUDGET),
        make_article("q2", "Nepal quake toll rises", QUAKE_2),
    ]
    x, _, df = tfidf_matrix(_bodies(articles), Rarity(english_frequencies()))
    rows, cols, _ = similar_pairs(x, df, GroupingConfig())
    assert {(int(r), int(c)) for r, c in zip(rows, cols, strict=True)} == {(0, 2)}


def test_candidate_blocks_split_with_a_child_give_the_same_pairs(monkeypatch):
    import digest.cluster as cluster

    texts = [QUAKE, QUAKE_2, BUDGET, BUDGET_2] * 4
    articles = [make_article(f"a{i}", f"Report {i}", t) for i, t in enumerate(texts)]
    x, _, df = tfidf_matrix(_bodies(articles), Rarity(english_frequencies()))
    monkeypatch.setattr(cluster, "_BLOCK", 3)  # six blocks, so two halves
    alone = similar_pairs(x, df, GroupingConfig(candidate_pairs=3))
    monkeypatch.setattr(cluster, "BACKGROUND_ARTICLES", 4)
    started = []
    real = cluster.in_background
    monkeypatch.setattr(cluster, "in_background", lambda *a: started.append(1) or real(*a))
    split = similar_pairs(x, df, GroupingConfig(candidate_pairs=3), jobs=2)
    assert started == [1]
    assert len(alone[0]) > 16
    for a, b in zip(alone, split, strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)


def test_each_article_proposes_a_bounded_number_of_partners():
    # Six reports of one quake: all pairs without a bound; with a bound of 2, each article
    # proposes only its two best partners, and the result is the same on every run.
    texts = [QUAKE, QUAKE_2] * 3
    articles = [make_article(f"q{i}", f"Nepal quake report {i}", t) for i, t in enumerate(texts)]
    x, _, df = tfidf_matrix(_bodies(articles), Rarity(english_frequencies()))
    rows, cols, _ = similar_pairs(x, df, GroupingConfig(candidate_pairs=0))
    assert len(rows) == 15
    bounded = GroupingConfig(candidate_pairs=2)
    rows, cols, _ = similar_pairs(x, df, bounded)
    pairs = list(zip(rows.tolist(), cols.tolist(), strict=True))
    assert len(pairs) < 15 and len(set(pairs)) == len(pairs)
    assert all(r < c for r, c in pairs)
    degree = np.bincount(np.concatenate([rows, cols]), minlength=6)
    assert degree.min() >= 2  # every article keeps its own two best
    again = similar_pairs(x, df, bounded)
    assert pairs == list(zip(again[0].tolist(), again[1].tolist(), strict=True))


def test_longer_texts_propose_twice_their_links_and_headlines_their_full_bound():
    # A headline (a few words) and a long text: the headline proposes ``candidate_pairs``, the
    # long text twice ``max_links``, never more than ``candidate_pairs``; 0 means no bound.
    x = sp.csr_matrix(
        np.vstack([np.r_[np.ones(5), np.zeros(35)], np.ones(40)]) / np.sqrt([[5], [40]])
    )
    assert np.diff(x.indptr).tolist() == [5, 40]  # words: a headline's, a long text's
    assert proposal_limits(x, GroupingConfig()).tolist() == [200, 2 * 30]
    assert proposal_limits(x, GroupingConfig(max_links=5)).tolist() == [200, 10]
    assert proposal_limits(x, GroupingConfig(max_links=150)).tolist() == [200, 200]
    assert proposal_limits(x, GroupingConfig(max_links=0)).tolist() == [200, 200]
    assert proposal_limits(x, GroupingConfig(candidate_pairs=0)).tolist() == [0, 0]


def test_a_long_text_keeps_only_its_best_proposals():
    # Twelve long reports of one quake: with max_links 1 each proposes its two best partners,
    # so fewer pairs than all 66, and every article still has its two.
    texts = [f"{QUAKE} {QUAKE_2} Filed from station{i}." for i in range(12)]
    articles = [make_article(f"q{i}", f"Nepal quake report {i}", t) for i, t in enumerate(texts)]
    x, _, df = tfidf_matrix(_bodies(articles), Rarity(english_frequencies()))
    assert (np.diff(x.indptr) > 24).all()  # longer than a headline
    rows, cols, _ = similar_pairs(x, df, GroupingConfig(max_links=0))
    assert len(rows) == 66
    rows, cols, _ = similar_pairs(x, df, GroupingConfig(max_links=1))
    assert len(rows) < 66
    assert np.bincount(np.concatenate([rows, cols]), minlength=12).min() >= 2


def test_the_candidate_word_cut_does_not_grow_with_the_folder():
    # 150,000 articles: a word in 1,200 of them is past the cut (1,000) and proposes nothing,
    # though it is in under 1% of them; a word in ten still proposes.
    n = 150_000
    rows = np.r_[np.arange(1200), np.arange(10)]
    cols = np.r_[np.zeros(1200, dtype=np.int64), np.ones(10, dtype=np.int64)]
    x = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, 2))
    df = np.array([1200, 10])
    pruned = _prune(x, df, GroupingConfig())
    assert pruned[:, 0].nnz == 0 and pruned[:, 1].nnz == 10
    assert _prune(x, df, GroupingConfig(candidate_max_df=2000))[:, 0].nnz == 1200


def test_average_link_merges_by_mean_similarity():
    # 0-1 and 1-2 are close, 0-2 unrelated: average link keeps 2 out when the mean is too low.
    rows, cols, sims = np.array([0, 1]), np.array([1, 2]), np.array([0.9, 0.5])
    assert average_link(3, rows, cols, sims, threshold=0.4) == [0, 0, 1]
    assert average_link(3, rows, cols, sims, threshold=0.2) == [0, 0, 0]
    assert average_link(3, rows, cols, sims, threshold=0.95) == [0, 1, 2]


def test_centroids_compare_headlines_but_not_long_texts():
    # 0-1 merge first; 2 is close to 0 only. Its mean similarity to {0, 1} is 0.125, while the
    # cosine of the summed vectors is 0.25 / sqrt(2.6) = 0.155.
    rows, cols, sims = np.array([0, 0]), np.array([1, 2]), np.array([0.3, 0.25])
    headlines = average_link(3, rows, cols, sims, 0.15, centroid_size=2, shortness=[1.0] * 3)
    assert headlines == [0, 0, 0]
    texts = average_link(3, rows, cols, sims, 0.15, centroid_size=2, shortness=[0.0] * 3)
    assert texts == [0, 0, 1]


def _reference_average_link(
    n, rows, cols, sims, threshold, centroid_size, sources, penalty, days, window, shortness
):
    """Straightforward ``average_link``: every step scores every pair of clusters afresh."""
    members = {i: [i] for i in range(n)}
    weight: dict[tuple[int, int], float] = {}
    for r, c, s in zip(rows.tolist(), cols.tolist(), sims.tolist(), strict=True):
        if r != c:
            weight[min(r, c), max(r, c)] = weight.get((min(r, c), max(r, c)), 0.0) + s

    def link(a, b):
        return sum(weight.get((min(i, j), max(i, j)), 0.0) for i in a for j in b)

    def score(a, b):
        sa, sb = len(a), len(b)
        mass = (sa + 2.0 * link(a, a) / 2) * (sb + 2.0 * link(b, b) / 2)
        c = min(1.0, (max(sa, sb) - 1) / (centroid_size - 1))
        c *= (sum(shortness[i] for i in a) + sum(shortness[i] for i in b)) / (sa + sb)
        value = link(a, b) / ((sa * sb) ** (1.0 - c) * mass ** (0.5 * c))
        oa = {sources[i] for i in a if sources[i]}
        ob = {sources[i] for i in b if sources[i]}
        if c < 1.0 and oa and ob:
            small, large = sorted((oa, ob), key=len)
            value *= 1.0 - penalty * (1.0 - c) * len(small & large) / len(small)
        return value

    def span(a, b):
        dated = [days[i] for i in a + b if days[i] == days[i]]
        return max(dated) - min(dated) if dated else 0.0

    while True:
        best = None
        keys = sorted(members)
        for x, a in enumerate(keys):
            for b in keys[x + 1 :]:
                value = score(members[a], members[b])
                fits = value >= threshold and span(members[a], members[b]) <= window
                if fits and (best is None or value > best[0]):
                    best = (value, a, b)
        if best is None:
            break
        members[best[1]] += members.pop(best[2])
    label = {i: root for root, group in members.items() for i in group}
    dense: dict[int, int] = {}
    return [dense.setdefault(label[i], len(dense)) for i in range(n)]


def _random_graph(seed: int, n: int, density: float):
    rng = np.random.default_rng(seed)
    rows, cols = np.triu_indices(n, 1)
    keep = rng.random(len(rows)) < density
    rows, cols = rows[keep], cols[keep]
    sims = rng.random(len(rows)) * 0.55
    sources = [[None, "ap", "bbc", "cnn", "afp"][i] for i in rng.integers(0, 5, n)]
    days = [float("nan") if d < 0 else float(d) for d in rng.integers(-3, 20, n)]
    shortness = rng.random(n).tolist()
    return rows, cols, sims, sources, days, shortness


def test_average_link_scores_only_links_that_can_reach_the_threshold():
    # Clusters with many links have them filtered by a bound before exact scoring; the
    # partition must be the one found by scoring every pair of clusters at every step.
    for seed in range(3):
        rows, cols, sims, sources, days, shortness = _random_graph(seed, 48, 0.85)
        args = (0.2, 6, sources, 0.5, days, 7.0, shortness)
        expected = _reference_average_link(48, rows, cols, sims, *args)
        assert average_link(48, rows, cols, sims, *args) == expected
        assert len(set(expected)) < 40  # clusters did grow


def test_average_link_bound_keeps_links_whose_score_rises(monkeypatch):
    # 40 articles close to each other (0.3), one more (40) at 0.12 from each of them and 40
    # strays each at 0.06 from one of them. No pair of 40 reaches the threshold, but once the
    # 40 are one headline event the centroid cosine 4.8 / sqrt(508) = 0.213 does: its score
    # rose after merges, and the merged cluster has 41 links, so it is found by the bound.
    core = [(i, j, 0.3) for i in range(40) for j in range(i + 1, 40)]
    core += [(i, 40, 0.12) for i in range(40)] + [(i, 41 + i, 0.06) for i in range(40)]
    rows, cols, sims = (np.array(v) for v in zip(*core, strict=True))
    labels = average_link(81, rows, cols, sims, 0.2, centroid_size=2, shortness=[1.0] * 81)
    assert labels[40] == labels[0] == labels[39]
    assert len(set(labels)) == 41  # the strays stay alone
    # The same partitions when every link of a merged cluster gets the exact score.
    r2, c2, s2, sources, days, shortness = _random_graph(7, 120, 0.6)
    args = (0.2, 6, sources, 0.5, days, 7.0, shortness)
    bounded = average_link(120, r2, c2, s2, *args)
    monkeypatch.setattr("digest.linkage._VECTOR_LINKS", 10**9)
    assert average_link(81, rows, cols, sims, 0.2, centroid_size=2, shortness=[1.0] * 81) == labels
    assert average_link(120, r2, c2, s2, *args) == bounded


def test_local_scale_takes_each_articles_neighbour_by_rank():
    # Reference: each article's similarities sorted, the 3rd largest as its scale, never below
    # the floor; the floor itself for an article with fewer pairs (40 and 41 have one, 42 none),
    # since every article it has no pair with is below the floor. Ties included.
    rng = np.random.default_rng(3)
    rows = np.append(rng.integers(0, 40, 300), 40)
    cols = np.append(rng.integers(0, 40, 300), 41)
    sims = np.append(np.round(rng.random(300), 2) + 0.01, 0.5)
    power = rng.random(301)
    scale = np.full(43, 0.05)
    for i in range(43):
        mine = np.sort(np.concatenate([sims[rows == i], sims[cols == i]]))[::-1]
        if len(mine) >= 3:
            scale[i] = max(mine[2], 0.05)
    expected = sims * (sims / np.sqrt(scale[rows] * scale[cols])) ** power
    assert np.array_equal(_local_scale(43, rows, cols, sims, power, 3, 0.05), expected)
    assert expected[-1] == 0.5 * (0.5 / 0.05) ** power[-1]  # a lone pair stands out


def test_local_scaling_raises_lone_pairs_and_lowers_pairs_on_a_busy_topic():
    # 0-3 are one busy topic (0.4 between most of them); 0-1 is weaker than both sides' second
    # neighbour. 4-5 are a story nobody else covers: 0.15 stands far above their other links.
    pairs = [(0, 1, 0.2), (0, 2, 0.4), (0, 3, 0.4), (1, 2, 0.4), (1, 3, 0.4), (2, 3, 0.4)]
    pairs += [(4, 5, 0.15), (0, 4, 0.06), (1, 5, 0.06)]
    rows, cols, sims = (np.array(v) for v in zip(*pairs, strict=True))
    power = np.ones(len(sims))
    scaled = _local_scale(6, rows, cols, sims, power, neighbour=2, floor=0.05)
    assert scaled[0] == 0.2 * (0.2 / 0.4)  # lowered
    assert scaled[6] == 0.15 * (0.15 / 0.06)  # raised
    assert np.array_equal(_local_scale(6, rows, cols, sims, power * 0, 2, 0.05), sims)


def test_local_scaling_leaves_headlines_alone():
    # A headline's closest neighbours are syndicated copies of it: its scale says nothing.
    titles = [
        "Apple releases iOS 7.1 with CarPlay",
        "iOS 7.1 update brings CarPlay and Siri fixes",
        "Apple iOS 7.1 is out",
        "Titanfall review: a fine shooter",
        "Titanfall launches on Xbox One",
        "Xbox One Titanfall bundle on sale",
    ]
    articles = [make_article(f"h{i}", t, "") for i, t in enumerate(titles)]
    plain = cluster_articles(articles, GroupingConfig(local_scaling=0.0))
    assert cluster_articles(articles, GroupingConfig(local_scaling=1.0)) == plain


STORY_HEADLINES = [
    "Titanfall review roundup",
    "Titanfall Xbox One bundle on sale",
    "Xbox One bundle price cut",
    "Titanfall servers strain on Xbox One launch",
    "Respawn patches Titanfall resolution",
    "Bachelor finale: Juan Pablo picks Nikki",
    "Juan Pablo and Nikki after the final rose",
    "Bachelor Nikki Ferrell gets the final rose",
    "Who won The Bachelor finale",
    "Juan Pablo Galavis defends his Bachelor choice",
]


def test_headlines_are_also_compared_by_topic():
    # Headlines of one story share a word or two: words seen together across the folder's
    # headlines (Titanfall, Xbox, bundle) join what word overlap alone leaves apart.
    articles = [make_article(f"h{i}", t, "") for i, t in enumerate(STORY_HEADLINES)]
    words_only = cluster_articles(articles, GroupingConfig(headline_topics=0))
    assert len(set(words_only)) > 2
    topics = cluster_articles(articles, GroupingConfig(headline_topics=2, topic_weight=0.5))
    assert topics == [0] * 5 + [1] * 5


def test_same_outlet_lowers_the_merge_score():
    rows, cols, sims = np.array([0]), np.array([1]), np.array([0.3])
    assert average_link(2, rows, cols, sims, 0.25, sources=["AP", "AP"], source_penalty=0.5) == [
        0,
        1,
    ]
    assert average_link(2, rows, cols, sims, 0.25, sources=["AP", "BBC"], source_penalty=0.5) == [
        0,
        0,
    ]


def test_shared_phrases_are_found():
    quote = "we will rebuild every school and every road in the valley"
    a = make_article("a", "One", f"The minister said {quote} on Monday.")
    b = make_article("b", "Two", f"Speaking in Kathmandu, she promised: {quote}.")
    c = make_article("c", "Three", "A different story about football scores entirely today.")
    make = TermMaker(6)
    m = phrase_matrix([make(x).phrases for x in (a, b, c)], 50)
    shared = (m @ m.T).toarray()
    assert shared[0, 1] >= 5 and shared[0, 2] == 0


def test_grouping_is_deterministic():
    items = _copies(
        make_article("q1", "Earthquake kills 150 in Nepal", QUAKE),
        make_article("b1", "Portugal passes budget", BUDGET),
        make_article("q2", "Nepal quake toll rises", QUAKE_2),
        make_article("b2", "Lisbon budget approved", BUDGET_2),
    )
    assert _ids(group(items, GroupingConfig())) == _ids(
        group(list(reversed(items)), GroupingConfig())
    )


def test_given_terms_and_a_child_for_half_the_pairs_give_the_same_labels(monkeypatch):
    """Terms made beforehand (a rebuild takes them from the cache) and, with two jobs, half of
    the candidate pairs from a child process: the labels are those of one process."""
    import digest.cluster as cluster

    texts = [QUAKE, QUAKE_2, BUDGET, BUDGET_2]
    titles = ["Nepal quake", "Quake toll rises", "Portugal budget", "Lisbon budget passes"]
    articles = [
        make_article(f"a{i}", f"{titles[i % 4]} {i}", texts[i % 4].replace("150", str(100 + i)))
        for i in range(24)
    ]
    one = cluster_articles(articles, GroupingConfig(), jobs=1)
    make = TermMaker(GroupingConfig().phrase_words)
    terms = [make(a) for a in articles]
    assert cluster_articles(articles, GroupingConfig(), jobs=1, terms=terms) == one
    monkeypatch.setattr(cluster, "BACKGROUND_ARTICLES", 10)
    monkeypatch.setattr(cluster, "_BLOCK", 6)
    started = []
    real = parallel.in_background
    monkeypatch.setattr(cluster, "in_background", lambda *a: started.append(1) or real(*a))
    assert cluster_articles(articles, GroupingConfig(), jobs=2, terms=terms) == one
    assert started == [1]
    assert len(set(one)) == 2
    assert cluster_articles(articles[:9], GroupingConfig(), jobs=2) == one[:9]
    assert started == [1]  # below the size, all in this process


def test_headline_terms_read_the_headline_only():
    article = make_article("h", "Volcano erupts in Iceland", "Lava reached the town of Grindavik.")
    terms = headline_terms(article)
    assert set(terms) == {"volcano", "erupts", "iceland"}
    assert "grindavik" not in terms


def test_shared_headlines_add_to_the_similarity():
    # Two reports whose bodies share little but whose headlines name the same event.
    a = make_article(
        "v1",
        "Volcano erupts near Grindavik in Iceland",
        "Residents were evacuated overnight as fountains of lava rose from a fissure.",
    )
    b = make_article(
        "v2",
        "Iceland volcano erupts near Grindavik",
        "Flights at Keflavik airport continued normally, the operator Isavia stated.",
    )
    items = _copies(a, b)
    # Their full vectors are ~0.46 alike (the headline words weigh in) and the headlines ~1.0.
    apart = group(items, GroupingConfig(threshold=0.6, headline_bonus=0.0))
    together = group(items, GroupingConfig(threshold=0.6, headline_bonus=0.3))
    assert _ids(apart) == [["v1"], ["v2"]]
    assert _ids(together) == [["v1", "v2"]]


def test_strongest_links_keep_each_articles_best_pairs():
    # Node 3's pair with node 0 is neither among node 0's two best (0.9, 0.8) nor among its
    # own (0.3, 0.2): it alone goes.
    pairs = [(0, 1, 0.9), (0, 2, 0.8), (0, 3, 0.1), (1, 2, 0.7), (1, 3, 0.2), (2, 3, 0.3)]
    rows, cols, sims = (np.array(v) for v in zip(*pairs, strict=True))
    keep = strongest_links(4, rows, cols, sims, 2)
    assert keep.tolist() == [True, True, False, True, True, True]
    assert strongest_links(4, rows, cols, sims, 3).all()  # as many as any node has
    assert strongest_links(4, rows[:0], cols[:0], sims[:0], 2).tolist() == []


def test_strongest_links_break_ties_by_pair_order():
    rows, cols, sims = np.array([0, 0, 0]), np.array([1, 2, 3]), np.array([0.5, 0.5, 0.5])
    # Nodes 1 to 3 each keep their one pair; with k=1 nothing else decides.
    assert strongest_links(4, rows, cols, sims, 1).all()
    rows, cols = np.array([0, 0, 1, 2]), np.array([1, 2, 2, 3])
    sims = np.array([0.5, 0.5, 0.4, 0.6])
    # Node 0's two pairs tie: it keeps (0, 1), the first. Node 1 keeps (0, 1) too, node 2 its
    # best, (2, 3): nobody keeps (0, 2) or (1, 2).
    keep = strongest_links(4, rows, cols, sims, 1)
    assert keep.tolist() == [True, False, False, True]


def _strongest_by_article(n, rows, cols, sims, k):
    """strongest_links written plainly: each article's pairs, most similar first, ties in
    the pairs' order, the first k kept."""
    keep = [False] * len(sims)
    for node in range(n):
        mine = [p for p in range(len(sims)) if node in (rows[p], cols[p])]
        for p in sorted(mine, key=lambda p: (-sims[p], p))[:k]:
            keep[p] = True
    return keep


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 9), st.data())
def test_strongest_links_match_the_plain_rule(n, data):
    every = [(a, b) for a in range(n) for b in range(a + 1, n)]
    chosen = data.draw(st.lists(st.sampled_from(every), unique=True, max_size=len(every)))
    chosen.sort()  # pairs come sorted by (row, column), as from similar_pairs
    # Few distinct values, so that many pairs tie at the cut.
    sims = data.draw(
        st.lists(st.sampled_from([0.1, 0.2, 0.5]), min_size=len(chosen), max_size=len(chosen))
    )
    k = data.draw(st.integers(1, 4))
    rows = np.array([a for a, _ in chosen], dtype=np.int64)
    cols = np.array([b for _, b in chosen], dtype=np.int64)
    values = np.array(sims, dtype=np.float64)
    got = strongest_links(n, rows, cols, values, k).tolist()
    assert got == _strongest_by_article(n, rows.tolist(), cols.tolist(), sims, k)


def test_best_per_row_breaks_ties_at_the_cut_by_smaller_column():
    # Row 0 (article 10 with the offset) scores columns 7, 3, 5, 1 and itself; 3, 5 and 1
    # tie below 7, so with room for two more after 7 the smaller columns, 1 and 3, win. The
    # columns are stored out of order, as a sparse product leaves them.
    scores = sp.csr_matrix(
        (np.array([0.4, 0.9, 0.4, 0.4, 1.0]), np.array([3, 7, 5, 1, 10]), np.array([0, 5])),
        shape=(1, 11),
    )
    rows, cols = _best_per_row(scores, 10, 3)
    assert rows.tolist() == [10, 10, 10]
    assert sorted(cols.tolist()) == [1, 3, 7]
    rows, cols = _best_per_row(scores, 10, 4)  # room for every tie: all four stay
    assert sorted(cols.tolist()) == [1, 3, 5, 7]


def test_tfidf_rows_keep_their_words_in_column_order():
    # Canonical rows: the exact cosines of candidate pairs take scipy's merge of sorted rows,
    # a third faster than its general path for unsorted ones, with the same pairs and groups.
    make = TermMaker(6)
    terms = [
        make(make_article(f"a{i}", f"Report {i}", text))
        for i, text in enumerate([QUAKE, QUAKE_2, BUDGET, BUDGET_2])
    ]
    x, _, _ = tfidf_matrix([t.body for t in terms], Rarity(english_frequencies()))
    assert x.has_sorted_indices
    for i in range(x.shape[0]):
        row = x.indices[x.indptr[i] : x.indptr[i + 1]]
        assert (np.diff(row) > 0).all()


def test_bounded_links_leave_headline_events_and_clear_stories_as_they_were():
    # Long texts: each article's strongest pairs decide its group, so a tight bound gives the
    # same events; headlines are exempt (their large events are merged by centroid).
    texts = [QUAKE, QUAKE_2, BUDGET, BUDGET_2]
    articles = [
        make_article(f"a{i}", f"Report {i}", texts[i % 4].replace("150", str(100 + i)))
        for i in range(16)
    ]
    unbounded = cluster_articles(articles, GroupingConfig(max_links=0))
    assert cluster_articles(articles, GroupingConfig(max_links=2)) == unbounded
    assert len(set(unbounded)) == 2
    heads = [
        make_article(f"h{i}", title, "")
        for i, title in enumerate(
            [
                "Titanfall review roundup",
                "Titanfall launches on Xbox One",
                "Titanfall: the reviews are in",
                "Xbox One Titanfall bundle on sale",
                "Titanfall servers strain at launch",
                "Mt. Gox files for bankruptcy",
                "Mt. Gox bankruptcy filing in US",
                "Bitcoin exchange Mt. Gox seeks bankruptcy relief",
            ]
        )
    ]
    assert cluster_articles(heads, GroupingConfig(max_links=1)) == cluster_articles(
        heads, GroupingConfig(max_links=0)
    )


def _attach(pairs, labels=(0, 0, 0, 1, 1, 2), sources=None, days=None, shortness=None):
    """``attach_singletons`` on events {0, 1, 2} and {3, 4}, article 5 left alone by default."""
    rows, cols, cosines = (np.array(v) for v in zip(*pairs, strict=True))
    n = len(labels)
    return attach_singletons(
        list(labels), rows, cols, cosines, 0.1, 2.0,
        sources or [None] * n, days or [float("nan")] * n, 7,
        None if shortness is None else np.array(shortness),
    )  # fmt: skip


INNER = [(0, 1, 0.5), (0, 2, 0.5), (1, 2, 0.5), (3, 4, 0.5)]


def test_a_lone_article_joins_the_event_whose_centroid_it_is_clearly_closest_to():
    # Cosine with {0, 1, 2}'s summed vector: 0.55 / sqrt(3 + 2 * 1.5) = 0.22; with {3, 4}'s:
    # 0.02 / sqrt(2 + 2 * 0.5) = 0.01. Its mean similarity (0.18) is under the threshold.
    near = [(5, 0, 0.2), (5, 1, 0.2), (5, 2, 0.15), (5, 3, 0.02)]
    assert _attach(INNER + near) == [0, 0, 0, 1, 1, 0]
    # Order does not matter: the same articles listed the other way round group alike.
    flipped = [(5 - a, 5 - b, c) for a, b, c in INNER + near]
    assert _attach(flipped, labels=(0, 1, 1, 2, 2, 2)) == [0, 1, 1, 0, 0, 0]


def test_a_lone_article_close_to_two_events_or_to_nothing_stays_alone():
    torn = [(5, 0, 0.2), (5, 1, 0.2), (5, 2, 0.15), (5, 3, 0.2), (5, 4, 0.2)]
    assert _attach(INNER + torn) == [0, 0, 0, 1, 1, 2]
    # Clearly closer to another lone article than to any event: left to the linkage's verdict.
    pair = [(5, 0, 0.2), (5, 1, 0.2), (5, 6, 0.3)]
    assert _attach(INNER + pair, labels=(0, 0, 0, 1, 1, 2, 3)) == [0, 0, 0, 1, 1, 2, 3]
    faint = [(5, 0, 0.05), (5, 1, 0.05), (5, 3, 0.01)]  # 0.04 to the centroid: below 0.1
    assert _attach(INNER + faint) == [0, 0, 0, 1, 1, 2]


def test_a_lone_article_never_joins_its_own_outlet_a_far_date_or_headlines():
    near = [(5, 0, 0.2), (5, 1, 0.2), (5, 2, 0.15), (5, 3, 0.02)]
    outlets = ["Reuters", "AP", "BBC", "AP", "NPR", "BBC"]
    assert _attach(INNER + near, sources=outlets) == [0, 0, 0, 1, 1, 2]
    dates = [10.0, 11.0, 11.5, 0.0, 0.0, 1.0]  # the event's reports 9 to 10.5 days later
    assert _attach(INNER + near, days=dates) == [0, 0, 0, 1, 1, 2]
    headlines = [1.0, 1.0, 1.0, 0.2, 0.2, 0.2]  # left to the linkage's centroids
    assert _attach(INNER + near, shortness=headlines) == [0, 0, 0, 1, 1, 2]


def test_two_lone_articles_never_together_stretch_an_event_or_repeat_its_outlet():
    # 5 and 6 each fit {0, 1, 2} alone; 5 is the closer. Dated ten days apart, or of one
    # outlet, only 5 joins.
    inner = INNER
    near = [(5, 0, 0.2), (5, 1, 0.2), (5, 2, 0.15), (6, 0, 0.19), (6, 1, 0.19), (6, 2, 0.15)]
    labels = (0, 0, 0, 1, 1, 2, 3)
    dates = [5.0, 5.0, 5.0, 5.0, 5.0, 0.0, 10.0]
    assert _attach(inner + near, labels, days=dates) == [0, 0, 0, 1, 1, 0, 2]
    outlets = ["A", "B", "C", "D", "E", "X", "X"]
    assert _attach(inner + near, labels, sources=outlets) == [0, 0, 0, 1, 1, 0, 2]
    # Either alone would have joined.
    assert _attach(inner + near, labels, days=[5.0] * 5 + [float("nan"), 10.0])[6] == 0


def test_a_lone_article_as_close_to_two_events_joins_neither_whatever_the_margin():
    pairs = [(0, 1, 0.5), (2, 3, 0.5), (4, 0, 0.2), (4, 1, 0.2), (4, 2, 0.2), (4, 3, 0.2)]
    rows, cols, cosines = (np.array(v) for v in zip(*pairs, strict=True))
    for margin in (1.0, 2.0):
        labels = attach_singletons(
            [0, 0, 1, 1, 2], rows, cols, cosines, 0.1, margin, [None] * 5, [float("nan")] * 5, 7
        )
        assert labels == [0, 0, 1, 1, 2]


JUDGE = [
    ("a1", "Judge gives Stanford swimmer six months", "Judge Aaron Persky sentenced former "
     "Stanford swimmer Brock Turner to six months in county jail for sexual assault on Thursday, "
     "prosecutors in Palo Alto said.\n\nProsecutors had asked for six years in state prison. "
     "Turner was convicted in March of three felony counts."),
    ("a2", "Brock Turner sentenced to six months", "Former Stanford swimmer Brock Turner was "
     "sentenced to six months in county jail by Judge Aaron Persky for sexual assault, a "
     "sentence prosecutors called too lenient.\n\nTurner, convicted of three felony counts, "
     "faced up to fourteen years in state prison."),
    ("a3", "Outrage over Stanford sentence", "Judge Aaron Persky gave Brock Turner, the former "
     "Stanford swimmer convicted of sexual assault, six months in county jail, citing his age "
     "and lack of a criminal record.\n\nThe victim read a letter in court describing the "
     "assault."),
    # Another angle: it shares a few words with each report, too few for the mean similarity.
    ("juror", "Juror writes to judge", "A juror in the Turner trial wrote to Persky that the "
     "jury was shocked and that the verdict deserved prison.\n\nThe juror said jurors weighed "
     "the evidence for days."),
    ("b1", "Storm floods Marlow", "The River Thames burst its banks in Marlow on Tuesday, "
     "flooding homes and shops along the high street.\n\nThe Environment Agency issued severe "
     "flood warnings for Buckinghamshire."),
    ("b2", "Marlow flood clean-up begins", "Residents of Marlow began clearing mud from homes "
     "on Wednesday after the Thames flooding, as the Environment Agency lifted warnings.\n\n"
     "Insurers expect claims from hundreds of homes."),
    ("c1", "Portugal passes budget", BUDGET),
    ("c2", "Montenegro budget approved", BUDGET_2),
    ("d1", "Nepal earthquake kills 150", QUAKE),
    ("d2", "Rescuers reach Gorkha", QUAKE_2),
]  # fmt: skip


def test_an_article_on_another_angle_joins_its_event_after_the_linkage():
    articles = [make_article(i, title, text) for i, title, text in JUDGE]
    alone = cluster_articles(articles, dataclasses.replace(GroupingConfig(), attach_similarity=0))
    assert alone[:4] == [0, 0, 0, 1]  # the linkage leaves the juror's letter out
    joined = cluster_articles(articles, GroupingConfig())
    assert joined[:4] == [0, 0, 0, 0]
    assert len(set(joined)) == len(set(alone)) - 1  # nothing else moved
    # Not into an event that has its outlet.
    outlets = ["Chronicle", "Mercury", "Post", "Post"] + [None] * 6
    same = [dataclasses.replace(a, source=o) for a, o in zip(articles, outlets, strict=True)]
    assert cluster_articles(same, GroupingConfig())[:4] == [0, 0, 0, 1]
