"""The build: gather everything from the source folder, then write the site.

``gather`` runs the pipeline stages in order (read -> clean and noise, per article -> dedupe ->
cluster -> summarize -> keywords) and returns a ``Digest``; ``write`` renders it into a fresh
folder and swaps that folder into place, so a failed build never leaves a half-written site.
"""

from __future__ import annotations

import gc
import hashlib
import pickle
import re
import shutil
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path

from digest.cache import Cache, open_cache
from digest.config import Config
from digest.errors import BuildError
from digest.incremental import (
    ArticleKeys,
    cached_readers,
    clean_all,
    document_keys,
    grouped,
    grouping_prints,
    make_events,
    site_key,
    uncache_readers,
    write_unless_unchanged,
)
from digest.model import Article, Copies, Digest, Document, Event, Rejection
from digest.parallel import in_child, release_free_memory
from digest.read import default_readers, read_folder_claims, unique_ids
from digest.theme import theme_dirs

Progress = Callable[[str], None]


class _Timer:
    def __init__(self) -> None:
        self.timings: list[tuple[str, float]] = []

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.timings.append((name, time.perf_counter() - start))


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, max_length: int = 60) -> str:
    """A lower-case ASCII slug; empty when the text has no letters or digits."""
    # NFKD leaves ASCII as it is: most ids and keywords skip it (a site plan slugs ~45,000).
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _NOT_SLUG.sub("-", text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def event_id(members: Sequence[Copies], headline: str) -> str:
    """A stable id: the headline's slug plus a hash of the member ids, so it never collides."""
    digest = hashlib.sha1("\n".join(sorted(c.article.id for c in members)).encode()).hexdigest()
    slug = slugify(headline, 50)
    return f"{slug}-{digest[:8]}" if slug else digest[:12]


def _make_event(members: list[Copies], config: Config) -> Event:
    members = sorted(members, key=lambda c: (c.article.date is None, c.article.date, c.article.id))
    articles = [c.article for c in members]
    # Stage modules load YAKE and datasketch (a second); a rebuild served from the cache never
    # imports them, so they are imported where they are first needed.
    from digest.keywords import extract_keywords
    from digest.summarize import summarize

    summary = summarize(articles, config.summary)
    keywords = extract_keywords(articles, summary, config.keywords)
    # The earliest report, its copies included: a wire story republished a day later still
    # happened on the first day, which the timeline and coverage show too.
    dates = [a.date for c in members for a in (c.article, *c.duplicates) if a.date is not None]
    return Event(
        id=event_id(members, summary.headline),
        headline=summary.headline,
        members=tuple(members),
        keywords=keywords,
        summary=summary.sentences,
        date=min(dates) if dates else None,
        summary_over_budget=summary.over_budget,
    )


Positions = tuple[
    list[tuple[int, list[int]]],  # each article that heads its copies, and the copies
    list[list[int]],  # the groups, as positions in the list of copies
    list[tuple[str, float]],  # the three stages' timings
]


def _load_stages() -> None:
    """Load the grouping and summary stages' modules and word table in the build process.

    Called just before the grouping child forks, so that the child inherits them instead of
    loading them itself, and the summaries after it find them loaded: YAKE, datasketch and
    wordfreq's table cost about a second per process that loads them. Only a build that
    regroups calls this, so a rebuild served from the cache still never loads them.
    """
    from digest import cluster, dedupe, keywords, summarize  # noqa: F401
    from digest.background import english_frequencies

    english_frequencies()  # wordfreq keeps the table it loads: the child gets it ready


def _grouping_positions(
    job: tuple[list[Article], Config, int | None, ArticleKeys, Cache | None],
) -> Positions:
    """Dedupe and cluster, with their results as positions in their inputs: all that leaves
    the child process they run in (``parallel.in_child``). Their working sets (prints,
    signatures, vectors, the merging's link maps) go with the child, not with the build. The
    child reads and writes the articles' prints through a cache connection of its own."""
    from digest.cluster import group  # see _make_event on these imports
    from digest.dedupe import dedupe

    articles, config, jobs, keys, cache = job
    timer = _Timer()
    own = cache.reopen() if cache is not None else None
    try:
        with timer.stage("features"):
            prints = grouping_prints(articles, config, jobs, keys, own)
    finally:
        if own is not None:
            own.close(commit=False)
    with timer.stage("dedupe"):
        copies = dedupe(articles, config.dedupe, {i: p[0] for i, p in prints.items()})
    terms = {c.article.id: prints[c.article.id][1] for c in copies}
    del prints
    release_free_memory()  # the signatures, before the cluster stage's own peak
    with timer.stage("cluster"):
        groups = group(copies, config.grouping, jobs, terms)
    at_input = {id(a): i for i, a in enumerate(articles)}
    at_copies = {id(c): i for i, c in enumerate(copies)}
    return (
        [(at_input[id(c.article)], [at_input[id(d)] for d in c.duplicates]) for c in copies],
        [[at_copies[id(c)] for c in g] for g in groups],
        timer.timings,
    )


def _render(job: tuple[Digest, Config, Path, int | None, bytes | None]) -> tuple[int, bytes]:
    """``render_site`` in the child process; the page memo travels pickled both ways: as one
    bytes value it is a few bytes per page, not a dict of objects beside Pagefind's peak."""
    from digest.render import render_site  # the write phase only

    digest, config, dest, jobs, memo = job
    files, fresh = render_site(digest, config, dest, jobs, pickle.loads(memo) if memo else None)
    return files, pickle.dumps(fresh, pickle.HIGHEST_PROTOCOL)


def sort_events(events: Sequence[Event]) -> list[Event]:
    """Newest first; undated events after dated ones; ties by size, then id."""
    return sorted(
        events,
        key=lambda e: (
            e.date is None,
            -(e.date.timestamp() if e.date else 0),
            -len(e.members),
            e.id,
        ),
    )


def settle_ids(
    documents: Sequence[Document],
    cleaned: list[tuple[Article | Rejection, str]],
    rejected: list[Rejection],
    claimed: dict[str, str],
    cache: Cache | None,
) -> tuple[list[tuple[Article | Rejection, str]], list[Rejection]]:
    """Ids made unique again once the clean stage has rejected some documents.

    Reading makes ids unique with documents first, so that a file rejected as it is read never
    renames an article; a document rejected by the clean stage (an empty page, a cookie notice)
    had claimed its id all the same, and the article beside it got ``-2``, a name that would
    change with the broken file. Here articles claim first, then every rejection, each with the
    id it claimed when read (``claimed``); an article whose id changes is cleaned again under
    it (ids are part of what the cache keys). With no rejection in the clean stage, every id
    stays as read.
    """
    made = [i for i, (result, _) in enumerate(cleaned) if not isinstance(result, Rejection)]
    late = [i for i, (result, _) in enumerate(cleaned) if isinstance(result, Rejection)]
    items: list[Document | Rejection] = [documents[i] for i in made]
    items += rejected + [documents[i] for i in late]
    ids = unique_ids([claimed.get(item.id, item.id) for item in items])
    given = dict(zip(map(id, items), ids, strict=True))
    out = list(cleaned)
    redo = [i for i in made if given[id(documents[i])] != documents[i].id]
    renamed = [replace(documents[i], id=given[id(documents[i])]) for i in redo]
    for i, again in zip(redo, clean_all(renamed, cache, 1, False), strict=True):
        out[i] = again
    for i in late:
        result, key = cleaned[i]
        out[i] = (replace(result, id=given[id(documents[i])]), key)
    return out, [replace(r, id=given[id(r)]) for r in rejected]


def gather(
    config: Config,
    progress: Progress | None = None,
    jobs: int | None = None,
    cache: Cache | None = None,
) -> Digest:
    """Read the source folder and run every stage up to the finished events.

    ``jobs`` worker processes share per-article and per-event work (None: every core); with a
    ``cache``, only what changed since the last build is recomputed. Neither changes the result.
    """
    say = progress or (lambda _msg: None)
    bars = progress is not None and sys.stderr.isatty()
    source = config.path(config.source)
    if not source.is_dir():
        raise BuildError(f"source folder '{source}' does not exist")
    timer = _Timer()
    with timer.stage("read"):
        readers = cached_readers(default_readers(), cache)
        out, own = config.path(config.out), config.own_folders()
        documents, rejected, claimed = read_folder_claims(source, readers, out, own, jobs, bars)
        uncache_readers(cache)
        known = document_keys(readers)
    say(f"read {len(documents)} documents")
    articles: list[Article] = []
    keys: dict[str, str] = {}
    with timer.stage("clean"):
        cleaned = clean_all(documents, cache, jobs, bars, known)
        if claimed and any(isinstance(result, Rejection) for result, _ in cleaned):
            cleaned, rejected = settle_ids(documents, cleaned, rejected, claimed, cache)
        for result, key in cleaned:
            if isinstance(result, Rejection):
                rejected.append(result)
            else:
                articles.append(result)
                keys[result.id] = key
    # The raw documents are not needed again; at 100k articles their text alone is 130 MB,
    # which every later stage (and Pagefind at the end) would otherwise find still taken.
    del documents, known
    release_free_memory()
    # The loaded articles live to the end of the build: keep the collector from rescanning them.
    gc.freeze()

    def dedupe_cluster() -> tuple:
        _load_stages()
        job = (articles, config, jobs, keys, cache)
        copies_at, groups_at, timings = in_child(_grouping_positions, job)
        timer.timings.extend(timings)
        copies = [Copies(articles[i], tuple(articles[j] for j in dups)) for i, dups in copies_at]
        return copies, [[copies[i] for i in g] for g in groups_at]

    start = time.perf_counter()
    (copies, groups), reused = grouped(articles, cache, dedupe_cluster, keys)
    if reused:
        timer.timings.append(("dedupe+cluster (cached)", time.perf_counter() - start))
    say(f"{len(articles)} articles, {len(articles) - len(copies)} duplicates")
    say(f"{len(groups)} events")
    with timer.stage("summarize"):
        make = partial(_make_event, config=config)
        events = make_events(groups, make, cache, jobs, bars, keys)
    return Digest(
        events=tuple(sort_events(events)),
        rejected=tuple(sorted(rejected, key=lambda r: (r.path, r.id))),
        timings=tuple(timer.timings),
        keys=keys,
    )


def write(
    digest: Digest,
    config: Config,
    cache: Cache | None = None,
    jobs: int | None = None,
    timings: list[tuple[str, float]] | None = None,
) -> int:
    """Render the site into the output folder, atomically; returns the number of files.

    With a ``cache``, an output folder that already holds this very site is left untouched.
    ``timings`` receives the time of the pages (``render``, the swap included) and of the search
    index (``search``), which is a stage of its own: it reads the finished pages.
    """
    out = config.path(config.out)
    search_seconds = 0.0
    # Which pages of the current output folder were rendered from what (render._Writer).
    memo_slot = f"pages:{out.resolve()}"

    def fill() -> int:
        from digest import search  # the write phase only
        from digest.output import replace_atomically

        # Read only when the site is written: a rebuild with no change never needs it.
        memo = cache.get("pages", memo_slot) if cache is not None else None

        def pages_and_index(dest: Path) -> int:
            nonlocal search_seconds, memo
            # In a child process: the site plan, cards and views of every page, freed once
            # written, would otherwise stay in this process's heap beside Pagefind's peak.
            files, fresh = in_child(_render, (digest, config, dest, jobs, memo))
            if cache is not None:
                # Stored now rather than after the swap, so that it is not held beside
                # Pagefind's peak. Safe if the build still fails: an entry counts only while
                # the file in place has the size and time it records, which the pages of a
                # discarded staging folder never have.
                cache.put("pages", memo_slot, fresh)
            memo = fresh = None
            if search.enabled(config.site):
                release_free_memory()  # Pagefind's peak comes on top of this process
                start = time.perf_counter()
                files += search.index_site(
                    dest,
                    config.site.language,
                    config.site.search_articles,
                    search.bundles(digest, config.site),
                )
                search_seconds = time.perf_counter() - start
            return files

        try:
            return replace_atomically(out, pages_and_index)
        except OSError as exc:
            raise BuildError(f"cannot write the site to '{out}': {_os_reason(exc)}") from None

    start = time.perf_counter()
    key = site_key(digest.events, digest.rejected, digest.keys)
    files, _ = write_unless_unchanged(out, key, cache, fill)
    if timings is not None:
        timings.append(("render", time.perf_counter() - start - search_seconds))
        if search_seconds:
            timings.append(("search", search_seconds))
    return files


def _os_reason(exc: OSError) -> str:
    """An OSError told in one line: a copy of many files (``shutil.Error``) fails with the list
    of every file, which can run to megabytes; the first and a count say enough."""
    if isinstance(exc, shutil.Error) and exc.args and isinstance(exc.args[0], list):
        failures = exc.args[0]
        first = failures[0][-1] if failures and isinstance(failures[0], tuple) else exc
        more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
        return f"{first}{more}"
    return str(exc.strerror or exc)


@contextmanager
def cache_session(config: Config) -> Iterator[Cache | None]:
    """The build cache for ``config`` (None when it cannot be used), kept only if the block
    succeeds: what a failed or interrupted build put in it is rolled back."""
    cache = open_cache(config)
    try:
        yield cache
    except BaseException:
        if cache is not None:
            cache.close(commit=False)
        raise
    if cache is not None:
        cache.close()


def build(
    config: Config, progress: Progress | None = None, jobs: int | None = None
) -> tuple[Digest, int]:
    """Gather, then write. Returns the digest and the number of files written."""
    from digest.output import target_problem

    keep = [
        ("source folder", config.path(config.source)),
        ("project folder", Path(config.base_dir)),
    ]
    themes = [("theme folder", d) for d in theme_dirs(config)]
    problem = target_problem(config.path(config.out), keep + themes, themes)
    if problem:  # refused before any work, and before the output is touched
        raise BuildError(problem)
    timings: list[tuple[str, float]] = []
    with cache_session(config) as cache:
        try:
            digest = gather(config, progress, jobs, cache)
            files = write(digest, config, cache, jobs, timings)
        finally:
            gc.unfreeze()
    return Digest(digest.events, digest.rejected, (*digest.timings, *timings), digest.keys), files
