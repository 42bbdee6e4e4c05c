"""The output folder under real interruptions: builds killed mid-write, a build killed between
the two renames of the fallback swap, and two builds racing for the same folder."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from digest.build import build
from digest.errors import BuildError
from digest.output import _set_aside, exchange, replace_atomically
from tests.conftest import ROOT, config_for

# Runs a build in a child process; hooks make it announce (through marker files) and pause at
# the moment the test wants to interrupt it. argv: src out cache marker mode seconds
CHILD = r"""
import os, signal, sys, time
from pathlib import Path
# Ctrl-C as in a terminal, even when the tests were started from a shell's background job,
# which starts its commands with SIGINT ignored (and Python then keeps it ignored).
signal.signal(signal.SIGINT, signal.default_int_handler)
import digest.output as output
import digest.render as render
from digest.build import build
from digest.config import Config

src, out, cache, marker, mode, seconds = sys.argv[1:7]
seconds = float(seconds)
render_site = render.render_site

def announce(text):
    Path(marker + ".tmp").write_text(text)
    os.replace(marker + ".tmp", marker)

if mode == "after-render":  # every page written, nothing swapped yet
    def slow_render(digest, config, dest, *args, **kwargs):
        count = render_site(digest, config, dest, *args, **kwargs)
        announce(str(dest))
        time.sleep(seconds)
        return count
    render.render_site = slow_render
elif mode == "slow-pages":  # every page write takes a while, so random kills land in them
    write = render._Writer.write
    def slow_write(self, rel, text, *args):
        if self.count == 0:
            announce("writing")
        time.sleep(seconds)
        return write(self, rel, text, *args)
    render._Writer.write = slow_write
elif mode == "between-renames":  # the fallback swap, paused after the old site is set aside
    output.exchange = lambda a, b: False
    replace = os.replace
    def slow_replace(a, b):
        replace(a, b)
        if Path(b).name.endswith(".old.tmp"):
            announce("set aside")
            time.sleep(seconds)
    output.os.replace = slow_replace
build(Config(source=src, out=out, cache=cache, base_dir="."), jobs=1)
announce("done")
"""


def _article(folder: Path, name: str, title: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.md").write_text(
        f"---\ntitle: {title}\nsource: Example News\ndate: 2024-05-0{len(name) % 9 + 1}\n---\n"
        f"{text}\n",
        encoding="utf-8",
    )


@pytest.fixture()
def sources(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "a", tmp_path / "b"
    _article(a, "harbour", "Harbour reopens", "The harbour reopened on Monday after repairs.")
    _article(a, "bridge", "Bridge closes", "The old bridge closed for a month of maintenance.")
    for i in range(12):
        _article(b, f"story{i}", f"Story {i} title", f"Story number {i} happened in town {i}.")
    return a, b


def _snapshot(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


def _build(src: Path, out: Path, tmp: Path) -> dict[str, bytes]:
    build(config_for(src, out, cache=str(tmp / "cache")), jobs=1)
    return _snapshot(out)


def _start(src: Path, out: Path, tmp: Path, mode: str, seconds: float) -> tuple:
    marker = tmp / f"marker-{time.monotonic_ns()}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [str(src), str(out), str(tmp / "child-cache"), str(marker), mode, str(seconds)]
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    return child, marker


def _wait_for(marker: Path, child: subprocess.Popen, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if marker.exists():
            return marker.read_text()
        if child.poll() is not None:
            raise AssertionError(f"child ended early: {child.communicate()[1].decode()[-2000:]}")
        time.sleep(0.02)
    child.kill()
    raise AssertionError("child never reached the pause")


def _leftovers(out: Path) -> list[Path]:
    return sorted(out.parent.glob(f".{out.name}.*.tmp"))


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_killed_build_leaves_previous_site_intact(sources, tmp_path: Path, sig: int):
    a, b = sources
    out = tmp_path / "site"
    before = _build(a, out, tmp_path)
    child, marker = _start(b, out, tmp_path, "after-render", 60)
    staging = Path(_wait_for(marker, child))
    assert staging.is_dir() and (staging / "index.html").is_file()
    child.send_signal(sig)
    child.wait(timeout=60)
    assert child.returncode != 0
    assert _snapshot(out) == before
    if sig == signal.SIGINT:
        assert not staging.exists(), "an interrupted build removes its staging folder"
    # The next build clears what a killed one left behind and writes the new site.
    after = _build(b, out, tmp_path)
    assert after != before and "index.html" in after
    assert _leftovers(out) == []


def test_killed_between_renames_the_old_site_is_put_back(sources, tmp_path: Path):
    a, b = sources
    out = tmp_path / "site"
    before = _build(a, out, tmp_path)
    child, marker = _start(b, out, tmp_path, "between-renames", 60)
    assert _wait_for(marker, child) == "set aside"
    child.kill()
    child.wait(timeout=60)
    assert not out.exists() and _set_aside(out).is_dir()  # the window the fallback has

    def fail(dest: Path) -> int:
        raise RuntimeError("render failed")

    # The next build, even one that fails, first puts the old site back where it was.
    with pytest.raises(RuntimeError):
        replace_atomically(out, fail)
    assert _snapshot(out) == before
    assert _leftovers(out) == []


def test_swap_is_one_step_on_linux(tmp_path: Path):
    if not sys.platform.startswith("linux"):
        pytest.skip("renameat2 is Linux only")
    x, y = tmp_path / "x", tmp_path / "y"
    x.mkdir()
    y.mkdir()
    (x / "new").write_text("n")
    (y / "old").write_text("o")
    assert exchange(x, y)
    assert [p.name for p in y.iterdir()] == ["new"] and [p.name for p in x.iterdir()] == ["old"]


def test_kills_at_random_points_leave_a_whole_site(sources, tmp_path: Path):
    a, b = sources
    out = tmp_path / "site"
    reference = _build(b, tmp_path / "reference", tmp_path)
    before = _build(a, out, tmp_path)
    rng = random.Random(8)
    pages = len(reference)
    for _ in range(3):
        child, marker = _start(b, out, tmp_path, "slow-pages", 0.01)
        _wait_for(marker, child)
        time.sleep(rng.uniform(0, pages * 0.012 + 0.1))  # within the writes or just after
        child.kill()
        child.wait(timeout=60)
        now = _snapshot(out)
        assert now in (before, reference), "a kill left a mixed or partial site"
        if now == reference:
            before = reference
    assert _build(b, out, tmp_path) == reference


def test_concurrent_build_is_refused_with_a_clear_message(sources, tmp_path: Path):
    from click.testing import CliRunner

    from digest.cli import cli

    a, b = sources
    out = tmp_path / "site"
    before = _build(a, out, tmp_path)
    child, marker = _start(b, out, tmp_path, "after-render", 60)
    try:
        _wait_for(marker, child)
        # Source b: a build whose site is already in place (a) would have nothing to write.
        with pytest.raises(BuildError, match="another build is writing to"):
            build(config_for(b, out, cache=str(tmp_path / "cache")), jobs=1)
        config = tmp_path / "digest.yaml"
        config.write_text(f"source: {b}\nout: {out}\ncache: cache\n", encoding="utf-8")
        result = CliRunner().invoke(cli, ["build", "--config", str(config), "-q"])
        assert result.exit_code == 1
        assert "another build is writing to" in result.output
        assert "Traceback" not in result.output
        assert _snapshot(out) == before
    finally:
        child.kill()
        child.wait(timeout=60)
    # The kernel drops the lock of a killed process: building works again at once.
    assert _build(b, out, tmp_path) != before
