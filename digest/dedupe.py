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
from collections.abc import Sequence

import numpy as np
from datasketch.lsh import _optimal_param

from digest.config import DedupeConfig
from digest.model import Article, Copies
from digest.parallel import beside, spare_core

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
# Articles from which a child process makes half the shingles and signatures: below it, a fork
# and sending the signatures back cost more than the overlap saves.
BACKGROUND_ARTICLES = 2000


def words(text: str) -> list[str]:
    """Lower-case words without punctuation, quotes or apostrophes ("don't" -> "dont")."""
    return _WORD.findall(text.lower().replace("’", "").replace("'", ""))


def _stable_hash(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")


def _shingle_hashes(tokens: list[str], k: int, vocab: dict[str, int]) -> np.ndarray:
    """Sorted unique 61-bit hashes of the k-word shingles of ``tokens``."""
    ids = np.array(
        [vocab[t] if t in vocab else vocab.setdefault(t, _stable_hash(t)) for t in tokens],
        dtype=np.uint64,
    )
    ids &= _MASK61
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


def _candidates(sig: np.ndarray, threshold: float) -> set[tuple[int, int]]:
    """Pairs of rows sharing at least one LSH band."""
    n, num_perm = sig.shape
    bands, rows = _optimal_param(threshold, num_perm, 0.5, 0.5)
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


def _exact_texts(items: Sequence[Article]) -> tuple[list[list[str]], list[bool]]:
    """Each article's words (its headline's first when it has no story text), and whether it
    has no story text."""
    texts: list[list[str]] = []
    headline_only: list[bool] = []
    for a in items:
        body = words(a.text)
        short = len(body) < MIN_BODY_WORDS
        headline_only.append(short)
        texts.append(words(a.title) + body if short else body)
    return texts, headline_only


def _representative(group: list[Article]) -> Article:
    """The fullest version: most words, then the earliest dated, then the smallest id."""
    return min(
        group,
        key=lambda a: (-a.word_count, a.date is None, a.date.timestamp() if a.date else 0, a.id),
    )


def _sets(
    items: Sequence[Article],
    config: DedupeConfig,
    texts: Sequence[list[str]],
    headline_only: Sequence[bool],
) -> list[np.ndarray]:
    """Each article's shingle hashes, from its ``_exact_texts``: of its story text, or of its
    headline and text when it has no story text (none when that headline is too short to
    tell copies apart)."""
    vocab: dict[str, int] = {}
    empty = np.zeros(0, dtype=np.uint64)
    sets = []
    for a, tokens, short in zip(items, texts, headline_only, strict=True):
        if short:
            ok = len(words(a.title)) >= MIN_HEADLINE_WORDS
            sets.append(_shingle_hashes(tokens, HEADLINE_SHINGLE, vocab) if ok else empty)
        else:
            sets.append(_shingle_hashes(tokens, config.shingle, vocab))
    return sets


def _sets_and_signatures(
    job: tuple[Sequence[Article], DedupeConfig, tuple[list[list[str]], list[bool]] | None],
) -> tuple[list[np.ndarray], np.ndarray]:
    """``_sets`` of the articles, and the MinHash signatures of the non-empty ones; from their
    ``_exact_texts`` when given, else made here."""
    items, config, exact = job
    sets = _sets(items, config, *(exact or _exact_texts(items)))
    sig = _signatures([s for s in sets if len(s)], config.num_perm, config.seed)
    return sets, sig


def dedupe(articles: Sequence[Article], config: DedupeConfig, jobs: int | None = 1) -> list[Copies]:
    """Fold copies together; each group keeps its fullest version as the article.

    With ``jobs`` other than 1 (None or 0: every core) and many articles, a child process
    makes the shingles and signatures of the second half of them meanwhile.
    """
    items = sorted(articles, key=lambda a: a.id)
    n = len(items)
    parent = list(range(n))

    pin = [a.event or None for a in items]  # the editor's pin of each group, by its root

    def union(i: int, j: int) -> None:
        ri, rj = _find(parent, i), _find(parent, j)
        if ri == rj or (pin[ri] and pin[rj] and pin[ri] != pin[rj]):
            return  # copies pinned to different events stay apart
        lo, hi = min(ri, rj), max(ri, rj)
        parent[hi] = lo
        pin[lo] = pin[lo] or pin[hi]

    # The shingles and signatures of each article depend on it alone: a child makes those of
    # the second half while this process makes the rest (per row, so the same values).
    cut = n // 2 if spare_core(jobs, n, BACKGROUND_ARTICLES) else n
    with beside(
        _sets_and_signatures, (items[cut:], config, None), jobs, n, BACKGROUND_ARTICLES
    ) as take_second:
        texts, headline_only = _exact_texts(items)
        exact = (texts[:cut], headline_only[:cut])
        sets, sig = _sets_and_signatures((items[:cut], config, exact))
        if cut < n:
            later_sets, later_sig = take_second()
            sets += later_sets
            sig = np.concatenate([sig, later_sig])

    # 1. Exact copies, by their words in order (the headline too when there is no story text).
    first: dict[tuple[bool, str], int] = {}
    for i, tokens in enumerate(texts):
        if not tokens:
            continue
        key = (headline_only[i], " ".join(tokens))
        j = first.setdefault(key, i)
        if j != i:
            union(j, i)

    # 2-3. Near copies: MinHash LSH candidates, confirmed by shingle containment.
    present = [i for i in range(n) if len(sets[i])]
    if len(present) > 1:
        # Candidates at a much lower Jaccard than the containment threshold: a copy trimmed to
        # half its length has Jaccard 0.5 with the original but containment 1.
        for x, y in sorted(_candidates(sig, CANDIDATE_JACCARD)):
            i, j = present[x], present[y]
            if headline_only[i] != headline_only[j] or _find(parent, i) == _find(parent, j):
                continue
            # A headline has few shingles: one changed word is already 20% of them, so
            # headlines must match more closely than story texts.
            need = (
                max(config.threshold, HEADLINE_CONTAINMENT)
                if headline_only[i]
                else config.threshold
            )
            if _containment(sets[i], sets[j]) >= need:
                union(i, j)

    groups: dict[int, list[Article]] = {}
    for i in range(n):
        groups.setdefault(_find(parent, i), []).append(items[i])
    out = []
    for group in groups.values():
        keep = _representative(group)
        out.append(Copies(keep, tuple(a for a in group if a is not keep)))
    return sorted(out, key=lambda c: c.article.id)
