"""Read stage: turn the files of the source folder into ``Document`` objects.

One reader per file type returns the documents of one file (a feed file holds several). Files
that cannot be read become ``Rejection`` objects with a reason, so nothing is lost silently:
hidden files and folders, symlinked folders, symlinks leading out of the source folder, special
files (pipes, devices), oversized and binary files are all rejected by name. What happens to each
kind of bad input is listed in docs/robustness.md.
"""

from __future__ import annotations

import codecs
import dataclasses
import datetime as dt
import functools
import os
import re
import stat
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml

from digest.model import Document, Rejection
from digest.output import own_entry
from digest.parallel import map_shared, worker_count

MAX_BYTES = 5_000_000  # a news article is never this large; bigger files are not stories
# Front matter is a handful of keys; more values than this (or deeper nesting) is an alias bomb
# or a self-referencing structure, either of which would hang or crash whoever walks it.
MAX_META_VALUES = 10_000
MAX_META_DEPTH = 20

# A reader turns a file's bytes, its path relative to the source folder and its id into
# documents (a feed file holds many). It is given the bytes rather than the path so that each
# file is read once, also when the cache first hashes those bytes.
Reader = Callable[[bytes, str, str], list[Document]]
# Below this many files to read, the folder is read in this process: forking workers and sending
# the documents back cost more than the parsing they share (a rebuild reads only what changed).
PARALLEL_FILES = 1000


@dataclasses.dataclass(frozen=True, slots=True)
class FileRead:
    """What reading one file made, in a worker: its documents, and for a reader that keys them
    (the cache's, ``digest.incremental``) the key of the bytes and of each document."""

    documents: list[Document]
    key: str | None = None
    document_keys: tuple[str, ...] = ()
    stored: bool = False  # read in the build process, which has stored them already


class _FrontMatterLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """YAML's safe loader, except that a date that cannot exist ("2024-02-30") stays the text
    it was: the clean stage then ignores it with a warning, as it does any date it cannot
    read, instead of the whole file being lost to one value."""


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


_FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)
_YAML_LOADER = _FrontMatterLoader
# C0/C1 control characters other than tab and line breaks: never text, and invalid in HTML.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_PAGE_BREAK = re.compile(r"[\x0b\x0c]")
# Two characters that UTF-8 text turns into when read as Windows-1252 or Latin-1 ("Ã©" for
# "é", "â€™" for "’"): the cheap test that decides whether the mojibake repair runs at all.
_MOJIBAKE_HINT = re.compile(
    r"[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d"
    r"\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]"
)


class ReadError(Exception):
    """A file could not be turned into documents; the message is the reason shown to the user."""


def _looks_utf16(raw: bytes) -> str | None:
    """The UTF-16 codec of BOM-less text whose every other byte is NUL (ASCII-range text)."""
    if len(raw) < 4 or len(raw) % 2:
        return None
    even, odd = raw[0::2], raw[1::2]
    half = len(raw) // 2
    if odd.count(0) >= 0.9 * half and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) >= 0.9 * half and odd.count(0) == 0:
        return "utf-16-be"
    return None


