"""The output folder: built beside the target, then swapped in, under a lock.

A build writes into a fresh sibling folder and only replaces the old site once every file is
written, so an interrupted or failed build leaves the previous site as it was. On Linux the swap
is one ``renameat2(RENAME_EXCHANGE)`` call, so there is no moment without a site; elsewhere the
old site is moved aside first, and a build killed between the two renames has its old site put
back by the next build instead of deleted.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import glob
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from digest.errors import BuildError

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
# What renameat2 answers when the kernel, the C library or the file system cannot exchange.
_NO_EXCHANGE = {errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV}


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
        os.close(fd)  # closing releases the lock; the kernel releases it too if we are killed


# What every site the build writes has, an empty one included: its home page, and its
# machine-readable digest, which starts with these bytes. A folder that merely holds a file
# called events.json is not taken for a site.
SITE_PAGE = "index.html"
SITE_MARK = "events.json"
SITE_MARK_START = b'{\n"events": ['


def is_site(folder: Path) -> bool:
    """Whether ``folder`` holds a site an earlier build wrote."""
    try:
        with open(folder / SITE_MARK, "rb") as f:
            start = f.read(len(SITE_MARK_START))
    except OSError:
        return False
    return start == SITE_MARK_START and (folder / SITE_PAGE).is_file()


def _same(a: Path, b: Path) -> bool:
    """Whether two paths are one folder: by device and inode, so a case-insensitive file system
    ("Src" and "src") or a symlinked parent cannot tell them apart by spelling."""
    try:
        return os.path.samestat(os.stat(a), os.stat(b))
    except OSError:
        return False


def _ancestry(path: Path) -> list[Path]:
    """``path`` (resolved) and every folder above it."""
    real = path.resolve()
    return [real, *real.parents]


def target_problem(
    out: Path, keep: Sequence[tuple[str, Path]], never_inside: Sequence[tuple[str, Path]] = ()
) -> str | None:
    """Why the site must not be built into ``out``, or None when it may.

    The build replaces the output folder whole, so whatever is in it goes: it must be a folder
    (or nothing yet) that holds none of ``keep`` (what it must not destroy: the source folder,
    the project folder with its config, the theme), lies in none of ``never_inside`` (the theme,
    whose files are copied into the site: a site inside it would copy itself into itself), and
    is either empty, or a site an earlier build wrote (``is_site``), or holds only hidden
    entries (a ``.nojekyll``, a ``.git``), which the build keeps. A symbolic link is refused
    rather than replaced by a folder, which would leave the folder it points to stale.
    """
    if out.is_symlink():
        return f"output '{out}' is a symbolic link; give the folder it points to instead"
    if os.path.lexists(out) and not out.is_dir():
        return f"output '{out}' is a file, not a folder"
    if out.is_dir():
        for what, path in keep:
            if any(_same(folder, out) for folder in _ancestry(path)):
                return (
                    f"output folder '{out}' holds the {what} '{path}', which building would "
                    "replace; choose another output folder"
                )
    for what, path in never_inside:
        if any(_same(folder, path) for folder in _ancestry(out)):
            return f"output folder '{out}' is inside the {what} '{path}'; choose another"
    foreign = out.is_dir() and not is_site(out)
    if foreign and any(not entry.name.startswith(".") for entry in out.iterdir()):
        return (
            f"output folder '{out}' holds files and no site an earlier build wrote (no "
            f"{SITE_MARK} of digest's); building would replace them: choose a new or empty folder"
        )
    return None


def own_entry(name: str, out_name: str) -> bool:
    """Whether ``name``, beside an output folder called ``out_name``, is the build's own: the
    folder, its lock, a staging folder or the old site set aside (``.<name>.*.tmp``). The read
    stage skips them when the output lies inside the source folder."""
    if name in (out_name, f".{out_name}.lock"):
        return True
    return name.startswith(f".{out_name}.") and name.endswith(".tmp")


def _set_aside(out: Path) -> Path:
    """Where the fallback swap keeps the old site while the new one moves in."""
    return out.parent / f".{out.name}.old.tmp"


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


def _recover(out: Path) -> None:
    """Put back a site a killed build had set aside, then remove its staging folders."""
    old = _set_aside(out)
    if old.is_dir() and not os.path.lexists(out):
        os.replace(old, out)
    for leftover in glob.glob(glob.escape(str(out.parent / f".{out.name}.")) + "*.tmp"):
        _remove(Path(leftover))


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one atomic step; False where the system cannot do that."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # a C library older than glibc 2.28
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    renameat2.argtypes += [ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in _NO_EXCHANGE:
        return False
    raise OSError(err, os.strerror(err), str(b))


def _swap_in(staging: Path, out: Path) -> None:
    """Make ``staging`` the new ``out``; the old site is removed only once the new one is in."""
    if not os.path.lexists(out):
        os.replace(staging, out)
        return
    if exchange(staging, out):
        _remove(staging)  # it now holds the old site
        return
    old = _set_aside(out)
    _remove(old)
    os.replace(out, old)
    os.replace(staging, out)  # killed just before this line: the next build puts ``old`` back
    _remove(old)


def link_unchanged(new: Path, old: Path) -> int:
    """Replace each file under ``new`` that is byte-identical to the file at the same place under
    ``old`` by a hard link to that file; returns how many were linked.

    For what the build copies in one go (the theme's static files); pages are compared as they
    are written (``render._Writer``). An unchanged file then keeps its inode and modification
    time, which rsync and deploy tools compare. ``old`` is only read: a failed build still
    leaves it as it was. Not used for Pagefind's index, which it rewrites whole: comparing and
    linking its thousands of files took 2 to 3 s of a 10k-article rebuild.
    """
    if not new.is_dir() or not old.is_dir():
        return 0
    linked = 0
    for folder, _dirs, files in os.walk(new):
        for name in files:
            path = Path(folder) / name
            before = old / path.relative_to(new)
            try:
                if before.is_symlink() or path.is_symlink():
                    continue
                if before.stat().st_size != path.stat().st_size:
                    continue
                if before.read_bytes() != path.read_bytes():
                    continue
                temp = path.with_name(f".{name}.link.tmp")
                os.link(before, temp)
                os.replace(temp, path)  # one step: the file is never missing
            except OSError:
                continue  # gone, unreadable, or no hard links on this disk: keep the new copy
            linked += 1
    return linked


def link_or_copy(source: str | Path, dest: str | Path) -> None:
    """Hard-link ``source`` as ``dest``; copy it where the disk has no hard links."""
    try:
        os.link(source, dest, follow_symlinks=False)
    except OSError:  # another file system, or none with hard links
        shutil.copy2(source, dest, follow_symlinks=False)


def replace_atomically(out: Path, fill: Callable[[Path], int]) -> int:
    """Call ``fill`` on an empty staging folder, then make it the new ``out``."""
    with locked(out):
        _recover(out)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
        try:
            count = fill(staging)
            # Keep what the build does not make (a .nojekyll, a .gitkeep placeholder, a .git
            # checkout to publish from) in place. Folders are copied as hard links: cheap, and
            # the old site's files are only read.
            if out.is_dir():
                for extra in out.iterdir():
                    if not extra.name.startswith(".") or os.path.lexists(staging / extra.name):
                        continue
                    if extra.is_dir() and not extra.is_symlink():
                        shutil.copytree(extra, staging / extra.name, True, None, link_or_copy)
                    else:
                        shutil.copy2(extra, staging / extra.name, follow_symlinks=False)
            staging.chmod(0o755)
            _swap_in(staging, out)
        except BaseException:
            _remove(staging)
            raise
        return count
