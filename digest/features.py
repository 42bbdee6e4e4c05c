"""Article features for grouping: weighted words as sparse TF-IDF vectors.

An article is its headline, its lead and the rest of its text, with words weighted by where they
stand (a headline word says more about the event than one in the tenth paragraph), by how rare
they are (``digest.background.Rarity``) and by whether they name something (capitalised inside a
sentence: people, places, organisations). Vectors are L2-normalised rows of one sparse matrix, so
the cosine of two articles is one sparse dot product.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import svds

from digest.background import Rarity, english_stop_words
from digest.model import Article
from digest.sentences import WEEKDAYS

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
WEEKDAY_WORDS = 80  # words of the text, after the headline, read for the day an event happened

_WEEKDAY = re.compile(r"\b(" + "|".join(WEEKDAYS) + r")\b")  # on lower-cased text
# A weekday that names some other day than the one reported on: "last Monday", "since Friday",
# "Super Tuesday", "Fox News Sunday", "The Sunday Times", or a photo caption's stamp ("Tuesday,
# Feb. 6, 2018", "Tuesday,..."). Only the words next to a weekday are looked at.
_ELSEWHEN_BEFORE = re.compile(
    r"\b(?:last|next|this|since|until|till|by|every|through|from|before|after|coming|past|"
    r"previous|following|super|black|cyber|good|ash|palm|easter|bloody|holy|maundy|giving|the|"
    r"news)\s+$"
)
_ELSEWHEN_AFTER = re.compile(
    r",?\s*(?:\.\.\.|…)|,?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d"
    r"|\s+(?:night\s+(?:live|football)|times|telegraph|mirror|express|herald|post)\b"
)


# A figure a headline states ("850,000 jobs", "$3.5T", "60 dead", "5.9%"), with its scale ("500M"
# and "500 million" are one figure). Not a figure: digits inside a word or code ("COVID-19",
# "G-7", "5G", "9/11"), a year, a decade ("1990s"), an ordinal ("1st"), a day of a month ("July
# 15", "Jan. 6") and a span of time ("in 21 years", "a 20-year war").
_FIGURE = re.compile(
    r"(?<![\w.,/\-])\$?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s*(k|thousand|m|mn|mln|million|b|bn|billion|t|tn|trln|trillion)\b)?"
    r"(?=$|[\s%,.;:!?)'\"\u2019\u201d-])"
)
_FIGURE_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "mln": 1e6, "million": 1e6}
_FIGURE_SCALE |= {"b": 1e9, "bn": 1e9, "billion": 1e9, "t": 1e12, "tn": 1e12, "trln": 1e12}
_FIGURE_SCALE |= {"trillion": 1e12}
_FIGURE_SPAN = re.compile(r"\s*-?\s*(?:year|month|week|day|hour|minute)s?\b")
_FIGURE_DAY = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+$")
_YEAR = re.compile(r"(?:1[89]|20)\d\d")
FIGURE_BITS = 62  # figures are hashed to bits of an int64; a collision only reads as shared


def headline_figures(title: str | None) -> int:
    """The figures a headline states, as bits of a hash of each value (0 when it states none).

    Two reports of one subject that state different figures in their headlines are mostly two
    events: the jobs report for May and the one for June, a toll of one and of sixty. Two figures
    that hash to one bit count as shared, so a collision can only keep a pair as it is.
    """
    if not title:
        return 0
    lower = title.lower()
    mask = 0
    for m in _FIGURE.finditer(lower):
        written, unit = m.group(1), m.group(2)
        number = written.replace(",", "")
        if not unit and _YEAR.fullmatch(written):  # "2021", but "2,000" is a figure
            continue
        if _FIGURE_SPAN.match(lower, m.end()) or _FIGURE_DAY.search(lower, 0, m.start()):
            continue
        value = float(number) * _FIGURE_SCALE.get(unit or "", 1.0)
        digest = hashlib.blake2b(f"{value:.6g}".encode(), digest_size=8).digest()
        mask |= 1 << (int.from_bytes(digest, "big") % FIGURE_BITS)
    return mask


def _norm(token: str) -> str:
    token = token.lower().replace("’", "'").strip(".'-&")
    if token.endswith("'s"):
        token = token[:-2]
    return token


class Words:
    """Tokenizer with a memo of each raw token's normal form (a folder repeats its words)."""

    def __init__(self) -> None:
        # raw token -> (normal form, or "" when not a content word; whether it is capitalised)
        self._memo: dict[str, tuple[str, bool]] = {}

    def _learn(self, raw: str) -> tuple[str, bool]:
        word = _norm(raw)
        content = not (len(word) < 2 or word in _STOP or word.isdigit() and len(word) < 4)
        found = self._memo[raw] = (word if content else "", raw[0].isupper())
        return found

    def count(self, text: str) -> Counter[str]:
        """How many times ``text`` uses each content word (normal forms; capitals ignored).

        Counted by raw token first, so the per-token work is the regex's and the counter's."""
        found: Counter[str] = Counter()
        get, learn = self._memo.get, self._learn
        for raw, n in Counter(_WORD.findall(text)).items():
            word = (get(raw) or learn(raw))[0]
            if word:
                found[word] += n
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