def clean_text(text: str) -> str:
    """Text without control characters or lone surrogates, which no page can carry."""
    if text.isascii() and text.isprintable():
        return text
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates become "?"
    return _CONTROL.sub("", _PAGE_BREAK.sub("\n", text))


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 text that was decoded as Windows-1252 or Latin-1 on its way to us ("cafÃ©")."""
    if _MOJIBAKE_HINT.search(text) is None:
        return text
    import ftfy  # only when the text carries the telltale pairs

    return ftfy.fix_encoding(text)


def decode(raw: bytes) -> str:
    """Decode bytes of unknown encoding: BOMs first, then UTF-8, then Windows-1252.

    Mojibake is repaired and control characters are dropped. Raises ReadError on binary data.
    """
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16: its BOM starts the same way
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if raw.startswith(bom):
            return clean_text(raw[len(bom) :].decode(codec, errors="replace"))
    if b"\x00" in raw:
        codec = _looks_utf16(raw)
        if codec is None:
            raise ReadError("binary file (contains NUL bytes), not text")
        return clean_text(raw.decode(codec, errors="replace"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        # Windows-1252 is a superset of Latin-1 for printable text and what mis-declared pages use.
        text = raw.decode("cp1252", errors="replace")
    return clean_text(repair_mojibake(text))


def read_text(data: bytes, rel: str, doc_id: str) -> list[Document]:
    return [Document(id=doc_id, path=rel, body=decode(data), format="text")]


_FENCE = re.compile(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*\r?$\n?", re.S | re.M)


def _plain(value: Any, budget: list[int], depth: int = 0) -> Any:
    """A YAML value as plain, bounded data: clean strings, scalars, dates, lists and mappings."""
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_META_DEPTH:
        raise ReadError("front matter is too large or too deeply nested (YAML aliases?)")
    if isinstance(value, str):
        return clean_text(value)
    if value is None or isinstance(value, bool | int | float | dt.date):
        return value
    if isinstance(value, bytes):
        return clean_text(value.decode("utf-8", errors="replace"))
    if isinstance(value, dict):
        return {clean_text(str(k)): _plain(v, budget, depth + 1) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        value = sorted(value, key=str)
    if isinstance(value, list | tuple):
        return [_plain(v, budget, depth + 1) for v in value]
    return clean_text(str(value))


def split_front_matter(text: str) -> tuple[dict[str, Any], str, tuple[str, ...]]:
    """Split YAML front matter from a Markdown body: the values, the body and warnings about
    the front matter. Raises ReadError on broken front matter."""
    if not text.startswith("---"):
        return {}, text, ()
    m = _FENCE.match(text)
    if m is None:
        raise ReadError("front matter starts with '---' but is never closed")
    loader = _YAML_LOADER(m.group(1))
    try:
        node = loader.get_single_node()
        # Counted before the values are made: making them folds "<<" merge keys into the node.
        repeated = _repeated_keys(node) if isinstance(node, yaml.MappingNode) else ()
        meta = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise ReadError(f"front matter is not valid YAML{line}: {problem}") from None
    except RecursionError:
        raise ReadError("front matter is nested too deeply") from None
    except (ValueError, TypeError, AttributeError, OverflowError) as exc:
        # Well-formed YAML whose value cannot be made: "!!int abc", "!!float abc".
        raise ReadError(f"front matter has a value YAML cannot read: {exc}") from None
    finally:
        loader.dispose()
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise ReadError("front matter must be a mapping of keys to values")
    meta = _plain(meta, [MAX_META_VALUES])
    return meta, text[m.end() :], repeated


def _repeated_keys(node: yaml.Node) -> tuple[str, ...]:
    """A warning per key the front matter sets more than once: YAML keeps the last value
    without a word, so a second ``title:`` pasted below the first would silently win."""
    # A key is its text and its type: `yes:` (a boolean) and `"yes":` (text) are two keys.
    counts: dict[tuple[str, str], int] = {}
    for key, _ in node.value:
        if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
            counts[key.tag, key.value] = counts.get((key.tag, key.value), 0) + 1
    return tuple(
        f"front matter sets {value!r} {n} times; the last value is used"
        for (_, value), n in counts.items()
        if n > 1
    )


def _meta_id(value: Any) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    return " ".join(str(value).split())


def read_markdown(data: bytes, rel: str, doc_id: str) -> list[Document]:
    meta, body, warnings = split_front_matter(decode(data))
    doc_id = _meta_id(meta.get("id")) or doc_id
    return [
        Document(
            id=doc_id,
            path=rel,
            body=body,
            meta=tuple(sorted(meta.items())),
            format="markdown",
            warnings=warnings,
        )
    ]


# Web pages and feed files are read by digest.webread, whose libraries (trafilatura, lxml,
# feedparser) take a third of a second to import: imported only when such a file is met.
WEB_SUFFIXES = (".html", ".htm", ".xml", ".rss", ".atom")


def _read_web(suffix: str, data: bytes, rel: str, doc_id: str) -> list[Document]:
    from digest import webread

    return webread.readers()[suffix](data, rel, doc_id)


def reader_name(reader: Reader) -> tuple[str, str]:
    """A reader's module and name, the same in every process: the cache keys what a reader made
    by it. A partial is named by its function and arguments."""
    if isinstance(reader, functools.partial):
        return reader.func.__module__, f"{reader.func.__qualname__}{reader.args!r}"
    return reader.__module__, reader.__qualname__


def _web_reader(suffix: str) -> Reader:
    # A partial of a module function, not a closure: readers reach spawned workers pickled.
    return functools.partial(_read_web, suffix)


def default_readers() -> dict[str, Reader]:
    """Readers by file suffix."""
    readers: dict[str, Reader] = {
        ".txt": read_text,
        ".md": read_markdown,
        ".markdown": read_markdown,
    }
    readers.update({suffix: _web_reader(suffix) for suffix in WEB_SUFFIXES})
    return readers


_NAME_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def display_path(rel: str) -> str:
    """A path as text that can be printed and written: undecodable name bytes and control
    characters become U+FFFD (never dropped, so a name is never empty)."""
    if rel.isascii() and rel.isprintable():  # most names: nothing to replace
        return rel
    text = os.fsencode(rel).decode("utf-8", errors="replace")
    return _NAME_CONTROL.sub("\ufffd", text)


def walk(
    folder: Path, out: Path | None = None, own: Sequence[Path] = ()
) -> Iterator[tuple[Path, bool, str | None]]:
    """Every file under ``folder`` in path order: (path, is a folder, reason it is not read).

    Hidden and symlinked folders are not entered; each is reported once, as a folder. The
    output folder ``out``, when it lies inside, is left out with the build's lock and staging
    folders beside it (``output.own_entry``), unreported: they are the build's, not input, and
    its pages would come back as articles, the site growing with each build. The folder that
    holds it is told by device and inode, so a case-insensitive file system cannot hide it.
    So are the build's other folders ``own`` (the cache, the theme) when they lie inside: the
    cache's database and a theme's templates are no articles.
    """
    beside = _stat_or_none(out.parent) if out is not None else None
    out_stat = _stat_or_none(out) if out is not None else None
    own_stats = [s for s in (_stat_or_none(p) for p in own) if s is not None]
    problems: list[tuple[Path, bool, str]] = []

    def unreadable(exc: OSError) -> None:
        problems.append((Path(exc.filename), True, f"cannot read folder: {exc.strerror or exc}"))

    for root, dirs, files in os.walk(folder, onerror=unreadable, followlinks=False):
        here = Path(root)
        if beside is not None and out is not None:
            found = _stat_or_none(here)
            if found is not None and os.path.samestat(found, beside):
                dirs[:] = [n for n in dirs if not _is_output(here / n, out, out_stat)]
                files = [n for n in files if not own_entry(n, out.name)]
        if own_stats:
            dirs[:] = [n for n in dirs if not _is_one_of(here / n, own_stats)]
        entered: list[str] = []
        items: list[tuple[str, bool, str | None]] = []
        for name in dirs:
            if (here / name).is_symlink():
                items.append((name, True, "symlink to a folder, not followed"))
            elif name.startswith("."):
                items.append((name, True, "hidden folder (name starts with '.'), not read"))
            else:
                entered.append(name)
        dirs[:] = sorted(entered)
        for name in files:
            hidden = name.startswith(".")
            items.append(
                (name, False, "hidden file (name starts with '.'), not read" if hidden else None)
            )
        for name, is_folder, reason in sorted(items):
            yield here / name, is_folder, reason
    yield from problems


def _is_output(path: Path, out: Path, out_stat: os.stat_result | None) -> bool:
    """Whether the folder ``path`` is the output ``out`` or one of the build's own beside it.
    A name that differs only in case is the output only if it is the same folder (a
    case-insensitive disk): elsewhere it is another folder, of input."""
    if own_entry(path.name, out.name):
        return True
    if path.name.casefold() != out.name.casefold() or out_stat is None:
        return False
    found = _stat_or_none(path)
    return found is not None and os.path.samestat(found, out_stat)


def _is_one_of(path: Path, stats: Sequence[os.stat_result]) -> bool:
    found = _stat_or_none(path)
    return found is not None and any(os.path.samestat(found, s) for s in stats)


def _stat_or_none(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


def _file_problem(path: Path, root: Path) -> tuple[str | None, os.stat_result | None]:
    """Why a file must not be read (a symlink out of the folder, a special file, too large),
    or None; and the file's ``stat``, which a reader may use instead of asking again."""
    try:
        # One call for the symlink test and, for a file that is no symlink, its stat.
        info = os.lstat(path)
    except OSError as exc:
        return f"cannot read file: {exc.strerror or exc}", None
    if stat.S_ISLNK(info.st_mode):
        try:
            target = path.resolve()
        except (OSError, RuntimeError):  # RuntimeError: a symlink loop, before Python 3.13
            return "symlink loop, not followed", None
        if not target.is_relative_to(root):
            return "symlink to a file outside the source folder, not followed", None
        if not target.exists():
            return "broken symlink (its target does not exist)", None
        try:
            info = path.stat()
        except OSError as exc:
            return f"cannot read file: {exc.strerror or exc}", None
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file (a pipe, socket or device), not read", None
    if info.st_size > MAX_BYTES:
        limit = MAX_BYTES // 1_000_000
        return f"file is {info.st_size / 1e6:.0f} MB, larger than the {limit} MB limit", None
    return None, info


