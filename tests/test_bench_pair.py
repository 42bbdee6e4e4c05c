"""The paired benchmark: turns alternate which tree goes first, ratios pair chunks timed side
by side, and two copies of one tree make the same events."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.pair import chunk_ratios, compare, turns

ROOT = Path(__file__).resolve().parent.parent


def test_turns_visit_every_chunk_each_pass_and_alternate_who_goes_first():
    got = turns(chunks=3, passes=2)
    assert [c for c, _ in got] == [0, 1, 2, 0, 1, 2]
    assert [first for _, first in got] == [True, False, True, False, True, False]


def test_chunk_ratios_are_paired_and_skip_chunks_without_time():
    median, low, high = chunk_ratios([2.0, 3.0, 0.0, 4.0], [1.0, 3.0, 1.0, 2.0])
    assert (median, low, high) == (2.0, 1.0, 2.0)
    with pytest.raises(ValueError, match="no chunk"):
        chunk_ratios([0.0], [1.0])
    with pytest.raises(ValueError):
        chunk_ratios([1.0, 2.0], [1.0])  # unpaired chunks are a mistake, not a shorter list


def test_one_tree_against_itself_makes_the_same_events(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(ROOT / "seeds", source)
    r = compare(ROOT, ROOT, source, tmp_path, passes=2, chunk=1)
    assert r["events"] == 3  # the seeds' three events
    assert r["same_groups"] and r["same_events"]
    assert r["old_cpu_s"] > 0 and r["new_cpu_s"] > 0
    low, high = r["ratio_range"]
    assert low <= r["ratio"] <= high
