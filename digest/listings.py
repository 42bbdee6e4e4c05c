"""View models of the list pages: keyword index, date archive, index paging and the about page.

Like digest/views.py, these are what templates receive (documented in docs/themes.md); every
``href`` is relative to the site root.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from digest.model import Digest
from digest.pages import UNDATED, Day, IndexPage, SitePlan, Topic
from digest.views import all_articles, date_label, iso


@dataclass(frozen=True)
class TopicLink:
    name: str
    href: str
    feed_href: str
    count: int  # events carrying the keyword
    latest: str  # ISO date of its newest event, or ""
    latest_label: str


@dataclass(frozen=True)
class DayLink:
    key: str  # YYYY-MM-DD, or "undated"
    label: str
    href: str
    count: int


@dataclass(frozen=True)
class PageLink:
    number: int
    href: str
    current: bool
    gap_before: bool = False  # page numbers were left out between the previous link and this


# Pages linked on each side of the current one; the first and the last are always linked.
PAGER_REACH = 2


@dataclass(frozen=True)
class Pager:
    number: int
    count: int
    prev_href: str  # "" on the first page
    next_href: str  # "" on the last page
    pages: tuple[PageLink, ...]


@dataclass(frozen=True)
class OutletCount:
    name: str
    articles: int


@dataclass(frozen=True)
class About:
    event_count: int
    article_count: int  # every input that became an article, copies included
    distinct_count: int  # articles after folding copies
    duplicate_count: int
    rejected_count: int
    outlet_count: int
    outlets: tuple[OutletCount, ...]  # most articles first
    unknown_outlet: int  # articles whose outlet is not known
    first: str
    first_label: str
    last: str
    last_label: str
    undated: int
    sentence_count: int  # summary sentences, every one taken from a cited article
    citation_count: int


def topic_link(topic: Topic) -> TopicLink:
    newest = max((e.date for e in topic.events if e.date is not None), default=None)
    return TopicLink(
        topic.name, topic.href, topic.feed, len(topic.events), iso(newest), date_label(newest)
    )


def topic_links(plan: SitePlan) -> tuple[TopicLink, ...]:
    """Keywords with the most events first, then alphabetically."""
    links = [topic_link(t) for t in plan.topics]
    return tuple(sorted(links, key=lambda t: (-t.count, t.name.lower(), t.href)))


def day_link(day: Day) -> DayLink:
    return DayLink(day.key, day.label, day.href, len(day.events))


def day_links(plan: SitePlan) -> tuple[DayLink, ...]:
    return tuple(day_link(d) for d in plan.days)


def neighbour_days(plan: SitePlan, day: Day) -> tuple[DayLink | None, DayLink | None]:
    """The next newer and next older dated day, for walking the archive."""
    dated = [d for d in plan.days if d.key != UNDATED]
    if day.key == UNDATED:
        return None, None
    i = dated.index(day)
    newer = day_link(dated[i - 1]) if i > 0 else None
    older = day_link(dated[i + 1]) if i + 1 < len(dated) else None
    return newer, older


def pager(plan: SitePlan | Sequence[IndexPage], number: int) -> Pager:
    """Where page ``number`` of a paged list (the front page's, by default) links to.

    The numbered links are the first page, the last, and ``PAGER_REACH`` pages either side of
    this one: linking every page made each page's size, and the render, grow with the number
    of pages (1,466 front pages at 100,000 articles: 2.1 million links, 141 MB).
    """
    pages = plan.index_pages if isinstance(plan, SitePlan) else list(plan)
    shown = sorted(
        {1, len(pages)} | set(range(max(1, number - PAGER_REACH), number + PAGER_REACH + 1))
    )
    links = tuple(
        PageLink(k, pages[k - 1].path, k == number, k > 1 and k - 1 not in shown)
        for k in shown
        if 1 <= k <= len(pages)
    )
    return Pager(
        number=number,
        count=len(pages),
        prev_href=pages[number - 2].path if number > 1 else "",
        next_href=pages[number].path if number < len(pages) else "",
        pages=links,
    )


def about(digest: Digest) -> About:
    articles = [a for e in digest.events for a in all_articles(e)]
    distinct = sum(len(e.members) for e in digest.events)
    outlets = Counter(a.source for a in articles if a.source)
    dates = sorted(a.date for a in articles if a.date is not None)
    first, last = (dates[0], dates[-1]) if dates else (None, None)
    sentences = [s for e in digest.events for s in e.summary]
    return About(
        event_count=len(digest.events),
        article_count=len(articles),
        distinct_count=distinct,
        duplicate_count=len(articles) - distinct,
        rejected_count=len(digest.rejected),
        outlet_count=len(outlets),
        outlets=tuple(
            OutletCount(name, n)
            for name, n in sorted(outlets.items(), key=lambda kv: (-kv[1], kv[0]))
        ),
        unknown_outlet=sum(1 for a in articles if not a.source),
        first=iso(first),
        first_label=date_label(first),
        last=iso(last),
        last_label=date_label(last),
        undated=len(articles) - len(dates),
        sentence_count=len(sentences),
        citation_count=sum(len(s.sources) for s in sentences),
    )
