"""Sentences of an event's articles: splitting, light trimming and the checks that keep a merged
summary faithful (no sentence that leans on context it does not carry, no boilerplate, whole
quotes).

Every candidate keeps the exact text it was cut from, so a summary sentence is always a span of a
source article: trimming only removes words at the start, it never adds or changes one (apart
from capitalising the new first letter).
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import regex
import segtok.segmenter
from segtok.segmenter import split_single

from digest.model import Article

# A sentence shorter than this rarely states a fact on its own; a longer one is usually a run-on
# of several sentences the splitter could not separate (lists, scraped tables).
MIN_WORDS = 6
MAX_WORDS = 60

# Most sentences a quotation may span before it is treated as unbalanced.
_QUOTE_PIECES = 4

# The splitter takes the period of some abbreviations for a full stop. A title always comes before
# a name ("said Sen." / "Sheldon Whitehouse (D-R.I.)."), and "v." before the other party of a case.
_TITLE_END = re.compile(
    r"(?:^|[\s(])(?:Sen|Sens|Rep|Reps|Gov|Govs|Lt|Gen|Col|Maj|Sgt|Capt|Cmdr|Adm|Supt|Atty|Dr|Drs|"
    r"Mr|Mrs|Ms|Messrs|Prof|Rev|Hon|Pres|Fr|Insp|Det|Cpl|Pvt|v|vs)\.$"
)
# Initials or a label before a bill, case or rule number: "S. 1", "H.R. 4", "No. 5".
_NUMBER_LABEL_END = re.compile(r"(?:(?:^|[\s(])(?:[A-Z]\.)+|(?:^|\s)(?:No|Nos|Res|Sec|Art)\.)$")

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.U)
_TERMINAL = re.compile(r"[.!?][\"'”’)\]]*$")

# Discourse markers set off by a comma carry no fact: dropping them leaves a sentence that stands
# on its own ("However, the court ruled ..." -> "The court ruled ...").
_LEADING_MARKER = re.compile(
    r"^(however|meanwhile|still|also|additionally|in addition|moreover|furthermore|nevertheless|"
    r"nonetheless|indeed|in fact|separately|elsewhere|as a result|at the same time|for now|"
    r"now|first|second|finally|earlier|later|previously|in the meantime)\s*,\s+(?=\S)",
    re.I,
)

# Openings that point back to something the sentence does not carry.
_DEPENDENT_OPENING = re.compile(
    r"^[\"“‘']?(he|she|they|it|this|that|these|those|his|her|their|its|him|them|such|there's|"
    r"but|and|or|so|yet|then|thus|therefore|meanwhile|however|instead|otherwise|also|still|"
    r"besides|hence|both|another|the latter|the former|the two|the same|the other|other|"
    r"others|some of|many of|most of|all of|here|that's|it's|which|who|where|as well|"
    r"likewise|similarly|again|too)\b",
    re.I,
)
_PERSONAL = re.compile(r"\b(he|she|him|her|his|hers|they|them|their|theirs)\b", re.I)
_PRONOUN_ATTRIBUTION = re.compile(
    r"([,.!?]|[,.!?][\"”’'])\s*(he|she|they)\s+(said|says|added|adds|told|wrote|explained|"
    r"continued|noted|argued|insisted|asked|replied|recalled|warned|stressed|acknowledged)\b|"
    # An inverted attribution ('..., said he.'), not a named speaker's 'said she would ...'.
    r"\b(said|says|added|wrote|continued|noted|asked|recalled)\s+(he|she)\s*(?=[.,;:!?]|$)",
    re.I,
)
_INTRO_PRONOUN = re.compile(r"^[^,\"“]{0,60},\s*(he|she|they)\b", re.I)
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”")
# Words that frame a sentence without naming anyone a pronoun could refer to.
# Calendar words: frame words here, date junk for keywords.
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_FRAME_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "in",
        "on",
        "at",
        "of",
        "for",
        "to",
        "by",
        "with",
        "from",
        "as",
        "after",
        "before",
        "during",
        "when",
        "while",
        "since",
        "until",
        "and",
        "or",
        "but",
        "if",
        "then",
        "that",
        "this",
        "these",
        "those",
        "there",
        "here",
        "it",
        "its",
        "i",
        "we",
        "you",
        "our",
        "my",
        "your",
        "me",
        "us",
        "is",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "do",
        "did",
        "does",
        "not",
        "no",
        "also",
        "just",
        "so",
        "very",
        *WEEKDAYS,
        "today",
        "yesterday",
        "tonight",
        "morning",
        "afternoon",
        "evening",
        "night",
        "week",
        "weekend",
        "month",
        "year",
        "last",
        "next",
        "earlier",
        "later",
        "ago",
        *MONTHS,
        "said",
        "says",
        "told",
        "added",
        "asked",
        "according",
        "speaking",
        "interview",
        "statement",
    ]
)
# Page furniture the clean stage may have missed: links, handles, captions, teasers, comments.
# Matched against the lower-cased sentence, which is twice as fast as an IGNORECASE pattern
# (every sentence of every event meets it).
_BOILERPLATE = re.compile(
    r"(https?://|www\.|pic\.twitter\.com|\S+@\S+\.\w+|(^|\s)@\w+|(^|\s)#[^\W\d_]\w*|"
    r"\b(read (also|more)|see also|click here|sign up|subscribe|newsletter|follow us|"
    r"all rights reserved|copyright|getty images|photo(graph)? (by|credit)|image (source|credit)|"
    r"file photo|ap photo|advertisement|share this|"
    r"this (story|article) (has been|was) (updated|corrected)|cookies?|javascript|"
    r"contributed to this report|editor'?s note|log ?in|sign in)\b|"
    # A label's colon ends it: a word boundary after it would need a letter right after.
    r"\b(related|comments?|watch|video|listen):)"
)
# Substrings of which every match of ``_BOILERPLATE`` holds one: a sentence with none of them is
# no match, and the test costs a sixth of the search (a sixth of the sentences hold one).
# tests/test_sentences.py checks that each alternative of the pattern has its key here.
_BOILERPLATE_KEYS = (
    "http", "www.", "pic.twitter", "@", "#", "read ", "see also", "click here", "sign ",
    "subscribe", "newsletter", "follow us", "all rights reserved", "copyright", "getty images",
    "photo", "image ", "advertisement", "share this", "this story", "this article", "cookie",
    "javascript", "contributed to this report", "editor", "log", ":",
)  # fmt: skip
# Photo and video furniture that runs into the story when a scraper lost the line breaks:
# "Media playback is unsupported on your device Media caption ...", "Image 1 of / 19 Caption
# Close", "Enlarge this image toggle caption", "Photo: Getty", "(Picture: Getty)", "[Getty: pic
# posed by model]", "Credit: NASA/JPL", "Reuters/Kevin Lamarque" (not "a Reuters/Ipsos poll"),
# a share button's "Email this", NBC's "Breaking News Emails Get breaking news alerts", CNN's
# "Story Highlights", "Hide Caption 1 of 157 photos", bylines ("By ... Staff Writers", "Posted
# by"), publication stamps ("First published: 09:22 IST", "2:44 pm EST", "Mar 27, 2013 11:39
# am") and video widgets ("Play Facebook Twitter Embed").
# Searched only in sentences holding one of ``_RUN_IN_KEYS`` (every match holds one): the
# pattern costs about three quarters of what ``_BOILERPLATE`` does, and a tenth of the
# sentences hold a key.
_RUN_IN = re.compile(
    r"\b(media playback|media caption|image caption|image copyright|caption close|"
    r"image \d+ of\b|(photo|picture|image|credit|source|courtesy):|image courtesy|photo courtesy|"
    r"enlarge this image|email this|breaking news (emails|alerts)|"
    r"story highlights|staff writers?|twitter embed|embed more|posted by|"
    r"(first )?published:|(last )?updated:)|\d+ of \d+ photos|"
    r"\d: ?\d\d ([ap]\.?m\.? )?(e[sd]t|c[sd]t|m[sd]t|p[sd]t|gmt|bst|ist|et)\b|"
    r"\b(19|20)\d\d,? \d{1,2}: ?\d\d ?[ap]\.?m\b|toggle caption|"
    r"(^|[/(\[]\s*)getty\b|getty\s*\)|reuters/(?!ipsos)\w"
)
_RUN_IN_KEYS = (
    "media", "image", "caption", "photo", "email this", "breaking news", "highlights",
    "staff writer", "embed", "posted by", "getty", "reuters/", ":",
)  # fmt: skip
# Datelines and captions are told by their capitals, so this pattern is case-sensitive.
# A publication stamp ("PUBLISHED FEBRUARY 23, 2021: ...", "Updated: ...") is furniture too.
_FURNITURE = re.compile(
    r"(\s\|\s|^[A-Z][A-Z .,'’-]{3,}\s*[-—–(]|\((AP|Reuters|AFP)\)|…$|\.\.\.$|"
    r"^(ORIGINALLY |FIRST )?(PUBLISHED|UPDATED|POSTED)\b|^(Published|Updated|Posted):)"
)
_CAPS_RUN = re.compile(r"\b[A-Z]{2,}(?:\s+[A-Z]{2,}){3,}\b")


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of an article, as it will appear in a summary, and where it came from."""

    text: str
    article: int  # index of the article in the event
    position: int  # index of the sentence in its article
    words: tuple[str, ...]  # lower-cased word tokens


