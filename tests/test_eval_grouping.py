"""Grouping evaluation: B-cubed, and the eval command on a small gold file of our own."""

from __future__ import annotations

import json
from contextlib import chdir
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest.cli import cli
from digest.evaluate.data import load_gold
from digest.evaluate.dedupe import make_copies
from digest.evaluate.grouping import bcubed
from tests.conftest import EVAL_DIR
from tests.test_cluster import BUDGET, BUDGET_2, QUAKE, QUAKE_2
from tests.test_dedupe import OTHER, STORY


def test_bcubed_perfect_and_merged():
    gold = {"a": "x", "b": "x", "c": "y"}
    assert bcubed({"a": 0, "b": 0, "c": 1}, gold).f1 == 1.0
    merged = bcubed({"a": 0, "b": 0, "c": 0}, gold)
    assert merged.recall == 1.0 and abs(merged.precision - 5 / 9) < 1e-9


def test_bcubed_missing_articles_stand_alone():
    score = bcubed({"a": 0}, {"a": "x", "b": "x"})
    assert score.precision == 1.0 and score.recall == 0.5


def _gold_file(tmp_path: Path) -> Path:
    def art(i, title, text, votes=0):
        return {
            "id": i,
            "title": title,
            "text": text,
            "url": None,
            "source": None,
            "date": None,
            "mnplus_irrelevant_votes": votes,
        }

    lines = [
        {"event_id": "quake", "summary": None, "date": None, "articles": [
            art("q1", "Earthquake kills 150 in Nepal", QUAKE),
            art("q2", "Nepal quake toll rises", QUAKE_2),
            art("n1", None, "When you tweet with a location, Twitter stores that location.", 5),
        ]},
        {"event_id": "budget", "summary": None, "date": None, "articles": [
            art("b1", "Portugal passes budget", BUDGET),
            art("b2", "Lisbon budget approved", BUDGET_2),
        ]},
    ]  # fmt: skip
    path = tmp_path / "tiny.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return path


def test_eval_command_scores_grouping_noise_and_baseline(tmp_path: Path):
    result = CliRunner().invoke(cli, ["eval", str(_gold_file(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "tiny.jsonl: P 1.000 R 1.000 F1 1.000, 2 events (gold 2)" in result.output
    assert "baseline" in result.output
    assert "rejected 1 of 1 noise pages; 0 of 4 real articles rejected" in result.output


def test_eval_command_scores_the_settings_of_a_config_file(tmp_path: Path):
    gold = _gold_file(tmp_path)
    strict = tmp_path / "strict.yaml"
    # Nothing groups at a threshold of 1.0; the source folder named here is not read.
    strict.write_text("source: no-such-folder\ngrouping:\n  threshold: 1.0\n", encoding="utf-8")
    (tmp_path / "digest.yaml").write_text("grouping:\n  threshold: 1.0\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["eval", "--no-baseline", "--config", str(strict), str(gold)])
    assert result.exit_code == 0, result.output
    assert "4 events (gold 2)" in result.output
    # Without --config the defaults are scored, whatever digest.yaml the folder holds.
    with chdir(tmp_path):
        result = CliRunner().invoke(cli, ["eval", "--no-baseline", str(gold)])
    assert "F1 1.000, 2 events (gold 2)" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("grouping:\n  threshold: 2\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["eval", "--config", str(bad), str(gold)])
    assert result.exit_code == 1 and "grouping.threshold" in result.output


def test_generated_copies_are_seeded(tmp_path: Path):
    events = load_gold(_gold_file(tmp_path))
    one, origin = make_copies(events, seed=1, share=1.0, min_words=10)
    two, _ = make_copies(events, seed=1, share=1.0, min_words=10)
    assert one == two
    assert any(k != v for k, v in origin.items())


def test_eval_command_measures_dedupe(tmp_path: Path):
    def event(name, text):
        article = {"id": name, "title": name, "text": text, "url": None, "source": None}
        return json.dumps({"event_id": name, "summary": None, "date": None, "articles": [article]})

    path = tmp_path / "long.jsonl"
    path.write_text(event("ecb", STORY) + "\n" + event("japan", OTHER) + "\n", encoding="utf-8")
    # Seed 4 republishes both stories (each story is copied with probability 0.3).
    result = CliRunner().invoke(cli, ["eval", "--task", "dedupe", "--seed", "4", str(path)])
    assert result.exit_code == 0, result.output
    line = result.output.splitlines()[0]
    assert "precision 1.000, recall 1.000" in line and "0 of 0 true" not in line


@pytest.mark.skipif(not EVAL_DIR.is_dir(), reason="evaluation data (../shared/eval) not present")
def test_eval_on_a_slice_of_basil(tmp_path: Path):
    src = EVAL_DIR / "basil.dev.jsonl"
    head = src.read_text(encoding="utf-8").splitlines()[:6]
    path = tmp_path / "basil-slice.jsonl"
    path.write_text("\n".join(head) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["eval", "--no-baseline", str(path)])
    assert result.exit_code == 0, result.output
    f1 = float(result.output.split("F1 ")[1].split(",")[0])
    assert f1 >= 0.9


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ('{"event_id": "x", "articles": [{"id": "a"}]}\nnot json\n', "gold.jsonl:2: not a gold"),
        ("", "gold.jsonl: no events"),
        ('{"event_id": "x"}\n', "gold.jsonl:1: not an event of the gold format: it needs a list"),
        ("[1, 2]\n", "gold.jsonl:1: not an event of the gold format: it needs an 'event_id'"),
    ],
)
@pytest.mark.parametrize("task", ["grouping", "dedupe", "summaries", "keywords"])
def test_a_malformed_gold_file_is_one_error_line(tmp_path: Path, content, error, task):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(content)
    with chdir(tmp_path):
        result = CliRunner().invoke(cli, ["eval", "--task", task, "gold.jsonl"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {error}") and result.stderr.count("\n") == 1
    assert result.stdout == ""  # no figure before the error


def test_a_gold_file_too_small_for_the_baseline_is_scored_without_it(tmp_path: Path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"event_id": "x", "articles": [{"id": "a", "text": STORY}]}))
    result = CliRunner().invoke(cli, ["eval", str(gold)])
    assert result.exit_code == 0, result.output
    assert "| gold.jsonl | 1 | 1 | 1 | 1.000 | 1.000 | 1.000 |" in result.stdout
    assert "| - | - | - | - | - |" in result.stdout