def weighted_terms(article: Article, words: Words | None = None) -> dict[str, float]:
    """Each content word of the article with its position- and name-weighted count."""
    words = words or Words()
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


def weekdays(text: str) -> int:
    """The days of the week ``text`` says something happened on, as bits (Monday = 1, Tuesday =
    2, Sunday = 64); 0 when it names none. Weekdays that point elsewhere ("last Monday", "Super
    Tuesday", a caption's "Tuesday, Feb. 6") are left out."""
    lower = text.lower()
    mask = 0
    for m in _WEEKDAY.finditer(lower):
        if _ELSEWHEN_BEFORE.search(lower, max(0, m.start() - 12), m.start()):
            continue
        if _ELSEWHEN_AFTER.match(lower, m.end()):
            continue
        mask |= 1 << WEEKDAYS.index(m.group(1))
    return mask


def lead_weekdays(article: Article) -> int:
    """``weekdays`` of the headline and the first ``WEEKDAY_WORDS`` words of the text, where a
    report says when its event happened ("said on Friday")."""
    lead: list[str] = []
    for para in article.paragraphs:
        lead += para.split()[: WEEKDAY_WORDS - len(lead)]
        if len(lead) >= WEEKDAY_WORDS:
            break
    return weekdays(f"{article.title or ''}\n{' '.join(lead)}")


def headline_terms(article: Article, words: Words | None = None) -> dict[str, float]:
    """The content words of the headline alone, weighted as in ``weighted_terms``."""
    words = words or Words()
    terms: dict[str, float] = {}
    for word, _ in words.content(article.title or "", names=False)[:60]:
        if word:
            terms[word] = terms.get(word, 0.0) + TITLE_WEIGHT
    return terms


# An article's weighted words: its content words, sorted and joined by spaces (one string, not a
# tuple of them: a hundred thousand articles' words held as separate objects took gigabytes), and
# their weights in the same order.
WeightedWords = tuple[str, np.ndarray]


def packed(terms: dict[str, float]) -> WeightedWords:
    """``weighted_terms`` or ``headline_terms`` in the form ``tfidf_matrix`` and the cache take.

    The weights are sums of the position and name weights, all multiples of a quarter: float32
    holds them exactly up to four million, in half the cache space of float64.
    """
    found = sorted(terms.items())
    return " ".join(word for word, _ in found), np.array([w for _, w in found], dtype=np.float32)


class Terms(NamedTuple):
    """What grouping reads of one article. It depends on the article alone, so a rebuild takes
    it from the cache (``incremental.grouping_prints``) for every article it has seen before."""

    body: WeightedWords  # ``weighted_terms``
    headline: WeightedWords  # ``headline_terms``
    phrases: np.ndarray  # ``phrase_hashes``
    weekdays: int  # ``lead_weekdays``


class TermMaker:
    """``Terms`` of articles, one at a time, with memos of the words a folder repeats."""

    def __init__(self, phrase_words: int) -> None:
        self.phrase_words = phrase_words
        self._words = Words()
        self._ids: dict[str, int] = {}

    def __call__(self, article: Article) -> Terms:
        return Terms(
            packed(weighted_terms(article, self._words)),
            packed(headline_terms(article, self._words)),
            phrase_hashes(article, self.phrase_words, self._ids),
            lead_weekdays(article),
        )