def words(text: str) -> tuple[str, ...]:
    """Lower-cased word tokens, the unit of every comparison between sentences."""
    if text.isascii():  # most sentences: lowered at once, with the same tokens as word by word
        return tuple(_WORD.findall(text.lower()))
    # Word by word: lowering can change what is a word character ("İ" -> "i" and a dot above).
    return tuple(w.lower().replace("’", "'") for w in _WORD.findall(text))


def _opens_quote(text: str) -> bool:
    return text.count('"') % 2 == 1 or text.count("“") > text.count("”")


def split_sentences(paragraph: str) -> list[str]:
    """The sentences of one paragraph (segtok's rule-based splitter: fast and deterministic).

    A quotation that runs over several sentences stays whole: the pieces are joined back until
    its closing mark (at most ``_QUOTE_PIECES`` of them). So is a sentence the splitter cut after
    a title ("Sen.") or before a bill number ("S. 1").
    """
    # Summaries and keywords of one event split the same paragraphs, in the same process: a
    # small memo saves the second split (about a tenth of an event's summary and keywords).
    return list(_split(paragraph))


# segtok asks of each candidate break whether the text before it ends in an abbreviation ("Dr.",
# "U.S.", an initial): a search for a pattern anchored at the end, run from the text's start, so
# over every character of the sentence so far: more than half of splitting's time. The same
# pattern searched from the end (the regex module's REVERSE flag) finds a match exactly when the
# forward search does, and segtok asks only whether there is one: it is used while we split.
# tests/test_sentences.py checks that both answer alike and that the splits are the same.
_ABBREVIATIONS = getattr(segtok.segmenter, "ABBREVIATIONS", None)
_ABBREVIATIONS_FROM_THE_END = (
    regex.compile(_ABBREVIATIONS.pattern, _ABBREVIATIONS.flags | regex.REVERSE)
    if isinstance(_ABBREVIATIONS, regex.Pattern)
    else None
)


