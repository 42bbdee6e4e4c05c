"""Incremental build cache: one SQLite file of stage results keyed by content hashes.

A rebuild only redoes the work whose inputs changed:

* ``documents``: what a reader made of a file, keyed by its path and bytes;
* ``file-stats``: per file, its size, times and inode when a build read it, with the key of its
  ``documents`` entry, so an unchanged file is not even read (``incremental._CachedReader``);
* ``articles``: what the clean stage made of a document (with the noise stage's verdict),
  keyed by the document;
* ``prints``: what dedupe and cluster read of an article (its words, phrases and MinHash
  signature), keyed by the article: written by the grouping child through a connection of its
  own (``reopen``);
* ``groups``: the result of dedupe and cluster (global stages), keyed by every article;
* ``events``: an event's summary and keywords, keyed by its member articles;
* ``site``: the key of the last site written and a manifest of its files, so a rebuild with no
  change leaves the output folder untouched.

Every key also depends on a fingerprint of the digest version and source, the config (paths
left out) and the theme's files: when any of them changes, the whole cache is dropped. Values
are pickles the build wrote itself; the cache folder is as trusted as the source folder.
Deleting it is always safe and gives the same site, only slower. A cache file that cannot be
opened (corrupt, wrong schema) is replaced by an empty one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import pickle
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from digest import __version__
from digest.config import Config
from digest.theme import theme_dirs

FILE_NAME = "cache.sqlite"
SCHEMA = 3  # bump when the layout of stored values changes
# Config keys that say where things are, not what is built: changing them keeps the cache.
_PLACES = {"source", "out", "cache", "base_dir", "feeds", "fetch"}
# What reading a stored value can raise when it is not one this code can read: a miss.
_UNREADABLE = (pickle.UnpicklingError, EOFError, AttributeError, ImportError)


def content_key(*parts: object) -> str:
    """A stable hash of values; ``repr`` of the frozen model types is complete and ordered."""
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        data = part if isinstance(part, bytes) else repr(part).encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def _code() -> list[tuple[str, bytes]]:
    """The source of the digest package: a changed stage must not be answered from the cache,
    even when the version number did not move (a development tree, a patched install)."""
    package = Path(__file__).resolve().parent
    return sorted(
        (p.relative_to(package).as_posix(), p.read_bytes()) for p in package.rglob("*.py")
    )


def fingerprint(config: Config) -> str:
    """What every cached value depends on besides its own inputs."""
    settings = {
        f.name: getattr(config, f.name) for f in dataclasses.fields(config) if f.name not in _PLACES
    }
    theme_files: list[tuple[str, bytes]] = []
    for folder in theme_dirs(config):
        for root, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                path = Path(root) / name
                theme_files.append((path.relative_to(folder).as_posix(), path.read_bytes()))
    return content_key(SCHEMA, __version__, _code(), sorted(settings.items()), theme_files)


class Cache:
    """Typed get/put over one SQLite file; use as a context manager to commit on success."""

    def __init__(self, folder: Path, key: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.key = key
        self.path = folder / FILE_NAME
        # Keys carry the fingerprint too: a build that shares the file with a build of another
        # config (and started before that one dropped the old entries) can never read its values.
        self._prefix = key[:16] + ":"
        self._used: dict[str, set[str]] = {}
        self._loaded: dict[str, dict[str, bytes]] = {}  # kind -> key -> pickle, see preload()
        self._pending: dict[str, list[tuple[str, str, bytes]]] = {}  # rows put while preloaded
        try:
            self._db = self._open(key)
        except sqlite3.DatabaseError:
            # A damaged or foreign file: the cache is only ever a shortcut, so start afresh.
            self.path.unlink(missing_ok=True)
            self._db = self._open(key)

    def _open(self, key: str) -> sqlite3.Connection:
        # Short transactions and a generous wait: two builds may share one cache (tests do).
        db = sqlite3.connect(self.path, isolation_level=None, timeout=60)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB)")
        db.execute(
            "CREATE TABLE IF NOT EXISTS entry ("
            "kind TEXT, key TEXT, value BLOB, PRIMARY KEY (kind, key)) WITHOUT ROWID"
        )
        row = db.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
        if row is None or row[0] != key:
            db.execute("BEGIN IMMEDIATE")
            db.execute("DELETE FROM entry")
            db.execute("DELETE FROM meta")
            db.execute("INSERT INTO meta VALUES ('fingerprint', ?)", (key,))
            db.execute("COMMIT")
        return db

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.close(commit=exc_type is None)

    def close(self, commit: bool = True) -> None:
        """Close the file; after a successful build, drop what it no longer uses."""
        if self._db is None:
            return
        if commit:
            for kind in list(self._pending):
                self._write_pending(kind)
            with contextlib.suppress(sqlite3.Error):  # pruning is housekeeping only
                self._prune()
        self._db.close()
        self._db = None

    def preload(self, kind: str) -> None:
        """Read every stored value of ``kind`` in one query, for a stage that asks for its values
        one by one (the readers, file by file): ten thousand lookups cost more than one scan.
        Values are unpickled only when asked for.

        Until ``unload``, values put of that kind are held and then written in one transaction:
        a transaction per file took a quarter of a cold read (0.8 of 3.5 s at 10k files).
        """
        try:
            rows = self._db.execute(
                "SELECT key, value FROM entry WHERE kind = ? AND key >= ? AND key < ?",
                (kind, self._prefix, self._prefix[:-1] + chr(ord(self._prefix[-1]) + 1)),
            ).fetchall()
        except sqlite3.Error:
            return  # lookups fall back to one query each
        self._loaded[kind] = dict(rows)

    def unload(self, kind: str) -> None:
        """Drop the snapshot ``preload`` read, once the stage that asked for it is done: it holds
        every stored value of the kind, and every value put since (at 100k articles, the pickled
        documents: hundreds of MB that the rest of the build does not need). The values put
        since ``preload`` are written now."""
        self._write_pending(kind)
        self._loaded.pop(kind, None)

    def get_many(self, kind: str, keys: Iterable[str]) -> dict[str, Any]:
        """Values found for ``keys``; missing keys are left out."""
        keys = [self._prefix + k for k in dict.fromkeys(keys)]
        self._used.setdefault(kind, set()).update(keys)
        found: dict[str, Any] = {}
        try:
            loaded = self._loaded.get(kind)
            if loaded is not None:  # preloaded: what is not there is not stored at all
                for key in keys:
                    if key in loaded:
                        found[key.removeprefix(self._prefix)] = pickle.loads(loaded[key])
                return found
            for chunk in _chunks(keys, 500):
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT key, value FROM entry WHERE kind = ? AND key IN ({marks})",
                    (kind, *chunk),
                ).fetchall()
                for key, value in rows:
                    found[key.removeprefix(self._prefix)] = pickle.loads(value)
        except (sqlite3.Error, *_UNREADABLE):
            return {}  # unreadable entries are misses: the build computes them again
        return found

    def keep(self, kind: str, keys: Iterable[str]) -> None:
        """Count the entries of ``keys`` as used by this build without reading them, so that
        closing the cache keeps them (see ``_prune``): another connection wrote them, or the
        next build will read them."""
        self._used.setdefault(kind, set()).update(self._prefix + k for k in keys)

    def reopen(self) -> Cache | None:
        """Another connection to the same cache, for a child process: a SQLite connection must
        not cross a fork. Close it without committing (``close(commit=False)``): its puts are
        written as they are made, and pruning is the build process's. None when the file cannot
        be opened now (locked, or gone): the child then works without the cache, as a build
        does whose cache cannot be opened."""
        try:
            return Cache(self.folder, self.key)
        except (OSError, sqlite3.Error):
            return None

    def get(self, kind: str, key: str) -> Any:
        loaded = self._loaded.get(kind)
        if loaded is None:
            return self.get_many(kind, [key]).get(key)
        # A preloaded kind is asked for one value at a time, once per file (``preload``): the
        # lookup without ``get_many``'s lists and loops.
        full = self._prefix + key
        self._used.setdefault(kind, set()).add(full)
        data = loaded.get(full)
        if data is None:
            return None
        try:
            return pickle.loads(data)
        except _UNREADABLE:
            return None  # an unreadable entry is a miss, as in ``get_many``

    def put_many(self, kind: str, items: Mapping[str, Any]) -> None:
        if not items:
            return
        rows = [
            (kind, self._prefix + k, pickle.dumps(v, pickle.HIGHEST_PROTOCOL))
            for k, v in items.items()
        ]
        self._used.setdefault(kind, set()).update(r[1] for r in rows)
        if kind in self._loaded:  # keep the preloaded snapshot in step; write at unload
            self._loaded[kind].update((r[1], r[2]) for r in rows)
            self._pending.setdefault(kind, []).extend(rows)
            return
        self._write(rows)

    def _write_pending(self, kind: str) -> None:
        rows = self._pending.pop(kind, None)
        if rows:
            self._write(rows)

    def _write(self, rows: list[tuple[str, str, bytes]]) -> None:
        # In key order: the table is a B-tree on (kind, key), and content-hash keys come in
        # random order, each insert then landing on another page (100,000 articles: 4.3 s).
        rows = sorted(rows, key=lambda row: (row[0], row[1]))
        try:
            with self._transaction():
                self._db.executemany("INSERT OR REPLACE INTO entry VALUES (?, ?, ?)", rows)
        except sqlite3.OperationalError:
            pass  # locked by another build for too long: this build just does not save it

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def put(self, kind: str, key: str, value: Any) -> None:
        self.put_many(kind, {key: value})

    def _prune(self) -> None:
        """Drop entries of the kinds this build used that it did not touch: the file stays the
        size of one site, not of every site ever built.

        A build that used the very keys the last pruned build used, with no entry added since
        (the same count: only pruning deletes), has nothing to drop, and skips the work: a
        third of a second of a rebuild with no change at 10,000 articles.
        """
        used = content_key(sorted((kind, sorted(keys)) for kind, keys in self._used.items()))
        (count,) = self._db.execute("SELECT COUNT(*) FROM entry").fetchone()
        row = self._db.execute("SELECT value FROM meta WHERE key = 'pruned'").fetchone()
        if row is not None and row[0] == f"{used}:{count}":
            return
        with self._transaction():
            self._db.execute("CREATE TEMP TABLE IF NOT EXISTS used (key TEXT PRIMARY KEY)")
            for kind, keys in self._used.items():
                self._db.execute("DELETE FROM used")
                self._db.executemany("INSERT OR IGNORE INTO used VALUES (?)", ((k,) for k in keys))
                self._db.execute(
                    "DELETE FROM entry WHERE kind = ? AND key NOT IN (SELECT key FROM used)",
                    (kind,),
                )
            (count,) = self._db.execute("SELECT COUNT(*) FROM entry").fetchone()
            self._db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('pruned', ?)", (f"{used}:{count}",)
            )


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def open_cache(config: Config) -> Cache | None:
    """The build cache for ``config``, or None when the cache folder cannot be used."""
    try:
        return Cache(config.path(config.cache), fingerprint(config))
    except (OSError, sqlite3.Error):
        return None  # a read-only or full disk: build without a cache rather than fail
