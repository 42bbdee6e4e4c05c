"""The output folder: built beside the target, then swapped in, under a lock.

A build writes into a fresh sibling folder and only replaces the old site once every file is
written, so an interrupted or failed build leaves the previous site as it was.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from digest.errors import BuildError


@contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold an exclusive lock for building into ``out``; refuse when another build holds it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    lock_path = out.parent / f".{out.name}.lock"
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(
                f"another build is writing to '{out}' (lock {lock_path}); wait for it to finish"
            ) from None
        yield
    finally:
        os.close(fd)


def _clear_leftovers(out: Path) -> None:
    """Remove staging folders that a killed build left behind."""
    for leftover in out.parent.glob(f".{out.name}.*.tmp"):
        shutil.rmtree(leftover, ignore_errors=True)


def replace_atomically(out: Path, fill: Callable[[Path], int]) -> int:
    """Call ``fill`` on an empty staging folder, then make it the new ``out``."""
    with locked(out):
        _clear_leftovers(out)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
        try:
            count = fill(staging)
            # Keep files the build does not make (a CNAME, a .gitkeep placeholder) in place.
            if out.is_dir():
                for extra in out.iterdir():
                    keep = extra.name.startswith(".") and extra.is_file()
                    if keep and not (staging / extra.name).exists():
                        shutil.copy2(extra, staging / extra.name)
            staging.chmod(0o755)
            old = out.parent / f".{out.name}.old.tmp"
            if out.exists():
                os.replace(out, old)
            os.replace(staging, out)
            shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return count