@contextlib.contextmanager
def _abbreviations_from_the_end() -> Iterator[None]:
    """segtok's abbreviation test searches from the end while the block runs (see above)."""
    if _ABBREVIATIONS_FROM_THE_END is None or segtok.segmenter.ABBREVIATIONS is not _ABBREVIATIONS:
        yield  # another segtok, or someone else's stand-in: leave it be
        return
    segtok.segmenter.ABBREVIATIONS = _ABBREVIATIONS_FROM_THE_END
    try:
        yield
    finally:
        segtok.segmenter.ABBREVIATIONS = _ABBREVIATIONS


@functools.lru_cache(maxsize=4096)
def _split(paragraph: str) -> tuple[str, ...]:
    """See split_sentences."""
    pieces: list[str] = []
    with _abbreviations_from_the_end():
        found = split_single(paragraph)
    for piece in (p.strip() for p in found):
        if not piece:
            continue
        if pieces and (
            (_TITLE_END.search(pieces[-1]) and piece[:1].isupper())
            or (_NUMBER_LABEL_END.search(pieces[-1]) and piece[:1].isdigit())
        ):
            pieces[-1] = f"{pieces[-1]} {piece}"
        else:
            pieces.append(piece)
    out: list[str] = []
    i = 0
    while i < len(pieces):
        text = pieces[i]
        j = i + 1
        while _opens_quote(text) and j < len(pieces) and j - i < _QUOTE_PIECES:
            text = f"{text} {pieces[j]}"
            j += 1
        if _opens_quote(text):  # never closed: keep the pieces as the splitter cut them
            out.append(pieces[i])
            i += 1
        else:
            out.append(text)
            i = j
    return tuple(out)


