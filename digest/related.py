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

from digest.model import Event

MIN_SCORE = 1.5  # about three widely shared names, or two rarer ones
MIN_SHARED = 2  # one shared name (a "CEO", a "Cowan") is a coincidence, not a storyline
MAX_RELATED = 6
MAX_POSTINGS = 100

_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
# Capitalised for grammar's sake, not because they name anything.
_NOT_NAMES = frozenset(
    {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
    | {"january", "february", "march", "april", "may", "june", "july", "august"}
    | {"september", "october", "november", "december", "i", "the", "a", "an"}
    | {"mr", "mrs", "ms", "dr", "sir", "ceo", "rep", "sen", "gov", "jr", "st", "us", "tv", "ok"}
)


def _names(text: str) -> set[str]:
    names: set[str] = set()
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
        words = _WORD.findall(sentence)
        for i, word in enumerate(words):
            core = word.strip("'’-")
            if len(core) < 2 or core.lower() in _NOT_NAMES:
                continue
            acronym = core.isupper() and len(core) >= 2
            if acronym or (i > 0 and core[0].isupper()):
                names.add(core.lower().removesuffix("'s").removesuffix("’s"))
    return names


def _keyword_names(keywords: Sequence[str]) -> set[str]:
    """Capitalised words of the keywords: keywords keep the case the articles use."""
    words = (w.strip("'’-") for k in keywords for w in _WORD.findall(k))
    return {w.lower() for w in words if len(w) >= 2 and w[0].isupper()} - _NOT_NAMES


def event_terms(event: Event, keyword_slugs: Sequence[str]) -> set[str]:
    names = _names("\n".join(s.text for s in event.summary)) | _keyword_names(event.keywords)
    return names | {f"kw:{slug}" for slug in keyword_slugs}


def related_events(
    events: Sequence[Event], keyword_slugs: dict[str, tuple[str, ...]]
) -> dict[str, tuple[str, ...]]:
    """For each event id, the ids of related events, best first (ties: newest first)."""
    terms = {e.id: event_terms(e, keyword_slugs.get(e.id, ())) for e in events}
    df = Counter(t for ts in terms.values() for t in ts)
    n = len(events)
    weight = {t: math.log(1 + n / count) for t, count in df.items()}
    order = {e.id: i for i, e in enumerate(events)}  # events arrive newest first
    # Only events that share a term can be related: walk the postings, not all pairs.
    postings: dict[str, list[str]] = {}
    for event_id, ts in terms.items():
        for t in ts:
            postings.setdefault(t, []).append(event_id)
    # A term in very many events says nothing about any two, and walking its long posting list
    # for every event would make this quadratic: such terms are skipped.
    limit = min(MAX_POSTINGS, max(20, n // 10))
    related: dict[str, tuple[str, ...]] = {}
    for event in events:
        scores: Counter[str] = Counter()
        shared: Counter[str] = Counter()
        for t in terms[event.id]:
            ids = postings[t]
            if len(ids) > limit:
                continue
            for other in ids:
                if other != event.id:
                    scores[other] += weight[t]
                    shared[other] += 1
        best = sorted(
            (o for o, s in scores.items() if s >= MIN_SCORE and shared[o] >= MIN_SHARED),
            key=lambda other: (-round(scores[other], 6), order[other]),
        )
        related[event.id] = tuple(best[:MAX_RELATED])
    return related
