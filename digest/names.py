"""Names in an event's text, for the keywords stage: which words the sentences write as names,
where each name starts and ends, and what a name's acronym is.

YAKE's candidates stop at three words and know nothing of names: "Food and Drug" and "Drug
Administration" come out of "Food and Drug Administration", "State Antony Blinken" out of
"Secretary of State Antony Blinken". The keywords stage asks this module about each candidate:

* ``case_evidence``: which words the sentences capitalise inside a sentence (titles are no
  evidence: many outlets capitalise every word of a headline);
* ``find_names``: each line's names, runs of capitalised words joined by "of", "for", "the",
  "and" or a possessive, split at the job titles among them;
* ``full_name``: the whole name a candidate is part of wherever the text writes it;
* ``is_office``, ``ends_name``, ``one_name``: what a candidate is inside those names;
* ``acronym``, ``expansions``: an acronym and the names it stands for.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from digest.background import english_frequencies
from digest.sentences import MONTHS, WEEKDAYS

TOKEN = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*\.?", re.U)


TITLE_WORDS = frozenset(
    [
        "secretary",
        "general",
        "president",
        "minister",
        "prime",
        "chief",
        "sen",
        "senator",
        "rep",
        "representative",
        "gov",
        "governor",
        "director",
        "chairman",
        "chairwoman",
        "chair",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "leader",
        "mr",
        "mrs",
        "ms",
        "dr",
        "former",
        "vice",
        "deputy",
        "acting",
        "head",
        "ceo",
        "gen",
        "lt",
        "col",
        "sgt",
        "judge",
        "justice",
        "attorney",
        "ambassador",
        "commissioner",
        "mayor",
        "king",
        "queen",
        "prince",
        "pope",
        "rev",
        "sir",
        "lord",
        # Parts of parliamentary titles: "Majority Leader Chuck Schumer" left "Majority", and
        # "Senate Minority Leader" left "Senate Minority", as keywords.
        "majority",
        "minority",
        "whip",
        "speaker",
    ]
)
# Words that place a month in time rather than name something with it ("in March", "early May").
# Not "on": "on April Fools' Day" names a day, and "on May 5" has its number to tell it.
DATE_PLACERS = frozenset(
    ["early", "late", "mid", "last", "next", "this", "since", "until", "in", "end", "during"]
    + ["through", "from", "before", "after"]
)
# Months, which are also words of names ("Theresa May", "March of Dimes"; ``_month_in_name``).
MONTH_WORDS = frozenset(MONTHS)
DATE_WORDS = frozenset(
    [
        *WEEKDAYS,
        "today",
        "yesterday",
        "tomorrow",
        "tonight",
        *MONTHS,
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "week",
        "weekend",
        "month",
        "year",
        "morning",
        "evening",
        "afternoon",
        "night",
        "am",
        "pm",
    ]
)


# A word this common in English (a Zipf frequency of 5.2, about the 1,500 most used) names a thing
# rather than a person: the "Department" of "Justice Department" (5.2), where "Paul" of "Senator
# Paul" is 5.0, "Bill" 5.2 and "Obama" 4.9.
_COMMON = 10**5.2 / 1e9


@functools.lru_cache(maxsize=1 << 16)
def common_word(word: str) -> bool:
    return english_frequencies().get(word, 0.0) >= _COMMON


def singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


# An initial, an acronym with full stops or a short abbreviation ("E.", "U.S.", "Sen."): a full
# stop that more often goes on with a name than ends a sentence (``placed_words``).
_INITIAL = re.compile(r"(?:[A-Z]\.)+|[A-Z][a-z]{1,3}\.")
# A word (``TOKEN``) and what stands before it since the word before: ``TOKEN`` can start at
# any letter or digit, so what a search for it skips is exactly ``[\W_]*``. The search tells
# apart what it skips, for ``placed_words``: only spaces (the first group); a comma or
# semicolon and spaces (the second), which may also stand between two words of one sentence;
# or anything else, after which (a full stop, a colon, a quote mark, a line break) a word may be
# capitalised only because it starts a sentence. A gap fits the first of the three it can.
_GAP_AND_TOKEN = re.compile(r"(?:( +)|( *[,;] +)|[\W_]*)(" + TOKEN.pattern + ")", re.U)


@functools.lru_cache(maxsize=1 << 16)  # a pure function; the vocabulary repeats across events
def bare(word: str) -> str:
    """A word as the name evidence knows it: lower case, no full stop, no possessive ending."""
    word = word.lower().rstrip(".")
    return word[:-2] if word.endswith(("'s", "’s")) else word


# Each line is read twice in a row, for the case evidence and for its names.
@functools.lru_cache(maxsize=1024)
def placed_words(line: str) -> tuple[tuple[str, str, bool, bool], ...]:
    """The words of a line, a hyphenated word as its parts (YAKE splits at hyphens), each with
    its ``bare`` form, whether it stands inside a sentence (a capital there is a sign of a
    name) and whether only spaces or a hyphen part it from the word before (no comma, no full
    stop: one phrase)."""
    out: list[tuple[str, str, bool, bool]] = []
    previous = ""  # the word before, "" at the line's start
    for spaces, separated, word in _GAP_AND_TOKEN.findall(line):
        after_word = previous != "" and not previous.endswith(".")
        # Only spaces, or a comma or semicolon and a space, between the two words.
        inside = after_word and bool(spaces or separated)
        # "Charles E. Schumer", "Sen. Rand Paul": one phrase, though not evidence of a name.
        phrase = after_word or bool(_INITIAL.fullmatch(previous))
        spaced = phrase and spaces != ""
        previous = word
        if "-" not in word:  # most words: no parts to split
            out.append((word, bare(word), inside, spaced))
            continue
        for j, part in enumerate(word.split("-")):
            out.append((part, bare(part), inside or j > 0, spaced or j > 0))
    return tuple(out)


def capitalised_words(lines: Sequence[str]) -> frozenset[str]:
    """``case_evidence``'s words written as names."""
    return case_evidence(lines)[1]


