"""Render stage: write the site for a ``Digest`` into a folder, from the theme's templates.

Pages are rendered from view models (digest/views.py, digest/listings.py) at the paths the site
plan decides (digest/pages.py). ``events.json`` is the machine-readable digest and part of the
public interface (documented in the README). The sitemap is written last, from the list of
finished pages; the search index after that (``digest.build.write``).
"""

from __future__ import annotations

import contextlib
import copyreg
import hashlib
import io
import json
import os
import pickle
import shutil
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from digest import listings, search
from digest.config import Config
from digest.errors import BuildError
from digest.feeds import FeedEntry, atom_xml, feed_entry, feed_of, sitemap
from digest.model import Article, Digest, Event
from digest.output import link_unchanged
from digest.pages import SitePlan
from digest.parallel import beside, map_shared
from digest.related import related_events
from digest.theme import theme_dirs
from digest.views import (
    ArticlePage,
    Edition,
    EventCard,
    FeedLink,
    PageMeta,
    Site,
    article_body,
    article_page,
    edition_view,
    event_card,
    event_page,
    event_timeline,
    generated_time,
    iso,
    relative,
    reports_near,
    site_view,
)

DESCRIPTION_CHARS = 200


def environment(config: Config) -> jinja2.Environment:
    dirs = _theme_folders(config)
    return _environment(dirs, template_files(dirs))


def _theme_folders(config: Config) -> tuple[Path, ...]:
    # Absolute, so that an environment is found again whatever the working folder.
    return tuple(d.resolve() for d in theme_dirs(config))


TemplateFiles = tuple[tuple[str, int, int], ...]  # path, size and modification time of each


def template_files(dirs: tuple[Path, ...]) -> TemplateFiles:
    """Every template file of the theme folders, with its size and modification time."""
    found = []
    for folder in dirs:
        for path in sorted((folder / "templates").rglob("*")):
            if path.is_file():
                st = path.stat()
                found.append((str(path), st.st_size, st.st_mtime_ns))
    return tuple(found)


try:  # MarkupSafe's C escaper; absent from another MarkupSafe, where _Template changes nothing
    from markupsafe import _escape_inner
except ImportError:  # pragma: no cover - depends on the installed MarkupSafe
    _escape_inner = None


def _escape_str(value: object, /) -> markupsafe.Markup:
    """``markupsafe.escape``, the same result, without ``Markup.__new__`` for a plain string.

    Autoescaping calls ``escape`` on every value a template prints, 1.25 million times for the
    pages of 10,000 articles; ``Markup(...)`` checks its argument for ``__html__`` and takes
    optional encoding arguments in Python, a tenth of the render stage. The escaped text of a
    ``str`` is a ``str``, so the check can only fail: the ``Markup`` is made as ``str`` makes it.
    """
    kind = type(value)
    if kind is str:
        return str.__new__(markupsafe.Markup, _escape_inner(value))
    # A tenth of the printed values are numbers (counts, page and source numbers) and a tenth
    # already markup (macro output): ``escape`` would copy the markup and escape the digits.
    if kind is markupsafe.Markup:
        return value
    if kind is int:
        return str.__new__(markupsafe.Markup, int.__repr__(value))
    return markupsafe.escape(value)


class _Template(jinja2.Template):
    """A Jinja template whose compiled code escapes with ``_escape_str``."""

    @classmethod
    def from_code(cls, environment, code, globals, uptodate=None):  # noqa: A002 - Jinja's names
        template = super().from_code(environment, code, globals, uptodate)
        if _escape_inner is not None:
            # The compiled module's namespace, shared by its blocks and macros: the name
            # ``escape`` there is what every printed value goes through.
            template.root_render_func.__globals__["escape"] = _escape_str
        return template


@lru_cache(maxsize=8)
def _environment(dirs: tuple[Path, ...], files: TemplateFiles) -> jinja2.Environment:
    # One per theme and process: compiling templates costs more than a page. ``files`` is in
    # the key so that an edited theme gets a new environment (``digest serve`` rebuilds in one
    # process where processes do not fork), instead of Jinja's auto_reload, which checks the
    # file of every template a page uses (three) each time it renders one: 5% of a render.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d / "templates") for d in dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.template_class = _Template
    return env


