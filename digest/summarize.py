"""Summarize stage: one headline and one merged, cited, extractive summary per event.

Every article is split into sentences; broken quotes and page furniture are set aside. A
sentence that leans on context ("He said ...", "But ...") is kept only as a continuation: it may
be picked once the sentence before it in its article is picked, and is then read right after
it, which carries the context. Only the event's earliest ``_MAX_SENTENCES`` sentences are scored
(each article's lead comes first), so a very long article costs no more than a long event. Each
candidate is scored on these signals:

* centrality: TF-IDF cosine with the centroid of the whole event; words rare in general English
  weigh a little less, since the event's own IDF already favours them and a summary is told in
  the story's common words,
* support: how closely the other outlets state the same thing (the best match in each other
  article, averaged), so facts several sources report come first,
* shared wording: the share of the other articles that use each of its word pairs,
* closeness to the articles' titles, which are the outlets' own one-line summaries,
* position: news is written lead first, so early sentences weigh a little more; position counts
  the article's usable sentences only, so a dateline or a caption does not push its lead back,
* length: a longer sentence carries more of the story per pick.

Sentences are then picked greedily with maximal marginal relevance (a sentence too close to one
already picked is skipped outright), filling the word budget sentence by sentence, never cutting
one. Each picked sentence cites its own article and every other article that states it in
near-identical words. The picked sentences are read in story order: by position in their
article, earlier first, each continuation right after its predecessor.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.sparse as sp

from digest.background import Rarity, english_frequencies, english_stop_words
from digest.config import SummaryConfig
from digest.headline import choose_headline
from digest.model import Article, Summary, SummarySentence
from digest.sentences import Sentence, article_sentences, similarity, usable, words

_STOP_WORDS = english_stop_words()

# Weights of the signals; set once on the development data of every source together.
_W_CENTROID = 0.6
_W_SUPPORT = 0.4
_W_POSITION = 0.2
_W_SHARED = 0.8
_W_LENGTH = 0.1
_W_TITLE = 1.0
# Maximal marginal relevance: share of the score kept against redundancy with picked sentences.
_MMR_LAMBDA = 0.7
# A candidate this close (TF-IDF cosine) to a picked sentence says the same thing: skip it.
_REDUNDANT_COSINE = 0.35
_REDUNDANT_JACCARD = 0.5
# Two sentences of different articles this close in content words state the same fact: cite both.
_CITE_JACCARD = 0.5
_CITE_ALL_WORDS = 0.6
# Position weight 1 / (1 + index) ** decay: a gentle slope, the lead is not everything.
_POSITION_DECAY = 0.5
# Exponent on a word's general-English rarity (-log of the chance a story has it) applied on top
# of the event's own IDF: negative, so it damps rather than boosts the rarest words.
_RARITY_EXPONENT = -0.2
# Sentences read per article; later ones are rarely summary material and cost time.
_MAX_POSITION = 60
# Sentences of an event the scores are computed over: its earliest ones by position in their
# article, so an article's lead always stays and a very long article (a transcript, a scraped
# log) loses its tail first. The sentence-by-sentence cosines grow with the square of this
# number (a 20,000-sentence article took 8 GB); at 1,000 they take 8 MB. The longest event of
# the evaluation data has 467 sentences (its longest article 367), so none of them is cut.
_MAX_SENTENCES = 1000


@dataclass(frozen=True, slots=True)
class _Scored:
    sentence: Sentence
    score: float
    row: int  # row of the sentence in the TF-IDF matrix
    # Row of the predecessor a context-leaning sentence must follow; -1 for one that stands alone.
    after: int = -1


@lru_cache(maxsize=1 << 16)  # a pure function over a vocabulary that repeats across events
def stem(word: str) -> str:
    """A light suffix stripper so that 'talks' matches 'talk' and 'leaders' matches 'leader'."""
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _stems(tokens: Sequence[str]) -> tuple[str, ...]:
    return tuple(map(stem, tokens))


def content_words(tokens: Sequence[str], stems: Sequence[str]) -> frozenset[str]:
    """The stems (``_stems(tokens)``) of the words that carry content."""
    return frozenset(
        s for w, s in zip(tokens, stems, strict=True) if w not in _STOP_WORDS and not w.isdigit()
    )


def bigrams(tokens: Sequence[str], stems: Sequence[str]) -> frozenset[tuple[str, str]]:
    """Stemmed word pairs (``stems``: ``_stems(tokens)``) that carry content (not both stop
    words): the unit of a stated fact."""
    return frozenset(
        (stems[i], stems[i + 1])
        for i in range(len(stems) - 1)
        if tokens[i] not in _STOP_WORDS or tokens[i + 1] not in _STOP_WORDS
    )


def _shared(
    sentences: Sequence[Sentence], stems: Sequence[Sequence[str]], n_articles: int
) -> list[float]:
    """Per sentence, the mean share of the other articles that also use each of its bigrams."""
    pairs = [bigrams(s.words, st) for s, st in zip(sentences, stems, strict=True)]
    per_article: list[set[tuple[str, str]]] = [set() for _ in range(n_articles)]
    for s, p in zip(sentences, pairs, strict=True):
        per_article[s.article] |= p
    df = Counter(b for a in per_article for b in a)
    others = max(n_articles - 1, 1)
    return [sum(df[b] - 1 for b in p) / len(p) / others if p else 0.0 for p in pairs]


def _analyzer(tokens: Sequence[str], stems: Sequence[str]) -> list[str]:
    return [s for w, s in zip(tokens, stems, strict=True) if w not in _STOP_WORDS]


@dataclass(frozen=True, slots=True)
class _Vectors:
    """Sparse TF-IDF rows of an event's sentences, their cosines, and the titles' closeness."""

    centrality: np.ndarray  # cosine of each sentence with the event centroid
    sims: np.ndarray  # sentence-by-sentence cosines (dense: ``_MAX_SENTENCES`` rows at most)
    title_sim: np.ndarray  # mean cosine of each sentence with the article titles
    # Each sentence's words stemmed, made once: the TF-IDF, the shared word pairs and the
    # citations all read them.
    stems: tuple[tuple[str, ...], ...]


@lru_cache(maxsize=1 << 16)  # a pure function of the word; the vocabulary repeats across events
def _rarity_weight(word: str) -> float:
    """(-log chance a typical story contains the word) ** ``_RARITY_EXPONENT``."""
    rarity = Rarity(english_frequencies())  # wordfreq caches its table: cheap after the first
    rare = -math.log(max(rarity.prior_df(word), 1e-6))
    return max(rare, 1e-3) ** _RARITY_EXPONENT


def _normalize(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Rows scaled to unit length, in place (an empty row stays empty)."""
    lengths = np.diff(matrix.indptr)
    norms = np.ones(len(lengths))
    present = lengths > 0
    if present.any():
        starts = matrix.indptr[:-1][present]
        norms[present] = np.sqrt(np.add.reduceat(matrix.data**2, starts))
    matrix.data /= np.repeat(norms, lengths)
    return matrix