def case_evidence(lines: Sequence[str]) -> tuple[frozenset[str], frozenset[str]]:
    """Lower-cased words that these sentences capitalise inside a sentence; and those they write
    as names: with a capital inside a sentence, or only ever at a sentence's start (the "Joe" of
    "Joe Lieberman said ...").

    Titles are no evidence: many outlets capitalise every word of a headline ("Biden
    Criminalizes CRT Dissent"), which made each of its word runs look like a name. A word the
    sentences write in lower case inside a sentence, and never with a capital there, is no name;
    nor is a word they do not use at all.
    """
    upper: set[str] = set()  # capitalised inside a sentence
    lower: set[str] = set()  # in lower case inside a sentence
    seen: set[str] = set()
    for line in lines:
        for part, key, inside, _ in placed_words(line):
            seen.add(key)
            if inside:
                (upper if part[:1].isupper() else lower).add(key)
    return frozenset(upper), frozenset(upper | (seen - lower))


# Lower-case words that join the capitalised words of one name ("Food and Drug Administration",
# "Centers for Disease Control", "Speaker of the House").
JOINERS = frozenset(["of", "for", "the", "and"])
# Longest name a keyword is extended to, in words (YAKE's own candidates stop at three).
_NAME_WORDS = 6


@dataclass(frozen=True, slots=True)
class NameLine:
    """A line of the event's text as words, and where it writes names (``find_names``)."""

    words: tuple[str, ...]  # as written; hyphenated words as their parts, as YAKE reads them
    bare: tuple[str, ...]  # ``bare`` of each
    spans: tuple[tuple[int, int], ...]  # each name's [start, end) in ``words``, titles left out
    # Word boundaries (``i``: between words i - 1 and i) that may part two names rather than
    # join one: a keyword is extended across one only when it already spans it.
    stops: frozenset[int]
    # Where a person's name starts after a title's office ("Secretary of State Antony Blinken"),
    # or a name after a possessive that parts two ("China’s Wuhan Institute").
    cuts: frozenset[int]
    offices: tuple[tuple[int, int], ...]  # the spans that name a title's office ("State")
    # Where each capitalised word stands, by its ``bare`` form: the candidates are looked up
    # a few hundred times.
    at: Mapping[str, tuple[int, ...]]


