"""Related events: other events of the same storyline, so a story can be followed.

Each event is a TF-IDF vector of the words of its headline, summary and keywords (the grouping's
tokenizer; word rarity is the folder's smoothed by general English, ``digest/background.py``).
Two events are related when the cosine of their vectors, over the words that few events share,
is at least ``MIN_COSINE``:
"Macron recalls the French ambassador over the AUKUS pact" and "France cancels a gala after
being left out of AUKUS" share "AUKUS", "France" and "submarine"; two stories that merely both
name "Biden" and "White House" share only words too common to count.

An earlier rule linked events that shared two names or keywords. A name and the keyword it
came from counted twice ("Joe Biden" gave "joe", "biden" and the keyword), so one common name
was enough: on the AllSides dev site (unpinned, 331 events) 27% of its 1,698 links joined two
stories the editors filed under one topic; this rule's 1,097 links 47%, and they join 73 of the
132 pairs of events that hold parts of one story, against 50 (`python -m bench.related`,
`docs/quality.md`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from digest.background import Rarity, english_frequencies
from digest.features import WeightedWords, Words, packed, tfidf_matrix
from digest.model import Event

MIN_COSINE = 0.1
MAX_RELATED = 6
HEADLINE_WEIGHT = 2  # the headline names the storyline; the summary tells this event of it
# A word in more than this many events (or a tenth of them, whichever is larger, up to
# MAX_POSTINGS) says nothing about any two, and pairing its events would make this quadratic;
# nor does a word in more than half of them once there are more than a handful: on a small
# site the general-English prior keeps a name that every event shares (the president's) from
# weighing nothing, while on a site of three events their common words are its storyline.
MIN_POSTINGS = 20
MAX_POSTINGS = 100


def postings_limit(events: int) -> int:
    """The most events a word may be in and still relate two of them."""
    return min(MAX_POSTINGS, max(MIN_POSTINGS, events // 10), max(3, events // 2))


_BLOCK = 4096  # events whose pairs are scored at once


def event_words(event: Event, words: Words) -> WeightedWords:
    """The event's content words, counted in its headline (``HEADLINE_WEIGHT`` times), summary
    sentences and keywords.

    Capitals are not read: a name weighed more gave no better links (on the AllSides dev file,
    45% of links within one topic with the weight, 47% without), and one lower-cased text per
    event counts fastest.
    """
    headline = (event.headline,) * HEADLINE_WEIGHT
    text = "\n".join((*headline, *(s.text for s in event.summary), *event.keywords))
    return packed(words.count(text.lower()))


def event_vectors(events: Sequence[Event]) -> tuple[sp.csr_matrix, np.ndarray]:
    """Rows of L2-normalised TF-IDF vectors of the events, and each word's event count."""
    words = Words()
    x, _vocabulary, df = tfidf_matrix(
        [event_words(e, words) for e in events], Rarity(english_frequencies())
    )
    return x, df


def related_events(events: Sequence[Event]) -> dict[str, tuple[str, ...]]:
    """For each event id, the ids of related events, best first (ties: the earlier in
    ``events``, the newest first as the digest lists them)."""
    n = len(events)
    if n == 0:
        return {}
    x, df = event_vectors(events)
    limit = postings_limit(n)
    # Only words of at least two events can relate any; the rows keep their full-length norm,
    # so a long summary does not score higher for its many words.
    kept = np.flatnonzero((df >= 2) & (df <= limit))
    shared = sp.csr_matrix(x[:, kept])
    shared.sort_indices()
    related: dict[str, tuple[str, ...]] = {}
    # Only events that share a kept word can be related: the sparse product holds those pairs
    # only, a block of events at a time so that memory stays bounded.
    for begin in range(0, n, _BLOCK):
        scores = (shared[begin : begin + _BLOCK] @ shared.T).tocsr()
        scores.sort_indices()  # the same sums in the same order in every run
        counts = np.diff(scores.indptr)
        row = np.repeat(np.arange(begin, begin + len(counts)), counts)
        # Rounded, so that a last-bit difference never reorders two equal scores.
        score = np.round(scores.data, 6)
        ok = (scores.indices != row) & (score >= MIN_COSINE)
        row, other, score = row[ok], scores.indices[ok], score[ok]
        order = np.lexsort((other, -score, row))
        row, other = row[order], other[order]
        first = np.searchsorted(row, np.arange(begin, begin + len(counts)))
        ends = np.append(first[1:], len(row))
        for i, (a, b) in enumerate(zip(first.tolist(), ends.tolist(), strict=True)):
            best = other[a : min(b, a + MAX_RELATED)].tolist()
            related[events[begin + i].id] = tuple(events[j].id for j in best)
    return related
