"""Keywords stage: YAKE keywords per event, cleaned into a short list a reader can use.

YAKE reads a bounded text per event (every title, each article's first sentences and the
summary), so the cost per event does not grow with article length. Its list is then cleaned:

* junk goes: bylines (the articles' authors), outlet names, datelines, dates (a month only
  outside a name: "Theresa May" stays), numbers (also in words: "trillion", "percent"), single
  everyday words ("people", "years"), and the pieces of a word YAKE split at an apostrophe or
  hyphen ("Biden s falling", "D NY");
* job titles are cut from the edges ("NATO Secretary General" -> "NATO", "President Obama" ->
  "Obama"), so names are not glued to the titles around them; so is a title's office ("State
  Antony Blinken" of "Secretary of State Antony Blinken" -> "Antony Blinken");
* a name YAKE cut short (its phrases stop at three words) is made whole from the text: a
  keyword that the text writes, wherever it writes it, inside the same longer name of
  capitalised words joined by "of", "for", "the", "and" or a possessive becomes that name
  ("Drug Administration" -> "Food and Drug Administration"), up to six words;
* variants merge: case, plural and sub-phrase ("Stoltenberg" beside "Jens Stoltenberg"), word
  runs that slide along one passage ("GOP blocks debt", "blocks debt limit"), and an acronym
  with the name it stands for ("FDA" and "Food and Drug Administration": the acronym stays);
* named entities and terms several articles share move up. What is a name is told by the
  articles' sentences, not their titles: a title in headline case is read in the case its
  words have in the sentences ("GOP Blocks Debt Limit Hike" -> "GOP blocks debt limit hike"),
  so YAKE, which counts capitals as a sign of a term, does not rank its word runs as names;
* each keyword takes its most common casing in the text ("NATO", "Ukraine", "air defence"),
  and a name gets back a first word YAKE cut as a stop word ("York City" -> "New York City";
  "The" only when the text writes it capitalised inside a sentence: "The Hague").
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.metadata
import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import yake
import yake_rust

from digest.background import english_frequencies
from digest.config import KeywordsConfig
from digest.model import Article, Summary
from digest.names import (
    DATE_PLACERS,
    DATE_WORDS,
    JOINERS,
    MONTH_WORDS,
    TITLE_WORDS,
    TOKEN,
    NameLine,
    acronym,
    bare,
    case_evidence,
    common_word,
    ends_name,
    expansions,
    find_names,
    full_name,
    is_office,
    one_name,
    singular,
)
from digest.sentences import split_sentences

# Words of text YAKE reads per event, and sentences taken from the start of each article.
MAX_WORDS = 250
LEAD_SENTENCES = 2
# Candidates read from YAKE before cleaning; cleaning drops and merges many of them.
CANDIDATES = 40

_JUNK_WORDS = frozenset(
    [
        "said",
        "says",
        "say",
        "told",
        "tells",
        "according",
        "reported",
        "reports",
        "report",
        "added",
        "adds",
        "news",
        "story",
        "article",
        "video",
        "photo",
        "photos",
        "image",
        "images",
        "read",
        "comment",
        "comments",
        "share",
        "click",
        "subscribe",
        "newsletter",
        "copyright",
        "update",
        "updated",
        "published",
        # Media furniture that runs into the text of scraped pages ("Media playback is
        # unsupported on your device", "Image caption ...").
        "caption",
        "playback",
        "autoplay",
    ]
)

# Numbers written in words, with the words that only count or measure them.
_NUMBER_WORDS = frozenset(
    ["hundred", "hundreds", "thousand", "thousands", "million", "millions", "billion"]
    + ["billions", "trillion", "trillions", "dozen", "dozens", "percent", "cent"]
)

# A single lower-case word this common in English (a Zipf frequency of 5.5: more than 316 in a
# million words, about the 600 most used) names no topic: "people", "years", "time", "world".
# Their keyword pages listed dozens of unrelated events.
_EVERYDAY = 10**5.5 / 1e9


@functools.lru_cache(maxsize=1 << 16)  # a pure function of the word; the vocabulary repeats
def _everyday(word: str) -> bool:
    return english_frequencies().get(word, 0.0) >= _EVERYDAY


# What is left of a contraction YAKE split at its apostrophe ("Don’t" -> "Don", "’t").
_CONTRACTED = frozenset(["n't", "n’t"])

# Words a phrase neither starts nor ends with once titles are cut from its edges.
_EDGE_STOP = frozenset(["of", "the", "a", "an", "and", "for", "to", "in", "on", "at", "by", "with"])

# Words inside a phrase that make it a clause rather than a name or a term.
_INNER_STOP = frozenset(
    [
        "to",
        "is",
        "are",
        "was",
        "were",
        "be",
        "will",
        "would",
        "has",
        "have",
        "had",
        "that",
        "which",
        "who",
    ]
)


@dataclass(frozen=True, slots=True)
class _Candidate:
    tokens: tuple[str, ...]  # surface words
    key: tuple[str, ...]  # lower-cased, singular: the identity used for merging
    score: float  # lower is better, like YAKE's own
    # ``_is_name(tokens, ...)``, asked once: the merging asks it of every pair of candidates.
    name: bool


def _key(tokens: Sequence[str]) -> tuple[str, ...]:
    return tuple(_key_word(t) for t in tokens)


@functools.lru_cache(maxsize=1 << 16)  # a pure function of the word; the vocabulary repeats
def _key_word(word: str) -> str:
    # Without a possessive ending: "Operation Freedom" is part of "Operation Freedom’s Sentinel".
    return singular(bare(word).replace("’", "'"))


def event_text(articles: Sequence[Article], summary: Summary) -> str:
    """The bounded text keywords are read from: titles, leads and summary, one sentence a line.

    Titles get a full stop so that YAKE never joins a title to the line after it (the source of
    candidates such as "Stoltenberg HELSINKI NATO").
    """
    return "\n".join(_event_lines(articles, summary)[0])


def yake_text(articles: Sequence[Article], summary: Summary) -> tuple[str, frozenset[str] | None]:
    """What YAKE reads of the event: ``event_text`` with its titles in sentence case
    (``_sentence_case``); and the words its sentences write as names (``capitalised_words``),
    None for an event of titles alone, which has no such evidence: every capitalised word of
    it counts as a name."""
    lines, capitalised, _ = _yake_lines(articles, summary)
    return "\n".join(lines), capitalised


def _yake_lines(
    articles: Sequence[Article], summary: Summary
) -> tuple[list[str], frozenset[str] | None, frozenset[str]]:
    """``yake_text`` line by line, its ``capitalised`` words, and those of them the sentences
    capitalise inside a sentence, not only at its start (none for an event of titles alone)."""
    lines, titles = _event_lines(articles, summary)
    if titles == len(lines):
        return lines, None, frozenset()
    inside, capitalised = case_evidence(lines[titles:])
    lines = [_sentence_case(t, capitalised) for t in lines[:titles]] + lines[titles:]
    return lines, capitalised, inside


def _event_lines(articles: Sequence[Article], summary: Summary) -> tuple[list[str], int]:
    """The lines of ``event_text``, and how many of them, first, are titles."""
    lines: list[str] = []
    for article in articles:
        if article.title:
            lines.append(article.title.rstrip(" .") + ".")
    titles = len(dict.fromkeys(lines))
    lines.extend(s.text for s in summary.sentences)
    for article in articles:
        lead: list[str] = []
        for paragraph in article.paragraphs:
            lead.extend(split_sentences(paragraph))
            if len(lead) >= LEAD_SENTENCES:
                break
        lines.extend(lead[:LEAD_SENTENCES])
    out: list[str] = []
    n = 0
    for line in dict.fromkeys(lines):  # unique, first occurrence kept
        n += len(line.split())
        if n > MAX_WORDS and out:
            break
        out.append(line)
    return out, min(titles, len(out))


def _sentence_case(title: str, capitalised: frozenset[str]) -> str:
    """A title in headline case ("Senate Republicans Block Debt Limit Hike") with its words in
    the case the sentences give them ("Senate Republicans block debt limit hike"): YAKE counts
    capitals as a sign of a term, and headline case puts one on every word. A title with
    fewer capitalised words than not is left as it is."""
    words = list(TOKEN.finditer(title))
    if sum(m.group(0)[:1].isupper() for m in words) * 2 <= len(words):
        return title
    out, at = [], 0
    for i, match in enumerate(words):
        # Each part of a hyphenated word on its own ("Iran-Backed" -> "Iran-backed"). The first
        # word keeps its capital, as in a sentence; acronyms keep theirs.
        parts = match.group(0).split("-")
        for j, part in enumerate(parts):
            title_case = (i or j) and part[:1].isupper() and not part.isupper()
            if title_case and bare(part) not in capitalised:
                parts[j] = part.lower()
        out += [title[at : match.start()], "-".join(parts)]
        at = match.end()
    return "".join([*out, title[at:]])


def _junk_words(articles: Sequence[Article]) -> frozenset[str]:
    """Lower-cased words of bylines, outlet names and datelines of these articles."""
    junk: set[str] = set()
    for article in articles:
        for value in (article.author, article.source, article.place):
            if value:
                junk.update(w.lower() for w in re.findall(r"[^\W\d_]{3,}", value))
    return frozenset(junk)


def _strip_titles(tokens: tuple[str, ...]) -> tuple[str, ...]:
    # "Secretary-General" is a title too: split hyphenated words at the edges.
    tokens = tuple(p for t in tokens for p in (t.split("-") if "-" in t else [t]) if p)
    start, end = 0, len(tokens)
    while start < end and tokens[start].lower().rstrip(".") in TITLE_WORDS:
        start += 1
    # A title word after "of" is what a name is of, not a title: "Department of Justice".
    while (
        end > start
        and tokens[end - 1].lower().rstrip(".") in TITLE_WORDS
        and tokens[end - 2 : end - 1] not in (("of",), ("for",))
    ):
        end -= 1
    kept = tokens[start:end]
    # A title cut from "Secretary of State" leaves "of State", the rest of the title: what is
    # left must start and end with a word of its own, as YAKE's candidates do.
    if kept and (kept[0].lower() in _EDGE_STOP or kept[-1].lower() in _EDGE_STOP):
        return ()
    return kept


def _is_junk(
    tokens: tuple[str, ...], junk: frozenset[str], names: Callable[[], Sequence[NameLine]]
) -> bool:
    """Whether a candidate is no keyword; ``names`` makes the text's names, asked only of a
    candidate with a month in it."""
    lowered = [t.lower().rstrip(".") for t in tokens]
    if not tokens or all(len(t) < 2 for t in lowered):
        return True
    if any(t in _JUNK_WORDS or t in junk for t in lowered):
        return True
    if any(t in DATE_WORDS for t in lowered) and not _named_for_a_month(tokens, lowered, names):
        return True  # a date ("May 5", "early March"); a name with a month in it stays
    # Numbers are no topic, in figures ("2.5") or in words, which also glue a number's noun to
    # what it counts ("trillion ceiling", "billion vaccines"); a name keeps its capital ("Million
    # Man March").
    if any(w in _NUMBER_WORDS for w in tokens):
        return True
    return all(any(c.isdigit() for c in t) for t in lowered)


def _named_for_a_month(
    tokens: tuple[str, ...], lowered: Sequence[str], names: Callable[[], Sequence[NameLine]]
) -> bool:
    """Whether a phrase with a month in it is a name ("Theresa May", "Million Man March",
    "March for Our Lives"), not a date ("March 5", "early March", "Biden July" of "Biden July
    4"): its months capitalised, a word of its own beside them (neither a date nor one that
    places a date), and the text writing it as one name (``one_name``; ``names`` makes the
    text's names, asked only when the rest holds)."""
    if any(w in DATE_WORDS and w not in MONTH_WORDS for w in lowered):
        return False  # a weekday, "today", "morning"
    if any(w in MONTH_WORDS and not t[:1].isupper() for t, w in zip(tokens, lowered, strict=True)):
        return False  # "may" is a verb, and a lower-cased text's months are dates
    return any(
        t[:1].isupper() and w not in DATE_WORDS and w not in DATE_PLACERS
        for t, w in zip(tokens, lowered, strict=True)
    ) and one_name(tokens, names())


def _occurrences(target: str, lowered: str) -> Iterator[int]:
    """Where the lower-case ``target`` occurs as whole words in ``lowered``."""
    start = lowered.find(target)
    while start >= 0:
        end = start + len(target)
        if (start == 0 or not lowered[start - 1].isalnum() and lowered[start - 1] != "_") and (
            end == len(lowered) or not lowered[end].isalnum() and lowered[end] != "_"
        ):
            yield start
        start = lowered.find(target, start + 1)


def _forms(tokens: tuple[str, ...], flat: str, lowered: str) -> Counter[str]:
    """How often each casing of the phrase occurs as whole words in ``flat`` (whitespace already
    collapsed to single spaces; ``lowered`` is its lower case, of the same length)."""
    target = " ".join(tokens).lower()
    return Counter(flat[start : start + len(target)] for start in _occurrences(target, lowered))


def _casing(tokens: tuple[str, ...], text: str, flat: str, lowered: str) -> str:
    """The keyword in its most common casing in the text (ties: the first seen); ``flat`` is
    the text with its whitespace collapsed and ``lowered`` its lower case, made once per event."""
    if len(lowered) == len(flat):
        # A plain search: compiling a pattern per keyword cost more than YAKE's own scoring.
        forms = _forms(tokens, flat, lowered)
    else:  # a letter whose lower case is longer ("İ"): positions would not line up
        phrase = r"\s+".join(re.escape(t) for t in tokens)
        found = re.finditer(rf"(?<!\w){phrase}(?!\w)", text, re.I)
        forms = Counter(" ".join(m.group(0).split()) for m in found)
    if not forms:
        return " ".join(tokens)
    # A lower-case form seen anywhere means the capitals were only sentence-initial.
    best = max(forms.items(), key=lambda kv: (kv[1], kv[0].islower()))[0]
    lower = best.lower()
    if lower in forms and not best.isupper():
        return lower
    return best


def _with_lost_first_word(name: str, flat: str, lowered: str, stop_words: frozenset[str]) -> str:
    """The name with the word YAKE cut from its start: YAKE never starts a candidate with one of
    its stop words, and "new" is one, so "New York City" came out as "York City" and "New
    Zealand" as "Zealand". The word is put back when the text writes it, capitalised, before
    every occurrence of the name (``flat`` is the text with its whitespace collapsed and
    ``lowered`` its lower case).

    "The" is put back only when the text never writes it in lower case there and writes it
    capitalised inside a sentence at least once ("in The Hague"): at a sentence's start every
    "The" has a capital, and "The United States" became a keyword beside "United States".
    """
    heads: list[str] = []
    inside = False  # a capitalised head seen inside a sentence
    for start in _occurrences(name.lower(), lowered):
        # The word before it, or "" after punctuation or at the start.
        spaced = start > 0 and flat[start - 1] == " "
        word = flat[: start - 1].rpartition(" ")[2] if spaced else ""
        heads.append(word.lstrip("([{\"'“‘"))
        # Inside a sentence: no quote or bracket opens before the head, nor a sentence ends.
        before = flat[: max(start - 1 - len(word), 0)].rstrip().rstrip("\"'”’)]")
        opened = heads[-1] != word
        mid = bool(before) and before[-1] not in ".!?:…" and not opened
        inside |= mid and heads[-1][:1].isupper()
    head = heads[0].lower() if heads else ""
    if len({h.lower() for h in heads}) != 1 or head not in stop_words or head in TITLE_WORDS:
        return name  # "Former" was cut on purpose: a job title
    if head == "the" and not (inside and all(h == "The" for h in heads)):
        return name
    capitalised = [h for h in heads if h[:1].isupper() and h.isalpha()]
    return f"{capitalised[0]} {name}" if capitalised else name


def _contains(big: tuple[str, ...], small: tuple[str, ...]) -> bool:
    n = len(small)
    return any(big[i : i + n] == small for i in range(len(big) - n + 1))


def _is_name(
    tokens: tuple[str, ...],
    capitalised: frozenset[str] | None = None,
    joiners: frozenset[str] = frozenset(["of", "for", "the"]),
) -> bool:
    """Every word capitalised but ``joiners`` inside ("Court of Appeals"), and, given the words
    the event's sentences capitalise (``capitalised_words``), each capitalised one among
    those. "and" may join two names as well as make one: see ``one_name``."""
    words = tokens
    if joiners and not joiners.isdisjoint(tokens[1:-1]):
        words = tokens[:1] + tuple(t for t in tokens[1:-1] if t not in joiners) + tokens[-1:]
    return all(t[:1].isupper() for t in words) and (
        capitalised is None or all(bare(t) in capitalised for t in words)
    )


def _overlap(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    """Words the end of ``a`` shares with the start of ``b`` (fewer than either has)."""
    return next((n for n in range(min(len(a), len(b)) - 1, 0, -1) if a[-n:] == b[:n]), 0)


def _merge_variants(candidates: Sequence[_Candidate]) -> list[_Candidate]:
    """The candidates, best first, without the variants of a better one: a phrase inside
    another or holding it (a full name replaces its parts), and a word run that slides along
    the same passage as a better one."""
    kept: list[_Candidate] = []
    for cand in sorted(candidates, key=lambda c: (c.score, c.key)):
        words = set(cand.key)
        name = cand.name
        clashes = [
            i
            for i, k in enumerate(kept)
            if not words.isdisjoint(k.key)  # cheap test first: most pairs share no word
            and (_contains(k.key, cand.key) or _contains(cand.key, k.key))
        ]
        if not clashes:
            # YAKE's word runs slide along a sentence ("GOP blocks debt", "blocks debt limit",
            # "debt limit hike"): a phrase that shares two words with the edge of a better one
            # is the same passage again. Two names that overlap are joined later instead.
            if any(
                not words.isdisjoint(k.key)
                and not (name and k.name)
                and max(_overlap(k.key, cand.key), _overlap(cand.key, k.key)) >= 2
                for k in kept
            ):
                continue
            kept.append(cand)
        elif name and all(len(cand.key) > len(kept[i].key) for i in clashes):
            # The full name replaces its parts ("Jens Stoltenberg" over "Stoltenberg"), at the
            # best rank any of them had.
            first = clashes[0]
            kept[first] = _Candidate(cand.tokens, cand.key, kept[first].score, name)
            kept = [k for i, k in enumerate(kept) if i not in clashes[1:]]
    return kept


def _join_overlapping_names(
    kept: list[_Candidate], text: str, capitalised: frozenset[str] | None
) -> list[_Candidate]:
    """Join two names that overlap into the longer name the text uses ("North Atlantic Treaty" +
    "Atlantic Treaty Organization" -> "North Atlantic Treaty Organization")."""
    lowered = " ".join(text.lower().split())
    i = 0
    while i < len(kept):
        a = kept[i]
        for j in range(len(kept)):
            b = kept[j]
            if i == j or not (a.name and b.name):
                continue
            if not JOINERS.isdisjoint(a.tokens + b.tokens):
                continue  # names with "of" were made whole from the text (``full_name``)
            overlap = _overlap(a.key, b.key)
            joined = a.tokens + b.tokens[overlap:]
            if overlap and " ".join(joined).lower() in lowered:
                name = _is_name(joined, capitalised)
                kept[i] = _Candidate(joined, _key(joined), min(a.score, b.score), name)
                del kept[j]
                i = -1
                break
        i += 1
    return kept


def _merge_acronyms(kept: list[_Candidate], names: Sequence[NameLine]) -> list[_Candidate]:
    """An acronym and the name it stands for are one keyword ("FDA" and "Food and Drug
    Administration"), at the better rank of the two; so is an acronym and a keyword the text
    writes only inside that name ("Drug Administration"). The acronym is kept: it is the form
    headlines and later mentions use, so that an event which never spells the name out shares
    its keyword page with those that do."""
    kept = list(kept)
    i = 0
    while i < len(kept):
        letters = acronym(kept[i].tokens)
        match = next(
            (
                j
                for j, k in enumerate(kept)
                if letters and j != i and letters in expansions(k.tokens, names)
            ),
            None,
        )
        if match is None:
            i += 1
            continue
        best = min(i, match)
        kept[best] = dataclasses.replace(kept[i], score=min(kept[i].score, kept[match].score))
        del kept[max(i, match)]
        i = 0
    return kept


# YAKE's rank of two candidates whose scores differ by less than this share is a tie (``_ranked``).
_TIE = 1e-9
# Words as YAKE's tokenizer cuts them, to find where a candidate first ends (``_first_ends``).
_TIE_WORD = re.compile(r"[^\W_]+(?:[.-][^\W_]+)*", re.U)
# Candidates asked of yake-rust: all of them, as YAKE sorts all before deduplicating.
_EVERY_CANDIDATE = 1_000_000
# YAKE's default deduplication: a candidate more similar than this to a better one is left out.
_DEDUP_LIMIT = 0.9
# YAKE releases that ``_dedup_similarity`` was checked against, line by line and by
# tests/test_keywords.py; with any other, YAKE's own similarity function is used.
_CHECKED_YAKE_RELEASES = frozenset(["0.7.3"])


@functools.lru_cache(maxsize=4)
def _scorer(max_ngram: int) -> yake_rust.Yake:
    """YAKE's scoring in Rust, one per setting and process. It reads YAKE's English stop words
    and gives YAKE's scores (to the last bits of a float: see ``_ranked``). Its own
    deduplication is off: it compares candidates by edit distance, where YAKE's default, the
    one this stage was built and measured with, is ``seqm``."""
    return yake_rust.Yake(language="en", ngrams=max_ngram, remove_duplicates=False)


@functools.cache
def _stop_words() -> frozenset[str]:
    """YAKE's English stop words (the same list in yake-rust and in YAKE)."""
    return frozenset(_scorer(3).stopwords)


def yake_candidates(text: str, max_ngram: int, top: int = CANDIDATES) -> list[str]:
    """YAKE's ``top`` key phrases of ``text``, best first.

    The candidates are scored by yake-rust and ranked by ``_ranked``, then deduplicated as
    YAKE does: each is kept unless its similarity (YAKE's ``seqm``) to one kept before it is
    over ``_DEDUP_LIMIT``. The YAKE package itself takes about ten times as long for the same
    scores, and YAKE was most of a cold build's time (docs/performance.md).
    """
    text = text.replace("\n", " ")  # as YAKE reads its text
    try:
        scored = _scorer(max_ngram).get_n_best(text, n=_EVERY_CANDIDATE)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # a Rust panic arrives as pyo3's PanicException, a BaseException
        # YAKE answers its own errors with no keywords: one odd text costs its event's
        # keywords, never the build (3,000 random texts and odd scripts raised nothing).
        return []
    # YAKE's similarity is 0 for two phrases that differ in their first or last letter, unless
    # both are 3 letters or shorter: on a release where that was checked (``_dedup_similarity``),
    # a candidate is compared only with the kept phrases sharing both letters, and the short
    # ones when it is short; on any other, with every kept phrase.
    checked = _checked_release()
    similarity = _dedup_similarity if checked else _yake_similarity()
    out: list[str] = []
    by_ends: dict[tuple[str, str], list[str]] = {}
    short: list[str] = []
    every: list[str] = []
    for phrase in _ranked(scored, text, max_ngram):
        lowered = phrase.lower()
        ends = (lowered[:1], lowered[-1:])
        rivals = by_ends.get(ends, []) if checked else every
        if checked and len(lowered) <= 3:
            rivals = rivals + [k for k in short if (k[:1], k[-1:]) != ends]
        if all(similarity(lowered, k) <= _DEDUP_LIMIT for k in rivals):
            out.append(phrase)
            if len(out) == top:
                break
            by_ends.setdefault(ends, []).append(lowered)
            every.append(lowered)
            if len(lowered) <= 3:
                short.append(lowered)
    return out


def _ranked(scored: Sequence[tuple[str, float]], text: str, max_ngram: int) -> Iterator[str]:
    """Candidates best (lowest score) first; equal scores in the order they first end in the
    text, shorter first, which is mostly the order YAKE's stable sort leaves them in.

    yake-rust sums a candidate's terms in the order of a hash map seeded anew in each process,
    so a score can differ in its last bits from one run to the next (by 3.6e-15 at most on 600
    event texts), and equal scores come in any order. Scores within ``_TIE`` of each other
    (as a share) count as equal, so the ranking is the same in every run.
    """
    ends: dict[str, tuple[int, int]] = {}
    tied: list[str] = []
    previous = -math.inf
    for phrase, score in sorted(scored, key=lambda pair: pair[1]):
        if tied and score - previous > _TIE * abs(score):
            yield from _in_text_order(tied, text, max_ngram, ends)
            tied = []
        tied.append(phrase)
        previous = score
    yield from _in_text_order(tied, text, max_ngram, ends)


def _in_text_order(
    phrases: list[str], text: str, max_ngram: int, ends: dict[str, tuple[int, int]]
) -> list[str]:
    """Tied ``phrases`` by where each first ends in ``text`` (``_first_ends``, made into
    ``ends`` on first use)."""
    if len(phrases) < 2:
        return phrases
    if not ends:
        ends.update(_first_ends(text, max_ngram))
    missing = (len(text), 0)
    return sorted(phrases, key=lambda p: (ends.get(p.lower(), missing), p))


def _first_ends(text: str, max_ngram: int) -> dict[str, tuple[int, int]]:
    """Each word n-gram of ``text`` (lower case, up to ``max_ngram`` words) with the word it
    first ends at and its length. A phrase cut into words otherwise than here is missing, and
    ranks after the phrases it ties with."""
    words = _TIE_WORD.findall(text.lower())
    ends: dict[str, tuple[int, int]] = {}
    grams = words
    for length in range(1, max_ngram + 1):
        if length > 1:
            grams = [f"{g} {w}" for g, w in zip(grams[:-1], words[length - 1 :], strict=True)]
        # Written last to first, so that each n-gram keeps its first place.
        places = range(len(words) - 1, length - 2, -1)
        ends.update(
            zip(
                reversed(grams),
                zip(places, itertools.repeat(length, len(grams)), strict=True),
                strict=True,
            )
        )
    return ends


@functools.cache
def _checked_release() -> bool:
    try:
        version = importlib.metadata.version("yake")
    except importlib.metadata.PackageNotFoundError:
        return False
    return version in _CHECKED_YAKE_RELEASES and hasattr(
        yake.KeywordExtractor, "_ultra_fast_similarity"
    )


@functools.cache
def _yake_similarity() -> Callable[[str, str], float]:
    """YAKE's own default candidate similarity, as its extractor applies it."""
    return yake.KeywordExtractor(lan="en").dedup_function


def _dedup_similarity(first: str, second: str) -> float:
    """YAKE's default similarity of two candidates (``KeywordExtractor._optimized_similarity``)
    without its memo: the same quick rejections, then the same similarity function.

    A candidate is compared with each one kept so far, hundreds of times per event, and the
    memo's bookkeeping cost more than the checks it saves.
    """
    if first == second:
        return 1.0
    len1, len2 = len(first), len(second)
    longest = max(len1, len2)
    if abs(len1 - len2) > longest * 0.6:
        return 0.0
    if longest > 3:
        if first[0] != second[0] or first[-1] != second[-1]:
            return 0.0
        if min(len1, len2) >= 3 and first[:2].lower() != second[:2].lower():
            return 0.0
    if abs(first.count(" ") - second.count(" ")) > 1:
        return 0.0
    return yake.KeywordExtractor._ultra_fast_similarity(first, second)


def extract_keywords(
    articles: Sequence[Article], summary: Summary, config: KeywordsConfig
) -> tuple[str, ...]:
    """Up to ``config.count`` keywords for one event, best first."""
    if config.count == 0:
        return ()
    lines, capitalised, inside = _yake_lines(articles, summary)
    text = "\n".join(lines)
    if not text.strip():
        return ()
    # The names the text writes, found when a keyword first needs them: the keywords of many
    # events are no names, and finding them reads every word of the text.
    written: tuple[NameLine, ...] | None = None

    def names_written() -> tuple[NameLine, ...]:
        nonlocal written
        if written is None:
            # An event of titles alone tells no name from a headline's capitals: nothing is
            # extended.
            written = () if capitalised is None else find_names(lines, capitalised, inside)
        return written

    junk = _junk_words(articles)
    lowered_articles = [(a.title + "\n" + a.text).lower() for a in articles]
    candidates: list[_Candidate] = []
    for rank, phrase in enumerate(yake_candidates(text, config.max_ngram)):
        words = tuple(TOKEN.findall(phrase))
        tokens = _strip_titles(words)
        if _is_junk(tokens, junk, names_written):
            continue
        # Names and phrases several outlets use rank higher; YAKE's rank is the base.
        if any(t.lower() in _INNER_STOP for t in tokens[1:-1]):
            continue  # "seeks to avoid", "plans to deploy": clauses, not key phrases
        if any(t.lower().rstrip(".") in TITLE_WORDS for t in tokens[1:-1]):
            continue  # "Finnish President Alexander": a title glued between two names
        if len(tokens) == 1 and tokens[0].islower() and _everyday(tokens[0]):
            continue
        if any(len(t) == 1 and t not in "aAI" or t in _CONTRACTED for t in tokens):
            # "Biden s falling": YAKE splits "Biden’s" at the apostrophe, and "D NY" from
            # "(D-NY)" at the hyphen; an initial keeps its full stop ("George W. Bush").
            continue
        # Ranked as a name as YAKE gave it, every word capitalised: the names made whole below
        # keep its rank, and "Paul of Kentucky" does not rise above "Rand Paul".
        strict = _is_name(tokens, capitalised, frozenset())
        boost = 2.0 if strict else 1.0
        name = False
        # Asked with ``JOINERS`` only where it may answer otherwise: a name with every word
        # capitalised is one with its joiners too, and without a joiner inside the question is
        # the same.
        joined = not JOINERS.isdisjoint(tokens[1:-1]) and _is_name(tokens, capitalised, JOINERS)
        if strict or joined:
            full = full_name(tokens, names_written())
            common = len(words) == 2 and common_word(words[1].lower())
            if full == tokens == words[1:] and common and ends_name(tokens, names_written()):
                # A title word before a common noun that ends the name is part of it: the cut
                # made "Department" of "Justice Department" (but not "John" of "Senator John
                # Warner", nor "Paul" of "Senator Paul": a person's name is rarely so common).
                full = words
            if full != tokens:
                tokens = full
                strict = _is_name(tokens, capitalised, frozenset())
            if is_office(tokens, names_written()):
                continue
            name = strict or (
                _is_name(tokens, capitalised, JOINERS) and one_name(tokens, names_written())
            )
        spread = sum(" ".join(tokens).lower() in a for a in lowered_articles)
        boost *= 1.0 + spread / max(len(articles), 1)
        candidates.append(_Candidate(tokens, _key(tokens), (rank + 1) / boost, name))
    kept = _merge_variants(candidates)
    kept = _join_overlapping_names(kept, text, capitalised)
    if any(acronym(k.tokens) for k in kept):  # else there is nothing to merge
        kept = _merge_acronyms(kept, names_written())
    # A name glued to plain words ("Stoltenberg visits") is dropped when the name stands alone.
    names = {w for k in kept if k.name for w in k.key}
    kept = [
        k
        for k in kept
        if k.name
        or not any(t[:1].isupper() for t in k.tokens)
        or not {w for w, t in zip(k.key, k.tokens, strict=True) if t[:1].isupper()} <= names
    ]
    out: list[str] = []
    flat = " ".join(text.split())
    lowered = flat.lower()
    stop_words = _stop_words()
    for cand in kept:
        word = _casing(cand.tokens, text, flat, lowered)
        if cand.name:
            word = _with_lost_first_word(word, flat, lowered, stop_words)
        if word.lower() not in (o.lower() for o in out):
            out.append(word)
        if len(out) == config.count:
            break
    return tuple(out)
