"""The build's stages run through the cache (``digest.cache``) and the pool (``digest.parallel``).

Each helper does what the plain stage does, but looks its result up first and computes only the
misses, spread over the worker processes. With ``cache=None`` they are the plain stages.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from digest.cache import Cache, content_key
from digest.clean import clean
from digest.config import Config
from digest.model import Article, Copies, Document, Event, Rejection
from digest.noise import screen
from digest.parallel import beside, map_ordered, map_shared, spare_core
from digest.read import FileRead, Reader, reader_name

if TYPE_CHECKING:  # the grouping modules load datasketch: only a build that regroups needs them
    from digest.dedupe import CopyPrint
    from digest.features import Terms

# A file changed within this long before a build read it may change again without its times
# moving (a clock tick is coarse on some file systems): such a file is not remembered by stat.
RECENT_NS = 2_000_000_000


@dataclass(frozen=True, slots=True)
class _KeyingReader:
    """What a read worker needs of a cached reader: the reader itself, and its name for the key
    of the bytes. It holds no cache, so it can cross to a worker process."""

    reader: Reader
    name: tuple[str, str]

    def __call__(self, data: bytes, rel: str, stem: str) -> list[Document]:
        return self.reader(data, rel, stem)

    def key(self, data: bytes, rel: str, stem: str) -> str:
        # The reader's result depends on the file's bytes, its place and its type only.
        return content_key(*self.name, rel, stem, data)

    def parse(self, data: bytes, rel: str, stem: str) -> tuple[list[Document], list[str]]:
        """The documents and the content key of each; a ReadError propagates: not cached."""
        documents = self.reader(data, rel, stem)
        return documents, [content_key(d) for d in documents]

    def prepare(self, data: bytes, rel: str, stem: str) -> FileRead:
        documents, keys = self.parse(data, rel, stem)
        return FileRead(documents, self.key(data, rel, stem), tuple(keys))


class _CachedReader:
    """A reader answering from the cache: by the file's bytes, and without reading the file at
    all when it is unchanged since a build read it.

    "Unchanged" is git's test: the same size, modification and change times, inode and device
    as when it was read. The change time cannot be set by a user and moves with any write or
    rename onto the path, and a file is remembered only if it had not changed for
    ``RECENT_NS`` before it was read, so a later write cannot leave the same times. Deleting
    the cache still gives the same site.

    ``read_folder_claims`` asks ``unchanged`` first, has the other files read and keyed by
    ``in_worker`` (in worker processes for a large folder), and hands each result to ``keep``.
    """

    def __init__(self, reader: Reader, cache: Cache) -> None:
        self.cache = cache
        self.in_worker = _KeyingReader(reader, reader_name(reader))
        # The content key of each document returned (``content_key(document)``, which the
        # clean stage keys articles by), by object; the object is held so that its id is not
        # taken by another. Stored with the documents: an unchanged file's documents are not
        # hashed again (at 10,000 files, 0.2 s of a 1.5 s rebuild with no change).
        self.keys: dict[int, tuple[Document, str]] = {}
        # The cache key of each file ``unchanged`` found changed, by its path, place and id:
        # ``keep`` stores its new times there.
        self._places: dict[tuple[str, str, str], str] = {}

    def __call__(self, data: bytes, rel: str, stem: str) -> list[Document]:
        return self._by_bytes(data, rel, stem)[1]

    def _by_bytes(self, data: bytes, rel: str, stem: str) -> tuple[str, list[Document]]:
        key = self.in_worker.key(data, rel, stem)
        return key, self._stored(key, lambda: self.in_worker.parse(data, rel, stem))

    def _stored(
        self, key: str, make: Callable[[], tuple[list[Document], list[str]]]
    ) -> list[Document]:
        """The documents stored under the key of a file's bytes, else those ``make`` makes,
        stored there."""
        found = self.cache.get("documents", key)
        if found is None:
            found = make()
            self.cache.put("documents", key, found)
        return self._known(found)

    def prepare(self, data: bytes, rel: str, stem: str) -> FileRead:
        """``_KeyingReader.prepare`` in this process, where the cache can be asked first: a
        file whose bytes a build has read before is not parsed again."""
        key, documents = self._by_bytes(data, rel, stem)
        return FileRead(documents, key, stored=True)

    def _store(self, made: FileRead) -> list[Document]:
        """The documents a worker made (``_KeyingReader.prepare``), stored under the key of
        the bytes, or those already stored there."""
        if made.stored:
            return made.documents
        return self._stored(made.key or "", lambda: (made.documents, list(made.document_keys)))

    def _known(self, found: tuple[list[Document], list[str]]) -> list[Document]:
        documents, keys = found
        for document, key in zip(documents, keys, strict=True):
            self.keys[id(document)] = (document, key)
        return documents

    def _place(self, path: Path, rel: str, stem: str) -> str:
        return content_key(*self.in_worker.name, os.path.abspath(path), rel, stem)

    def unchanged(
        self, path: Path, rel: str, stem: str, info: os.stat_result | None = None
    ) -> list[Document] | None:
        """The documents of the file at ``path`` if it has not changed since a build read it
        (``info``: its ``stat``, if the caller has just made it), else None."""
        st = info if info is not None else os.stat(path)
        stamp = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)
        place = self._place(path, rel, stem)
        known = self.cache.get("file-stats", place)
        if known is not None and known[0] == stamp:
            found = self.cache.get("documents", known[1])
            if found is not None:
                return self._known(found)  # both entries were looked up: the pruning keeps them
        self._places[os.fspath(path), rel, stem] = place
        return None

    def keep(
        self,
        path: Path,
        rel: str,
        stem: str,
        info: os.stat_result | None,
        made: FileRead,
        started: int,
    ) -> list[Document]:
        """Store what ``in_worker.prepare`` made of the file at ``path``, read after the time
        ``started`` (ns), and return its documents; the file is remembered by its ``stat``
        (``info``) only if it had settled before then."""
        documents = self._store(made)
        self._remember(path, rel, stem, info, made.key or "", started)
        return documents

    def _remember(
        self, path: Path, rel: str, stem: str, info: os.stat_result | None, key: str, started: int
    ) -> None:
        st = info if info is not None else os.stat(path)
        place = self._places.pop((os.fspath(path), rel, stem), None) or self._place(path, rel, stem)
        if max(st.st_mtime_ns, st.st_ctime_ns) < started - RECENT_NS:
            stamp = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)
            self.cache.put("file-stats", place, (stamp, key))

    def read_path(
        self, path: Path, rel: str, stem: str, info: os.stat_result | None = None
    ) -> list[Document]:
        """The documents of the file at ``path``, from the cache when it has not changed."""
        found = self.unchanged(path, rel, stem, info)
        if found is not None:
            return found
        started = time.time_ns()
        key, documents = self._by_bytes(path.read_bytes(), rel, stem)
        self._remember(path, rel, stem, info, key, started)
        return documents


def cached_readers(readers: dict[str, Reader], cache: Cache | None) -> dict[str, Reader]:
    """The same readers, answering from the cache when a file has not changed (see
    ``_CachedReader``); ``uncache_readers`` after reading."""
    if cache is None:
        return readers
    cache.preload("documents")
    cache.preload("file-stats")
    return {suffix: _CachedReader(r, cache) for suffix, r in readers.items()}


DocumentKeys = dict[int, tuple[Document, str]]  # id(document) -> (document, its content key)


def document_keys(readers: dict[str, Reader]) -> DocumentKeys:
    """The content keys the cached readers know of the documents they returned, handed over:
    the readers keep no reference to the documents after this."""
    known: DocumentKeys = {}
    for reader in readers.values():
        if isinstance(reader, _CachedReader):
            known.update(reader.keys)
            reader.keys = {}
    return known


def uncache_readers(cache: Cache | None) -> None:
    """Drop the readers' snapshots of the cache: reading the folder was their only user."""
    if cache is not None:
        cache.unload("documents")
        cache.unload("file-stats")