def _possessive(word: str) -> bool:
    return word.endswith(("'s", "’s"))


def find_names(
    lines: Sequence[str], capitalised: frozenset[str], inside: frozenset[str]
) -> tuple[NameLine, ...]:
    """The names of these lines: runs of capitalised words joined by "of", "for", "the", "and"
    or a possessive, split at the job titles among them.

    A word is a name's when it is capitalised and the sentences write it as a name
    (``capitalised``); at a sentence's start, where every word has a capital, only when they
    capitalise it inside a sentence too (``inside``), and such a "The" never starts a name.
    """
    placed = [placed_words(line) for line in lines]
    kinds = [
        [
            _word_kind(part, bare, at, capitalised if joined else inside)
            for part, bare, at, joined in line
        ]
        for line in placed
    ]
    for line, kind in zip(placed, kinds, strict=True):
        if "title" not in kind:
            continue  # most lines: nothing to mend, and the scan below is per word
        for j in range(len(line) - 1):
            # A title word before a common noun that ends the name is part of it, not a title:
            # "Justice Department", "Justice Department’s Office of Legal Counsel"; but
            # "Senator John Warner", "Senator Paul" (a person's name is rarely so common).
            if kind[j] != "title":
                continue
            word, bare, _, joined = line[j + 1]
            noun = joined and kind[j + 1] == "name" and common_word(bare)
            last = j + 2 == len(line) or kind[j + 2] != "name" or _possessive(word)
            if noun and last:
                kind[j] = "name"
    for line, kind in zip(placed, kinds, strict=True):
        if "month" not in kind:
            continue  # most lines
        for j in [j for j, k in enumerate(kind) if k == "month"]:
            kind[j] = "name" if _month_in_name(line, kind, j) else "other"
    # How often each name word stands in the text, and how often right before "and" or as a
    # possessive, and right after a joining word: a word that stands only so is no name of its
    # own, and what it joins is one name ("Food and Drug Administration").
    alone: Counter[str] = Counter()
    before: Counter[str] = Counter()
    after: Counter[str] = Counter()
    for line, kind in zip(placed, kinds, strict=True):
        for i in [i for i, k in enumerate(kind) if k == "name"]:
            word, bare, _, _ = line[i]
            alone[bare] += 1
            if _possessive(word) or i + 1 < len(line) and line[i + 1][0] == "and":
                before[bare] += 1
            if i and (kind[i - 1] == "join" or _possessive(line[i - 1][0])):
                after[bare] += 1
    only_before = frozenset(w for w, n in before.items() if alone[w] == n)
    only_after = frozenset(w for w, n in after.items() if alone[w] == n)
    return tuple(
        _name_line(line, kind, (only_before, only_after))
        for line, kind in zip(placed, kinds, strict=True)
    )


def _month_in_name(line: Sequence[tuple[str, str, bool, bool]], kind: list[str], j: int) -> bool:
    """Whether the month word at ``j`` is a name's: spaced from a name word beside it, or from
    "of" or "for" and the name after ("Theresa May", "Million Man March", "March for Our
    Lives", "March of Dimes"), with no number beside it ("May 5", "5 May 2024" are dates)."""

    def number(k: int) -> bool:
        return 0 <= k < len(line) and any(c.isdigit() for c in line[k][0])

    def name(k: int) -> bool:
        # An acronym after a month qualifies it: "a June CNBC interview", "the March FOMC".
        return k < len(line) and line[k][3] and kind[k] == "name" and not line[k][0].isupper()

    if number(j - 1) or number(j + 1):
        return False
    if j > 0 and line[j][3] and kind[j - 1] == "name":
        return True
    if line[j][0].endswith("."):
        return False  # "... in May. Analysts said": the sentence ends with the month
    if j > 0 and line[j - 1][1] in DATE_PLACERS:
        return False  # "In March Congress passed ...", "since May Democrats have ...": a date
    return name(j + 1) or name(j + 2) and line[j + 1][1] in ("of", "for") and line[j + 1][3]