def events_json(digest: Digest) -> dict[str, Any]:
    """The public, machine-readable digest (schema in the README)."""
    return {
        "events": [
            {
                "id": e.id,
                "title": e.headline,
                "date": iso(e.date) or None,
                "keywords": list(e.keywords),
                "summary": [{"text": s.text, "sources": list(s.sources)} for s in e.summary],
                "articles": [
                    {
                        "id": c.article.id,
                        "title": c.article.title or None,
                        "source": c.article.source,
                        "url": c.article.url,
                        "date": iso(c.article.date) or None,
                        "duplicates": [d.id for d in c.duplicates],
                    }
                    for c in e.members
                ],
            }
            for e in digest.events
        ],
        "rejected": [{"id": r.id, "path": r.path, "reason": r.reason} for r in digest.rejected],
    }


def events_json_text(digest: Digest) -> str:
    """``events_json`` as a file: one event (and one rejected input) per line.

    A line per event keeps the file readable and a changed event a one-line diff, and it is
    written by json's C encoder: an indented dump goes through the pure-Python one (at 10,000
    articles: 0.16 s against 0.24 s).
    """
    data = events_json(digest)
    encode = json.JSONEncoder(ensure_ascii=False).encode

    def items(name: str) -> str:
        lines = ",\n".join("  " + encode(x) for x in data[name])
        return f'"{name}": [\n{lines}\n]' if lines else f'"{name}": []'

    return "{\n" + ",\n".join(items(name) for name in data) + "\n}\n"


# A page's key (what it was rendered from), and its file's size and modification time.
MemoEntry = tuple[str, int, int]
PageMemo = Mapping[str, MemoEntry]  # by page path


def _shared_value(digest: bytes) -> None:
    """Stands for a value pickled once in a page key (``KeyMemo``); never called: keys are
    only hashed, never unpickled."""


class KeyMemo:
    """Digests of the values many pages share, for ``page_key``, made once per process.

    An event card is on about five pages (home, keyword, day and related lists) and an event's
    feed entry in several feeds; a page's key pickles such a value's digest (a reference to
    ``_shared_value`` with 16 bytes) in its place instead of the whole value again. The memo
    keeps each value it saw, so no other object can take its ``id`` while the memo lives.
    """

    SHARED = (EventCard, FeedEntry)

    def __init__(self) -> None:
        self._digests: dict[int, tuple[object, bytes]] = {}
        self.dispatch_table = copyreg.dispatch_table.copy()
        for kind in self.SHARED:
            self.dispatch_table[kind] = self._reduce

    def prime(self, values: Iterable[object]) -> None:
        """Make the digests of ``values`` now, in the parent: forked workers then share them,
        where each worker (and each pool of them) would otherwise make its own."""
        for value in values:
            self._reduce(value)

    def _reduce(self, value: object) -> tuple[Callable[[bytes], None], tuple[bytes]]:
        entry = self._digests.get(id(value))
        if entry is None:
            entry = (value, _pickle_digest(value, None))
            self._digests[id(value)] = entry
        return _shared_value, (entry[1],)


