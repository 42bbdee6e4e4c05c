"""Scale benchmark: build the first N articles of the Multi-News scale file and time every stage.

Usage (from the repository root)::

    .venv/bin/python -m bench.scale --articles 1000 10000 --runs 3
    .venv/bin/python -m bench.scale --articles 10000 --runs 3 --incremental --peers

For each N it writes the first N articles of ``../shared/eval/scale_multinews_train.jsonl.gz``
as ``.md`` input files (once; reused while the folder holds them), then runs cold builds (no
cache, no previous site), each in a fresh process, and reports the median of each stage, the
total wall time, the peak memory (PSS of the build process and its workers, summed), pages
written per second, and the grouping B-cubed F1 against the gold events, as a guard that speed
did not cost quality. ``--incremental`` also times a rebuild with no change and a rebuild after
adding 100 articles to the built site; ``--peers`` renders the same texts with Hugo and Pelican
(``bench/peers.py``). ``--json FILE`` keeps every figure.

The benchmark skips cleanly when the evaluation folder is absent.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.disk import empty_trash, set_aside

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
SCALE_FILE = EVAL / "scale_multinews_train.jsonl.gz"
WORK = Path(tempfile.gettempdir()) / "digest-bench"  # inputs, sites and caches, kept between runs
ADDED = 100  # articles added to a built site for the incremental figure


@dataclass
class Run:
    """One build, as measured from outside (wall, memory) and inside (stage timings)."""

    wall: float  # the whole process, interpreter start included
    build_s: float  # the build call alone
    cpu_s: float  # user + system time of the build and its workers: less noisy than wall time
    peak_mb: float
    stages: dict[str, float]
    files: int
    pages: int
    events: int
    articles: int


@dataclass
class Figures:
    articles: int
    jobs: int
    runs: list[Run] = field(default_factory=list)
    bcubed_f1: float | None = None
    no_change: list[Run] = field(default_factory=list)
    added: list[Run] = field(default_factory=list)
    peers: dict[str, object] = field(default_factory=dict)
    load: list[float] = field(default_factory=list)  # 1-minute load average before each build


# --- input ----------------------------------------------------------------------------------


def first_articles(limit: int, skip: int = 0) -> tuple[list, dict[str, str]]:
    """The articles number ``skip`` to ``skip + limit`` of the scale file, and their gold events."""
    from digest.evaluate.data import iter_gold

    taken: list = []
    gold: dict[str, str] = {}
    seen = 0
    for event in iter_gold(SCALE_FILE):
        for article in event.articles:
            if seen >= skip:
                taken.append(article)
                gold[article.id] = event.id
            seen += 1
            if len(taken) >= limit:
                return taken, gold
    return taken, gold


def write_articles(articles: Sequence, folder: Path) -> list[Path]:
    from digest.evaluate.data import article_markdown, file_name

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for article in articles:
        path = folder / f"{file_name(article.id)}.md"
        path.write_text(article_markdown(article), encoding="utf-8")
        paths.append(path)
    return paths


def prepare(work: Path, n: int) -> tuple[Path, dict[str, str]]:
    """The input folder for N articles (written once) and the gold event of each article."""
    source = work / f"n{n}" / "source"
    marker = work / f"n{n}" / "gold.json"
    if marker.is_file() and source.is_dir():
        gold = json.loads(marker.read_text())
        # An interrupted incremental run can leave its added articles behind: start afresh then.
        if sum(1 for _ in source.iterdir()) == len(gold):
            return source, gold
    shutil.rmtree(source, ignore_errors=True)
    articles, gold = first_articles(n)
    write_articles(articles, source)
    marker.write_text(json.dumps(gold))
    return source, gold


# --- one build in a fresh process -----------------------------------------------------------


def _tree_memory(proc) -> int:
    """Memory of a process and all its children, in bytes.

    Forked workers share the parent's pages, so plain RSS summed over the tree counts them once
    per worker; the proportional set size (PSS) shares them out and sums to the real footprint.
    """
    try:
        procs = [proc, *proc.children(recursive=True)]
    except Exception:  # the process ended between two samples
        return 0
    total = 0
    for p in procs:
        with contextlib.suppress(Exception):  # a worker that just ended
            info = p.memory_full_info()
            total += getattr(info, "pss", info.rss)
    return total


def run_build(source: Path, out: Path, cache: Path, jobs: int, labels: Path | None = None) -> Run:
    """Build in a child process; peak memory (PSS) is sampled over the whole process tree."""
    report = Path(tempfile.mkstemp(suffix=".json")[1])
    cmd = [
        sys.executable, "-m", "bench.scale", "_worker",
        "--source", str(source), "--out", str(out), "--cache", str(cache),
        "--jobs", str(jobs), "--report", str(report),
    ]  # fmt: skip
    if labels is not None:
        cmd += ["--labels", str(labels)]
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    child = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    try:
        import psutil

        handle = psutil.Process(child.pid)
        while child.poll() is None:
            sampled = time.perf_counter()
            peak = max(peak, _tree_memory(handle))
            # Reading PSS walks the page tables of every process: for a build of several GB
            # that took a third of a core at 0.1 s, stolen from the build it measures. Spend
            # at most a tenth of one core on it.
            time.sleep(max(0.1, 10 * (time.perf_counter() - sampled)))
    except ImportError:
        pass
    _, err = child.communicate()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if child.returncode != 0:
        raise SystemExit(f"build failed ({child.returncode}):\n{err.decode()[-3000:]}")
    data = json.loads(report.read_text())
    report.unlink()
    # Counted here, once the clock has stopped: walking 24,000 files is the benchmark's work,
    # not the build's (it was a tenth of a rebuild with no change when the child did it).
    pages = sum(1 for _ in out.rglob("*.html"))
    # Without psutil, fall back to the largest single process the kernel saw.
    peak_mb = peak / 1e6 if peak else data["maxrss_kb"] / 1e3
    return Run(
        wall=wall,
        build_s=data["build_s"],
        cpu_s=cpu,
        peak_mb=peak_mb,
        stages=data["stages"],
        files=data["files"],
        pages=pages,
        events=data["events"],
        articles=data["articles"],
    )


def _worker(args: argparse.Namespace) -> None:
    import resource

    from digest.build import build
    from digest.config import Config

    config = Config(source=args.source, out=args.out, cache=args.cache)
    # Older builds have no jobs option; the benchmark still measures them.
    takes_jobs = "jobs" in inspect.signature(build).parameters
    start = time.perf_counter()
    digest, files = build(config, None, jobs=args.jobs or None) if takes_jobs else build(config)
    build_s = time.perf_counter() - start
    if args.labels:
        labels = {
            a.id: n
            for n, e in enumerate(digest.events)
            for c in e.members
            for a in (c.article, *c.duplicates)
        }
        Path(args.labels).write_text(json.dumps(labels))
    stages: dict[str, float] = {}
    for name, seconds in digest.timings:
        stages[name] = stages.get(name, 0.0) + seconds
    usage = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    Path(args.report).write_text(
        json.dumps(
            {
                "stages": stages,
                "build_s": build_s,
                "files": files,
                "events": len(digest.events),
                "articles": sum(1 + len(c.duplicates) for e in digest.events for c in e.members),
                "maxrss_kb": usage,
            }
        )
    )


# --- quality guard --------------------------------------------------------------------------


def bcubed_f1(labels: Mapping[str, int], gold: Mapping[str, str]) -> float:
    try:
        from digest.evaluate.grouping import bcubed
    except ImportError:
        return _bcubed_f1(labels, gold)
    return bcubed(labels, gold).f1


def _bcubed_f1(labels: Mapping[str, int], gold: Mapping[str, str]) -> float:
    """B-cubed F1 (Bagga and Baldwin 1998); articles missing from ``labels`` stand alone."""
    ids = sorted(gold)
    pred = {i: ("p", labels[i]) if i in labels else ("alone", i) for i in ids}
    by_pred: dict[object, list[str]] = {}
    by_gold: dict[str, list[str]] = {}
    for i in ids:
        by_pred.setdefault(pred[i], []).append(i)
        by_gold.setdefault(gold[i], []).append(i)
    p = r = 0.0
    for i in ids:
        overlap = sum(1 for j in by_pred[pred[i]] if gold[j] == gold[i])
        p += overlap / len(by_pred[pred[i]])
        r += overlap / len(by_gold[gold[i]])
    p, r = p / len(ids), r / len(ids)
    return 2 * p * r / (p + r) if p + r else 0.0


# --- the benchmark --------------------------------------------------------------------------


def measure(
    n: int, runs: int, jobs: int, work: Path, incremental: bool, peers: bool, warm: bool = False
) -> Figures:
    source, gold = prepare(work, n)
    base = work / f"n{n}"
    out, cache, labels = base / "output", base / "cache", base / "labels.json"
    figures = Figures(articles=n, jobs=jobs)
    if warm and not (out.is_dir() and cache.is_dir()):
        raise SystemExit(f"--warm: no built site in {base}; run without --warm first")
    trash = work / ".trash"
    for i in range(0 if warm else runs):
        # Moved aside, not deleted: deleting 24,000 files just before a build makes every file
        # it creates cost several times more kernel time for a minute or so (bench/disk.py).
        set_aside(out, trash)
        set_aside(cache, trash)
        figures.load.append(os.getloadavg()[0])
        run = run_build(source, out, cache, jobs, labels if i == 0 else None)
        figures.runs.append(run)
        _say(f"  cold {i + 1}/{runs}: {_line(run)}")
    if labels.is_file():
        figures.bcubed_f1 = bcubed_f1(json.loads(labels.read_text()), gold)
    if incremental:
        if warm:
            figures.load.append(os.getloadavg()[0])
        for i in range(runs):
            run = run_build(source, out, cache, jobs)
            figures.no_change.append(run)
            _say(f"  no change {i + 1}/{runs}: {_line(run)}")
        extra, _ = first_articles(ADDED, skip=n)
        for i in range(runs):
            paths = write_articles(extra, source)
            try:
                run = run_build(source, out, cache, jobs)
            finally:
                for p in paths:
                    p.unlink()
            figures.added.append(run)
            _say(f"  +{ADDED} articles {i + 1}/{runs}: {_line(run)}")
            run_build(source, out, cache, jobs)  # back to the N-article site, untimed
    if peers:
        from bench.peers import compare

        def render_again() -> tuple[float, int]:
            # The digest comes from the cache; with the site gone, every page is rendered.
            set_aside(out, trash)
            run = run_build(source, out, cache, jobs)
            return run.stages.get("render", 0.0), run.pages

        peers_work = work / f"n{n}" / "peers"
        figures.peers = compare(source, figures.runs, peers_work, runs, render_again, trash)
    return figures


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _line(run: Run) -> str:
    stages = ", ".join(f"{k} {v:.2f}" for k, v in run.stages.items())
    return (
        f"{run.wall:.2f}s ({run.cpu_s:.1f}s CPU), {run.peak_mb:.0f} MB, {run.files} files "
        f"({stages})"
    )


def median_run(runs: Sequence[Run]) -> dict[str, object]:
    names = list(dict.fromkeys(k for r in runs for k in r.stages))
    render = [r.stages.get("render", 0.0) for r in runs]
    return {
        "wall_s": statistics.median(r.wall for r in runs),
        "build_s": statistics.median(r.build_s for r in runs),
        "cpu_s": statistics.median(r.cpu_s for r in runs),
        "peak_mb": statistics.median(r.peak_mb for r in runs),
        "stages_s": {k: statistics.median(r.stages.get(k, 0.0) for r in runs) for k in names},
        "pages": runs[0].pages,
        "files": runs[0].files,
        "events": runs[0].events,
        "render_pages_per_s": runs[0].pages / statistics.median(render) if any(render) else None,
        "pages_per_s": runs[0].pages / statistics.median(r.wall for r in runs),
    }


def summary(figures: Figures) -> dict[str, object]:
    out: dict[str, object] = {
        "articles": figures.articles,
        "jobs": figures.jobs,
        "runs": max(len(figures.runs), len(figures.no_change)),
        "bcubed_f1": figures.bcubed_f1,
        "load_average": statistics.median(figures.load) if figures.load else None,
        "cores": os.cpu_count(),
    }
    if figures.runs:
        out["cold"] = median_run(figures.runs)
    if figures.no_change:
        out["no_change"] = median_run(figures.no_change)
    if figures.added:
        out[f"added_{ADDED}"] = median_run(figures.added)
    if figures.peers:
        out["peers"] = figures.peers
    return out


def format_summary(s: Mapping[str, object]) -> str:
    load = s["load_average"]
    lines = [
        f"N={s['articles']} jobs={s['jobs']} (median of {s['runs']} runs; load average "
        f"{load if load is not None else float('nan'):.1f} on {s['cores']} cores before the "
        "first builds)"
    ]
    cold = s.get("cold")
    if cold:
        lines += [
            f"  cold build: {cold['wall_s']:.2f} s wall ({cold['build_s']:.2f} s in build, "
            f"{cold['cpu_s']:.1f} s CPU), peak memory {cold['peak_mb']:.0f} MB, "
            f"{cold['pages']} pages, {cold['events']} events, {cold['pages_per_s']:.0f} "
            f"pages/s overall, render {cold['render_pages_per_s'] or 0:.0f} pages/s",
            "  stages: " + ", ".join(f"{k} {v:.2f}s" for k, v in cold["stages_s"].items()),
        ]
    if s.get("bcubed_f1") is not None:
        lines.append(f"  grouping B-cubed F1 vs gold: {s['bcubed_f1']:.4f}")
    labels = (("no_change", "rebuild, no change"), (f"added_{ADDED}", f"+{ADDED} articles"))
    for key, label in labels:
        if key in s:
            r = s[key]
            lines.append(
                f"  {label}: {r['wall_s']:.2f} s wall ({r['build_s']:.2f} s in build, "
                f"{r['cpu_s']:.1f} s CPU), peak memory {r['peak_mb']:.0f} MB ("
                + ", ".join(f"{k} {v:.2f}s" for k, v in r["stages_s"].items())
                + ")"
            )
    for name, value in (s.get("peers") or {}).items():
        lines.append(f"  {name}: {value}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["_worker"]:
        p = argparse.ArgumentParser(prog="bench.scale _worker")
        for name in ("--source", "--out", "--cache", "--report", "--labels"):
            p.add_argument(name)
        p.add_argument("--jobs", type=int, default=0)
        _worker(p.parse_args(argv[1:]))
        return 0
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--articles", type=int, nargs="+", default=[1000], help="N values (default: 1000)."
    )
    parser.add_argument("--runs", type=int, default=3, help="Runs per figure; medians are kept.")
    parser.add_argument(
        "--jobs", type=int, default=0, help="Worker processes for the build (0: all cores)."
    )
    parser.add_argument(
        "--work",
        default=str(WORK),
        help="Folder for inputs, outputs and caches (default: TMPDIR/digest-bench).",
    )
    parser.add_argument(
        "--incremental", action="store_true", help="Also time no-change and +100 rebuilds."
    )
    parser.add_argument("--peers", action="store_true", help="Also render with Hugo and Pelican.")
    parser.add_argument(
        "--warm",
        action="store_true",
        help="Skip the cold builds: use the site and cache a previous run left.",
    )
    parser.add_argument("--json", help="Write every figure to this JSON file.")
    args = parser.parse_args(argv)
    if not SCALE_FILE.is_file():
        print(f"skipped: {SCALE_FILE} is absent", file=sys.stderr)
        return 0
    work = Path(args.work)
    results = []
    try:
        for n in args.articles:
            _say(f"N={n}: preparing inputs in {work}")
            figures = measure(
                n, args.runs, args.jobs, work, args.incremental, args.peers, args.warm
            )
            s = summary(figures)
            s["raw"] = asdict(figures)
            results.append(s)
            print(format_summary(s), flush=True)
    finally:
        empty_trash(work / ".trash")  # every site set aside, the peers' too, once all is taken
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
