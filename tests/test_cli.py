"""The command line: every command documents itself, and errors are one line, not a traceback."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from digest.cli import cli
from tests.conftest import SEEDS


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


def test_every_command_has_help():
    runner = CliRunner()
    for path, command in _commands(cli):
        assert command.help, f"command {' '.join(path)} has no help text"
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"option {param.name} of {' '.join(path)} has no help"


def test_build_reports_to_stderr(tmp_path: Path):
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(cli, ["build", "--source", str(SEEDS), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "events" in result.stderr and "rejected" in result.stderr
    assert (out / "index.html").is_file()


def test_build_warns_per_file_and_only_about_what_it_ignored(tmp_path: Path):
    source = tmp_path / "src"
    source.mkdir()
    text = "The new bridge over the river opened to traffic on Monday, the council said."
    # A front-matter key of its own named "warnings" is the author's, not a build warning.
    (source / "bridge.md").write_text(
        f"---\ntitle: Bridge\ntitle: Bridge opens\nwarnings: none\ndate: June 5\n---\n\n{text}\n"
    )
    (source / "copy.md").write_text(f"---\ntitle: Bridge opens\ndate: May\n---\n\n{text}\n")
    result = CliRunner().invoke(
        cli, ["build", "--source", str(source), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    warned = [line for line in result.stderr.splitlines() if line.startswith("warning ")]
    assert warned == [
        "warning bridge.md: front matter sets 'title' 2 times; the last value is used",
        "warning bridge.md: date 'June 5' is not an ISO 8601 date; ignored",
        # The second file is a duplicate of the first, and its warning is reported all the same.
        "warning copy.md: date 'May' is not an ISO 8601 date; ignored",
    ]


def test_missing_source_exits_non_zero_with_one_line(tmp_path: Path):
    runner = CliRunner()
    result = runner.invoke(cli, ["build", "--source", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: source folder")
    assert "Traceback" not in result.output


def test_invalid_config_exits_non_zero_without_touching_output(tmp_path: Path):
    config = tmp_path / "digest.yaml"
    config.write_text("unknown: 1\n", encoding="utf-8")
    out = tmp_path / "out"
    runner = CliRunner()
    result = runner.invoke(cli, ["build", "--config", str(config), "--out", str(out)])
    assert result.exit_code == 1
    assert "unknown key 'unknown'" in result.stderr
    assert not out.exists()


def _check(tmp_path: Path, source: Path) -> click.testing.Result:
    config = tmp_path / "digest.yaml"
    config.write_text(f"source: {source}\ncache: {tmp_path / 'cache'}\n", encoding="utf-8")
    return CliRunner().invoke(cli, ["check", "--config", str(config), "--jobs", "1", "-q"])


def test_check_passes_the_seeds_summaries(tmp_path: Path):
    result = _check(tmp_path, SEEDS)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1].startswith("3 events, ")
    assert "0 summaries break a rule (0 problems)" in result.stdout
    assert not (tmp_path / "output").exists()  # it writes no site


def test_check_lists_a_summary_that_says_what_no_source_said(tmp_path: Path, monkeypatch):
    import digest.build
    from digest.model import SummarySentence

    real = digest.build._make_event

    def invent(group, config):
        event = real(group, config)
        # A sentence no article holds, cited to a real article of the event.
        made = SummarySentence("NATO announced it will deploy troops.", event.summary[0].sources)
        return type(event)(event.id, event.headline, event.members, event.keywords, (made,))

    monkeypatch.setattr(digest.build, "_make_event", invent)
    result = _check(tmp_path, SEEDS)
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert sum("not a span of its sources: 'NATO announced it will deploy" in x for x in lines) == 3
    assert lines[-1].startswith("3 events, 3 summary sentences: 3 summaries break a rule")


def test_check_reports_a_missing_source_in_one_line(tmp_path: Path):
    result = _check(tmp_path, tmp_path / "nope")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: source folder")


def test_check_reports_progress_unless_quiet(tmp_path: Path):
    config = tmp_path / "digest.yaml"
    config.write_text(f"source: {SEEDS}\ncache: {tmp_path / 'cache'}\n", encoding="utf-8")
    loud = CliRunner().invoke(cli, ["check", "--config", str(config), "--jobs", "1"])
    assert loud.exit_code == 0 and "3 events" in loud.stderr
    quiet = CliRunner().invoke(cli, ["check", "--config", str(config), "--jobs", "1", "--quiet"])
    assert quiet.exit_code == 0 and quiet.stderr == ""


@pytest.mark.parametrize("epoch", ["abc", "²", "١٧٠٠٠٠٠٠٠٠"])  # isdigit() takes the last two
def test_a_malformed_source_date_epoch_is_one_error_line(tmp_path: Path, epoch: str):
    import os
    import subprocess
    import sys

    env = {**os.environ, "SOURCE_DATE_EPOCH": epoch}
    args = [sys.executable, "-m", "digest", "build", "--source", str(SEEDS)]
    done = subprocess.run(
        [*args, "--out", str(tmp_path / "out")], capture_output=True, text=True, env=env
    )
    assert done.returncode == 1
    assert done.stderr == (
        f"error: SOURCE_DATE_EPOCH must be a whole number of seconds, got {epoch!r}\n"
    )
    assert not (tmp_path / "out").exists()
