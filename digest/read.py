"""Read stage: turn the files of the source folder into ``Document`` objects.

One reader per file type returns the documents of one file (a feed file holds several). Files
that cannot be read become ``Rejection`` objects with a reason, so nothing is lost silently.
"""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

from digest.model import Document, Rejection

MAX_BYTES = 5_000_000  # a news article is never this large; bigger files are not stories

Reader = Callable[[Path, str, str], list[Document]]


class ReadError(Exception):
    """A file could not be turned into documents; the message is the reason shown to the user."""


def decode(raw: bytes) -> str:
    """Decode bytes of unknown encoding: BOMs first, then UTF-8, then Windows-1252."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16", errors="replace")
    if b"\x00" in raw:
        raise ReadError("binary file (contains NUL bytes), not text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Windows-1252 is a superset of Latin-1 for printable text and what mis-declared pages use.
    return raw.decode("cp1252", errors="replace")


def read_text(path: Path, rel: str, doc_id: str) -> list[Document]:
    return [Document(id=doc_id, path=rel, body=decode(path.read_bytes()), format="text")]


_FENCE = re.compile(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*\r?$\n?", re.S | re.M)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split YAML front matter from a Markdown body. Raises ReadError on broken front matter."""
    if not text.startswith("---"):
        return {}, text
    m = _FENCE.match(text)
    if m is None:
        raise ReadError("front matter starts with '---' but is never closed")
    try:
        meta = yaml.safe_load(m.group(1))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise ReadError(f"front matter is not valid YAML{line}: {problem}") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise ReadError("front matter must be a mapping of keys to values")
    return {str(k): v for k, v in meta.items()}, text[m.end() :]


def read_markdown(path: Path, rel: str, doc_id: str) -> list[Document]:
    meta, body = split_front_matter(decode(path.read_bytes()))
    if meta.get("id") not in (None, ""):
        doc_id = str(meta["id"])
    return [
        Document(
            id=doc_id, path=rel, body=body, meta=tuple(sorted(meta.items())), format="markdown"
        )
    ]


def default_readers() -> dict[str, Reader]:
    """Readers by file suffix."""
    readers: dict[str, Reader] = {
        ".txt": read_text,
        ".md": read_markdown,
        ".markdown": read_markdown,
    }
    try:
        from digest import webread  # html and feed files; optional while that stage grows
    except ImportError:
        return readers
    readers.update(webread.readers())
    return readers


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            yield Path(root) / name


def read_folder(
    folder: Path, readers: dict[str, Reader] | None = None
) -> tuple[list[Document], list[Rejection]]:
    """Read every file under ``folder``. Every file yields documents or a rejection."""
    readers = readers if readers is not None else default_readers()
    root = folder.resolve()
    documents: list[Document] = []
    rejected: list[Rejection] = []
    for path in _walk(folder):
        rel = path.relative_to(folder).as_posix()
        stem = Path(path.name).stem or path.name
        if path.is_symlink():
            target = path.resolve()
            if not target.is_relative_to(root):
                rejected.append(
                    Rejection(
                        stem, rel, "symlink to a file outside the source folder, not followed"
                    )
                )
                continue
        reader = readers.get(path.suffix.lower())
        if reader is None:
            rejected.append(
                Rejection(stem, rel, f"unsupported file type '{path.suffix or '(none)'}'")
            )
            continue
        try:
            size = path.stat().st_size
            if size > MAX_BYTES:
                limit = MAX_BYTES // 1_000_000
                raise ReadError(f"file is {size / 1e6:.0f} MB, larger than the {limit} MB limit")
            documents.extend(reader(path, rel, stem))
        except ReadError as exc:
            rejected.append(Rejection(stem, rel, str(exc)))
        except OSError as exc:
            rejected.append(Rejection(stem, rel, f"cannot read file: {exc.strerror or exc}"))
    return _unique_ids(documents), rejected


def _unique_ids(documents: list[Document]) -> list[Document]:
    """Give documents that share an id a numbered suffix, in path order, so ids stay unique."""
    seen: dict[str, int] = {}
    out: list[Document] = []
    for doc in documents:
        n = seen.get(doc.id, 0) + 1
        seen[doc.id] = n
        if n > 1:
            new_id = f"{doc.id}-{n}"
            while new_id in seen:
                n += 1
                new_id = f"{doc.id}-{n}"
            seen[new_id] = 1
            doc = Document(new_id, doc.path, doc.body, doc.meta, doc.format)
        out.append(doc)
    return out