def _word_kind(part: str, bare: str, at_inside: bool, known: frozenset[str]) -> str:
    """ "name", "title" (a capitalised job title), "join" (a lower-case ``JOINERS`` word),
    "month" (a capitalised month, to be settled) or "other"; ``bare`` is ``bare(part)``."""
    if part.islower():
        return "join" if bare in JOINERS else "other"
    if not part[:1].isupper() or bare in JOINERS and not at_inside:
        return "other"
    if bare in DATE_WORDS:
        # A capitalised month is a name's word or a date's by the words beside it, which
        # ``find_names`` settles (``_month_in_name``); other date words never name anyone.
        return "month" if bare in MONTH_WORDS else "other"
    if bare in TITLE_WORDS or part.endswith(".") and singular(bare) in TITLE_WORDS:
        return "title"  # "Reps. Jim Banks" too
    return "name" if bare in known else "other"


def _name_line(
    placed: Sequence[tuple[str, str, bool, bool]],
    kind: Sequence[str],
    only: tuple[frozenset[str], frozenset[str]],
) -> NameLine:
    """The names of a line (``placed_words``) whose words are of these kinds (``_word_kind``)."""
    words, bare, _, spaced = zip(*placed, strict=True) if placed else ((), (), (), ())
    spans: list[tuple[int, int]] = []
    stops: set[int] = set()
    cuts: set[int] = set()
    offices: list[tuple[int, int]] = []
    end = 0
    # Each name starts at a name or title word past the end of the name before.
    for i in [i for i, k in enumerate(kind) if k == "name" or k == "title"]:
        if i < end:
            continue
        end = i + 1
        while end < len(words) and spaced[end] and kind[end] != "other":
            if kind[end] == "join" and bare[end] == "the" and bare[end - 1] not in ("of", "for"):
                break  # "the" joins only after "of" or "for": "Speaker of the House"
            end += 1
        # The run split at its titles: "NATO Secretary General Jens Stoltenberg" holds two
        # names, "NATO" and "Jens Stoltenberg".
        start = i
        for j in range(i, end + 1):
            if j < end and kind[j] != "title":
                continue
            office = i < start < j and kind[start - 1] == "title" and bare[start] in ("of", "for")
            s, e = _trim_joiners(kind, start, j)
            if i < start and not office:
                # A person's name after a title ends before "of": "Sen. Rand Paul of Kentucky".
                e = next((k for k in range(s, e) if bare[k] in ("of", "for")), e)
            if s < e and office and e - s >= 3 and kind[e - 1] == kind[e - 2] == "name":
                # "Secretary of State Antony Blinken": the words after "of" name the office,
                # the last two the person.
                cuts.add(e - 2)
                offices.append(_trim_joiners(kind, s, e - 2))
                spans.append(offices[-1])
                s = e - 2
            if s < e:
                spans.append((s, e))
                for stop in _stops(words, bare, kind, s, e, only):
                    stops.add(stop)
                    if _possessive(words[stop - 1]):
                        cuts.add(stop)
            start = j + 1
    # Only the capitalised words: the names are looked up there (``_name_occurrences``).
    at: dict[str, list[int]] = {}
    for k in [k for k, word in enumerate(words) if word[0].isupper()]:
        at.setdefault(bare[k], []).append(k)
    return NameLine(
        words,
        bare,
        tuple(spans),
        frozenset(stops),
        frozenset(cuts),
        tuple(offices),
        {word: tuple(places) for word, places in at.items()},
    )


def _trim_joiners(kind: Sequence[str], start: int, end: int) -> tuple[int, int]:
    while start < end and kind[start] == "join":
        start += 1
    while end > start and kind[end - 1] == "join":
        end -= 1
    return start, end