def read_folder(
    folder: Path,
    readers: dict[str, Reader] | None = None,
    out: Path | None = None,
    own: Sequence[Path] = (),
) -> tuple[list[Document], list[Rejection]]:
    """Read every file under ``folder``, except the output folder ``out`` and the build's own
    folders ``own`` (cache, theme) when they are inside. Every file yields documents or a
    rejection.

    Ids are unique across documents and rejections, so each input is accounted for once.
    """
    documents, rejected, _ = read_folder_claims(folder, readers, out, own)
    return documents, rejected


def read_folder_claims(
    folder: Path,
    readers: dict[str, Reader] | None = None,
    out: Path | None = None,
    own: Sequence[Path] = (),
    jobs: int | None = 1,
    show_progress: bool = False,
) -> tuple[list[Document], list[Rejection], dict[str, str]]:
    """``read_folder``, and the id each renamed document or rejection claimed, by its new id:
    the build gives an id back to an article when the document that took it is rejected later
    (``build.settle_ids``).

    The files to read are read and parsed by ``jobs`` worker processes when there are at least
    ``PARALLEL_FILES`` of them: a cold folder of 100,000 files spent as long waiting for the
    disk as parsing, one file after the other. The documents are the same in the same order.
    """
    readers = readers if readers is not None else default_readers()
    root = folder.resolve()
    found: list[list[Document] | Rejection] = []
    # Files left to read: (place in ``found``, its stat, and the worker's arguments).
    todo: list[tuple[int, Path, os.stat_result | None, tuple[str, str, str, str]]] = []
    # os.walk names every path by joining onto the folder as given: cutting that prefix off is
    # the relative path, without relpath's work per file (a tenth of a rebuild with no change).
    prefix = os.path.join(str(folder), "")
    for path, is_folder, reason in walk(folder, out, own):
        text = str(path)
        rel = text[len(prefix) :] if text.startswith(prefix) else os.path.relpath(path, folder)
        rel = display_path(rel.replace(os.sep, "/"))
        stem = display_path(path.name if is_folder else (Path(path.name).stem or path.name))
        rel += "/" if is_folder else ""
        suffix = path.suffix.lower()
        reader = readers.get(suffix)
        info = None
        if reason is None:
            reason, info = _file_problem(path, root)
        if reason is None and reader is None:
            reason = f"unsupported file type '{display_path(path.suffix) or '(none)'}'"
        if reason is not None or reader is None:
            found.append(Rejection(stem, rel, reason or "not read"))
            continue
        # A reader that can tell an unchanged file without reading it (the cache's) says so.
        unchanged = getattr(reader, "unchanged", None)
        known = unchanged(path, rel, stem, info) if unchanged is not None else None
        if known is not None:
            found.append(known)
            continue
        todo.append((len(found), path, info, (text, rel, stem, suffix)))
        found.append([])
    # Taken before any of them is read: what the cache's reader tells a settled file by.
    started = time.time_ns()
    files = [args for *_, args in todo]
    if len(files) >= PARALLEL_FILES and worker_count(jobs) > 1:
        # Each reader as a worker needs it: the cache's keys what it reads, and this process
        # stores it (``keep``).
        shared = {suffix: getattr(r, "in_worker", r) for suffix, r in readers.items()}
        made = map_shared(_read_file, shared, files, jobs, "read", show_progress)
    else:
        made = [_read_file(readers, file) for file in files]
    for (at, path, info, (_, rel, stem, suffix)), result in zip(todo, made, strict=True):
        if isinstance(result, str):
            found[at] = Rejection(stem, rel, result)
            continue
        keep = getattr(readers[suffix], "keep", None)
        found[at] = keep(path, rel, stem, info, result, started) if keep else result.documents
    results: list[Document | Rejection] = []
    for item in found:
        if isinstance(item, Rejection):
            results.append(item)
        else:
            results.extend(item)
    results, claimed = _unique_ids(results)
    documents = [r for r in results if isinstance(r, Document)]
    rejected = [r for r in results if isinstance(r, Rejection)]
    return documents, rejected, claimed


