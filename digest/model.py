"""The small, immutable data model shared by every pipeline stage.

Stages never mutate these objects: each stage takes a sequence of them and returns new ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Document:
    """One input file as a reader returns it, before cleaning.

    ``meta`` holds the front matter (or nothing, for scraped text); keys the project knows are
    validated by the clean stage, unknown keys are carried through untouched.
    """

    id: str
    path: str  # path relative to the source folder, with forward slashes
    body: str
    meta: tuple[tuple[str, Any], ...] = ()
    format: str = "text"  # "text" (scraped page) or "markdown"
    warnings: tuple[str, ...] = ()  # what the reader noticed and did not reject the file for

    def get(self, key: str, default: Any = None) -> Any:
        for k, v in self.meta:
            if k == key:
                return v
        return default


@dataclass(frozen=True, slots=True)
class Article:
    """A cleaned article: the story text and the metadata known or inferred about it."""

    id: str
    path: str
    title: str
    paragraphs: tuple[str, ...]
    source: str | None = None
    url: str | None = None
    date: datetime | None = None
    author: str | None = None
    place: str | None = None
    event: str | None = None  # editor's pin from front matter
    extra: tuple[tuple[str, Any], ...] = ()
    format: str = "text"
    markdown: str = ""  # the original Markdown body, rendered (sanitized) on the article page
    # What the build reports about the file without rejecting it (a date it ignored). A field of
    # its own: ``extra`` holds the front matter's own keys, and one may be called "warnings".
    warnings: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def word_count(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)


@dataclass(frozen=True, slots=True)
class Rejection:
    """An input file that did not become an article, and why."""

    id: str
    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Copies:
    """An article and the near-copies of it that deduplication folded into it."""

    article: Article
    duplicates: tuple[Article, ...] = ()


@dataclass(frozen=True, slots=True)
class SummarySentence:
    """One sentence of a merged summary and the ids of every article that states it."""

    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Summary:
    headline: str
    sentences: tuple[SummarySentence, ...] = ()
    # No sentence, though some could stand alone: each is longer than the word budget.
    over_budget: bool = False


@dataclass(frozen=True, slots=True)
class Event:
    """One real-world happening and the articles that report it."""

    id: str
    headline: str
    members: tuple[Copies, ...]
    keywords: tuple[str, ...] = ()
    summary: tuple[SummarySentence, ...] = ()
    date: datetime | None = None  # the earliest known report
    summary_over_budget: bool = False  # ``Summary.over_budget``

    @property
    def articles(self) -> tuple[Article, ...]:
        return tuple(c.article for c in self.members)

    @property
    def last_date(self) -> datetime | None:
        dates = [a.date for a in self.articles if a.date is not None]
        return max(dates) if dates else None


@dataclass(frozen=True, slots=True)
class Digest:
    """Everything the build gathered, ready to be written."""

    events: tuple[Event, ...]
    rejected: tuple[Rejection, ...] = ()
    timings: tuple[tuple[str, float], ...] = field(default=(), compare=False)
    # Content key of every article by id (digest.incremental.clean_all): the write phase keys
    # the site by them.
    keys: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
