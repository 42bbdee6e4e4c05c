"""Headline of an event: the most representative of its articles' titles.

A title is representative when its words are the words the other titles share. Outlet suffixes
("... | CNN", "... - The Guardian") are cut. An event whose articles carry no title gets its best
short sentence instead, whole: a headline is never a body sentence cut short.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from digest.model import Article
from digest.sentences import similarity, words

# Longest sentence taken as a headline when no article has a title.
MAX_SENTENCE_HEADLINE = 24
_SUFFIX = re.compile(r"\s+[|–—-]\s+([^|–—-]{2,40})$")


def clean_title(title: str, source: str | None = None) -> str:
    """The title without an outlet suffix such as ' | Reuters'."""
    title = " ".join(title.split())
    m = _SUFFIX.search(title)
    if m is not None:
        tail = m.group(1).strip()
        is_outlet = (source and tail.lower() in source.lower()) or len(tail.split()) <= 3
        if is_outlet and len(title[: m.start()].split()) >= 3:
            title = title[: m.start()]
    return title


def choose_headline(articles: Sequence[Article], ranked_sentences: Sequence[str]) -> str:
    """The title closest to all the others (ties to the earliest article); else a short sentence.

    ``ranked_sentences`` are the event's usable sentences, best first.
    """
    titles = [clean_title(a.title, a.source) for a in articles if a.title and a.title.strip()]
    titles = [t for t in titles if len(t.split()) >= 2]
    if titles:
        tokens = [words(t) for t in titles]
        pool = [w for ws in tokens for w in set(ws)]

        def shared(i: int) -> float:
            others = [similarity(tokens[i], tokens[j]) for j in range(len(titles)) if j != i]
            spread = sum(pool.count(w) - 1 for w in set(tokens[i])) / max(len(set(tokens[i])), 1)
            return (sum(others) / len(others) if others else 0.0) + 0.1 * spread

        best = max(range(len(titles)), key=lambda i: (shared(i), -i))
        return titles[best]
    for sentence in ranked_sentences:
        if len(sentence.split()) <= MAX_SENTENCE_HEADLINE:
            return sentence
    shortest = sorted(ranked_sentences[:10], key=lambda s: len(s.split()))
    return shortest[0] if shortest else ""