@dataclass(frozen=True, slots=True)
class _Tfidf:
    """Sublinear TF-IDF with smoothed IDF over the event's own sentences, rows of unit length.

    The same weighting as scikit-learn's ``TfidfVectorizer(sublinear_tf=True)``, built directly:
    an event has ``_MAX_SENTENCES`` sentences at most, and setting up the general-purpose vectorizer
    cost more than the arithmetic.
    """

    vocabulary: dict[str, int]  # word -> column, in sorted word order
    idf: np.ndarray

    @classmethod
    def fit(cls, documents: Sequence[Sequence[str]]) -> _Tfidf:
        terms = sorted({t for d in documents for t in d})
        vocabulary = {t: i for i, t in enumerate(terms)}
        df = np.zeros(len(terms))
        for d in documents:
            df[[vocabulary[t] for t in set(d)]] += 1
        return cls(vocabulary, np.log((len(documents) + 1) / (df + 1)) + 1.0)

    def transform(self, documents: Sequence[Sequence[str]]) -> sp.csr_matrix:
        indptr, indices, counts = [0], [], []
        for d in documents:
            row = Counter(self.vocabulary[t] for t in d if t in self.vocabulary)
            for column in sorted(row):
                indices.append(column)
                counts.append(row[column])
            indptr.append(len(indices))
        columns = np.array(indices, dtype=np.int64)
        data = (np.log(np.array(counts, dtype=np.float64)) + 1.0) * self.idf[columns]
        shape = (len(documents), len(self.vocabulary))
        return _normalize(sp.csr_matrix((data, columns, np.array(indptr)), shape=shape))


