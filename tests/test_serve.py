"""`digest serve`: the server adds the reload script, streams rebuilds, and the watcher rebuilds."""

from __future__ import annotations

import dataclasses
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest.build import build
from digest.cli import cli
from digest.config import Config, SiteConfig, load_config
from digest.serve import (
    EVENTS_PATH,
    RELOAD_PATH,
    Reloader,
    Watcher,
    build_writes,
    make_server,
    snapshot,
    start,
    watched_paths,
)
from tests.conftest import config_for


def _config(tmp_path: Path, out: Path | None = None, cache: Path | None = None) -> Config:
    """A folder of one article and a config for it: output and cache beside it by default."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.md").write_text("---\ntitle: First headline\n---\nA story.\n", encoding="utf-8")
    return dataclasses.replace(
        config_for(src, out or tmp_path / "out", cache=str(cache or tmp_path / "cache")),
        site=SiteConfig(search=False),
    )


def _project(tmp_path: Path):
    config = _config(tmp_path)
    build(config)
    return Path(config.source), config


def _get(url: str) -> tuple[str, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.headers["Content-Type"], response.read().decode("utf-8")


def _serving(root: Path, reloader: Reloader | None):
    server = make_server(root, 0, reloader)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def test_live_server_adds_reload_script_and_streams_generations(tmp_path: Path):
    _src, config = _project(tmp_path)
    out = config.path(config.out)
    reloader = Reloader()
    server, base = _serving(out, reloader)
    try:
        kind, html = _get(f"{base}/index.html")
        assert kind.startswith("text/html")
        assert f'<script src="{RELOAD_PATH}"></script>' in html
        assert f'<script src="{RELOAD_PATH}"></script>' not in (out / "index.html").read_text()
        kind, script = _get(base + RELOAD_PATH)
        assert "javascript" in kind and "EventSource" in script
        _, root_page = _get(f"{base}/")
        assert RELOAD_PATH in root_page
        with urllib.request.urlopen(base + EVENTS_PATH, timeout=5) as stream:
            assert stream.readline().decode().strip() == "data: 0"
            stream.readline()
            reloader.bump()
            line = stream.readline().decode().strip()
            while line.startswith(":") or not line:
                line = stream.readline().decode().strip()
            assert line == "data: 1"
    finally:
        server.shutdown()
        server.server_close()


def test_plain_server_serves_files_untouched(tmp_path: Path):
    _src, config = _project(tmp_path)
    out = config.path(config.out)
    server, base = _serving(out, None)
    try:
        _, html = _get(f"{base}/index.html")
        assert html == (out / "index.html").read_text(encoding="utf-8")
    finally:
        server.shutdown()
        server.server_close()


def test_watcher_rebuilds_on_change_and_bumps_generation(tmp_path: Path):
    src, config = _project(tmp_path)
    reloader = Reloader()
    messages: list[str] = []
    watcher = Watcher(
        watched_paths(config, None), lambda: build(config), reloader, messages.append, 0.05
    )
    watcher.start()
    try:
        time.sleep(0.1)
        (src / "b.md").write_text("---\ntitle: Second headline\n---\nNews.\n", encoding="utf-8")
        assert reloader.wait(0, timeout=20) == 1, messages
        # However the grouping places it, the new article has its page in the rebuilt site.
        page = config.path(config.out) / "articles" / "b.html"
        assert "Second headline" in page.read_text(encoding="utf-8")
    finally:
        watcher.stop.set()
        watcher.join(timeout=5)


def test_failed_rebuild_keeps_serving_and_reports(tmp_path: Path):
    src, config = _project(tmp_path)
    reloader = Reloader()
    messages: list[str] = []

    def broken() -> None:
        raise RuntimeError("template exploded")

    watcher = Watcher([src], broken, reloader, messages.append, 0.05)
    watcher.start()
    try:
        (src / "c.md").write_text("---\ntitle: Third\n---\nText.\n", encoding="utf-8")
        deadline = time.time() + 10
        while not any("template exploded" in m for m in messages) and time.time() < deadline:
            time.sleep(0.05)
        assert any("still serving the previous build" in m for m in messages)
        assert reloader.generation == 0
    finally:
        watcher.stop.set()
        watcher.join(timeout=5)


def test_snapshot_sees_theme_and_config_files(tmp_path: Path):
    src, config = _project(tmp_path)
    config_file = tmp_path / "digest.yaml"
    config_file.write_text("site:\n  title: x\n", encoding="utf-8")
    paths = watched_paths(config, config_file)
    assert config_file in paths and src in paths
    before = snapshot(paths)
    config_file.write_text("site:\n  title: changed title\n", encoding="utf-8")
    assert snapshot(paths) != before


def test_busy_port_is_a_one_line_error(tmp_path: Path):
    import socket

    src, _config = _project(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            cli, ["serve", "--port", str(port), "--source", str(src), "--out", str(tmp_path / "o")]
        )
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: cannot serve on port {port}")
    assert "Traceback" not in result.output


@pytest.mark.parametrize("port", ["70000", "-1"])
def test_port_out_of_range_is_a_one_line_error(port: str):
    result = CliRunner().invoke(cli, ["serve", "--port", port])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)  # click's usage error, not a traceback
    assert f"{port} is not in the range 0<=x<=65535" in result.stderr


def test_what_the_build_writes_inside_the_source_folder_is_not_watched(tmp_path: Path):
    src = tmp_path / "src"
    config = _config(tmp_path, out=src / "site", cache=src / ".digest-cache")
    skip = build_writes(config)
    before = snapshot(watched_paths(config, None), skip)
    build(config)
    (src / ".site.lock").touch()  # the lock and a staging folder a killed build left
    (src / ".site.abcd.tmp").mkdir()
    (src / ".site.abcd.tmp" / "index.html").touch()
    assert snapshot(watched_paths(config, None), skip) == before

    reloader = Reloader()
    messages: list[str] = []
    watcher = Watcher(
        watched_paths(config, None), lambda: build(config), reloader, messages.append, 0.05, skip
    )
    watcher.start()
    try:
        (src / "b.md").write_text("---\ntitle: Second headline\n---\nNews.\n", encoding="utf-8")
        assert reloader.wait(0, timeout=20) == 1, messages
        time.sleep(1.0)  # twenty polls: the site the rebuild wrote must not start another
        assert reloader.generation == 1, messages
    finally:
        watcher.stop.set()
        watcher.join(timeout=5)


def test_server_follows_an_out_changed_in_the_config(tmp_path: Path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.md").write_text("---\ntitle: First headline\n---\nA story.\n", encoding="utf-8")
    config_file = tmp_path / "digest.yaml"
    settings = "source: src\ncache: cache\nsite:\n  search: false\n  title: {title}\nout: {out}\n"
    config_file.write_text(settings.format(title="Old title", out="out1"), encoding="utf-8")
    messages: list[str] = []
    server, watcher = start(lambda: load_config(config_file), config_file, 0, messages.append)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        assert "Old title" in _get(f"{base}/index.html")[1]
        config_file.write_text(settings.format(title="New title", out="out2"), encoding="utf-8")
        assert watcher.reloader.wait(0, timeout=30) == 1, messages
        assert server.root == (tmp_path / "out2").resolve()
        assert "New title" in _get(f"{base}/index.html")[1]
        assert f"serving {server.root} now" in messages
    finally:
        watcher.stop.set()
        watcher.join(timeout=5)
        server.shutdown()
        server.server_close()