def _pickle_digest(value: object, memo: KeyMemo | None) -> bytes:
    """The hash of ``value`` pickled (see ``page_key``); raises what the pickler raises."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, pickle.HIGHEST_PROTOCOL)
    with contextlib.suppress(AttributeError):
        pickler.fast = True
    if memo is not None:
        pickler.dispatch_table = memo.dispatch_table
    pickler.dump(value)
    return hashlib.blake2b(buffer.getbuffer(), digest_size=16).digest()


def page_key(*parts: object, memo: KeyMemo | None = None) -> str | None:
    """A hash of everything a page is rendered from, or None when that cannot be pickled.

    The pickler runs without its memo ("fast" mode), so equal values give equal bytes whichever
    objects they happen to share (a cached event shares fewer strings than one made in this
    build). A memo could only make equal values hash apart, never different ones alike: at
    worst a page is rendered again, which is why a Python without fast mode is no danger.
    With ``memo``, each value it shares is pickled as its digest (``KeyMemo``). Every page and
    feed is keyed with one, in every build, so equal values still give equal keys.
    """
    try:
        return _pickle_digest(parts, memo).hex()
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return None


class _Writer:
    """Writes pages into the staging folder; a page identical to the one in the ``previous``
    site is hard-linked from it instead, so only changed pages are rewritten (their times and
    inodes tell a deploy tool what changed) and an unchanged site costs no disk writes.

    With the ``memo`` of the build that wrote ``previous``, a page made from the same values as
    then is not even rendered: ``reuse`` links it. ``fresh`` is the memo of this build.
    """

    def __init__(self, root: Path, previous: Path | None = None, memo: PageMemo | None = None):
        # Kept as strings: a rebuild links some 20,000 pages, and a ``Path`` per page and
        # folder cost a third of linking them.
        self.root = os.fspath(root)
        # The current site's folder, or None when there is none.
        self.previous = os.fspath(previous) if previous is not None else None
        self.memo: PageMemo = memo or {}
        self.fresh: dict[str, MemoEntry] = {}
        self.count = 0

    def reuse(self, rel: str, key: str | None) -> bool:
        """Link the previous site's page if it was rendered from ``key`` and is still the file
        written then (same size and time: not edited or replaced since)."""
        entry = self.memo.get(rel)
        if key is None or entry is None or entry[0] != key or self.previous is None:
            return False
        old = f"{self.previous}/{rel}"
        try:
            st = os.stat(old)
            if (st.st_size, st.st_mtime_ns) != entry[1:]:
                return False
            _link(old, f"{self.root}/{rel}")
        except OSError:
            return False  # gone, or no hard links on this disk: render it
        self.fresh[rel] = entry
        self.count += 1
        return True

    def write(self, rel: str, text: str, key: str | None = None) -> None:
        path = f"{self.root}/{rel}"
        data = text.encode("utf-8")
        self.count += 1
        if self._link_same(rel, path, data):
            if key is not None:
                st = os.stat(path)
                self.fresh[rel] = (key, st.st_size, st.st_mtime_ns)
            return
        # Open first and make the folder only when it is missing: most pages go into a folder
        # that exists, and a page costs a few system calls, not a dozen.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        except FileNotFoundError:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if key is not None:
                st = os.fstat(fd)
                self.fresh[rel] = (key, st.st_size, st.st_mtime_ns)
        finally:
            os.close(fd)

    def _link_same(self, rel: str, path: str, data: bytes) -> bool:
        if self.previous is None:
            return False
        old = f"{self.previous}/{rel}"
        try:
            if os.stat(old).st_size == len(data):
                with open(old, "rb") as f:
                    same = f.read() == data
                if same:
                    _link(old, path)
                    return True
        except OSError:
            pass  # no such page before, or no hard links on this disk: write it
        return False


def _link(old: str, new: str) -> None:
    """Hard-link ``old`` as ``new``, making ``new``'s folder only when it is missing (as
    ``_Writer.write`` opens first): most pages go into a folder that exists."""
    try:
        os.link(old, new)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(new), exist_ok=True)
        os.link(old, new)


def _copy_static(config: Config, dest: Path) -> None:
    # Later theme folders are the defaults; copy them first so a user theme's files win.
    for theme in reversed(theme_dirs(config)):
        static = theme / "static"
        if static.is_dir():
            shutil.copytree(static, dest / "static", dirs_exist_ok=True)


def _clip(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


@dataclass(frozen=True)
class _Shared:
    """What every page is made from, decided once in the parent before any page is rendered.

    Worker processes receive it once (``parallel.map_shared``) and build each page's view model
    themselves, so a task is only a page's kind and number, and no view crosses processes.
    """

    digest: Digest
    config: Config
    site: Site
    plan: SitePlan
    cards: dict[str, EventCard]
    dirs: tuple[Path, ...]
    templates: TemplateFiles  # as render_site found them (see _environment)
    root: Path
    previous: Path | None
    memo: PageMemo  # of the build that wrote ``previous`` (see _Writer)
    edition: Edition  # for the pages about the whole site only
    # Each event's related events, by id: empty while the pages that do not show them are
    # rendered (see render_site).
    related: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Made once per process, in each worker; a shortcut only: no page depends on what is in it.
    keys: KeyMemo = field(default_factory=KeyMemo)
    entries: dict[tuple[str, str, datetime | None], FeedEntry] = field(default_factory=dict)


class _Pages:
    """Renders templates with the context every page shares: site, root, page path, meta."""

    def __init__(self, shared: _Shared) -> None:
        self.shared = shared
        self.site = shared.site
        self.out = _Writer(shared.root, shared.previous, shared.memo)
        self.paths: list[str] = []

    def url(self, rel: str) -> str:
        return url_of(self.site, rel)

    def feed(self, title: str, rel: str, from_page: str) -> FeedLink:
        href = self.url(rel) or relative(rel, from_page)
        return FeedLink(title, href)

    def render(
        self,
        template: str,
        rel: str,
        *,
        heading: str,
        description: str,
        og_type: str = "website",
        feeds: tuple[tuple[str, str], ...] = (),
        late: tuple[object, Callable[[], dict[str, Any]]] | None = None,
        **context: Any,
    ) -> None:
        """Render ``template`` into ``rel``, unless the previous build rendered it from the same
        values (``_Writer.reuse``).

        ``late`` is ``(source, make)``: context values that cost more to make than to key
        (an article's Markdown body) and matter only if the page is rendered after all. The
        page's key covers ``source``, from which ``make()`` must make them.
        """
        root = relative(".", rel).rstrip("/") + "/"
        root = "" if root == "./" else root
        title = heading if rel == "index.html" else f"{heading} · {self.site.title}"
        site_feed = (f"{self.site.title}: all events", "feed.xml")
        meta = PageMeta(
            title=title,
            heading=heading,
            description=_clip(description or self.site.description),
            canonical=self.url(rel),
            og_type=og_type,
            feeds=tuple(self.feed(t, f, rel) for t, f in (site_feed, *feeds)),
        )
        context = dict(site=self.site, root=root, page_path=rel, meta=meta, **context)
        self.paths.append(rel)
        # The theme's files are in the cache's fingerprint: the same values give the same page.
        key = page_key(template, context, late[0] if late else None, memo=self.shared.keys)
        if self.out.reuse(rel, key):
            return
        if late is not None:
            context.update(late[1]())
        env = _environment(self.shared.dirs, self.shared.templates)
        try:
            page = env.get_template(template).render(context)
        except Exception as exc:  # noqa: BLE001 - whatever a theme's template raises is its own
            # A theme's mistake (an unknown variable, a syntax error, a filter given the wrong
            # type: `"%d"|format("x")`, `1/0`) named by its template, line and the page it
            # broke; the previous site stays in place.
            where, line = _template_place(exc, template, self.shared.dirs)
            at = f", line {line}" if line else ""
            theirs = not isinstance(exc, jinja2.TemplateError)
            reason = f"{type(exc).__name__}: {exc}" if theirs else str(exc)
            raise BuildError(f"theme template '{where}'{at} failed on {rel}: {reason}") from None
        self.out.write(rel, page, key)


def _template_place(
    exc: Exception, template: str, dirs: tuple[Path, ...]
) -> tuple[str, int | None]:
    """The template (its name under a theme's ``templates`` folder: "partials/card.html") and
    line an error was raised in: a syntax error says so itself; an error while rendering is
    found in the traceback, whose frames Jinja maps to its templates' files and lines."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return exc.name or template, exc.lineno
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.endswith(".py")]
    if not frames or frames[-1].filename in ("<template>", "<unknown>"):
        return template, None
    path = Path(frames[-1].filename)
    for folder in dirs:
        if path.is_relative_to(folder / "templates"):
            return path.relative_to(folder / "templates").as_posix(), frames[-1].lineno
    return path.name, frames[-1].lineno


def url_of(site: Site, rel: str) -> str:
    """The page's absolute URL, or "" without ``site.base_url``."""
    return f"{site.base_url}/{rel}" if site.base_url else ""


Job = tuple[str, int]  # a page kind and its number in the plan's list of that kind

# Events from which related events are found in a child process while the other pages are
# rendered (at 100,000 articles, 44,000 events: 6 s of CPU); below it a fork costs more.
BACKGROUND_EVENTS = 2000


def _jobs(plan: SitePlan, search_on: bool) -> tuple[list[Job], list[Job]]:
    """Every page and feed of the site as a task, each writing its own files: the tasks whose
    pages show no related events, then those whose pages do (front and event pages)."""
    alone: list[Job] = [("articles", i) for i in range(len(plan.events))]
    # events.json early, in a worker: it is a large serialisation that no page waits for (the
    # first task runs in the parent before the workers start, so not first).
    alone.insert(1, ("json", 0))
    alone.append(("keywords", 0))
    alone += [("topic", i) for i in range(len(plan.topics))]
    alone.append(("archive", 0))
    alone += [("day", i) for i in range(len(plan.days))]
    alone.append(("about", 0))
    if search_on:
        alone.append(("search", 0))
    alone.append(("feed", -1))  # the site's feed
    alone += [("feed", i) for i in range(len(plan.topics))]
    showing = [("index", i) for i in range(len(plan.index_pages))]
    showing += [("event", i) for i in range(len(plan.events))]
    return alone, showing


def _run_job(shared: _Shared, job: Job) -> tuple[list[str], int, dict[str, MemoEntry]]:
    """Render one task; returns the pages it wrote (for the sitemap), its number of files and
    their memo entries.

    A page depends only on the shared plan and its own entry in it, so the site is the same for
    any number of workers and any order of tasks.
    """
    kind, number = job
    pages = _Pages(shared)
    site, plan, cards, config = shared.site, shared.plan, shared.cards, shared.config
    if kind == "index":
        index = plan.index_pages[number]
        lead = index.events[0].id if index.events else None
        # The lead's storyline, without the events this page lists anyway: on a small site they
        # were all of them, each shown twice.
        on_page = {e.id for e in index.events}
        followed = [i for i in shared.related[lead] if i not in on_page] if lead else []
        pages.render(
            "index.html",
            index.path,
            heading=site.title if index.number == 1 else f"Latest events, page {index.number}",
            description=site.description,
            events=[cards[e.id] for e in index.events],
            pager=listings.pager(plan, index.number),
            lead_related=tuple(cards[i] for i in followed[:3]),
            edition=shared.edition,
        )
    elif kind == "event":
        _event_page(pages, plan.events[number])
    elif kind == "articles":
        _article_pages(pages, plan.events[number])
    elif kind == "keywords":
        pages.render(
            "keywords.html",
            "keywords/index.html",
            heading="Keywords",
            description=f"Every keyword of {site.title}, with the events that carry it.",
            topics=listings.topic_links(plan),
            edition=shared.edition,
        )
    elif kind == "topic":
        topic = plan.topics[number]
        link = listings.topic_link(topic)
        for part in topic.pages:
            suffix = f", page {part.number}" if part.number > 1 else ""
            pages.render(
                "keyword.html",
                part.path,
                heading=topic.name + suffix,
                description=f"Events about {topic.name}: {len(topic.events)} in {site.title}.",
                feeds=((f"{site.title}: {topic.name}", topic.feed),),
                topic=link,
                events=[cards[e.id] for e in part.events],
                pager=listings.pager(topic.pages, part.number),
            )
    elif kind == "archive":
        pages.render(
            "archive.html",
            "archive/index.html",
            heading="Archive",
            description=f"Events of {site.title} by day.",
            days=listings.day_links(plan),
            edition=shared.edition,
        )
    elif kind == "day":
        day = plan.days[number]
        newer, older = listings.neighbour_days(plan, day)
        heading = f"Events of {day.label}" if day.key != "undated" else "Events of unknown date"
        for part in day.pages:
            pages.render(
                "day.html",
                part.path,
                heading=heading + (f", page {part.number}" if part.number > 1 else ""),
                description=f"{len(day.events)} events of {day.label}.",
                day=listings.day_link(day),
                newer=newer,
                older=older,
                events=[cards[e.id] for e in part.events],
                pager=listings.pager(day.pages, part.number),
            )
    elif kind == "about":
        pages.render(
            "about.html",
            "about.html",
            heading="About this digest",
            description="How this digest is made: sources, cited summaries and the dates covered.",
            about=listings.about(shared.digest),
            edition=shared.edition,
        )
    elif kind == "search":
        pages.render(
            "search.html",
            "search.html",
            heading="Search",
            description=f"Search every event{' and article' if config.site.search_articles else ''}"
            f" of {site.title}.",
            articles=config.site.search_articles,
            bundles=search.bundles(shared.digest, config.site),
        )
    elif kind == "json":
        pages.out.write("events.json", events_json_text(shared.digest))
    elif kind == "feed":
        _write_feed(shared, pages.out, number)
    else:
        raise ValueError(f"unknown page kind {kind!r}")
    return pages.paths, pages.out.count, pages.out.fresh


def _event_page(pages: _Pages, event: Event) -> None:
    plan, cards = pages.shared.plan, pages.shared.cards
    related = tuple(cards[i] for i in pages.shared.related[event.id])
    related = tuple(sorted(related, key=lambda c: (c.date == "", c.date, c.id)))
    view = event_page(
        event, cards[event.id], plan.article_href, related, plan.day_of.get(event.id, "")
    )
    pages.render(
        "event.html",
        plan.event_href[event.id],
        heading=event.headline,
        description=view.card.lead,
        og_type="article",
        event=view,
    )


def _article_pages(pages: _Pages, event: Event) -> None:
    """The pages of an event's articles, copies included."""
    plan = pages.shared.plan
    timeline = event_timeline(event, plan.article_href)
    at = {entry.href: i for i, entry in enumerate(timeline)}
    for copies in event.members:
        for article in (copies.article, *copies.duplicates):
            near, more = reports_near(timeline, at[plan.article_href[article.id]])
            view_a = article_page(
                article, event, copies.article, plan.event_href[event.id], near, more, body=False
            )
            pages.render(
                "article.html",
                plan.article_href[article.id],
                heading=view_a.title,
                description=article.paragraphs[0] if article.paragraphs else view_a.title,
                og_type="article",
                article=view_a,
                # The Markdown body is a tenth of a render: made only for pages not reused.
                late=(article.markdown, partial(_with_body, view_a, article)),
            )


def _with_body(view: ArticlePage, article: Article) -> dict[str, Any]:
    return {"article": replace(view, body_html=article_body(article))}


def _write_feed(shared: _Shared, out: _Writer, number: int) -> None:
    """The site's Atom feed (``number`` -1) or the feed of one keyword."""
    site, plan = shared.site, shared.plan
    if number < 0:
        rel, key, title, events = "feed.xml", "site", site.title, shared.digest.events
    else:
        topic = plan.topics[number]
        rel, key, title = topic.feed, f"keyword:{topic.slug}", f"{site.title}: {topic.name}"
        events = topic.events

    # Its own newest report, so a keyword's feed changes only when its events do.
    updated = generated_time(events)

    def entry(event: Event) -> FeedEntry:
        target = plan.event_href[event.id]
        href = url_of(site, target) or relative(target, rel)
        # An entry is the same in every feed with the same link to the event, and the same
        # stand-in date if the event has none.
        entry_key = (event.id, href, updated if event.last_date is None else None)
        made = shared.entries.get(entry_key)
        if made is None:
            names = [r.name for r in plan.keyword_refs(event)]
            made = feed_entry(event, href=href, keywords=names, updated=updated)
            shared.entries[entry_key] = made
        return made

    feed = feed_of(
        title=title,
        subtitle=site.description,
        language=site.language,
        feed_key=key,
        self_href=url_of(site, rel) or relative(rel, rel),
        home_href=url_of(site, "index.html") or relative("index.html", rel),
        events=events,
        entry=entry,
        updated=updated,
    )
    memo_key = page_key("feed", feed, memo=shared.keys)
    if not out.reuse(rel, memo_key):
        out.write(rel, atom_xml(feed), memo_key)


def render_site(
    digest: Digest,
    config: Config,
    dest: Path,
    jobs: int | None = None,
    memo: PageMemo | None = None,
) -> tuple[int, dict[str, MemoEntry]]:
    """Write every page of the site into ``dest``; returns the number of files written and the
    memo of the pages (see ``_Writer``), for the next build into the same folder.

    ``memo`` is that of the build that wrote the current output folder, if any. Pages and feeds
    are rendered by ``jobs`` worker processes (None: every core). The search index is written
    after this, from the finished pages (``digest.build.write``).
    """
    site = site_view(config, search.enabled(config.site))
    # Related events compare every event's words (at 10,000 articles, 0.7 s of CPU before any
    # page could start): a child finds them while the workers write the pages that do not
    # show them, and the rest are written after.
    with beside(
        related_events, digest.events, jobs, len(digest.events), BACKGROUND_EVENTS
    ) as take_related:
        plan = SitePlan(digest, config.site.per_page, config.site.keyword_min_events)
        cards = {
            e.id: event_card(e, plan.event_href[e.id], plan.keyword_refs(e)) for e in digest.events
        }
        previous = config.path(config.out)
        dirs = _theme_folders(config)
        keys = KeyMemo()
        keys.prime(cards.values())  # each card is on about five pages
        shared = _Shared(
            digest=digest,
            config=config,
            site=site,
            plan=plan,
            cards=cards,
            dirs=dirs,
            templates=template_files(dirs),
            root=dest,
            previous=previous if previous.is_dir() else None,
            memo=memo or {},
            edition=edition_view(digest),
            keys=keys,
        )
        alone, showing = _jobs(plan, site.search)
        first = map_shared(_run_job, shared, alone, jobs, "render", False)
        shared = replace(shared, related=take_related())
    # Listed first in the sitemap: the front page and the event pages.
    done = map_shared(_run_job, shared, showing, jobs, "render", False) + first
    count = sum(files for _paths, files, _fresh in done)
    fresh = {rel: entry for _paths, _files, part in done for rel, entry in part.items()}
    out = _Writer(dest, shared.previous)
    if site.base_url:
        urls = [url_of(site, p) for paths, _files, _fresh in done for p in paths]
        out.write("sitemap.xml", sitemap(urls))
    _copy_static(config, dest)
    if shared.previous is not None:
        link_unchanged(dest / "static", shared.previous / "static")
    return count + out.count, fresh