def _vectors(sentences: Sequence[Sentence], titles: Sequence[str] = ()) -> _Vectors:
    """TF-IDF (IDF over the event's own sentences), kept sparse: vocabularies run to thousands."""
    n = len(sentences)
    stems = tuple(_stems(s.words) for s in sentences)
    documents = [_analyzer(s.words, st) for s, st in zip(sentences, stems, strict=True)]
    tfidf = _Tfidf.fit(documents)
    if not tfidf.vocabulary:  # no content word at all
        return _Vectors(np.zeros(n), np.zeros((n, n)), np.zeros(n), stems)
    matrix = tfidf.transform(documents)
    scale = np.array([_rarity_weight(w) for w in tfidf.vocabulary])
    matrix.data *= scale[matrix.indices]
    matrix = _normalize(matrix)
    centroid = np.asarray(matrix.sum(axis=0)).ravel()
    norm = np.linalg.norm(centroid)
    centrality = matrix @ (centroid / norm) if norm else np.zeros(n)
    sims = (matrix @ matrix.T).toarray()
    title_sim = np.zeros(n)
    if titles:
        heads = tfidf.transform([_analyzer(w, _stems(w)) for w in map(words, titles)])
        title_sim = np.asarray((matrix @ heads.T).mean(axis=1)).ravel()
    return _Vectors(np.asarray(centrality).ravel(), sims, title_sim, stems)


def score_sentences(
    sentences: Sequence[Sentence], vectors: _Vectors, n_articles: int
) -> list[_Scored]:
    """Score every usable sentence of the event (see the module docstring)."""
    centrality, sims, title_sim = vectors.centrality, vectors.sims, vectors.title_sim
    articles = np.array([s.article for s in sentences])
    shared = _shared(sentences, vectors.stems, n_articles)
    # Each sentence's best match in each article, one article at a time: per sentence and
    # article it was a tenth of the summaries' time.
    best_in = np.zeros((len(sentences), n_articles))
    if n_articles > 1:
        for other in range(n_articles):
            best_in[:, other] = sims[:, articles == other].max(axis=1, initial=0.0)
    out: list[_Scored] = []
    rank = Counter[int]()  # usable sentences seen so far per article
    for row, sentence in enumerate(sentences):
        if sentence.position >= _MAX_POSITION:
            continue
        after = -1
        if not usable(sentence.text):
            # A sentence that leans on context may still follow its own predecessor.
            previous = sentences[row - 1] if row else None
            if (
                previous is None
                or previous.article != sentence.article
                or not usable(sentence.text, continuation=True)
            ):
                continue
            after = row - 1
        position = 1.0 / (1.0 + rank[sentence.article]) ** _POSITION_DECAY
        if after < 0:  # position counts the sentences that stand alone
            rank[sentence.article] += 1
        support = 0.0
        if n_articles > 1:
            matches = best_in[row].tolist()
            del matches[sentence.article]
            support = sum(matches) / len(matches)
        score = (
            _W_CENTROID * float(centrality[row])
            + _W_SUPPORT * support
            + _W_POSITION * position
            + _W_SHARED * shared[row]
            + _W_LENGTH * len(sentence.words) / 30
            + _W_TITLE * float(title_sim[row])
        )
        out.append(_Scored(sentence, score, row, after))
    return out


