"""Per-article and per-event work spread over worker processes, results in input order.

The stages' per-item functions are pure, and ``map_ordered`` returns results in the order of the
inputs whatever the number of workers, so the site is byte-identical for any ``--jobs``.
Workers are forked on Linux (no re-import, the parent's loaded data shared copy-on-write);
elsewhere they are spawned. Small batches stay in the calling process, where a pool would cost
more than it saves.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import partial
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S")

# Below this many items a pool's start-up (tens of milliseconds) outweighs the work.
MIN_PARALLEL_ITEMS = 64
# Items one pool serves before it is replaced (see _map); a fork costs tens of milliseconds.
POOL_ITEMS = 8192


def worker_count(jobs: int | None) -> int:
    """Worker processes for ``jobs``: None or 0 means every core."""
    if jobs is None or jobs <= 0:
        return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
    return jobs


def _context() -> multiprocessing.context.BaseContext:
    if sys.platform == "linux":
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def map_ordered(
    fn: Callable[[T], R],
    items: Sequence[T],
    jobs: int | None = None,
    label: str = "",
    show_progress: bool = False,
) -> list[R]:
    """``[fn(x) for x in items]``, over ``jobs`` processes; ``fn`` must be picklable.

    ``show_progress`` draws a tqdm bar on stderr (only when stderr is a terminal).
    """
    pool_args = {"initializer": _start_child, "initargs": (os.getpid(),)}
    return _map(fn, fn, pool_args, items, jobs, label, show_progress)


def map_shared(
    fn: Callable[[S, T], R],
    shared: S,
    items: Sequence[T],
    jobs: int | None = None,
    label: str = "",
    show_progress: bool = False,
) -> list[R]:
    """``[fn(shared, x) for x in items]``, over ``jobs`` processes.

    ``shared`` (a whole digest, say) reaches each worker once, when it starts: forked workers
    inherit it without pickling, and spawned ones unpickle it once. Only the small ``items``
    and the results travel per task.
    """
    pool_args = {"initializer": _install_shared, "initargs": (shared, os.getpid())}
    return _map(
        partial(fn, shared), partial(_call_shared, fn), pool_args, items, jobs, label, show_progress
    )


def _map(
    here: Callable[[T], R],
    there: Callable[[T], R],
    pool_args: dict[str, Any],
    items: Sequence[T],
    jobs: int | None,
    label: str,
    show_progress: bool,
) -> list[R]:
    """Items through ``here`` in this process, or through ``there`` in a pool's workers."""
    workers = min(worker_count(jobs), len(items))
    bar = _bar(len(items), label, show_progress)
    try:
        if workers <= 1 or len(items) < MIN_PARALLEL_ITEMS:
            out = []
            for item in items:
                out.append(here(item))
                if bar is not None:
                    bar.update(1)
            return out
        # The first item runs here, before the fork: whatever it loads on first use (stage
        # modules, word tables, compiled templates) is then loaded once and shared by the
        # workers copy-on-write, instead of once per worker.
        out = [here(items[0])]
        if bar is not None:
            bar.update(1)
        rest = items[1:]
        # Chunks large enough to amortise pickling, small enough to balance uneven items.
        chunk = max(1, min(64, len(rest) // (workers * 8)))
        # Workers that read the parent's objects copy the memory pages they touch (reference
        # counts are writes); a fresh pool every POOL_ITEMS items frees those copies.
        for start in range(0, len(rest), POOL_ITEMS):
            part = rest[start : start + POOL_ITEMS]
            with ProcessPoolExecutor(
                max_workers=workers, mp_context=_context(), **pool_args
            ) as pool:
                for result in pool.map(there, part, chunksize=chunk):
                    out.append(result)
                    if bar is not None:
                        bar.update(1)
        return out
    finally:
        if bar is not None:
            bar.close()


def spare_core(jobs: int | None, size: int, threshold: int) -> bool:
    """Whether a stage hands part of its work to a child process: there is more than one job
    and the input (``size`` articles or events) reaches the stage's ``threshold``. Below it, a
    fork and sending the result back cost more than the overlap saves."""
    return worker_count(jobs) > 1 and size >= threshold


def beside(
    fn: Callable[[S], R], shared: S, jobs: int | None, size: int, threshold: int
) -> AbstractContextManager[Callable[[], R]]:
    """``in_background(fn, shared)`` when ``spare_core`` says so; otherwise the block's function
    makes ``fn(shared)`` in this process when its result is asked for. The result is the same
    either way."""
    if spare_core(jobs, size, threshold):
        return in_background(fn, shared)
    return nullcontext(partial(fn, shared))


def in_child(fn: Callable[[S], R], shared: S) -> R:
    """``fn(shared)`` in a forked child process where processes fork (Linux), else here.

    The child inherits ``shared`` without pickling and only the result comes back. A stage
    whose working set is far larger than its result (grouping at 100k articles peaks at
    2.7 GB for a list of labels) then leaves the build process its size: freed Python objects
    rarely give memory back to the system, so the peak would last to the end of the build.
    The child never outlives the build: it is killed when the build is interrupted, and dies
    with the build process if that is killed (it holds the output folder's lock too).
    """
    with in_background(fn, shared) as result:
        return result()


@contextmanager
def in_background(fn: Callable[[S], R], shared: S) -> Iterator[Callable[[], R]]:
    """Start ``fn(shared)`` in a forked child and go on; the block is given a function that
    waits for the child's result and returns it (or raises the child's exception).

    Where processes do not fork, ``fn`` runs in this process when its result is asked for.
    A child whose result was not taken when the block ends (an exception, an interrupt) is
    killed, as ``in_child``'s is.
    """
    context = _context()
    if context.get_start_method() != "fork":
        yield partial(fn, shared)
        return
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child_main, args=(fn, shared, send, os.getpid()))
    child.start()
    send.close()
    taken: list[tuple[bool, Any]] = []

    def result() -> R:
        if not taken:
            try:
                taken.append(receive.recv())
            except EOFError:
                child.join()
                raise RuntimeError(
                    f"a build child process ended without a result (exit code {child.exitcode})"
                ) from None
            child.join()  # it exits right after sending
        ok, value = taken[0]
        if not ok:
            raise value
        return value

    try:
        yield result
    finally:
        receive.close()
        if not taken:  # interrupted, or the caller failed first: its work is of no use
            child.kill()
            child.join()


def _child_main(fn: Callable[[Any], Any], shared: Any, send: Any, parent: int) -> None:
    _start_child(parent)
    try:
        result = (True, fn(shared))
    except BaseException as exc:  # the parent raises it
        result = (False, exc)
    try:
        send.send(result)
    except Exception as exc:  # an exception or result that does not pickle
        send.send((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
    send.close()


def _start_child(parent: int) -> None:
    """What every worker and child process does first.

    Everything it inherited (or unpickled, where processes spawn) is moved out of the garbage
    collector's sight: those objects live as long as the process, yet every full collection
    would walk all of them, and writing their collector headers copies the parent's memory
    pages into the child. At 100k articles the render's workers spent 15% of their time
    there (``gc_collect_main``, ``visit_decref``, ``visit_reachable`` in a ``perf`` profile).
    Objects the process makes itself are collected as usual.
    """
    gc.freeze()
    _die_with_parent(parent)


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this process when its parent dies (Linux): a build killed with
    SIGKILL runs no clean-up, and an orphaned worker would keep working and keep its lock."""
    prctl = _libc_function("prctl")
    if prctl is None:
        return
    import signal

    prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def release_free_memory() -> None:
    """Hand the memory the build process has freed back to the system (glibc's malloc_trim).

    Python returns freed objects to malloc, and malloc keeps much of it. The build calls this
    before a peak that comes on top of it (the cluster stage, Pagefind): at 40k articles it took
    the build process from 675 to 588 MB beside Pagefind. On a C library without malloc_trim
    this does nothing.
    """
    trim = _libc_function("malloc_trim")
    if trim is None:
        return
    gc.collect()
    trim(0)


def _libc_function(name: str) -> Any:
    """A function of the C library on Linux, or None (other systems; musl has no malloc_trim)."""
    if sys.platform != "linux":
        return None
    import ctypes

    try:
        return getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError):
        return None


# The ``shared`` value of map_shared inside a worker process: set once per worker
# by the pool's initializer and read by every task of that worker; never set in the parent.
_worker_shared: Any = None


def _install_shared(shared: Any, parent: int) -> None:
    global _worker_shared
    _start_child(parent)
    _worker_shared = shared


def _call_shared(fn: Callable[[Any, T], R], item: T) -> R:
    return fn(_worker_shared, item)


def _bar(total: int, label: str, show: bool):  # -> tqdm | None
    if not show or not sys.stderr.isatty() or total < MIN_PARALLEL_ITEMS:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="", file=sys.stderr, leave=False, dynamic_ncols=True)
