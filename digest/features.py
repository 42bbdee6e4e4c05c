"""Article features for grouping: weighted words as sparse TF-IDF vectors.

An article is its headline, its lead and the rest of its text, with words weighted by where they
stand (a headline word says more about the event than one in the tenth paragraph), by how rare
they are (``digest.background.Rarity``) and by whether they name something (capitalised inside a
sentence: people, places, organisations). Vectors are L2-normalised rows of one sparse matrix, so
the cosine of two articles is one sparse dot product.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
import scipy.sparse as sp

from digest.background import Rarity, english_stop_words
from digest.model import Article

_WORD = re.compile(r"[^\W\d_](?:[\w’'&.-]*\w)?|\d[\d,.]*\d|\d", re.U)
# A word with what ends the sentence before it, if anything: a capital after that is no name.
_TOKEN = re.compile(r"([.!?:;\"“”]\s*)?(" + _WORD.pattern + ")", re.U)
_STOP = english_stop_words() | {
    "said", "says", "say", "told", "according", "mr", "mrs", "ms", "dr", "new", "news", "just",
    "like", "year", "years", "time", "also", "would", "could", "one", "two", "people", "week",
    "day", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "s",
    "t", "don", "it’s", "it's", "i’m", "i'm", "that’s", "that's", "including", "report", "reports",
    "updated", "video", "photo", "photos", "read", "more", "via",
}  # fmt: skip

# Weights by position: the headline names the event; the lead states it; later text drifts.
TITLE_WEIGHT = 3.0
LEAD_WORDS = 120
LEAD_WEIGHT = 1.5
BODY_WORDS = 1500  # words past this point add more background than signal
NAME_BOOST = 1.5  # a capitalised word inside a sentence: a person, place or organisation


def _norm(token: str) -> str:
    token = token.lower().replace("’", "'").strip(".'-&")
    if token.endswith("'s"):
        token = token[:-2]
    return token


class _Words:
    """Tokenizer with a memo of each raw token's normal form (a folder repeats its words)."""

    def __init__(self) -> None:
        # raw token -> (normal form, or "" when not a content word; whether it is capitalised)
        self._memo: dict[str, tuple[str, bool]] = {}

    def _learn(self, raw: str) -> tuple[str, bool]:
        word = _norm(raw)
        content = not (len(word) < 2 or word in _STOP or word.isdigit() and len(word) < 4)
        found = self._memo[raw] = (word if content else "", raw[0].isupper())
        return found

    def content(self, text: str, names: bool) -> list[tuple[str, bool]]:
        """Each word of ``text``: its normal form if a content word (else ""), and whether it is
        capitalised inside a sentence (always False without ``names``)."""
        found = _TOKEN.findall(text)
        get, learn = self._memo.get, self._learn
        # A folder's words are mostly known: list comprehensions keep the per-token work small.
        known = [get(raw) or learn(raw) for _, raw in found]
        if not names:
            return [(word, False) for word, _ in known]
        # A capital after what ends a sentence, or on the first word, is no name.
        out = [(word, cap and not end) for (end, _), (word, cap) in zip(found, known, strict=True)]
        if out:
            out[0] = (out[0][0], False)
        return out


def weighted_terms(article: Article, words: _Words | None = None) -> dict[str, float]:
    """Each content word of the article with its position- and name-weighted count."""
    words = words or _Words()
    terms: dict[str, float] = {}

    def add(tokens: list[tuple[str, bool]], weight: float) -> None:
        for word, name in tokens:
            if word:
                terms[word] = terms.get(word, 0.0) + (weight * NAME_BOOST if name else weight)

    if article.title:
        # Headlines are often in Title Case, so capitals there do not mark names.
        add(words.content(article.title, names=False)[:60], TITLE_WEIGHT)
    if article.place:
        add(words.content(article.place, names=False)[:10], TITLE_WEIGHT)  # a cut dateline
    used = 0
    for para in article.paragraphs:
        if used >= BODY_WORDS:
            break
        tokens = words.content(para, names=True)[: BODY_WORDS - used]
        lead = max(0, LEAD_WORDS - used)
        add(tokens[:lead], LEAD_WEIGHT)
        add(tokens[lead:], 1.0)
        used += max(len(tokens), 1)
    return terms


def headline_terms(article: Article, words: _Words | None = None) -> dict[str, float]:
    """The content words of the headline alone, weighted as in ``weighted_terms``."""
    words = words or _Words()
    terms: dict[str, float] = {}
    for word, _ in words.content(article.title or "", names=False)[:60]:
        if word:
            terms[word] = terms.get(word, 0.0) + TITLE_WEIGHT
    return terms


