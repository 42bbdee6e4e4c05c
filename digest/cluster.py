"""Cluster stage: group articles into events.

1. Every article becomes a TF-IDF vector (``digest.features``) whose word weights blend the
   folder's own counts with general-English rarity, so five files already group well.
2. Candidate pairs come from the sparse product of *pruned* vectors (each article's most
   telling words, common words left out), computed a block of rows at a time: only articles that
   share a distinctive word are ever compared, never all pairs.
3. Each candidate pair's cosine is refined: headline-short pairs move towards their cosine in
   the folder's topic space (LSA of the short articles); shared long phrases, similar headlines
   and closeness in time (by how rare it is in the folder) add to it; pairs further apart in
   time than ``window_days`` (when both are dated) are dropped; an undated pair whose leads name
   other weekdays, or whose headlines state other figures, counts less; and each similarity is
   scaled by its ratio to both sides' neighbourhoods (local scaling).
4. Agglomerative clustering on that sparse graph (a missing pair counts as zero, see
   ``digest.linkage``) merges the closest groups while their linkage score stays above
   ``threshold``: average link, moving to centroid cosine for large events of headline-short
   articles.
5. An article left alone joins the event whose centroid it is clearly closest to
   (``attach_singletons``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from digest.background import Rarity, english_frequencies
from digest.config import GroupingConfig
from digest.features import (
    TermMaker,
    Terms,
    date_rarity,
    headline_figures,
    phrase_matrix,
    sorted_unique,
    tfidf_matrix,
    topic_vectors,
)
from digest.linkage import average_link
from digest.model import Article, Copies
from digest.parallel import in_background, spare_core

_BLOCK = 2048  # rows per block of the candidate product: bounds memory at any folder size
# Content words in a long headline: an article with this many or fewer is as short as a headline.
HEADLINE_TERMS = 12
# Candidates a long text proposes per link it keeps (``max_links``): the proposals are ranked
# by the distinctive words shared, which only approximates the cosine that ranks the links.
PROPOSALS_PER_LINK = 2
# Folder size at which local scaling works at half its strength: in a handful of articles the
# third-closest one is not a neighbourhood.
TRUSTED_NEIGHBOURHOOD = 100
PHRASES_FOR_FULL_BONUS = 5  # shared phrases at which the phrase bonus is complete
# Folder size from which a child process takes half of the candidate blocks: below it, forking
# and sending the pairs back cost more than the overlap saves.
BACKGROUND_ARTICLES = 2000


def group(
    items: Sequence[Copies],
    config: GroupingConfig,
    jobs: int | None = 1,
    terms: Mapping[str, Terms] | None = None,
) -> list[list[Copies]]:
    """Group items into events; each event's items keep their input order. ``jobs`` as in
    ``cluster_articles``; ``terms`` by article id, when already made (all or none)."""
    pinned: dict[str, list[Copies]] = {}
    free: list[Copies] = []
    for item in items:
        if item.article.event:
            pinned.setdefault(item.article.event, []).append(item)
        else:
            free.append(item)
    groups = [list(g) for g in pinned.values()]
    if free:
        found = [terms[c.article.id] for c in free] if terms is not None else None
        labels = cluster_articles([c.article for c in free], config, jobs=jobs, terms=found)
        by_label: dict[int, list[Copies]] = {}
        for item, label in zip(free, labels, strict=True):
            by_label.setdefault(label, []).append(item)
        groups.extend(by_label.values())
    return sorted(groups, key=lambda g: min(c.article.id for c in g))


def cluster_articles(
    articles: Sequence[Article],
    config: GroupingConfig,
    rarity: Rarity | None = None,
    jobs: int | None = 1,
    terms: Sequence[Terms] | None = None,
) -> list[int]:
    """A cluster label per article (labels are dense ints, stable for a given input).

    ``terms`` are the articles' ``Terms`` when already made (a rebuild takes them from the
    cache). With ``jobs`` other than 1 (None or 0: every core) and a large folder, a child
    process finds half of the candidate pairs; the labels are the same.
    """
    n = len(articles)
    if n <= 1:
        return [0] * n
    rarity = rarity or Rarity(english_frequencies())
    if terms is None:
        make = TermMaker(config.phrase_words)
        terms = [make(a) for a in articles]
    x, _, df = tfidf_matrix([t.body for t in terms], rarity)
    rows, cols, sims = similar_pairs(x, df, config, jobs)
    cosines = sims  # the plain word cosines, for ``attach_singletons`` (refinements copy sims)
    phrases, headlines = _side_matrices(terms, rarity, config)
    shortness = _shortness(x)
    if config.headline_topics and config.topic_weight and len(rows):
        sims = _topic_blend(x, rows, cols, sims, shortness, config)
    if phrases is not None and len(rows):
        # Shared long phrases (a quote, a wire sentence) are strong evidence of one event.
        shared = _pair_cosines(phrases, rows, cols)
        sims = sims + config.phrase_bonus * np.minimum(1.0, shared / PHRASES_FOR_FULL_BONUS)
        del shared  # (see the del before average_link)
    del phrases
    if headlines is not None and len(rows):
        # Headlines name the event in a few words: their own cosine is not diluted by the body.
        sims = sims + config.headline_bonus * _pair_cosines(headlines, rows, cols)
    del headlines
    stamps = np.array(
        [a.date.timestamp() if a.date is not None else np.nan for a in articles], dtype=np.float64
    )
    keep = _within_window(stamps, rows, cols, config.window_days)
    rows, cols, sims, cosines = rows[keep], cols[keep], sims[keep], cosines[keep]
    days_arr = stamps / 86400.0
    # Pairs with an undated side: the weekday and figure rules place them, dates the rest.
    undated = np.isnan(days_arr[rows]) | np.isnan(days_arr[cols])
    if config.date_bonus and len(rows):
        # Reports of one event appear within days of each other; how much that says depends on
        # how spread out the folder's dates are.
        sims = sims + config.date_bonus * date_rarity(days_arr, rows, cols, config.window_days)
    if config.weekday_penalty and len(rows):
        # An undated report still says when its event happened ("said on Friday"). Two reports
        # of one subject whose leads name different weekdays are mostly two events a few days
        # apart (a ruling and the appeal, the toll on day one and day fourteen); two dated
        # articles are already placed in time by their dates.
        week = np.array([t.weekdays for t in terms], dtype=np.int64)
        other_day = undated & _disjoint_bits(week[rows], week[cols])
        sims = np.where(other_day, sims * (1.0 - config.weekday_penalty), sims)
    if config.figure_penalty and len(rows):
        # Headlines that state different figures (the jobs report for May and for June, a toll
        # of one and of sixty) are mostly two reports of one subject at different times; dated
        # pairs are placed by their dates.
        figures = np.array([headline_figures(a.title) for a in articles], dtype=np.int64)
        other_figure = undated & _disjoint_bits(figures[rows], figures[cols])
        # A headline alone is all there is of a headline-only item, and its figures (a price, a
        # version) vary across the reports of one running story: the rule fades with shortness.
        fade = 1.0 - 0.5 * (shortness[rows] + shortness[cols])
        sims = np.where(other_figure, sims * (1.0 - config.figure_penalty * fade), sims)
    # Neighbourhoods say little in a small folder, and a headline's nearest neighbours are
    # syndicated copies of it: local scaling grows with the folder and fades for headlines.
    power = (
        config.local_scaling
        * (n / (n + TRUSTED_NEIGHBOURHOOD))
        * (1.0 - 0.5 * (shortness[rows] + shortness[cols]))
    )
    sims = _local_scale(n, rows, cols, sims, power, config.local_neighbour, config.min_similarity)
    sources = [(a.source or "").strip().lower() or None for a in articles]
    days = days_arr.tolist()
    # The word matrices are done with: freeing them first lowers the stage's peak, which is in
    # average_link's link maps (at 100k articles, from 2,651 to 2,528 MB).
    del x, df
    if config.max_links:
        # Headline-short articles are exempt: a large event of headlines is merged by its
        # centroid, which the many weak pairs between its headlines make (see average_link).
        keep = strongest_links(n, rows, cols, sims, config.max_links)
        keep |= (shortness[rows] >= 0.5) | (shortness[cols] >= 0.5)
        rows, cols, sims, cosines = rows[keep], cols[keep], sims[keep], cosines[keep]
    labels = average_link(
        n,
        rows,
        cols,
        sims,
        config.threshold,
        config.centroid_size,
        sources,
        config.source_penalty,
        days,
        config.window_days,
        shortness.tolist(),
    )
    if config.attach_similarity:
        labels = attach_singletons(
            labels,
            rows,
            cols,
            cosines,
            config.attach_similarity,
            config.attach_margin,
            sources,
            days,
            config.window_days,
            shortness,
        )
    return labels


def attach_singletons(
    labels: Sequence[int],
    rows: np.ndarray,
    cols: np.ndarray,
    cosines: np.ndarray,
    similarity: float,
    margin: float,
    sources: Sequence[str | None],
    days: Sequence[float],
    window_days: float,
    shortness: np.ndarray | None = None,
) -> list[int]:
    """Move each article left alone by the linkage into the event whose centroid it is close to.

    A report on another angle of an event (the juror protest after a judge's ruling, a study and
    the news story about it) shares a few words with each report of the event, so its mean
    similarity to them stays under the threshold, while its cosine to the event's summed vector
    (word cosines only) is clear. An article that stands alone joins the event (of two or more
    articles, mostly longer than headlines: ``shortness`` as in ``average_link``) whose centroid
    cosine is at least ``similarity`` and more than ``margin`` times its cosine with the next
    event or lone article, unless the event already has its outlet or the move would make it
    span more than ``window_days``. Centroids are the linkage's events; the moves are made
    closest first, each checked against the event as the moves before it left it. Cost:
    O(E log E) for E pairs (sorts), with numpy.
    """
    lab = np.asarray(labels, dtype=np.int64)
    n = len(lab)
    if not len(rows) or not n:
        return list(labels)
    size = np.bincount(lab, minlength=n)
    inside = lab[rows] == lab[cols]
    # Each event's summed vector has squared norm size + 2 * (its inner cosines).
    inner = np.bincount(lab[rows[inside]], weights=cosines[inside], minlength=n)
    norm = np.sqrt(size + 2.0 * inner)
    # Pairs from an article alone to any other article, as (alone, the other's event): the next
    # event may be another article alone.
    alone = size[lab] == 1
    a = np.concatenate([rows, cols])
    b = np.concatenate([cols, rows])
    w = np.concatenate([cosines, cosines])
    pick = alone[a]
    if not pick.any():
        return list(labels)
    key, where = np.unique(a[pick] * n + lab[b[pick]], return_inverse=True)
    total = np.bincount(where, weights=w[pick])
    single, event = np.divmod(key, n)
    score = total / norm[event]  # each single article's vector has norm 1
    # Per article alone: its best event and the next one's score (keys are sorted by article).
    order = np.lexsort((-score, single))
    single, event, score = single[order], event[order], score[order]
    first = np.flatnonzero(np.r_[True, single[1:] != single[:-1]])
    has_next = np.r_[first[1:], len(single)] - first > 1
    second = np.where(has_next, score[np.minimum(first + 1, len(score) - 1)], 0.0)
    # Events of headlines are left to the linkage, which compares them by their centroids as
    # they grow; only events of longer texts take lone articles here.
    long_event = np.ones(n, dtype=bool)
    if shortness is not None:
        long_event = np.bincount(lab, weights=shortness, minlength=n) < 0.5 * np.maximum(size, 1)
    ok = (
        long_event[event[first]]
        & (size[event[first]] >= 2)
        & (score[first] >= similarity)
        # Strictly: a lone article as close to two events (a tie) joins neither.
        & (score[first] > margin * second)
    )
    members: dict[int, list[int]] = {}
    for i, label in enumerate(lab.tolist()):
        members.setdefault(label, []).append(i)
    out = lab.copy()
    # The closest first, each checked against the event as the moves before it left it: two
    # lone articles that each fit an event alone (ten days after it, ten days before it; or of
    # one outlet) must not both join it.
    picked = np.flatnonzero(ok)
    picked = picked[np.lexsort((single[first][picked], -score[first][picked]))]
    for i, e in zip(single[first][picked].tolist(), event[first][picked].tolist(), strict=True):
        group = members[e]
        if sources[i] is not None and any(sources[j] == sources[i] for j in group):
            continue  # an outlet rarely reports one event twice
        if days[i] == days[i]:
            dated = [days[j] for j in group if days[j] == days[j]]
            if dated and max(max(dated), days[i]) - min(min(dated), days[i]) > window_days:
                continue
        out[i] = e
        group.append(i)
    # Dense labels in order of first appearance, as the linkage gives them.
    dense: dict[int, int] = {}
    return [dense.setdefault(label, len(dense)) for label in out.tolist()]


def _disjoint_bits(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether both name something (weekdays as ``features.weekdays`` bits, figures as
    ``features.headline_figures`` bits) and nothing is in both."""
    return (a > 0) & (b > 0) & ((a & b) == 0)


