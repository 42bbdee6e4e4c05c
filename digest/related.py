"""Related events: events that share keywords or named entities, so a story can be followed.

An event's terms are its keyword slugs and the names in its summary and keywords: words
capitalised mid-sentence, or all capitals. Headlines are left out because many outlets
capitalise every word of them. Two events are related when they share at least two terms and
the shared terms weigh enough; rarer terms weigh more, so a name every event mentions links less
than a name only two events share.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from digest.model import Event

MIN_SCORE = 1.5  # about three widely shared names, or two rarer ones
MIN_SHARED = 2  # one shared name (a "CEO", a "Cowan") is a coincidence, not a storyline
MAX_RELATED = 6
MAX_POSTINGS = 100
_BLOCK = 4096  # events whose pairs are scored at once

_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
# A sentence's end (the space after its punctuation, or a line break), or a word (the group).
_WORD_OR_END = re.compile(r"[.!?]\s+|\n+|(" + _WORD.pattern + ")", re.UNICODE)
# Capitalised for grammar's sake, not because they name anything.
_NOT_NAMES = frozenset(
    {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
    | {"january", "february", "march", "april", "may", "june", "july", "august"}
    | {"september", "october", "november", "december", "i", "the", "a", "an"}
    | {"mr", "mrs", "ms", "dr", "sir", "ceo", "rep", "sen", "gov", "jr", "st", "us", "tv", "ok"}
)


def _names(text: str) -> set[str]:
    names: set[str] = set()
    opening = True  # the next word opens a sentence
    # One pass over the text's words and sentence ends ("" in the list): splitting into
    # sentences first, then finding each one's words, was most of the related events' time.
    for word in _WORD_OR_END.findall(text):
        if not word:
            opening = True
            continue
        first, opening = opening, False
        # A word in lower case is neither a name nor an acronym.
        if word[0].islower():
            continue
        core = word.strip("'’-")
        if len(core) < 2 or core.lower() in _NOT_NAMES:
            continue
        acronym = core.isupper() and len(core) >= 2
        if acronym or (not first and core[0].isupper()):
            names.add(core.lower().removesuffix("'s").removesuffix("’s"))
    return names


def _keyword_names(keywords: Sequence[str]) -> set[str]:
    """Capitalised words of the keywords: keywords keep the case the articles use."""
    # One search over all of them: a line break is no part of a word.
    words = (w.strip("'’-") for w in _WORD.findall("\n".join(keywords)))
    return {w.lower() for w in words if len(w) >= 2 and w[0].isupper()} - _NOT_NAMES


def event_terms(event: Event, keyword_slugs: Sequence[str]) -> set[str]:
    names = _names("\n".join(s.text for s in event.summary)) | _keyword_names(event.keywords)
    return names | {f"kw:{slug}" for slug in keyword_slugs}


def related_events(
    events: Sequence[Event], keyword_slugs: dict[str, tuple[str, ...]]
) -> dict[str, tuple[str, ...]]:
    """For each event id, the ids of related events, best first (ties: newest first)."""
    terms = [event_terms(e, keyword_slugs.get(e.id, ())) for e in events]
    df = Counter(t for ts in terms for t in ts)
    n = len(events)
    # A term in very many events says nothing about any two, and its events paired with each
    # other would make this quadratic: such terms are left out.
    limit = min(MAX_POSTINGS, max(20, n // 10))
    kept = sorted(t for t, count in df.items() if count <= limit)
    column = {t: j for j, t in enumerate(kept)}
    weight = np.array([math.log(1 + n / df[t]) for t in kept])
    cells = np.array(
        [(i, column[t]) for i, ts in enumerate(terms) for t in ts if t in column], dtype=np.int64
    ).reshape(-1, 2)
    has = sp.csr_matrix(
        (np.ones(len(cells)), (cells[:, 0], cells[:, 1])), shape=(n, len(kept)), dtype=np.float64
    )
    # Each row's terms in column order, whatever order the sets gave them in: the sums of the
    # products below then come in one order in every run.
    has.sort_indices()
    weighted = has.multiply(weight[np.newaxis, :]).tocsr()
    weighted.sort_indices()
    related: dict[str, tuple[str, ...]] = {}
    # Only events that share a term can be related: the sparse products hold those pairs only,
    # a block of events at a time so that memory stays bounded.
    for begin in range(0, n, _BLOCK):
        block = has[begin : begin + _BLOCK]
        scores = (block @ weighted.T).tocsr()
        shared = (block @ has.T).tocsr()
        scores.sort_indices()
        shared.sort_indices()  # the same pairs as ``scores``: every weight is above 0
        counts = np.diff(scores.indptr)
        row = np.repeat(np.arange(begin, begin + len(counts)), counts)
        ok = (
            (scores.indices != row)
            & (scores.data >= MIN_SCORE)
            & (np.rint(shared.data) >= MIN_SHARED)
        )
        row, other, score = row[ok], scores.indices[ok], scores.data[ok]
        # Python's rounding, as ties were always settled: equal to six places, newest first.
        rounded = np.array([round(x, 6) for x in score.tolist()])
        order = np.lexsort((other, -rounded, row))
        row, other = row[order], other[order]
        first = np.searchsorted(row, np.arange(begin, begin + len(counts)))
        ends = np.append(first[1:], len(row))
        for i, (a, b) in enumerate(zip(first.tolist(), ends.tolist(), strict=True)):
            best = other[a : min(b, a + MAX_RELATED)].tolist()
            related[events[begin + i].id] = tuple(events[j].id for j in best)
    return related