def _read_file(readers: dict[str, Reader], file: tuple[str, str, str, str]) -> FileRead | str:
    """One file's documents (in a worker, or here), or the reason it cannot be read."""
    path, rel, stem, suffix = file
    reader = readers[suffix]
    try:
        data = Path(path).read_bytes()
        # The cache's reader keys what it reads here too, so that the build process only stores.
        prepare = getattr(reader, "prepare", None)
        return prepare(data, rel, stem) if prepare else FileRead(reader(data, rel, stem))
    except ReadError as exc:
        return str(exc)
    except OSError as exc:
        return f"cannot read file: {exc.strerror or exc}"
    except Exception as exc:  # noqa: BLE001 - one file's fault must not stop the site
        # Each reader turns what it knows of broken input into a ReadError; anything else
        # is a case none foresaw, still this file's alone: it is rejected with the error.
        return f"could not be read: {type(exc).__name__}: {exc}"


def unique_ids(claims: Sequence[str]) -> list[str]:
    """Each id of ``claims`` (in the order they claim it) made unique: the first keeps it, the
    next get ``-2``, ``-3``, ... (skipping ids already taken)."""
    seen: dict[str, int] = {}
    out: list[str] = []
    for claim in claims:
        n = seen.get(claim, 0) + 1
        seen[claim] = n
        new_id = claim
        if n > 1:
            new_id = f"{claim}-{n}"
            while new_id in seen:
                n += 1
                new_id = f"{claim}-{n}"
            seen[new_id] = 1
        out.append(new_id)
    return out


def _unique_ids(
    items: list[Document | Rejection],
) -> tuple[list[Document | Rejection], dict[str, str]]:
    """Give items that share an id a numbered suffix, in path order, so ids stay unique; and
    the id each renamed item claimed, by its new id.

    Documents claim their ids before rejections do, so a broken file never renames an article.
    """
    order = [i for i, item in enumerate(items) if isinstance(item, Document)]
    order += [i for i, item in enumerate(items) if not isinstance(item, Document)]
    given = unique_ids([items[i].id for i in order])
    out = list(items)
    claimed: dict[str, str] = {}
    for i, new_id in zip(order, given, strict=True):
        item = items[i]
        if new_id == item.id:
            continue
        claimed[new_id] = item.id
        if isinstance(item, Document):
            out[i] = dataclasses.replace(item, id=new_id)
        else:
            out[i] = Rejection(new_id, item.path, item.reason)
    return out, claimed