def tfidf_matrix(
    articles: Sequence[Article],
    rarity: Rarity,
    terms: Callable[[Article, _Words], dict[str, float]] = weighted_terms,
) -> tuple[sp.csr_matrix, list[str], np.ndarray]:
    """Rows of L2-normalised TF-IDF vectors, the vocabulary and each word's document frequency.

    ``terms`` gives an article's weighted words: the whole article by default, or
    ``headline_terms`` for headline vectors.
    """
    vocab: dict[str, int] = {}
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    words_memo = _Words()
    for article in articles:
        found = sorted(terms(article, words_memo).items())
        # New words get the next ids in sorted order, as if added one at a time.
        fresh = [word for word, _ in found if word not in vocab]
        vocab.update(zip(fresh, range(len(vocab), len(vocab) + len(fresh)), strict=True))
        indices.extend(map(vocab.__getitem__, [word for word, _ in found]))
        data.extend([count for _, count in found])
        indptr.append(len(indices))
    words = [""] * len(vocab)
    for word, i in vocab.items():
        words[i] = word
    x = sp.csr_matrix(
        (np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64), indptr),
        shape=(len(articles), len(vocab)),
    )
    df = np.bincount(x.indices, minlength=len(vocab)).astype(np.float64)
    idf = rarity.idf(words, df, len(articles))
    x.data = (1.0 + np.log(x.data)) if x.nnz else x.data  # sublinear term frequency
    x.data = np.maximum(x.data, 0.1)
    x = sp.csr_matrix(x @ sp.diags(idf))
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    x = sp.csr_matrix(sp.diags(1.0 / norms) @ x)
    return x, words, df


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted: what ``np.unique`` gives, by a sort instead of its hashing
    path, which is several times slower on large integer arrays."""
    out = np.sort(values)
    return out[np.concatenate(([True], out[1:] != out[:-1]))] if len(out) else out


def phrase_matrix(articles: Sequence[Article], n: int, max_df: int) -> sp.csr_matrix:
    """Binary rows of the n-word phrases each article shares with at least one other article.

    Two reports of one event quote the same statement or repeat the same wire sentence; two
    reports of different events almost never share a long word sequence. Phrases found in more
    than ``max_df`` articles are boilerplate or set phrases and are left out.
    """
    vocab: dict[str, int] = {}
    rows: list[np.ndarray] = []
    for article in articles:
        text = f"{article.title}\n{article.text}".lower().replace("’", "'")
        tokens = _WORD.findall(text)
        # Ids by first occurrence in the folder, with the per-token work done in C.
        fresh = [t for t in dict.fromkeys(tokens) if t not in vocab]
        vocab.update(zip(fresh, range(len(vocab) + 1, len(vocab) + 1 + len(fresh)), strict=True))
        ids = np.fromiter(map(vocab.__getitem__, tokens), dtype=np.uint64, count=len(tokens))
        if len(ids) < n:
            rows.append(np.zeros(0, dtype=np.uint64))
            continue
        # Polynomial hash of each n-word window; uint64 arithmetic wraps, which is intended.
        h = np.zeros(len(ids) - n + 1, dtype=np.uint64)
        for k in range(n):
            h = h * np.uint64(1_000_003) + ids[k : len(ids) - n + 1 + k]
        rows.append(sorted_unique(h))
    flat = np.concatenate(rows) if rows else np.zeros(0, dtype=np.uint64)
    _, inverse, counts = np.unique(flat, return_inverse=True, return_counts=True)
    keep = (counts >= 2) & (counts <= max_df)
    col = np.cumsum(keep) - 1
    sizes = np.array([len(r) for r in rows], dtype=np.int64)
    row_of = np.repeat(np.arange(len(rows)), sizes)
    mask = keep[inverse]
    return sp.csr_matrix(
        (np.ones(int(mask.sum())), (row_of[mask], col[inverse[mask]])),
        shape=(len(articles), int(keep.sum())),
    )


def topic_vectors(x: sp.csr_matrix, members: np.ndarray, k: int) -> np.ndarray:
    """Unit rows in a ``k``-dimensional topic space for the ``members`` rows of ``x`` (zero rows
    for the others): a truncated SVD of those rows (latent semantic analysis), in which words
    that occur together across them lie close together. Seeded, so the same input gives the
    same space.
    """
    from sklearn.decomposition import TruncatedSVD  # loaded only when a folder needs it

    part = x[members]
    part = part[:, sorted_unique(part.indices)]  # only the words the members use: a smaller SVD
    z = np.zeros((x.shape[0], k))
    dims = min(k, part.shape[0] - 1, part.shape[1] - 1)
    if dims < 1:
        return z
    # ARPACK converges to the exact leading singular vectors; a randomized SVD with few passes
    # does not, and its groupings would hang on the random draw.
    z[members, :dims] = TruncatedSVD(dims, algorithm="arpack", random_state=0).fit_transform(part)
    z /= np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12)
    return z


def date_rarity(
    days: np.ndarray, rows: np.ndarray, cols: np.ndarray, window_days: float
) -> np.ndarray:
    """How rare it is in this folder for two dated articles to be as close in time as each pair.

    One minus the share of all dated pairs at most as far apart: 0 when every article is from
    the same day (time tells nothing), near 1 for two reports a day apart in a folder that
    spans years. Pairs with an undated side get 0.
    """
    out = np.zeros(len(rows))
    dated = np.sort(days[~np.isnan(days)])
    m = len(dated)
    if m < 3:
        return out
    # Gaps from an hour to the window, finer where they are short.
    grid = np.concatenate([[0.0], np.geomspace(1.0 / 24, max(window_days, 1.0 / 24), 40)])
    # Dated pairs at most ``gap`` apart, for each gap of the grid (each pair counted twice).
    within = np.array(
        [
            (np.searchsorted(dated, dated + g, side="right") - np.arange(m) - 1).sum() * 2
            for g in grid
        ]
    )
    share = within / (m * (m - 1))
    gap = np.abs(days[rows] - days[cols])
    known = ~np.isnan(gap)
    out[known] = 1.0 - np.interp(gap[known], grid, share)
    return out