def _stops(
    words: Sequence[str],
    bare: Sequence[str],
    kind: Sequence[str],
    s: int,
    e: int,
    only: tuple[frozenset[str], frozenset[str]],
) -> Iterator[int]:
    """The boundaries of the name [s, e) where it may be two names.

    A joining word makes one name of what it joins only when the text uses the word after it
    nowhere else: "Centers for Disease Control", but not "Rand Paul of Kentucky" when the text
    also writes "Kentucky" on its own. "and" and a possessive more often join two names ("Joe
    Biden and Kamala Harris", "Boris Johnson’s Conservative Party"). "and" joins one name after
    "of" or "for" ("Centers for Disease Control and Prevention"), or after a lone word used
    nowhere else and before two or more ("Food and Drug Administration"); a possessive, with a word
    before it and one after, none of them used elsewhere ("Operation Freedom’s Sentinel").
    """
    only_before, only_after = only
    i = s
    while i < e:
        if kind[i] == "join":
            j = i + 1 if bare[i : i + 2] in (("of", "the"), ("for", "the")) else i
            joined = j + 1 < e and bare[j + 1] in only_after
            if bare[i] == "and":
                of = joined and any(bare[k] in ("of", "for") for k in range(s, i))
                two = j + 2 < e and kind[j + 1] == kind[j + 2] == "name"
                # One word before "and", after an acronym at most ("U.S. Customs and Border
                # Protection"): a person's name has two ("Bob Woodward and Robert Costa").
                lone = i - 1 == s or kind[i - 2] == "join" or words[i - 2].isupper()
                joined = of or two and lone and bare[i - 1] in only_before
            if not joined:
                yield from range(i, j + 2)
            i = j + 1
            continue
        if _possessive(words[i]) and i + 1 < e:
            one = i > s and i + 2 == e
            if not (one and bare[i] in only_before and bare[i + 1] in only_after):
                yield i + 1
        i += 1


def _name_occurrences(
    key: tuple[str, ...], names: Sequence[NameLine]
) -> Iterator[tuple[NameLine, int]]:
    """Where the text writes the words ``key`` (``bare``) with a capital: each line and first
    word (a lower-case "delta" is another word than "Delta")."""
    n = len(key)
    for line in names:
        for i in line.at.get(key[0], ()):  # capitalised
            if line.bare[i : i + n] == key:
                yield line, i


def full_name(tokens: tuple[str, ...], names: Sequence[NameLine]) -> tuple[str, ...]:
    """The name a keyword is part of wherever the text writes it: YAKE's candidates stop at
    three words, so "Food and Drug Administration" came out as "Food and Drug" and "Drug
    Administration", and "Operation Freedom’s Sentinel" as "Operation Freedom".

    A phrase that runs from a title's office into a person's name ("State Antony Blinken"), or
    from a possessor into the name after it ("China Wuhan Institute" of "China’s Wuhan
    Institute"), is cut to the name. The keyword stays as it is when the text also writes it
    on its own or in names that differ, or the name would be longer than ``_NAME_WORDS``.
    """
    key = tuple(bare(t) for t in tokens)
    found = list(_name_occurrences(key, names))
    if not found:
        return tokens
    for line, i in found:
        cut = max((c for c in line.cuts if i < c < i + len(key)), default=0)
        if cut:
            return full_name(tokens[cut - i :], names)
        if _list(line, i, i + len(key)):
            return tokens  # two names and the "and" between ("Iraq and Syria")
    lefts: list[tuple[str, ...]] = []
    rights: list[tuple[str, ...]] = []
    for line, i in found:
        end = i + len(key)
        span = next(((s, e) for s, e in line.spans if s <= i and end <= e), None)
        if span is None:
            return tokens  # also written outside a name
        left, right = i, end
        while left > span[0] and left not in line.stops:
            left -= 1
        while right < span[1] and right not in line.stops:
            right += 1
        lefts.append(line.bare[left:i][::-1])
        rights.append(line.bare[end:right])
    before, after = _common_length(lefts), _common_length(rights)
    line, i = found[0]
    if before and line.words[i - before - 1 : i - before] in (("of",), ("for",), ("the",)):
        before = 0  # a name does not start with what another is "of": "Appeals for the ..."
    while before and line.words[i - before].isupper():
        before -= 1  # an acronym before a name qualifies it: "U.S. Supreme Court"
    words = line.words[i - before : i + len(key) + after]
    while words[0] in JOINERS:
        words = words[1:]
    while words[-1] in JOINERS:
        words = words[:-1]
    if before + after == 0 or len(words) > _NAME_WORDS:
        return tokens
    # The last word as a keyword ends: without a sentence's full stop (an initial's stays:
    # "George W.", "U.S.") or a possessive ("National Institutes of Health’s").
    last = words[-1]
    if last.endswith(".") and not re.fullmatch(r"(?:[^\W\d_]\.)+", last):
        last = last[:-1]
    if _possessive(last):
        last = last[:-2]
    return (*words[:-1], last)