def trim(text: str) -> str:
    """Drop a leading discourse marker; the rest of the sentence is kept exactly."""
    m = _LEADING_MARKER.match(text)
    if m is None:
        return text
    rest = text[m.end() :]
    return rest[:1].upper() + rest[1:]


def quotes_balanced(text: str) -> bool:
    """True when every quotation opened in the sentence is closed in it, and none is orphaned."""
    if text.count('"') % 2:
        return False
    if text.count("“") != text.count("”"):
        return False
    if "‘" not in text:  # nothing opened
        return True
    # Single curly quotes double as apostrophes; only a quote opened at a word start counts.
    opened = len(re.findall(r"(^|[\s(\[])‘", text))
    closed = len(re.findall(r"’(?=$|[\s.,;:!?)\]])", text))
    return opened <= closed


def _is_acronym(word: str) -> bool:
    return len(word) > 1 and word.isupper() and " " not in word


def leans_on_context(text: str) -> bool:
    """True when the sentence needs the sentences before it to be understood.

    It opens with a pronoun, a connective or a back-reference; it attributes a quote to a bare
    pronoun ('"We won," he said.'); or, outside quotes, a third-person pronoun comes before any
    word it could refer to ('In an interview, she ...').
    """
    opening = _DEPENDENT_OPENING.match(text)
    # An all-capitals opening word is an acronym ("WHO officials", "IT firms"), not a pronoun.
    if opening is not None and not _is_acronym(opening.group(1)):
        return True
    if _PRONOUN_ATTRIBUTION.search(text):
        return True
    if _INTRO_PRONOUN.match(text):
        return True
    unquoted = _QUOTED.sub(" ", text)
    m = _PERSONAL.search(unquoted)
    if m is None:
        return False
    before = [w for w in words(unquoted[: m.start()]) if w not in _FRAME_WORDS]
    return not before


def is_boilerplate(text: str) -> bool:
    """True for page furniture: links, handles, captions, teasers, bylines, comment prompts."""
    lower = text.lower()
    return bool(
        (any(key in lower for key in _BOILERPLATE_KEYS) and _BOILERPLATE.search(lower))
        or (any(key in lower for key in _RUN_IN_KEYS) and _RUN_IN.search(lower))
        or _FURNITURE.search(text)
        or _CAPS_RUN.search(text)
    )


def usable(text: str, *, continuation: bool = False) -> bool:
    """Whether a (trimmed) sentence may stand in a summary on its own.

    With ``continuation``, the sentence will follow its own predecessor in the summary, which
    carries the context it leans on: every rule but that one still applies.
    """
    n = len(text.split())
    if n < MIN_WORDS or n > MAX_WORDS:
        return False
    if not _TERMINAL.search(text) or not text[:1].isupper() and text[:1] not in "\"“‘'":
        return False
    if text.rstrip("\"”’' ").endswith("?") or text.endswith(":"):
        return False
    if not quotes_balanced(text) or is_boilerplate(text):
        return False
    return continuation or not leans_on_context(text)


def article_sentences(articles: Sequence[Article]) -> list[Sentence]:
    """Every sentence of every article, trimmed, in article then reading order.

    Unusable sentences are kept (with their positions) so that position features stay true to
    the article; callers filter with ``usable``.
    """
    out: list[Sentence] = []
    for index, article in enumerate(articles):
        position = 0
        for paragraph in article.paragraphs:
            for raw in split_sentences(paragraph):
                text = trim(raw)
                out.append(Sentence(text, index, position, words(text)))
                position += 1
    return out


def similarity(a: Sequence[str] | frozenset[str], b: Sequence[str] | frozenset[str]) -> float:
    """Jaccard similarity of two sentences' word sets (given as words, or as the sets)."""
    # Sets made once by the caller are used as they are: a summary compares each of its
    # sentences with every sentence of the event.
    sa = a if isinstance(a, frozenset) else frozenset(a)
    sb = b if isinstance(b, frozenset) else frozenset(b)
    if not sa or not sb:
        return 0.0
    shared = len(sa & sb)
    return shared / (len(sa) + len(sb) - shared)
