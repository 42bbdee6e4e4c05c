"""Two source trees side by side on the per-event work: headline, summary and keywords.

Usage (from the repository root)::

    .venv/bin/python -m bench.pair OLD_TREE NEW_TREE --articles 10000 --passes 3

A tree is a folder holding a ``digest`` package, such as ``git worktree add /tmp/old HEAD~1``.
Each tree builds the digest of the first N articles of the scale file (``bench/scale.py``
writes them) in a process of its own, with a cache folder of its own (so only the first run
pays the grouping), and keeps its events. Then the two processes are handed the same chunks of
events in turn, the order flipped from chunk to chunk, and report the CPU time of making those
events again. Chunks a few seconds long, timed one right after the other, share this machine's
drift: the median of the per-chunk ratios says how much faster one tree is, where whole builds
minutes apart differ by more than the change. Both processes run with the same hash seed, and
the benchmark says whether they made the same events.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

CHUNK = 250  # events per turn: about five seconds of CPU at 10k articles


def chunk_ratios(old: Sequence[float], new: Sequence[float]) -> tuple[float, float, float]:
    """The median, lowest and highest of old/new over chunks timed side by side."""
    ratios = [a / b for a, b in zip(old, new, strict=True) if a > 0 and b > 0]
    if not ratios:
        raise ValueError("no chunk took measurable time")
    return statistics.median(ratios), min(ratios), max(ratios)


def turns(chunks: int, passes: int) -> list[tuple[int, bool]]:
    """(chunk, old first?) for every turn: each pass visits every chunk, and the tree that goes
    first alternates from chunk to chunk and from pass to pass, so neither always runs on a
    warmer or cooler machine."""
    return [(c, (c + p) % 2 == 0) for p in range(passes) for c in range(chunks)]


# --- the worker: runs with the tree's own digest package on its path ------------------------


def _worker(source: str, cache: str) -> None:
    import dataclasses
    import time

    from digest.build import _make_event, gather  # the per-event work, as the build calls it
    from digest.cache import open_cache
    from digest.config import Config

    config = dataclasses.replace(Config(), source=source, out=cache + "-site", cache=cache)
    store = open_cache(config)
    digest = gather(config, jobs=0, cache=store)
    if store is not None:
        store.close(commit=True)
    groups = [list(e.members) for e in digest.events]
    ids = "\n".join(" ".join(c.article.id for c in g) for g in groups)
    print("ready", len(groups), hashlib.sha256(ids.encode()).hexdigest()[:16], flush=True)
    for line in sys.stdin:
        lo, hi = map(int, line.split())
        spent = 0.0
        made = hashlib.sha256()
        for members in groups[lo:hi]:
            start = time.process_time()
            event = _make_event(members, config)
            spent += time.process_time() - start
            made.update(repr(event).encode())
        print(spent, made.hexdigest()[:16], flush=True)


# --- the parent -----------------------------------------------------------------------------


def _start(tree: Path, source: Path, cache: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}
    # Run as a script, not with -m: the script's own folder comes first on the path, and it
    # holds no digest package, so the tree's is imported.
    command = [sys.executable, str(Path(__file__).resolve()), "_worker", str(source), str(cache)]
    return subprocess.Popen(
        command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )


def _ask(proc: subprocess.Popen, lo: int, hi: int) -> tuple[float, str]:
    proc.stdin.write(f"{lo} {hi}\n")
    proc.stdin.flush()
    spent, made = proc.stdout.readline().split()
    return float(spent), made


def compare(old: Path, new: Path, source: Path, work: Path, passes: int, chunk: int) -> dict:
    procs = {}
    try:
        for name, tree in (("old", old), ("new", new)):
            key = hashlib.sha256(str(tree.resolve()).encode()).hexdigest()[:12]
            procs[name] = _start(tree, source, work / f"pair-cache-{name}-{key}")
        ready = {}
        for name, proc in procs.items():  # both gather at once: the grouping is not measured
            line = proc.stdout.readline().split()
            if not line or line[0] != "ready":
                raise RuntimeError(f"the {name} tree could not build the digest")
            ready[name] = (int(line[1]), line[2])
        events = min(n for n, _ in ready.values())
        chunks = -(-events // chunk)
        times: dict[str, list[float]] = {"old": [], "new": []}  # one per turn
        made = {"old": [""] * chunks, "new": [""] * chunks}
        per_pass = {"old": [0.0] * passes, "new": [0.0] * passes}
        for turn, (c, old_first) in enumerate(turns(chunks, passes)):
            for name in ("old", "new") if old_first else ("new", "old"):
                spent, made[name][c] = _ask(procs[name], c * chunk, (c + 1) * chunk)
                times[name].append(spent)
                per_pass[name][turn // chunks] += spent
        median, low, high = chunk_ratios(times["old"], times["new"])
        return {
            "events": events,
            "same_groups": ready["old"] == ready["new"],
            "same_events": made["old"] == made["new"],
            "old_cpu_s": statistics.median(per_pass["old"]),
            "new_cpu_s": statistics.median(per_pass["new"]),
            "ratio": median,
            "ratio_range": (low, high),
        }
    finally:
        for proc in procs.values():
            proc.stdin.close()
            proc.wait()


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["_worker"]:
        _worker(argv[1], argv[2])
        return 0
    from bench.scale import SCALE_FILE, WORK, prepare

    parser = argparse.ArgumentParser(
        prog="python -m bench.pair", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("old", type=Path, help="The tree to compare against (holds digest/).")
    parser.add_argument("new", type=Path, help="The tree under test (holds digest/).")
    parser.add_argument("--articles", type=int, default=10000, help="N (default: 10000).")
    parser.add_argument("--passes", type=int, default=3, help="Passes over every event.")
    parser.add_argument("--chunk", type=int, default=CHUNK, help="Events per turn.")
    parser.add_argument(
        "--work",
        default=str(WORK),
        help="Folder for inputs and caches (default: TMPDIR/digest-bench, as bench.scale).",
    )
    args = parser.parse_args(argv)
    for tree in (args.old, args.new):
        if not (tree / "digest" / "__init__.py").is_file():
            parser.error(f"{tree} holds no digest package")
    if not SCALE_FILE.is_file():
        print(f"skipped: {SCALE_FILE} is absent", file=sys.stderr)
        return 0
    work = Path(args.work)
    source, _gold = prepare(work, args.articles)
    r = compare(args.old, args.new, source, work / f"n{args.articles}", args.passes, args.chunk)
    low, high = r["ratio_range"]
    print(
        f"N={args.articles}: {r['events']} events, {args.passes} passes of {args.chunk}-event"
        f" chunks\n  CPU per pass (median): old {r['old_cpu_s']:.2f} s, new {r['new_cpu_s']:.2f} s"
        f"\n  old/new per chunk: median {r['ratio']:.3f} (from {low:.3f} to {high:.3f})"
        f"\n  same groups: {'yes' if r['same_groups'] else 'no'};"
        f" same events: {'yes' if r['same_events'] else 'no'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