def clean_and_screen(document: Document) -> Article | Rejection:
    """``clean``, then the noise stage's verdict on the article (``digest.noise``).

    The verdict depends on the article alone, so it is made in the clean workers and cached
    with the article: a rebuild pays it for new files only, and a large build no longer has
    it as a step on one core before dedupe (5.5 s at 100,000 articles).
    """
    article = clean(document)
    return article if isinstance(article, Rejection) else screen(article)


def clean_all(
    documents: Sequence[Document],
    cache: Cache | None,
    jobs: int | None,
    show: bool,
    known: DocumentKeys | None = None,
) -> list[tuple[Article | Rejection, str]]:
    """``clean_and_screen`` of every document, in order, with the document's content key; only
    documents not seen before are cleaned.

    Both are pure, so the key of a document is also the key of the article made from it:
    the later stages key their memos by it instead of hashing every text again. ``known``
    (``document_keys``) holds keys already made; a document not in it (one that reading
    renamed, say) is hashed here.
    """
    known = known or {}

    def key_of(document: Document) -> str:
        entry = known.get(id(document))
        return entry[1] if entry is not None and entry[0] is document else content_key(document)

    keys = [key_of(doc) for doc in documents]
    found = cache.get_many("articles", keys) if cache else {}
    todo = [(doc, key) for doc, key in zip(documents, keys, strict=True) if key not in found]
    done = map_ordered(clean_and_screen, [doc for doc, _ in todo], jobs, "clean", show)
    fresh = {key: result for (_, key), result in zip(todo, done, strict=True)}
    if cache is not None:
        cache.put_many("articles", fresh)
    return [(found[k] if k in found else fresh[k], k) for k in keys]


