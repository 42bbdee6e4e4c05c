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
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from digest.background import Rarity
from digest.model import Article

_WORD = re.compile(r"[^\W\d_](?:[\w’'&.-]*\w)?|\d[\d,.]*\d|\d", re.U)
_SENTENCE_END = re.compile(r"[.!?:;\"“”]\s*$")
_STOP = frozenset(ENGLISH_STOP_WORDS) | {
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


def weighted_terms(article: Article) -> dict[str, float]:
    """Each content word of the article with its position- and name-weighted count."""
    terms: dict[str, float] = {}

    def add(text: str, weight: float, budget: int, names: bool) -> int:
        used = 0
        for m in _WORD.finditer(text):
            if used >= budget:
                break
            used += 1
            raw = m.group()
            word = _norm(raw)
            if len(word) < 2 or word in _STOP or word.isdigit() and len(word) < 4:
                continue
            w = weight
            if names and raw[0].isupper() and m.start() > 0:
                before = text[max(0, m.start() - 3) : m.start()]
                if not _SENTENCE_END.search(before):
                    w *= NAME_BOOST
            terms[word] = terms.get(word, 0.0) + w
        return used

    if article.title:
        # Headlines are often in Title Case, so capitals there do not mark names.
        add(article.title, TITLE_WEIGHT, 60, names=False)
    if article.place:
        add(article.place, TITLE_WEIGHT, 10, names=False)  # a dateline place, cut from the text
    used = 0
    for para in article.paragraphs:
        if used >= BODY_WORDS:
            break
        lead_left = max(0, LEAD_WORDS - used)
        if lead_left:
            n = add(para, LEAD_WEIGHT, lead_left, names=True)
            if n >= lead_left:
                rest = " ".join(para.split()[n:])
                n += add(rest, 1.0, BODY_WORDS - used - n, names=True)
        else:
            n = add(para, 1.0, BODY_WORDS - used, names=True)
        used += max(n, 1)
    return terms


def tfidf_matrix(
    articles: Sequence[Article], rarity: Rarity
) -> tuple[sp.csr_matrix, list[str], np.ndarray]:
    """Rows of L2-normalised TF-IDF vectors, the vocabulary and each word's document frequency."""
    vocab: dict[str, int] = {}
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for article in articles:
        for word, count in sorted(weighted_terms(article).items()):
            indices.append(vocab.setdefault(word, len(vocab)))
            data.append(count)
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


def phrase_matrix(articles: Sequence[Article], n: int, max_df: int) -> sp.csr_matrix:
    """Binary rows of the n-word phrases each article shares with at least one other article.

    Two reports of one event quote the same statement or repeat the same wire sentence; two
    reports of different events almost never share a long word sequence. Phrases found in more
    than ``max_df`` articles are boilerplate or set phrases and are left out.
    """
    rows: list[np.ndarray] = []
    for article in articles:
        tokens = [_norm(m.group()) for m in _WORD.finditer(f"{article.title}\n{article.text}")]
        if len(tokens) < n:
            rows.append(np.zeros(0, dtype=np.int64))
            continue
        grams = {hash_phrase(" ".join(tokens[i : i + n])) for i in range(len(tokens) - n + 1)}
        rows.append(np.fromiter(sorted(grams), dtype=np.int64, count=len(grams)))
    flat = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    keys, inverse, counts = np.unique(flat, return_inverse=True, return_counts=True)
    keep = (counts >= 2) & (counts <= max_df)
    col = np.cumsum(keep) - 1
    indptr = [0]
    indices: list[np.ndarray] = []
    pos = 0
    for r in rows:
        inv = inverse[pos : pos + len(r)]
        pos += len(r)
        mask = keep[inv]
        indices.append(col[inv[mask]])
        indptr.append(indptr[-1] + int(mask.sum()))
    idx = np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64)
    return sp.csr_matrix((np.ones(len(idx)), idx, indptr), shape=(len(articles), int(keep.sum())))


def hash_phrase(text: str) -> int:
    """A stable 63-bit hash of a phrase (Python's own hash differs between runs)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little") >> 1
