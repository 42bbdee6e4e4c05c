"""Deduplicate stage: fold exact and near copies of an article into one.

Wire copy is republished with small edits: another headline, trimmed or reordered paragraphs,
added boilerplate, other quotes and punctuation. Texts are compared as sets of word shingles
(``shingle`` consecutive lower-case words, punctuation dropped), so edits inside a paragraph
change few shingles and reordering paragraphs changes almost none.

1. Exact copies (same words in the same order) collapse at once, by a hash of their text.
2. Each remaining text gets a MinHash signature, computed for all articles at once with numpy;
   LSH banding (bands and rows chosen as datasketch's ``MinHashLSH`` does) proposes candidate
   pairs: only articles sharing a band are ever compared, never all pairs.
3. A candidate pair is a copy when the shingles of the shorter text are at least ``threshold``
   contained in the longer one (containment, not Jaccard, so a trimmed copy or one with added
   boilerplate still matches).

Articles without a story text (headline-only feed items) are compared by their headlines, and
only with each other. Articles pinned by an editor to different events are never merged.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
from datasketch import MinHashLSH

from digest.config import DedupeConfig
from digest.features import word_id
from digest.model import Article, Copies

_WORD = re.compile(r"[^\W_]+", re.U)
# Below this many words the body is not a story text; the headline stands for the article.
MIN_BODY_WORDS = 25
# Headlines shorter than this are too generic to call two articles copies ("Stocks fall").
MIN_HEADLINE_WORDS = 5
# Words per shingle for headlines: short texts need short shingles.
HEADLINE_SHINGLE = 2
HEADLINE_CONTAINMENT = 0.9
_MASK61 = np.uint64((1 << 61) - 1)
_BUCKET_WINDOW = 32
# LSH is tuned to find pairs of this Jaccard similarity (found with probability 0.99 at 0.5).
CANDIDATE_JACCARD = 0.3


def words(text: str) -> list[str]:
    """Lower-case words without punctuation, quotes or apostrophes ("don't" -> "dont")."""
    return _WORD.findall(text.lower().replace("’", "").replace("'", ""))


def _shingle_hashes(tokens: list[str], k: int, vocab: dict[str, int]) -> np.ndarray:
    """Sorted unique 61-bit hashes of the k-word shingles of ``tokens``."""
    ids = np.array(
        [vocab[t] if t in vocab else vocab.setdefault(t, word_id(t)) for t in tokens],
        dtype=np.uint64,
    )
    if len(ids) < k:
        k = max(1, len(ids))
    if not len(ids):
        return np.zeros(0, dtype=np.uint64)
    h = np.zeros(len(ids) - k + 1, dtype=np.uint64)
    for j in range(k):
        # Polynomial rolling combination; uint64 arithmetic wraps, which is what we want.
        h = h * np.uint64(1_000_003) + ids[j : len(ids) - k + 1 + j]
    return np.unique(h & _MASK61)


def _signatures(sets: list[np.ndarray], num_perm: int, seed: int) -> np.ndarray:
    """MinHash signatures (one row per set) of all sets at once."""
    gen = np.random.RandomState(seed)
    a = gen.randint(1, 1 << 62, num_perm, dtype=np.uint64) | np.uint64(1)
    b = gen.randint(0, 1 << 62, num_perm, dtype=np.uint64)
    out = np.full((len(sets), num_perm), np.iinfo(np.uint64).max, dtype=np.uint64)
    sizes = np.array([len(s) for s in sets])
    nonempty = np.flatnonzero(sizes)
    if not len(nonempty):
        return out
    flat = np.concatenate([sets[i] for i in nonempty])
    starts = np.concatenate(([0], np.cumsum(sizes[nonempty])[:-1]))
    step = max(1, 4_000_000 // num_perm)  # shingles per block: bounds memory
    mins = np.empty((len(nonempty), num_perm), dtype=np.uint64)
    # Process whole sets in blocks so reduceat sees complete segments.
    i = 0
    while i < len(nonempty):
        j = i
        total = 0
        while j < len(nonempty) and (total == 0 or total + sizes[nonempty[j]] <= step):
            total += sizes[nonempty[j]]
            j += 1
        lo = starts[i]
        block = flat[lo : lo + total]
        permuted = block[:, None] * a[None, :] + b[None, :]
        mins[i:j] = np.minimum.reduceat(permuted, starts[i:j] - lo, axis=0)
        i = j
    out[nonempty] = mins
    return out


def band_shape(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows per band) for ``num_perm`` permutations, as datasketch's ``MinHashLSH``
    chooses them for ``threshold`` (false positives and negatives weighed alike). Read from an
    empty index rather than its private helper, which a datasketch release may rename."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=(0.5, 0.5))
    return lsh.b, lsh.r


def _candidates(sig: np.ndarray, threshold: float) -> set[tuple[int, int]]:
    """Pairs of rows sharing at least one LSH band."""
    n, num_perm = sig.shape
    bands, rows = band_shape(threshold, num_perm)
    pairs: set[tuple[int, int]] = set()
    for band in range(bands):
        chunk = np.ascontiguousarray(sig[:, band * rows : (band + 1) * rows])
        keys = chunk.view(np.dtype((np.void, chunk.dtype.itemsize * rows))).ravel()
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        edges = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
        bounds = np.concatenate(([0], edges, [n]))
        sizes = np.diff(bounds)
        shared = sizes > 1  # nearly every bucket holds one article: only the others are read
        for start, size in zip(bounds[:-1][shared].tolist(), sizes[shared].tolist(), strict=True):
            g = sorted(order[start : start + size].tolist())
            # A huge bucket (many copies of one text) is linked as a chain of near
            # neighbours, not all pairs, so its cost stays linear.
            for x in range(len(g)):
                for y in range(x + 1, min(len(g), x + 1 + _BUCKET_WINDOW)):
                    pairs.add((g[x], g[y]))
    return pairs


def _containment(a: np.ndarray, b: np.ndarray) -> float:
    if not len(a) or not len(b):
        return 0.0
    shared = len(np.intersect1d(a, b, assume_unique=True))
    return shared / min(len(a), len(b))


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _tokens(article: Article) -> tuple[list[str], bool]:
    """The article's words (its headline's first when it has no story text), and whether it
    has no story text."""
    body = words(article.text)
    short = len(body) < MIN_BODY_WORDS
    return (words(article.title) + body if short else body), short


def _shingles(
    article: Article, config: DedupeConfig, vocab: dict[str, int], found: tuple[list[str], bool]
) -> np.ndarray:
    """The article's shingle hashes, from its ``_tokens``: of its story text, or of its headline
    and text when it has no story text (none when that headline is too short to tell copies
    apart)."""
    tokens, short = found
    if not short:
        return _shingle_hashes(tokens, config.shingle, vocab)
    if len(words(article.title)) < MIN_HEADLINE_WORDS:
        return np.zeros(0, dtype=np.uint64)
    return _shingle_hashes(tokens, HEADLINE_SHINGLE, vocab)


def _representative(group: list[Article]) -> Article:
    """The fullest version: most words, then the earliest dated, then the smallest id."""
    return min(
        group,
        key=lambda a: (-a.word_count, a.date is None, a.date.timestamp() if a.date else 0, a.id),
    )


class CopyPrint(NamedTuple):
    """What dedupe reads of one article. It depends on the article alone, so a rebuild takes
    it from the cache (``incremental.grouping_prints``) for every article it has seen before."""

    exact: bytes  # a hash of its ``_tokens`` in order; empty when it has none
    headline_only: bool  # no story text: compared by its headline, with the others alike
    signature: np.ndarray | None  # MinHash of its shingles; None when it has none


def copy_prints(articles: Sequence[Article], config: DedupeConfig) -> list[CopyPrint]:
    """The ``CopyPrint`` of each article, signatures computed for all at once."""
    vocab: dict[str, int] = {}
    found = [_tokens(a) for a in articles]
    sets = [_shingles(a, config, vocab, f) for a, f in zip(articles, found, strict=True)]
    sig = iter(_signatures([s for s in sets if len(s)], config.num_perm, config.seed))
    return [
        CopyPrint(
            hashlib.blake2b(" ".join(tokens).encode(), digest_size=16).digest() if tokens else b"",
            short,
            next(sig).copy() if len(shingles) else None,  # a row of its own, not a view
        )
        for (tokens, short), shingles in zip(found, sets, strict=True)
    ]


def dedupe(
    articles: Sequence[Article],
    config: DedupeConfig,
    prints: Mapping[str, CopyPrint] | None = None,
) -> list[Copies]:
    """Fold copies together; each group keeps its fullest version as the article.

    ``prints`` are the articles' ``CopyPrint`` by id when already made (all or none).
    """
    items = sorted(articles, key=lambda a: a.id)
    n = len(items)
    if prints is None:
        prints = dict(zip([a.id for a in items], copy_prints(items, config), strict=True))
    found = [prints[a.id] for a in items]
    parent = list(range(n))

    pin = [a.event or None for a in items]  # the editor's pin of each group, by its root

    def union(i: int, j: int) -> None:
        ri, rj = _find(parent, i), _find(parent, j)
        if ri == rj or (pin[ri] and pin[rj] and pin[ri] != pin[rj]):
            return  # copies pinned to different events stay apart
        lo, hi = min(ri, rj), max(ri, rj)
        parent[hi] = lo
        pin[lo] = pin[lo] or pin[hi]

    # 1. Exact copies, by their words in order (the headline too when there is no story text).
    first: dict[tuple[bool, bytes], int] = {}
    for i, p in enumerate(found):
        if not p.exact:
            continue
        j = first.setdefault((p.headline_only, p.exact), i)
        if j != i:
            union(j, i)

    # 2-3. Near copies: MinHash LSH candidates, confirmed by shingle containment.
    present = [i for i in range(n) if found[i].signature is not None]
    if len(present) > 1:
        sig = np.stack([found[i].signature for i in present])
        # Shingles only for the articles of candidate pairs: few, and not worth caching.
        vocab: dict[str, int] = {}
        sets: dict[int, np.ndarray] = {}

        def shingles(i: int) -> np.ndarray:
            if i not in sets:
                sets[i] = _shingles(items[i], config, vocab, _tokens(items[i]))
            return sets[i]

        # Candidates at a much lower Jaccard than the containment threshold: a copy trimmed to
        # half its length has Jaccard 0.5 with the original but containment 1.
        for x, y in sorted(_candidates(sig, CANDIDATE_JACCARD)):
            i, j = present[x], present[y]
            short = found[i].headline_only
            if short != found[j].headline_only or _find(parent, i) == _find(parent, j):
                continue
            # A headline has few shingles: one changed word is already 20% of them, so
            # headlines must match more closely than story texts.
            need = max(config.threshold, HEADLINE_CONTAINMENT) if short else config.threshold
            if _containment(shingles(i), shingles(j)) >= need:
                union(i, j)

    groups: dict[int, list[Article]] = {}
    for i in range(n):
        groups.setdefault(_find(parent, i), []).append(items[i])
    out = []
    for group in groups.values():
        keep = _representative(group)
        out.append(Copies(keep, tuple(a for a in group if a is not keep)))
    return sorted(out, key=lambda c: c.article.id)