ArticleKeys = Mapping[str, str]  # article id -> content key (see clean_all)


def _article_key(article: Article, keys: ArticleKeys) -> str:
    key = keys.get(article.id)
    return key if key is not None else content_key(article)  # a digest made without clean_all


def _copies_key(copies: Copies, keys: ArticleKeys) -> tuple[str, tuple[str, ...]]:
    return _article_key(copies.article, keys), tuple(
        _article_key(d, keys) for d in copies.duplicates
    )


Grouping = tuple[list[Copies], list[list[Copies]]]
GroupingPrint = tuple["CopyPrint", "Terms"]  # what dedupe and cluster read of one article
# Articles to make prints for from which a child process makes half of them: below it, a fork
# and sending the prints back cost more than the overlap saves.
BACKGROUND_PRINTS = 2000


def _make_prints(job: tuple[Sequence[Article], Config]) -> list[GroupingPrint]:
    from digest.dedupe import copy_prints
    from digest.features import TermMaker

    articles, config = job
    make = TermMaker(config.grouping.phrase_words)
    return list(zip(copy_prints(articles, config.dedupe), map(make, articles), strict=True))


def grouping_prints(
    articles: Sequence[Article],
    config: Config,
    jobs: int | None,
    keys: ArticleKeys,
    cache: Cache | None,
) -> dict[str, GroupingPrint]:
    """What dedupe and cluster read of each article, by article id: its words, phrases and
    MinHash signature (``dedupe.CopyPrint``, ``features.Terms``).

    They depend on the article alone, while the grouping itself compares every article with
    every other and reruns whenever one changes: a rebuild after adding 100 articles to 10,000
    makes the prints of the 100 and takes the others from the cache. With ``jobs`` other than
    1 and many to make, a child process makes half of them meanwhile (per article, so the
    same values).
    """
    article_keys = [_article_key(a, keys) for a in articles]
    found = cache.get_many("prints", article_keys) if cache is not None else {}
    todo = [(a, k) for a, k in zip(articles, article_keys, strict=True) if k not in found]
    todo_articles = [a for a, _ in todo]
    cut = len(todo) // 2 if spare_core(jobs, len(todo), BACKGROUND_PRINTS) else len(todo)
    second_half = (todo_articles[cut:], config)
    with beside(_make_prints, second_half, jobs, len(todo), BACKGROUND_PRINTS) as take_second:
        made = _make_prints((todo_articles[:cut], config))
        if cut < len(todo):
            made += take_second()
    fresh = {k: p for (_, k), p in zip(todo, made, strict=True)}
    if cache is not None:
        cache.put_many("prints", fresh)
    return {
        a.id: found[k] if k in found else fresh[k]
        for a, k in zip(articles, article_keys, strict=True)
    }