def tfidf_matrix(
    rows: Sequence[WeightedWords], rarity: Rarity
) -> tuple[sp.csr_matrix, list[str], np.ndarray]:
    """Rows of L2-normalised TF-IDF vectors, the vocabulary and each word's document frequency.

    ``rows`` are the articles' weighted words (``Terms.body``, or ``Terms.headline`` for
    headline vectors).
    """
    vocab: dict[str, int] = {}
    indptr = [0]
    indices: list[int] = []
    for joined, _ in rows:
        found = joined.split(" ") if joined else []
        # New words get the next ids in sorted order, as if added one at a time.
        fresh = [word for word in found if word not in vocab]
        vocab.update(zip(fresh, range(len(vocab), len(vocab) + len(fresh)), strict=True))
        indices.extend(map(vocab.__getitem__, found))
        indptr.append(len(indices))
    words = [""] * len(vocab)
    for word, i in vocab.items():
        words[i] = word
    data = np.concatenate([w for _, w in rows]) if rows else np.zeros(0)
    x = sp.csr_matrix(
        (data.astype(np.float64), np.asarray(indices, dtype=np.int64), indptr),
        shape=(len(rows), len(vocab)),
    )
    df = np.bincount(x.indices, minlength=len(vocab)).astype(np.float64)
    idf = rarity.idf(words, df, len(rows))
    x.data = (1.0 + np.log(x.data)) if x.nnz else x.data  # sublinear term frequency
    x.data = np.maximum(x.data, 0.1)
    x = sp.csr_matrix(x @ sp.diags(idf))
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    x = sp.csr_matrix(sp.diags(1.0 / norms) @ x)
    # A sparse product leaves each row's columns out of order. In order, the exact cosines of
    # the candidate pairs (``cluster._pair_cosines``) take scipy's merge of sorted rows, a
    # third faster than its general path. Sums in another order may differ in the last bit;
    # the groups of the benchmarks and dev files are the same (docs/performance.md).
    x.sort_indices()
    return x, words, df


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted: what ``np.unique`` gives, by a sort instead of its hashing
    path, which is several times slower on large integer arrays."""
    out = np.sort(values)
    return out[np.concatenate(([True], out[1:] != out[:-1]))] if len(out) else out


def word_id(token: str) -> int:
    """A stable 61-bit id of a word: the same in every build and every process, so an article's
    phrase hashes (and dedupe's shingles) can be cached and compared with those of articles read
    in other builds."""
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little") & (
        (1 << 61) - 1
    )


def phrase_hashes(article: Article, n: int, ids: dict[str, int] | None = None) -> np.ndarray:
    """Sorted distinct hashes of the article's n-word phrases (headline and text, lower case);
    ``ids`` memoises the words' ids across articles."""
    ids = {} if ids is None else ids
    text = f"{article.title}\n{article.text}".lower().replace("’", "'")
    tokens = _WORD.findall(text)
    if len(tokens) < n:
        return np.zeros(0, dtype=np.uint64)
    fresh = [t for t in dict.fromkeys(tokens) if t not in ids]
    ids.update(zip(fresh, map(word_id, fresh), strict=True))
    word_ids = np.fromiter(map(ids.__getitem__, tokens), dtype=np.uint64, count=len(tokens))
    # Polynomial hash of each n-word window; uint64 arithmetic wraps, which is intended.
    h = np.zeros(len(tokens) - n + 1, dtype=np.uint64)
    for k in range(n):
        h = h * np.uint64(1_000_003) + word_ids[k : len(tokens) - n + 1 + k]
    return sorted_unique(h)


def phrase_matrix(rows: Sequence[np.ndarray], max_df: int) -> sp.csr_matrix:
    """Binary rows of the phrases (``phrase_hashes``) each article shares with at least one
    other article.

    Two reports of one event quote the same statement or repeat the same wire sentence; two
    reports of different events almost never share a long word sequence. Phrases found in more
    than ``max_df`` articles are boilerplate or set phrases and are left out.
    """
    flat = np.concatenate(rows) if len(rows) else np.zeros(0, dtype=np.uint64)
    _, inverse, counts = np.unique(flat, return_inverse=True, return_counts=True)
    keep = (counts >= 2) & (counts <= max_df)
    col = np.cumsum(keep) - 1
    sizes = np.array([len(r) for r in rows], dtype=np.int64)
    row_of = np.repeat(np.arange(len(rows)), sizes)
    mask = keep[inverse]
    return sp.csr_matrix(
        (np.ones(int(mask.sum())), (row_of[mask], col[inverse[mask]])),
        shape=(len(rows), int(keep.sum())),
    )


def topic_vectors(x: sp.csr_matrix, members: np.ndarray, k: int) -> np.ndarray:
    """Unit rows in a ``k``-dimensional topic space for the ``members`` rows of ``x`` (zero rows
    for the others): a truncated SVD of those rows (latent semantic analysis), in which words
    that occur together across them lie close together. Seeded, so the same input gives the
    same space.
    """
    part = x[members]
    part = part[:, sorted_unique(part.indices)]  # only the words the members use: a smaller SVD
    z = np.zeros((x.shape[0], k))
    dims = min(k, part.shape[0] - 1, part.shape[1] - 1)
    if dims < 1:
        return z
    # ARPACK converges to the exact leading singular vectors; a randomized SVD with few passes
    # does not, and its groupings would hang on the random draw. This is scikit-learn's
    # TruncatedSVD(algorithm="arpack", random_state=0) step by step, on scipy's ARPACK:
    # importing sklearn.decomposition took 0.85 s of every build with headlines to group,
    # several times the SVD of a few hundred of them.
    start = np.random.RandomState(0).uniform(-1, 1, min(part.shape))
    u, sigma, vt = svds(part, k=dims, tol=0, v0=start)
    u, sigma, vt = u[:, ::-1], sigma[::-1], vt[::-1]  # largest first
    # Each component's sign set by its largest word weight (scikit-learn's svd_flip); cosines
    # in the space do not depend on it, but the vectors are then those scikit-learn gives.
    signs = np.sign(vt[np.arange(len(vt)), np.argmax(np.abs(vt), axis=1)])
    z[members, :dims] = (u * signs) * sigma
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
