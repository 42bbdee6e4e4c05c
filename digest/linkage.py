"""Linkage: agglomerative clustering of articles over their sparse similarity graph.

The last step of the cluster stage (``digest.cluster``): given the refined similarity of every
candidate pair, merge the closest groups while their linkage score stays above the threshold.
Only candidate pairs are ever links, so the cost follows the number of links, not of all pairs.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np

_VECTOR_LINKS = 32  # links of a merged cluster from which numpy picks those worth scoring


def _link_maps(
    n: int, rows: np.ndarray, cols: np.ndarray, sims: np.ndarray, once: bool
) -> list[dict[int, float]]:
    """Each node's neighbours with the summed similarity of its pairs with them (self pairs left
    out); a pair given twice (either way round) is summed in input order. ``once``: no pair is
    given twice."""
    keep = rows != cols
    r, c, s = rows[keep], cols[keep], sims[keep]
    if not once:
        links: list[dict[int, float]] = [{} for _ in range(n)]
        for a, b, v in zip(r.tolist(), c.tolist(), s.tolist(), strict=True):
            links[a][b] = links[a].get(b, 0.0) + v
            links[b][a] = links[b].get(a, 0.0) + v
        return links
    # Each pair once (the usual case): the maps are built from sorted arrays, with no sums.
    # ``+ 0.0`` gives the value the sum from 0.0 would (-0.0 becomes 0.0). The maps hold the
    # graph's millions of links: every map naming a node shares one int object for it, and
    # both ends of a pair share one float, which saves about 40 bytes a link.
    ends = np.concatenate([r, c])
    order = np.argsort(ends, kind="stable")
    nodes = list(range(n))
    others = list(map(nodes.__getitem__, np.concatenate([c, r])[order].tolist()))
    pair_values = (s + 0.0).tolist()
    values = list(map(pair_values.__getitem__, (order % max(len(r), 1)).tolist()))
    bounds = np.searchsorted(ends[order], np.arange(n + 1)).tolist()
    return [
        dict(zip(others[lo:hi], values[lo:hi], strict=True))
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)
    ]


def average_link(
    n: int,
    rows: np.ndarray,
    cols: np.ndarray,
    sims: np.ndarray,
    threshold: float,
    centroid_size: int = 0,
    sources: Sequence[str | None] | None = None,
    source_penalty: float = 0.0,
    days: Sequence[float] | None = None,
    window_days: float = float("inf"),
    shortness: Sequence[float] | None = None,
) -> list[int]:
    """Agglomerative clustering over a sparse similarity graph; a cluster label per node.

    Repeatedly merges the two clusters with the highest linkage score (pairs not in the graph
    count as 0) while it is at least ``threshold``. For small clusters the score is the mean
    pairwise similarity (average link); as the larger of the two grows to ``centroid_size`` it
    moves to the cosine of the clusters' summed vectors, which does not punish a large, loosely
    knit event (a story covered by hundreds of headlines that each share a word or two).
    That move is scaled by how short the members are (``shortness`` per node, 1 for a
    headline, towards 0 for a long text; None: all count as headlines): the cosine of two
    headlines is noise and their centroid is sharp, while two long texts compare reliably and
    the centroid of many texts on one subject blurs the separate events within it.
    Outlets rarely report one event twice, so when two clusters share outlets the score is
    lowered by ``source_penalty`` times the share of the smaller cluster's outlets found in both.
    Dated members (``days``, NaN when undated) of one cluster never span more than
    ``window_days``, so an undated article cannot bridge two reports a year apart.
    Cost: O(E log E) for E edges, as each merge folds the smaller cluster's links into the
    larger one's.
    """
    size = [1] * n
    inner = [0.0] * n  # sum of similarities of the pairs inside each cluster
    # Every cluster starts as one article: its score with another is their similarity, lowered
    # when both come from one outlet (``score`` for single articles, for all pairs at once).
    lo, hi = np.minimum(rows, cols), np.maximum(rows, cols)
    first_seen = np.unique(lo * n + hi, return_index=True)[1]
    once = len(first_seen) == len(rows)
    links = _link_maps(n, rows, cols, sims, once)

    short = list(shortness) if shortness is not None else [0.0] * n
    outlets: list[set[str]] = [
        {sources[i]} if sources is not None and sources[i] else set() for i in range(n)
    ]

    def score(a: int, b: int) -> float:
        mass = (size[a] + 2.0 * inner[a]) * (size[b] + 2.0 * inner[b])
        pairs = size[a] * size[b]
        larger = max(size[a], size[b])
        c = min(1.0, (larger - 1) / (centroid_size - 1)) if centroid_size > 1 else 0.0
        if shortness is not None:
            c *= (short[a] + short[b]) / (size[a] + size[b])
        value = links[a][b] / (pairs ** (1.0 - c) * mass ** (0.5 * c))
        if source_penalty and c < 1.0 and outlets[a] and outlets[b]:
            small, large = sorted((outlets[a], outlets[b]), key=len)
            shared = sum(1 for o in small if o in large)
            # A big, running story is reported by the same outlet many times: the penalty
            # fades as the linkage moves to centroids.
            value *= 1.0 - source_penalty * (1.0 - c) * shared / len(small)
        return value

    first = [d if d == d else np.inf for d in (days if days is not None else [np.nan] * n)]
    last = [d if d == d else -np.inf for d in (days if days is not None else [np.nan] * n)]

    # Re-scoring every link of a merged cluster made the loop superlinear: a large event absorbs
    # articles one at a time and has thousands of links, almost all far below the threshold.
    # ``_reachable`` picks, with numpy over all links at once, those whose score can reach the
    # threshold; only they get the exact ``score``, so the heap holds the same entries as when
    # every link is scored (entries below the threshold are never pushed). The bound: with
    # L = links[a][b] >= 0, P = size[a] * size[b], M = mass and c in [0, 1], the denominator
    # P ** (1 - c) * sqrt(M) ** c is a weighted geometric mean of P and sqrt(M), so at least
    # their minimum, and the source penalty only multiplies by a factor in [1 - penalty, 1];
    # hence score <= L / min(P, sqrt(M)). No monotonicity under merges is assumed: the bound is
    # taken afresh from the clusters as they are after each merge. It needs a non-negative
    # penalty and shortness in [0, 1]; otherwise every link is scored.
    bounded = source_penalty >= 0.0 and all(0.0 <= s <= 1.0 for s in short)
    size_arr = np.ones(n)
    inner_arr = np.zeros(n)

    def _reachable(a: int) -> np.ndarray:
        near = links[a]
        others = np.fromiter(near.keys(), dtype=np.int64, count=len(near))
        total = np.fromiter(near.values(), dtype=np.float64, count=len(near))
        pairs = size[a] * size_arr[others]
        mass = (size[a] + 2.0 * inner[a]) * (size_arr[others] + 2.0 * inner_arr[others])
        bound = total / np.minimum(pairs, np.sqrt(mass))
        # The margin covers rounding in the exact score; a negative total is always scored.
        return others[(bound * (1.0 + 1e-9) >= threshold) | (total < 0.0)].tolist()

    def in_window(a: int, b: int) -> bool:
        return max(last[a], last[b]) - min(first[a], first[b]) <= window_days

    if once:  # each pair's summed similarity is its own (self pairs have none)
        value = np.where(lo == hi, 0.0, sims + 0.0)[first_seen]
    lo, hi = lo[first_seen], hi[first_seen]
    if not once:
        pairs = zip(lo.tolist(), hi.tolist(), strict=True)
        value = np.array([links[a].get(b, 0.0) for a, b in pairs])
    if source_penalty and sources is not None:
        ids = {k: i + 1 for i, k in enumerate(sorted({s for s in sources if s}))}
        outlet = np.array([ids[s] if s else 0 for s in sources], dtype=np.int64)
        same = (outlet[lo] > 0) & (outlet[lo] == outlet[hi])
        value = np.where(same, value * (1.0 - source_penalty), value)
    keep = (lo != hi) & (value >= threshold)
    heap = list(zip((-value[keep]).tolist(), lo[keep].tolist(), hi[keep].tolist(), strict=True))
    heapq.heapify(heap)
    alive = [True] * n
    parent = list(range(n))
    while heap:
        neg, a, b = heapq.heappop(heap)
        if not (alive[a] and alive[b]) or abs(score(a, b) + neg) > 1e-12:
            continue  # a side was merged away, or the score changed since this was pushed
        if not in_window(a, b):
            continue
        if len(links[a]) < len(links[b]):
            a, b = b, a
        # Fold b into a.
        alive[b] = False
        parent[b] = a
        inner[a] += inner[b] + links[a].pop(b)
        size[a] += size[b]
        short[a] += short[b]
        for c, total in links[b].items():
            if c == a:
                continue
            del links[c][b]
            merged = links[a].get(c, 0.0) + total
            links[a][c] = merged
            links[c][a] = merged
        links[b] = {}
        outlets[a] |= outlets[b]
        first[a], last[a] = min(first[a], first[b]), max(last[a], last[b])
        outlets[b] = set()
        size_arr[a], inner_arr[a] = size[a], inner[a]
        for c in _reachable(a) if bounded and len(links[a]) > _VECTOR_LINKS else links[a]:
            value = score(a, c)
            if value >= threshold:
                heapq.heappush(heap, (-value, min(a, c), max(a, c)))
    labels: dict[int, int] = {}
    out = []
    for i in range(n):
        r = i
        while parent[r] != r:
            r = parent[r]
        out.append(labels.setdefault(r, len(labels)))
    return out
