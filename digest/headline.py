"""Headline of an event: the most representative of its articles' titles.

A title is representative when its words are the words the other titles share. Outlet suffixes
("... | CNN", "... - The Guardian") are cut. An event whose articles carry no title gets its best
short sentence instead, whole: a headline is never a body sentence cut short. When no sentence
can stand in a summary on its own (every one leans on another: "His lawyer hugged him ..."), the
first short sentence that is whole all the same is taken; only an event with no such sentence
(a caption, a list, a page of fragments) is headed by its first article's opening words, marked
with "…" as the article's own page shows them (``opening_words``). No event is left without a
headline.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from digest.model import Article
from digest.sentences import article_sentences, similarity, usable, words

# Longest sentence taken as a headline when no article has a title.
MAX_SENTENCE_HEADLINE = 24
# Words of an untitled article's opening that stand for its title where nothing else can.
OPENING_WORDS = 12
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
    if shortest:
        return shortest[0]
    # No sentence stands alone: the first that is whole all the same, though it leans on
    # context (its start lost to a caption or a quote): a summary avoids it, a headline only
    # names the event.
    for sentence in article_sentences(articles):
        short = len(sentence.text.split()) <= MAX_SENTENCE_HEADLINE
        if short and usable(sentence.text, continuation=True):
            return sentence.text
    return opening_words(articles[0]) if articles else ""


def opening_words(article: Article) -> str:
    """The first words of an article, for one without a title; "…" marks that more follow.
    The article's id when it has no words at all."""
    found: list[str] = []
    # The first paragraphs only: splitting a whole article for 12 words was a fiftieth of the
    # render stage (2%) for a folder of untitled articles.
    for paragraph in article.paragraphs:
        found += paragraph.split()
        if len(found) > OPENING_WORDS:
            break
    if not found:
        return article.id
    return " ".join(found[:OPENING_WORDS]) + ("…" if len(found) > OPENING_WORDS else "")