def strongest_links(
    n: int, rows: np.ndarray, cols: np.ndarray, sims: np.ndarray, k: int
) -> np.ndarray:
    """Which pairs are among the ``k`` most similar of either of their articles (a mask).

    Candidate pairs grow faster than the folder (26 kept per article at 10,000 articles, 92 at
    100,000), and nearly all are weak: at 10,000 articles 3% reach the merge threshold. The
    merging's cost follows the pairs, while a weak pair only nudges the average of two groups
    it links. Each article's strongest pairs, those that decide its group and set its
    neighbourhood, are all kept. Ties at the cut go to the pair that comes first (by row, then
    column), so the choice is deterministic.
    """
    m = len(sims)
    if not m:
        return np.zeros(0, dtype=bool)
    ends, pairs = _ends_by_article(rows, cols, sims)
    rank = np.arange(2 * m) - np.searchsorted(ends, np.arange(n))[ends]
    keep = np.zeros(m, dtype=bool)
    keep[pairs[rank < k]] = True
    return keep


def _ends_by_article(
    rows: np.ndarray, cols: np.ndarray, sims: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Both ends of every pair, grouped by article (ascending) and most similar first, ties in
    the pairs' order: the articles, and the pair at each place.

    One integer key per end (article, then the pair's place by similarity) in one plain sort:
    a three-key lexsort took 8 of the cluster stage's 60 s in one process at 100,000 articles.
    The keys are distinct, since no article is both ends of a pair.
    """
    m = len(sims)
    by_similarity = np.argsort(-sims, kind="stable")
    place = np.empty(m, dtype=np.int64)
    place[by_similarity] = np.arange(m)
    key = np.concatenate([rows, cols]).astype(np.int64) * m + np.concatenate([place, place])
    key.sort()
    ends = key // m
    np.remainder(key, m, out=key)  # each end's pair, as its place by similarity
    return ends, by_similarity[key]


def _side_matrices(
    terms: Sequence[Terms], rarity: Rarity, config: GroupingConfig
) -> tuple[sp.csr_matrix | None, sp.csr_matrix | None]:
    """The phrase matrix and the headline vectors, each None when its bonus is off."""
    phrases = None
    if config.phrase_bonus:
        phrases = phrase_matrix([t.phrases for t in terms], max(50, len(terms) // 200))
    headlines = None
    if config.headline_bonus:
        headlines = tfidf_matrix([t.headline for t in terms], rarity)[0]
    return phrases, headlines


def _prune(x: sp.csr_matrix, df: np.ndarray, config: GroupingConfig) -> sp.csr_matrix:
    """Keep each row's ``candidate_terms`` heaviest words among those not in too many articles."""
    n = x.shape[0]
    # A fixed cut, not a share of the folder: a word in a share of the N articles pairs a
    # share of them with each article, so the product would grow as N squared.
    common = df > config.candidate_max_df
    k = config.candidate_terms
    indptr = [0]
    indices: list[np.ndarray] = []
    data: list[np.ndarray] = []
    for i in range(n):
        lo, hi = x.indptr[i], x.indptr[i + 1]
        idx, val = x.indices[lo:hi], x.data[lo:hi]
        keep = ~common[idx]
        idx, val = idx[keep], val[keep]
        if len(idx) > k:
            top = np.argpartition(-val, k - 1)[:k]
            idx, val = idx[top], val[top]
        indices.append(idx)
        data.append(val)
        indptr.append(indptr[-1] + len(idx))
    return sp.csr_matrix(
        (
            np.concatenate(data) if data else np.zeros(0),
            np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64),
            indptr,
        ),
        shape=x.shape,
    )


def similar_pairs(
    x: sp.csr_matrix, df: np.ndarray, config: GroupingConfig, jobs: int | None = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i < j) sharing a distinctive word, with their full cosine similarity.

    Each article proposes at most ``candidate_pairs`` partners, its best by the weight of the
    distinctive words they share: the number of articles sharing some mid-frequency word grows
    with the folder, and without the bound the pairs grew as n^1.8 (128 per article at 40,000
    articles, 21 at 5,000), which made grouping quadratic in time and memory. A text longer
    than a headline proposes fewer (``proposal_limits``). With ``jobs`` other than 1 and a
    large folder, a child process takes the second half of the blocks.
    """
    pruned = _prune(x, df, config)
    job = (x, pruned, sp.csr_matrix(pruned.T), proposal_limits(x, config), config)
    n = x.shape[0]
    starts = list(range(0, n, _BLOCK))
    # One block is not split: the child would do all of it while this process waits.
    if spare_core(jobs, n, BACKGROUND_ARTICLES) and len(starts) > 1:
        half = len(starts) // 2
        with in_background(_block_pairs, (*job, starts[half:])) as later:
            parts = [_block_pairs((*job, starts[:half])), later()]
    else:
        parts = [_block_pairs((*job, starts))]
    rows, cols, sims = (np.concatenate([part[k] for part in parts]) for k in range(3))
    _, first = np.unique(rows * n + cols, return_index=True)  # sorted by (row, col)
    return rows[first], cols[first], sims[first]


def _shortness(x: sp.csr_matrix) -> np.ndarray:
    """How short each article (a row of word vectors) is, from 1 (a headline) down towards 0
    (a long text); from 0.5 up it counts as headline-short."""
    return np.minimum(1.0, HEADLINE_TERMS / np.maximum(np.diff(x.indptr), 1))


def proposal_limits(x: sp.csr_matrix, config: GroupingConfig) -> np.ndarray:
    """How many partners each article proposes (0: no bound).

    A headline-short article proposes ``candidate_pairs``: an event of headlines is merged by
    its centroid, which the many weak pairs between its headlines make (see average_link). A
    longer text keeps only its ``max_links`` strongest links into the merging, so it proposes
    ``PROPOSALS_PER_LINK`` times that many. With 200 for every article the kept pairs grew
    faster than the folder (26 per article at 10,000 articles, 92 at 100,000), and every step
    after this one sorts or scans them all.
    """
    short = _shortness(x) >= 0.5
    limit = config.candidate_pairs
    long = min(limit, PROPOSALS_PER_LINK * config.max_links) if config.max_links else limit
    return np.where(short | (limit == 0), limit, long).astype(np.int64)


def _block_pairs(
    job: tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix, np.ndarray, GroupingConfig, list[int]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The candidate pairs proposed by the blocks of rows starting at ``starts``, in order."""
    x, pruned, pruned_t, limits, config, starts = job
    n = x.shape[0]
    out_r: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    out_c: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    out_s: list[np.ndarray] = [np.zeros(0)]
    for start in starts:
        stop = min(start + _BLOCK, n)
        r, c = _best_per_row(
            sp.csr_matrix(pruned[start:stop] @ pruned_t), start, limits[start:stop]
        )
        # Each pair once, as (smaller, larger): both sides may have proposed it. Pairs proposed
        # from two blocks are merged by the caller.
        r, c = np.divmod(sorted_unique(np.minimum(r, c) * n + np.maximum(r, c)), n)
        if not len(r):
            continue
        # Exact cosine over the full vectors, for candidates only.
        sims = _pair_cosines(x, r, c)
        keep = sims >= config.min_similarity
        out_r.append(r[keep])
        out_c.append(c[keep])
        out_s.append(sims[keep])
    return np.concatenate(out_r), np.concatenate(out_c), np.concatenate(out_s)


def _best_per_row(
    scores: sp.csr_matrix, offset: int, limits: int | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(row + offset, column) of each row's best-scoring columns, as many as its limit (one
    for all rows, or one per row; 0: all), the row itself left out; ties at the cut go to the
    smaller column, so the choice is deterministic."""
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    indptr, indices, data = scores.indptr, scores.indices, scores.data
    per_row = np.broadcast_to(np.asarray(limits, dtype=np.int64), (scores.shape[0],)).tolist()
    for i, limit in enumerate(per_row):
        lo, hi = indptr[i], indptr[i + 1]
        c, s = indices[lo:hi].astype(np.int64), data[lo:hi]
        keep = c != i + offset
        c, s = c[keep], s[keep]
        if 0 < limit < len(c):
            cut = np.partition(s, len(s) - limit)[len(s) - limit]  # the limit-th largest
            above = s > cut
            tied = np.flatnonzero(s == cut)
            room = limit - int(above.sum())
            if len(tied) > room:
                # The smallest columns among the tied (a row's columns are distinct), by a
                # partial sort: candidates that share one word score alike, so in a large
                # folder a row can tie many at the cut.
                tied = tied[np.argpartition(c[tied], room - 1)[:room]]
            above[tied] = True
            c = c[above]
        rows.append(np.full(len(c), i + offset, dtype=np.int64))
        cols.append(c)
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(rows), np.concatenate(cols)


def _topic_blend(
    x: sp.csr_matrix,
    rows: np.ndarray,
    cols: np.ndarray,
    sims: np.ndarray,
    shortness: np.ndarray,
    config: GroupingConfig,
) -> np.ndarray:
    """Move pairs of headline-short articles towards their cosine in the folder's topic space.

    Two headlines on one story often share one word or none ("Titanfall review roundup",
    "Xbox One bundle on sale tomorrow"); the words that occur together across the folder's
    headlines tell that they belong together. The topic space is a truncated SVD (latent
    semantic analysis) of the short articles' vectors only, so folders of full texts pay
    nothing; a pair moves by ``topic_weight`` times its mean shortness.
    """
    k = config.headline_topics
    short = np.flatnonzero(shortness >= 0.5)
    if len(short) <= 2 * k:
        return sims  # too few headlines for a topic space to mean anything
    z = topic_vectors(x, short, k)
    pairs = np.flatnonzero((shortness[rows] >= 0.5) & (shortness[cols] >= 0.5))
    topic = np.empty(len(pairs))
    step = 50_000  # pairs per block: bounds the memory of the gathered rows
    for lo in range(0, len(pairs), step):
        r, c = rows[pairs[lo : lo + step]], cols[pairs[lo : lo + step]]
        topic[lo : lo + step] = np.einsum("ij,ij->i", z[r], z[c])
    # Rounded so that floating-point noise in the SVD cannot change a grouping.
    topic = np.round(np.maximum(topic, 0.0), 6)
    weight = config.topic_weight * 0.5 * (shortness[rows[pairs]] + shortness[cols[pairs]])
    out = sims.copy()
    out[pairs] += weight * (topic - sims[pairs])
    return out


def _pair_cosines(x: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Dot products of the given row pairs of ``x`` (rows are unit vectors)."""
    out = np.empty(len(rows))
    step = 50_000
    for lo in range(0, len(rows), step):
        a = x[rows[lo : lo + step]]
        b = x[cols[lo : lo + step]]
        out[lo : lo + step] = np.asarray(a.multiply(b).sum(axis=1)).ravel()
    return out


def _within_window(
    stamps: np.ndarray, rows: np.ndarray, cols: np.ndarray, window_days: int
) -> np.ndarray:
    """Which pairs to keep (a mask): pairs of dated articles (``stamps``: POSIX seconds, NaN
    when undated) further apart than the window are dropped; undated pairs stay."""
    gap = np.abs(stamps[rows] - stamps[cols]) / 86400.0
    return ~(gap > window_days)  # NaN (a side undated) compares False, so it is kept


def _local_scale(
    n: int,
    rows: np.ndarray,
    cols: np.ndarray,
    sims: np.ndarray,
    power: np.ndarray,
    neighbour: int,
    floor: float,
) -> np.ndarray:
    """Raise pairs that stand out of both sides' neighbourhoods, lower those that do not.

    A story on a busy topic is close to many others, so its absolute similarities say less than
    how they rank; a story on a subject nobody else covers has low similarities even to its own
    reports. Each article's scale is its similarity to its ``neighbour``-th closest article
    (``floor`` when it has fewer pairs, never below ``floor``); each similarity is multiplied by its
    ratio to the geometric mean of both sides' scales, raised to ``power`` (one per pair).
    """
    if not len(sims) or not np.any(power):
        return sims
    ends, pairs = _ends_by_article(rows, cols, sims)
    vals = sims[pairs]  # by article, most similar first
    del pairs
    starts = np.searchsorted(ends, np.arange(n))
    counts = np.bincount(ends, minlength=n)
    pick = np.minimum(starts + np.minimum(neighbour, counts) - 1, len(vals) - 1)
    # An article with fewer candidate pairs than ``neighbour`` is below ``floor`` with every
    # other article: its neighbourhood is the floor, not its own weakest pair.
    scale = np.where(counts >= neighbour, vals[np.maximum(pick, 0)], floor)
    scale = np.maximum(scale, floor)
    return sims * (sims / np.sqrt(scale[rows] * scale[cols])) ** power