def grouped(
    articles: Sequence[Article],
    cache: Cache | None,
    compute: Callable[[], Grouping],
    keys: ArticleKeys,
) -> tuple[Grouping, bool]:
    """Dedupe and cluster as one memo over all articles: (result, whether it was cached).

    These stages compare articles with each other, so any change reruns them all; only the
    article ids of the result are stored, and the articles themselves come from this build.
    """
    if cache is None:
        return compute(), False
    article_keys = [_article_key(a, keys) for a in articles]
    # The prints of these articles are the next build's, whether made by ``compute`` (in the
    # grouping child, which writes them) or not needed this time (the grouping is cached).
    cache.keep("prints", article_keys)
    key = content_key(article_keys)
    stored = cache.get("groups", key)
    if stored is None:
        result = compute()
        copies, groups = result
        cache.put(
            "groups",
            key,
            (
                [(c.article.id, [d.id for d in c.duplicates]) for c in copies],
                [[c.article.id for c in g] for g in groups],
            ),
        )
        return result, False
    copies_ids, group_ids = stored
    by_id = {a.id: a for a in articles}
    copies = [Copies(by_id[i], tuple(by_id[d] for d in dups)) for i, dups in copies_ids]
    by_main = {c.article.id: c for c in copies}
    groups = [[by_main[i] for i in g] for g in group_ids]
    return (copies, groups), True


def make_events(
    groups: Sequence[Sequence[Copies]],
    make: Callable[[list[Copies]], Event],
    cache: Cache | None,
    jobs: int | None,
    show: bool,
    keys: ArticleKeys,
) -> list[Event]:
    """``make`` (summary, keywords, headline) for every group; unchanged events come cached.

    ``make`` must be picklable (a module-level function or a partial of one). The groups reach
    the workers once, and only what ``make`` adds to them comes back, as cached values do: the
    members, which this build already holds, never cross processes or go into the cache.
    """
    group_keys = [
        content_key([_copies_key(c, keys) for c in sorted(g, key=lambda c: c.article.id)])
        for g in groups
    ]
    found = cache.get_many("events", group_keys) if cache else {}
    todo = [i for i, k in enumerate(group_keys) if k not in found]
    done = map_shared(_event_fields, (groups, make), todo, jobs, "summarize", show)
    fresh = {group_keys[i]: fields for i, fields in zip(todo, done, strict=True)}
    if cache is not None:
        cache.put_many("events", fresh)
    events = []
    for group, key in zip(groups, group_keys, strict=True):
        fields = fresh[key] if key in fresh else found[key]
        members = tuple(sorted(group, key=_member_order))
        events.append(Event(fields[0], fields[1], members, *fields[2:]))
    return events


def _event_fields(
    shared: tuple[Sequence[Sequence[Copies]], Callable[[list[Copies]], Event]], index: int
) -> tuple:
    groups, make = shared
    e = make(list(groups[index]))
    # In the order of ``Event``'s fields, the members left out.
    return (e.id, e.headline, e.keywords, e.summary, e.date, e.summary_over_budget)


def _member_order(c: Copies) -> tuple:
    a = c.article
    return (a.date is None, a.date, a.id)


# --- the write phase ------------------------------------------------------------------------


def _manifest(out: Path) -> dict[str, tuple[int, int]]:
    """Size and modification time of every file under ``out`` (symlinks not followed)."""
    files: dict[str, tuple[int, int]] = {}
    # scandir and string paths: os.walk with relpath per file took most of a no-change rebuild.
    todo = [(str(out), "")]
    while todo:
        folder, prefix = todo.pop()
        with os.scandir(folder) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.is_dir(follow_symlinks=False):
                    todo.append((entry.path, prefix + entry.name + "/"))
                else:
                    st = entry.stat(follow_symlinks=False)
                    files[prefix + entry.name] = (st.st_size, st.st_mtime_ns)
    return files


def site_key(events: Sequence[Event], rejected: Sequence[Rejection], keys: ArticleKeys) -> str:
    """What the written site depends on, besides the config and theme (in the fingerprint).

    Articles count by their content keys: hashing their texts once more took a third of a
    rebuild with no change.
    """
    shown = [
        (e.id, e.headline, e.keywords, e.summary, e.date, [_copies_key(c, keys) for c in e.members])
        for e in events
    ]
    return content_key(shown, rejected, os.environ.get("SOURCE_DATE_EPOCH", ""))


def write_unless_unchanged(
    out: Path, key: str, cache: Cache | None, write: Callable[[], int]
) -> tuple[int, bool]:
    """Call ``write`` unless the output folder is still the site this key last produced.

    Returns the number of files and whether anything was written. The output counts as the same
    site only when every file is there with the size and time it had when it was written.
    """
    slot = f"last:{out.resolve()}"
    stored = cache.get("site", slot) if cache else None
    if stored is not None and stored[0] == key and out.is_dir() and _manifest(out) == stored[2]:
        return stored[1], False
    count = write()
    if cache is not None:
        cache.put("site", slot, (key, count, _manifest(out)))
    return count, True