def _select(candidates: list[_Scored], sims: np.ndarray, max_words: int) -> list[_Scored]:
    """Greedy maximal marginal relevance, filling the budget with whole sentences."""
    chosen: list[_Scored] = []
    used = 0
    remaining = sorted(
        candidates, key=lambda c: (-c.score, c.sentence.article, c.sentence.position)
    )
    picked: set[int] = set()
    while remaining:
        best: tuple[float, int] | None = None
        for i, cand in enumerate(remaining):
            n = len(cand.sentence.text.split())
            if used + n > max_words or (cand.after >= 0 and cand.after not in picked):
                continue
            redundancy = max((float(sims[cand.row, c.row]) for c in chosen), default=0.0)
            value = _MMR_LAMBDA * cand.score - (1 - _MMR_LAMBDA) * redundancy
            if best is None or value > best[0]:
                best = (value, i)
        if best is None:
            break
        cand = remaining.pop(best[1])
        if any(
            float(sims[cand.row, c.row]) > _REDUNDANT_COSINE
            or similarity(cand.sentence.words, c.sentence.words) > _REDUNDANT_JACCARD
            for c in chosen
        ):
            continue
        chosen.append(cand)
        picked.add(cand.row)
        used += len(cand.sentence.text.split())
    return chosen


def _story_order(chosen: Sequence[_Scored]) -> list[_Scored]:
    """Sentences by position in their article, each continuation right after its predecessor."""
    follower = {c.after: c for c in chosen if c.after >= 0}
    out: list[_Scored] = []
    for head in sorted(
        (c for c in chosen if c.after < 0), key=lambda c: (c.sentence.position, c.sentence.article)
    ):
        c: _Scored | None = head
        while c is not None:
            out.append(c)
            c = follower.get(c.row)
    return out


def _citations(
    row: int,
    all_sentences: Sequence[Sentence],
    contents: Sequence[frozenset[str]],
    vocabularies: Sequence[frozenset[str]],
    articles: Sequence[Article],
) -> tuple[str, ...]:
    """The article of sentence ``row``, and every other article with a sentence stating the
    same thing (by its content words' stems, ``contents``, or by all its words,
    ``vocabularies``)."""
    cited = {all_sentences[row].article}
    mine, my_words = contents[row], vocabularies[row]
    for other, theirs, their_words in zip(all_sentences, contents, vocabularies, strict=True):
        if other.article in cited:
            continue
        if (
            similarity(mine, theirs) >= _CITE_JACCARD
            or similarity(my_words, their_words) >= _CITE_ALL_WORDS
        ):
            cited.add(other.article)
    return tuple(articles[i].id for i in sorted(cited))


def _lead_rows(sentences: Sequence[Sentence]) -> list[int]:
    """Rows of the event's ``_MAX_SENTENCES`` earliest sentences (by position in their article,
    then by article), in event order: a leading run of each article."""
    if len(sentences) <= _MAX_SENTENCES:
        return list(range(len(sentences)))
    earliest = sorted(range(len(sentences)), key=lambda i: (sentences[i].position, i))
    return sorted(earliest[:_MAX_SENTENCES])


def summarize(articles: Sequence[Article], config: SummaryConfig) -> Summary:
    """A headline and a cited extractive summary of one event within ``config.max_words``."""
    sentences = article_sentences(articles)
    if not sentences:
        return Summary(choose_headline(articles, ()), ())
    titles = [a.title for a in articles if a.title]
    rows = _lead_rows(sentences)
    considered = [sentences[i] for i in rows] if len(rows) < len(sentences) else sentences
    vectors = _vectors(considered, titles)
    scored = score_sentences(considered, vectors, len(articles))
    chosen = _story_order(_select(scored, vectors.sims, config.max_words))
    contents, vocabularies = [], []
    if chosen:
        # Citations compare each picked sentence with every sentence of the event, the ones
        # past the cap too: that is linear in the sentences, and an article that states a
        # picked sentence anywhere is cited.
        stems = (
            vectors.stems if considered is sentences else tuple(_stems(s.words) for s in sentences)
        )
        contents = [content_words(s.words, st) for s, st in zip(sentences, stems, strict=True)]
        vocabularies = [frozenset(s.words) for s in sentences]
    out = tuple(
        SummarySentence(
            c.sentence.text, _citations(rows[c.row], sentences, contents, vocabularies, articles)
        )
        for c in chosen
    )
    ranked = [c.sentence.text for c in sorted(scored, key=lambda c: -c.score) if c.after < 0]
    # The selection takes any sentence that stands alone and fits: with some and none taken,
    # the budget is why, which the event page says rather than blame the sentences.
    over_budget = not out and bool(ranked)
    return Summary(choose_headline(articles, ranked), out, over_budget)
