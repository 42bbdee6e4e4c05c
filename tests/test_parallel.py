"""Parallel stages: results in input order, and the same site whatever the number of jobs."""

from __future__ import annotations

import filecmp
import multiprocessing
import os
import sys
import time
from pathlib import Path

import pytest

from digest import parallel
from digest.build import build
from digest.config import SiteConfig
from digest.parallel import (
    MIN_PARALLEL_ITEMS,
    beside,
    in_background,
    in_child,
    map_ordered,
    map_shared,
    spare_core,
    worker_count,
)
from tests.conftest import config_for

TOPICS = [
    ("Harbor", "port workers", "strike", "Rotterdam"),
    ("Volcano", "residents", "eruption", "Iceland"),
    ("Council", "city budget", "vote", "Lyon"),
    ("Railway", "commuters", "delays", "Milan"),
    ("Museum", "curators", "exhibition", "Madrid"),
    ("Drought", "farmers", "water limits", "Andalusia"),
    ("Election", "voters", "recount", "Tallinn"),
    ("Bridge", "engineers", "closure", "Porto"),
    ("Festival", "musicians", "cancellation", "Salzburg"),
    ("Airline", "pilots", "walkout", "Dublin"),
    ("Storm", "fishermen", "warning", "Bergen"),
    ("Hospital", "nurses", "shortage", "Gdansk"),
    ("Satellite", "scientists", "launch", "Kourou"),
    ("Bank", "savers", "rate cut", "Frankfurt"),
    ("Wildfire", "firefighters", "evacuation", "Attica"),
    ("Stadium", "fans", "renovation", "Turin"),
]
OUTLETS = ["Daily Ledger", "Morning Post", "Evening Star", "City Times", "Wire Service"]


def article(topic: tuple[str, str, str, str], outlet: int, day: int) -> str:
    name, who, what, place = topic
    o = OUTLETS[outlet]
    return (
        f"---\ntitle: {name} {what} in {place} reported by {o}\nsource: {o}\n"
        f"date: 2024-03-{day:02d}\n---\n\n"
        f"The {what} in {place} affected {who} across the region on Tuesday morning.\n\n"
        f"Officials in {place} said the {name.lower()} {what} would be reviewed by a panel "
        f"within two weeks, according to a statement from {o}.\n\n"
        f"Local {who} told reporters that the {what} had been expected for several months "
        f"and that {place} needed a longer plan for the {name.lower()}.\n"
    )