def is_office(tokens: tuple[str, ...], names: Sequence[NameLine]) -> bool:
    """Whether the text writes this one word only as a title's office (the "State" of
    "Secretary of State Antony Blinken"): a part of the title, cut with it. An office of more
    words is a name of its own ("Secretary of Homeland Security Alejandro Mayorkas")."""
    if len(tokens) != 1:
        return False
    key = (bare(tokens[0]),)
    found = list(_name_occurrences(key, names))
    return bool(found) and all(
        any(s <= i and i + len(key) <= e for s, e in line.offices) for line, i in found
    )


def ends_name(tokens: tuple[str, ...], names: Sequence[NameLine]) -> bool:
    """Whether the text writes no name word right after these words ("Department" of "Justice
    Department", not "John" of "John Warner")."""
    key = tuple(bare(t) for t in tokens)
    return not any(
        s < i + len(key) < e and i + len(key) not in line.stops
        for line, i in _name_occurrences(key, names)
        for s, e in line.spans
    )


def one_name(tokens: tuple[str, ...], names: Sequence[NameLine]) -> bool:
    """Whether the text writes these words as one name ("Food and Drug Administration"), not
    as two joined ("Iraq and Syria", "Senator Rand Paul of Kentucky"): inside one of its names
    (``spans``) wherever it writes them, with no "and" of a list inside (``_list``)."""
    key = tuple(bare(t) for t in tokens)
    found = list(_name_occurrences(key, names))
    return bool(found) and all(
        any(s <= i and i + len(key) <= e for s, e in line.spans)
        and not _list(line, i, i + len(key))
        for line, i in found
    )


def _list(line: NameLine, start: int, end: int) -> bool:
    """Whether the words [start, end) of the line hold an "and" that joins two names."""
    return any(line.words[b - 1 : b + 1].count("and") for b in line.stops if start < b < end)


def _common_length(sequences: Sequence[tuple[str, ...]]) -> int:
    """How many first words all ``sequences`` share."""
    n = min(len(s) for s in sequences)
    return next((i for i in range(n) if len({s[i] for s in sequences}) > 1), n)


def acronym(tokens: tuple[str, ...]) -> str:
    """The letters of a keyword that is an acronym ("FDA", "U.S." -> "US"), else ""."""
    letters = tokens[0].replace(".", "") if len(tokens) == 1 else ""
    return letters if len(letters) >= 2 and letters.isalpha() and letters.isupper() else ""


def initials(words: Sequence[str]) -> set[str]:
    """The acronyms a name makes: the first letters of its capitalised words but a leading
    "The", all of them or those before an "and" (the CDC is the "Centers for Disease Control
    and Prevention")."""
    out: set[str] = set()
    letters = ""
    for word in words:
        if word == "and":
            out.add(letters)
        elif word[:1].isupper() and (letters or word != "The"):
            letters += word[0]
    out.add(letters)
    return out


def expansions(tokens: tuple[str, ...], names: Sequence[NameLine]) -> set[str]:
    """The acronyms a keyword's name makes (``initials``), and those of the names the text
    writes it in; none for an acronym or a phrase of lower-case words."""
    if acronym(tokens) or not all(t[:1].isupper() or t in JOINERS for t in tokens):
        return set()
    out = initials(tokens)
    key = tuple(bare(t) for t in tokens)
    for line, i in _name_occurrences(key, names):
        for s, e in line.spans:
            if s <= i and i + len(key) <= e:
                out |= initials(line.words[s:e])
    return out
