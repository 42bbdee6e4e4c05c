"""Faithfulness: the rules every merged summary keeps, checked on a finished digest.

The summarizer is built to keep them (docs/summaries.md); this module checks the result
independently, sentence by sentence against the articles it cites:

* each sentence is a span of a cited article (only its first letter may change case, after a
  leading "However," or the like is trimmed), and cites only articles of its event;
* each article with a near-identical sentence is cited;
* no two sentences say the same thing;
* a sentence that leans on context ("He said", "But") comes right after its predecessor in a
  cited article;
* quote marks are balanced, and no sentence is boilerplate (bylines, captions, "Read also").

``digest check`` runs it on every event of a source folder; ``digest eval --task summaries``
on every gold event, at the site's budget and at the evaluation's.
"""

from __future__ import annotations

from collections.abc import Sequence

from digest.model import Article, Digest, Summary
from digest.sentences import (
    is_boilerplate,
    leans_on_context,
    quotes_balanced,
    similarity,
    split_sentences,
    trim,
    words,
)


def digest_problems(digest: Digest) -> list[tuple[str, str]]:
    """(event id, problem) for every rule a summary of ``digest`` breaks, in event order."""
    return [
        (event.id, problem)
        for event in digest.events
        for problem in faithfulness_problems(Summary(event.headline, event.summary), event.articles)
    ]


def _follows_predecessor(
    own: Sequence[str], previous: Sequence[str], cited: Sequence[Sequence[Sequence[str]]]
) -> bool:
    """Whether the summary sentence before ``own`` is the sentence before it in a cited article,
    which then carries the context a sentence opening with 'He' or 'But' leans on."""
    own, previous = tuple(own), tuple(previous)
    return bool(previous) and any(
        tuple(sentences[i]) == own and tuple(sentences[i - 1]) == previous
        for sentences in cited
        for i in range(1, len(sentences))
    )


def faithfulness_problems(summary: Summary, articles: Sequence[Article]) -> list[str]:
    """What breaks the faithfulness rules in one summary (empty when it is faithful)."""
    problems: list[str] = []
    ids = {a.id for a in articles}
    flat = {a.id: " ".join(" ".join(a.paragraphs).split()) for a in articles}
    split = {a.id: [s for p in a.paragraphs for s in split_sentences(p)] for a in articles}
    sentences_of = {i: [words(s) for s in sentences] for i, sentences in split.items()}
    trimmed = {i: [words(trim(s)) for s in sentences] for i, sentences in split.items()}
    previous: Sequence[str] = ()
    for s in summary.sentences:
        text = " ".join(s.text.split())
        if not s.sources or not set(s.sources) <= ids:
            problems.append(f"cites articles outside the event: {s.text!r}")
            previous = ()
            continue
        # A span of the cited article; only the first letter may change case after trimming.
        if not any(text in flat[i] or text[1:] in flat[i] for i in s.sources):
            problems.append(f"not a span of its sources: {s.text!r}")
        if not quotes_balanced(s.text):
            problems.append(f"unbalanced quotes: {s.text!r}")
        own = words(s.text)
        if leans_on_context(s.text) and not _follows_predecessor(
            own, previous, [trimmed[i] for i in s.sources]
        ):
            problems.append(f"leans on missing context: {s.text!r}")
        previous = own
        if is_boilerplate(s.text):
            problems.append(f"boilerplate: {s.text!r}")
        for article_id, sentences in sentences_of.items():
            if article_id not in s.sources and any(similarity(own, o) >= 0.8 for o in sentences):
                problems.append(f"does not cite {article_id}, which states it: {s.text!r}")
    for i, a in enumerate(summary.sentences):
        for b in summary.sentences[i + 1 :]:
            if similarity(words(a.text), words(b.text)) >= 0.6:
                problems.append(f"says the same thing twice: {a.text!r} / {b.text!r}")
    return problems
