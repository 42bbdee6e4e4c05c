"""Headline of an event: the most representative of its articles' titles.

A title is representative when its words are the words the other titles share; a news
report's title is preferred to an opinion piece's. Outlet suffixes ("... | CNN", "... - The
Guardian") are cut. An event whose articles carry no title gets its best
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
_SUFFIX = re.compile(r"\s+([|–—-])\s+([^|–—-]{2,40})$")
_NAME_WORD = re.compile(r"[A-Z0-9]|[a-z]+[A-Z]")  # "Reuters", "NBC", "5", "eNCA", "iTnews"
# The endings of the web addresses outlets go by ("bbc.co.uk", "live5news.com").
_WEB_ENDING = r"\.(?:co\.uk|com|co|org|net|news|info|tv|uk|au|ca|in|ie)\b"
_DOMAIN = re.compile(r"\w" + _WEB_ENDING, re.IGNORECASE)
_OPINION_SOURCE = re.compile(r"\b(?:opinion|op-ed|editorial|commentary)\b", re.IGNORECASE)
_OPINION_PATH = re.compile(
    r"/(?:opinions?|commentary|editorials?|op-?eds?|columnists?)(?:/|$)", re.IGNORECASE
)
_DOMAIN_END = re.compile(_WEB_ENDING)
_NOT_NAME = re.compile(r"\([^)]*\)|\bthe\b|[^\w\s]", re.IGNORECASE)


def clean_title(title: str, source: str | None = None) -> str:
    """The title without an outlet suffix such as ' | Reuters' or ' - The Guardian'.

    A tail after a dash is often part of the headline: who said it ("... rate rise - BoE's
    Bean"), what kind of piece it is ("- review"), a qualifier ("— at the earliest"). So a tail
    is cut only when it names the outlet: its words are the source's (or the source's are its),
    it is a web address, or, after a bar (the separator outlets put before their names) or when
    the source is unknown, it reads as a name of at most four words.
    """
    title = " ".join(title.split())
    m = _SUFFIX.search(title)
    if m is None or len(title[: m.start()].split()) < 3:
        return title
    separator, tail = m.group(1), m.group(2).strip()
    named = len(tail.split()) <= 4 and all(_NAME_WORD.match(w) for w in tail.split())
    if (
        _same_outlet(tail, source)
        or _DOMAIN.search(tail)
        or (named and (separator == "|" or not source))
    ):
        return title[: m.start()]
    return title


def _same_outlet(tail: str, source: str | None) -> bool:
    """Whether ``tail`` names the outlet ``source``: one's words are all the other's, leaving
    out "the", punctuation and a bracketed label ("The Nation" and "The Nation. (blog)"), or
    both are the same letters and digits ("Live5News.com" and "Live 5 News")."""
    if not source:
        return False
    tail_words = _NOT_NAME.sub(" ", tail.lower()).split()
    a, b = set(tail_words), set(_NOT_NAME.sub(" ", source.lower()).split())
    # A longer tail must start with the outlet's name ("WDRB 41 Louisville News" for "WDRB"):
    # "Capitol Hill" holds every word of "The Hill" without naming it.
    if a and b and (a <= b or (b <= a and tail_words[0] in b)):
        return True
    compact, outlet = _compact(tail), _compact(source)
    if not compact:
        return False
    # An outlet known by its web address names itself longer in titles: "BBC News" for
    # bbc.co.uk.
    by_address = _DOMAIN.search(source) is not None and len(outlet) >= 3
    return compact == outlet or (by_address and compact.startswith(outlet))


def _compact(name: str) -> str:
    """A name's letters and digits, without a web address's ending: "Live5News.com", "Live 5
    News" and "live5news.com" are all "live5news"."""
    return re.sub(r"\W|_", "", _DOMAIN_END.sub("", name.lower()))


def choose_headline(articles: Sequence[Article], ranked_sentences: Sequence[str]) -> str:
    """The title closest to all the others (ties to the earliest article); else a short sentence.

    ``ranked_sentences`` are the event's usable sentences, best first.
    """
    titled = [(clean_title(a.title, a.source), a) for a in articles if a.title and a.title.strip()]
    titled = [(t, a) for t, a in titled if len(t.split()) >= 2]
    titles = [t for t, _ in titled]
    if titles:
        tokens = [words(t) for t in titles]
        pool = [w for ws in tokens for w in set(ws)]

        def shared(i: int) -> float:
            others = [similarity(tokens[i], tokens[j]) for j in range(len(titles)) if j != i]
            spread = sum(pool.count(w) - 1 for w in set(tokens[i])) / max(len(set(tokens[i])), 1)
            return (sum(others) / len(others) if others else 0.0) + 0.1 * spread

        # An opinion piece's title argues ("... because terrible leadership let them down"); a
        # news report's names the event. Every title counts towards what the titles share.
        news = [i for i, (_, a) in enumerate(titled) if not is_opinion(a)]
        best = max(news or range(len(titles)), key=lambda i: (shared(i), -i))
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


def is_opinion(article: Article) -> bool:
    """Whether the outlet files the article as opinion: its outlet's name says so ("New York
    Post (Opinion)") or its link is in an opinion section ("/opinion/", "/opinions/",
    "/commentary/", "/editorials/", "/op-ed/")."""
    if article.source and _OPINION_SOURCE.search(article.source):
        return True
    return bool(article.url and _OPINION_PATH.search(article.url))


def opening_words(article: Article) -> str:
    """The first words of an article, for one without a title; "…" marks that more follow.
    The article's id when it has no words at all."""
    found: list[str] = []
    # The first words only: splitting a whole article for 12 words was a fiftieth of the
    # render stage (2%) for a folder of untitled articles, whose text is often one paragraph.
    for paragraph in article.paragraphs:
        # One word past the opening, if the paragraph has it, tells that more follow; what
        # split leaves after it is the rest of the paragraph, unsplit.
        room = OPENING_WORDS + 1 - len(found)
        found += paragraph.split(None, room)[:room]
        if len(found) > OPENING_WORDS:
            break
    if not found:
        return article.id
    return " ".join(found[:OPENING_WORDS]) + ("…" if len(found) > OPENING_WORDS else "")
