"""Clearing a benchmark's previous output without timing the file system's aftermath.

On ext4, a file created within a minute or so of many deletions in the same block group costs
far more kernel time: the inode allocator reads and skips every recently deleted inode
(``recently_deleted`` in ``fs/ext4/ialloc.c``). Measured here: 20,000 files took 0.6 s of
kernel time after their predecessors were moved aside, and 8 to 10 s after 60,000 files had
been deleted. A benchmark that deletes the previous run's site just before the next run times
that penalty, in proportion to how many files the previous run wrote, rather than the build.

So the previous output is moved into a trash folder (a rename, nothing freed) and the trash is
emptied once every figure is taken.
"""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path


def set_aside(path: Path, trash: Path) -> None:
    """Move ``path`` (if it exists) into ``trash``, which must be on the same file system."""
    if not path.exists():
        return
    trash.mkdir(parents=True, exist_ok=True)
    for n in itertools.count():
        target = trash / f"{path.name}.{n}"
        if not target.exists():
            path.rename(target)
            return


def empty_trash(trash: Path) -> None:
    shutil.rmtree(trash, ignore_errors=True)