def topics(n: int) -> list[tuple[str, str, str, str]]:
    """``n`` distinct events: each base topic in several places."""
    places = [t[3] for t in TOPICS]
    out = []
    for i in range(n):
        name, who, what, _ = TOPICS[i % len(TOPICS)]
        out.append((name, who, what, places[(i * 7 + i // len(TOPICS)) % len(places)]))
    return list(dict.fromkeys(out))


def write_corpus(folder: Path, n_events: int = len(TOPICS), n_outlets: int = 2) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for t, topic in enumerate(topics(n_events)):
        for o in range(n_outlets):
            text = article(topic, o, 1 + t % 28)
            name = f"{topic[0]}-{topic[3]}-{o}".lower()
            (folder / f"{name}.md").write_text(text, encoding="utf-8")


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def assert_same_site(a: Path, b: Path) -> None:
    files = tree(a)
    assert files == tree(b)
    _, mismatch, errors = filecmp.cmpfiles(a, b, files, shallow=False)
    assert mismatch == [] and errors == []


def _square(x: int) -> int:
    return x * x


def test_map_ordered_keeps_input_order_across_workers() -> None:
    items = list(range(MIN_PARALLEL_ITEMS * 3, 0, -1))
    assert map_ordered(_square, items, jobs=2) == [x * x for x in items]
    assert map_ordered(_square, items, jobs=1) == [x * x for x in items]
    assert map_ordered(_square, [], jobs=2) == []


def _frozen(_item: object) -> tuple[int, int]:
    import gc

    return os.getpid(), gc.get_freeze_count()


@pytest.mark.skipif(sys.platform != "linux", reason="inherited objects only where processes fork")
def test_workers_keep_inherited_objects_out_of_the_collector() -> None:
    """Workers and children freeze what they inherit: full collections then skip it, and do
    not copy the parent's memory pages by writing to its objects' collector headers."""
    import gc

    in_parent = gc.get_freeze_count()
    done = map_ordered(_frozen, list(range(MIN_PARALLEL_ITEMS * 2)), jobs=2)
    in_workers = [count for pid, count in done if pid != os.getpid()]
    assert in_workers and all(count > in_parent for count in in_workers)
    pid, count = in_child(_frozen, None)
    assert pid != os.getpid() and count > in_parent
    assert gc.get_freeze_count() == in_parent  # the parent's own collector is left alone


def _lookup(table: dict[int, str], key: int) -> tuple[str, int]:
    return table[key], os.getpid()


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_map_shared_gives_every_worker_the_shared_value(
    start: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Spawned workers (every platform but Linux) unpickle the shared value once, at start.
    monkeypatch.setattr(parallel, "_context", lambda: multiprocessing.get_context(start))
    table = {i: f"value {i}" for i in range(MIN_PARALLEL_ITEMS * 3)}
    keys = sorted(table, reverse=True)
    done = map_shared(_lookup, table, keys, jobs=2)
    assert [value for value, _ in done] == [table[k] for k in keys]
    assert len({pid for _, pid in done}) > 1  # really spread over processes
    assert [v for v, _ in map_shared(_lookup, table, keys, jobs=1)] == [table[k] for k in keys]
    assert map_shared(_lookup, table, [], jobs=2) == []


def test_results_stay_in_order_across_successive_pools(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "POOL_ITEMS", 50)  # 4 pools for 199 items
    table = {i: f"value {i}" for i in range(200)}
    keys = list(table)
    done = map_shared(_lookup, table, keys, jobs=2)
    assert [value for value, _ in done] == [table[k] for k in keys]
    assert len({pid for _, pid in done}) > 3  # the parent, and new workers for each pool
    assert map_ordered(_square, keys, jobs=2) == [k * k for k in keys]


def _pid_and_sum(numbers: list[int]) -> tuple[int, int]:
    if not numbers:
        raise ValueError("nothing to add")
    return os.getpid(), sum(numbers)


def test_in_child_returns_the_result_and_raises_the_error() -> None:
    pid, total = in_child(_pid_and_sum, list(range(10)))
    assert total == 45
    assert (pid != os.getpid()) == (sys.platform == "linux")  # a forked child where it forks
    with pytest.raises(ValueError, match="nothing to add"):
        in_child(_pid_and_sum, [])


@pytest.mark.skipif(sys.platform != "linux", reason="a forked child only where processes fork")
def test_in_child_reports_a_child_that_died_without_a_result() -> None:
    with pytest.raises(RuntimeError, match="exit code 3"):
        in_child(os._exit, 3)


def test_in_background_runs_beside_the_caller() -> None:
    with in_background(_pid_and_sum, list(range(10))) as result:
        here = sum(range(5))  # the caller's own work, meanwhile
        pid, total = result()
        assert result() == (pid, total)  # asked again: the same answer, the child long gone
    assert (here, total) == (10, 45)
    assert (pid != os.getpid()) == (sys.platform == "linux")
    with pytest.raises(ValueError, match="nothing to add"), in_background(_pid_and_sum, []) as f:
        f()


def test_a_child_takes_part_of_a_stage_only_with_a_spare_core_and_a_large_input() -> None:
    assert spare_core(2, 2000, 2000) and spare_core(None, 5000, 2000) == (worker_count(None) > 1)
    assert not spare_core(1, 10**6, 2000)
    assert not spare_core(2, 1999, 2000)


@pytest.mark.parametrize(("jobs", "size"), [(2, 10), (2, 1), (1, 10)])
def test_beside_gives_the_same_result_in_a_child_or_here(jobs: int, size: int) -> None:
    with beside(_pid_and_sum, list(range(10)), jobs, size, 5) as result:
        pid, total = result()
    assert total == 45
    in_a_child = spare_core(jobs, size, 5) and sys.platform == "linux"
    assert (pid != os.getpid()) == in_a_child
    with (
        pytest.raises(ValueError, match="nothing to add"),
        beside(_pid_and_sum, [], jobs, size, 5) as f,
    ):
        f()


@pytest.mark.skipif(sys.platform != "linux", reason="a forked child only where processes fork")
def test_in_background_kills_a_child_whose_result_is_not_taken(tmp_path: Path) -> None:
    marker = tmp_path / "finished"
    with pytest.raises(KeyError), in_background(_sleep_then_touch, (2.0, str(marker))):
        raise KeyError("the caller failed first")
    time.sleep(2.5)
    assert not marker.exists()


def _sleep_then_touch(job: tuple[float, str]) -> None:
    time.sleep(job[0])
    Path(job[1]).touch()


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or not os.confstr("CS_GNU_LIBC_VERSION"),
    reason="malloc_trim is glibc's",
)
def test_release_free_memory_hands_freed_memory_back() -> None:
    def resident_mb() -> float:
        lines = Path("/proc/self/status").read_text().splitlines()
        return int(next(ln for ln in lines if ln.startswith("VmRSS")).split()[1]) / 1024

    # Strings of 4 KB go to malloc, not to Python's small-object arenas. Keeping every tenth
    # leaves the other nine as holes that malloc does not give back on its own, as a build's
    # long-lived objects do among its freed ones.
    strings = [("x" * 4000) + str(i) for i in range(50_000)]
    kept = strings[::10]
    del strings
    before = resident_mb()
    parallel.release_free_memory()
    assert before - resident_mb() > 100  # of the 180 MB freed
    assert len(kept) == 5000


def test_worker_count() -> None:
    assert worker_count(3) == 3
    assert worker_count(None) >= 1
    assert worker_count(0) == worker_count(None)


def test_map_ordered_raises_worker_errors() -> None:
    with pytest.raises(ZeroDivisionError):
        map_ordered(_invert, list(range(MIN_PARALLEL_ITEMS + 1)), jobs=2)


def _invert(x: int) -> float:
    return 1 / x


def test_site_is_byte_identical_for_one_and_two_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A small corpus, with the pool used even for a handful of items.
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 2)
    # Pools are counted in a file: the render stage starts its pool in a child process.
    log = tmp_path / "pools.log"
    real = parallel.ProcessPoolExecutor

    def spy(*args, **kwargs):
        with log.open("a") as fh:
            fh.write(f"{kwargs['max_workers']}\n")
        return real(*args, **kwargs)

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", spy)
    source = tmp_path / "src"
    write_corpus(source)
    sites = []
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        config = config_for(
            source, out, cache=str(tmp_path / f"cache{jobs}"), site=SiteConfig(search=False)
        )
        digest, _ = build(config, jobs=jobs)
        assert len(digest.events) >= len(TOPICS)
        sites.append(out)
    # Clean, summarize and render ran on two workers with --jobs 2, and on none with --jobs 1.
    used = [int(n) for n in log.read_text().split()]
    assert used.count(2) >= 3
    assert set(used) == {2}
    assert_same_site(*sites)


def test_no_progress_bar_when_stderr_is_not_a_terminal(capsys: pytest.CaptureFixture) -> None:
    items = list(range(MIN_PARALLEL_ITEMS * 2))
    assert map_ordered(_square, items, jobs=1, label="work", show_progress=True)[-1] == 127**2
    assert capsys.readouterr().err == ""
