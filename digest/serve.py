"""``digest serve``: build, serve the output folder on localhost, rebuild and reload on changes.

A polling watcher (no extra dependency) looks at the source folder, the config file and the
theme folders twice a second. A change triggers a full build; when it succeeds, open pages are
told over a server-sent-events stream to reload. The reload script is added to HTML responses
as they are served, never written into the site, so the built files stay the same as
``digest build`` makes them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from digest.config import Config
from digest.errors import DigestError
from digest.theme import theme_dirs

RELOAD_PATH = "/__digest__/reload.js"
EVENTS_PATH = "/__digest__/events"
RELOAD_JS = b"""// Added by `digest serve`: reload the page after each successful rebuild.
(() => {
  const source = new EventSource("/__digest__/events");
  let first = null;
  source.onmessage = (event) => {
    if (first === null) first = event.data;
    else if (event.data !== first) window.location.reload();
  };
})();
"""
SCRIPT_TAG = f'<script src="{RELOAD_PATH}"></script>'.encode()

Snapshot = dict[str, tuple[int, int]]
Say = Callable[[str], None]


def snapshot(paths: list[Path]) -> Snapshot:
    """Modification time and size of every file under ``paths`` (files or folders)."""
    seen: Snapshot = {}
    for base in paths:
        if base.is_file():
            files = [base]
        elif base.is_dir():
            files = [p for p in base.rglob("*") if p.is_file()]
        else:
            continue
        for f in files:
            try:
                st = f.stat()
            except OSError:  # deleted while we looked; the next poll sees it gone
                continue
            seen[str(f)] = (st.st_mtime_ns, st.st_size)
    return seen


def watched_paths(config: Config, config_file: Path | None) -> list[Path]:
    paths = [config.path(config.source), *theme_dirs(config)]
    if config_file is not None:
        paths.append(config_file)
    return paths


class Reloader:
    """The build generation: bumped after each successful rebuild; pages wait on it."""

    def __init__(self) -> None:
        self.generation = 0
        self._changed = threading.Condition()

    def bump(self) -> None:
        with self._changed:
            self.generation += 1
            self._changed.notify_all()

    def wait(self, seen: int, timeout: float) -> int:
        with self._changed:
            self._changed.wait_for(lambda: self.generation != seen, timeout=timeout)
            return self.generation


class Handler(SimpleHTTPRequestHandler):
    """Static files from the output folder, plus the reload script and its event stream."""

    reloader: Reloader | None = None
    stopping: threading.Event

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass  # keep the terminal for build reports

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if self.reloader is not None and path == RELOAD_PATH:
            self._send(RELOAD_JS, "text/javascript; charset=utf-8")
        elif self.reloader is not None and path == EVENTS_PATH:
            self._stream()
        elif self.reloader is not None and path.endswith((".html", "/")):
            self._html()
        else:
            super().do_GET()

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _html(self) -> None:
        target = Path(self.translate_path(self.path))
        if target.is_dir():
            target = target / "index.html"
        try:
            body = target.read_bytes()
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return
        if b"</body>" in body:
            head, _, tail = body.rpartition(b"</body>")
            body = head + SCRIPT_TAG + b"\n</body>" + tail
        self._send(body, "text/html; charset=utf-8")

    def _stream(self) -> None:
        assert self.reloader is not None
        seen = self.reloader.generation  # before the headers: a page that has them is counted
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        try:
            self.wfile.write(f"data: {seen}\n\n".encode())
            self.wfile.flush()
            while not self.stopping.is_set():
                now = self.reloader.wait(seen, timeout=1.0)
                if now != seen:
                    seen = now
                    self.wfile.write(f"data: {seen}\n\n".encode())
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return  # the page was closed or reloaded


def make_server(
    root: Path, port: int, reloader: Reloader | None, host: str = "127.0.0.1"
) -> ThreadingHTTPServer:
    """An HTTP server for ``root``; with a reloader, HTML pages get the live-reload script."""
    stopping = threading.Event()
    handler = type("BoundHandler", (Handler,), {"reloader": reloader, "stopping": stopping})
    server = ThreadingHTTPServer((host, port), partial(handler, directory=str(root)))
    server.daemon_threads = True
    original_shutdown = server.shutdown

    def shutdown() -> None:
        stopping.set()  # end open event streams so the server can stop
        original_shutdown()

    server.shutdown = shutdown  # type: ignore[method-assign]
    return server


class Watcher(threading.Thread):
    """Polls the inputs; rebuilds with ``rebuild`` after a change, then bumps the reloader."""

    def __init__(
        self,
        paths: list[Path],
        rebuild: Callable[[], None],
        reloader: Reloader,
        say: Say,
        interval: float = 0.5,
    ) -> None:
        super().__init__(daemon=True)
        self.paths, self.rebuild, self.reloader = paths, rebuild, reloader
        self.say, self.interval = say, interval
        self.stop = threading.Event()
        self.last = snapshot(paths)

    def run(self) -> None:
        while not self.stop.wait(self.interval):
            now = snapshot(self.paths)
            if now == self.last:
                continue
            # Editors write in bursts; wait until the files hold still before building.
            time.sleep(self.interval / 2)
            now = snapshot(self.paths)
            self.last = now
            self.say("change detected, rebuilding")
            try:
                self.rebuild()
            except DigestError as exc:
                self.say(f"error: {exc} (still serving the previous build)")
                continue
            except Exception as exc:  # a broken template must not kill the server
                self.say(f"error: build failed: {exc!r} (still serving the previous build)")
                continue
            self.reloader.bump()


def serve(load: Callable[[], Config], config_file: Path | None, port: int, say: Say) -> None:
    """Build, then serve and rebuild on changes until interrupted (Ctrl-C)."""
    from digest.build import build

    config = load()
    out = config.path(config.out).resolve()
    reloader = Reloader()
    server = make_server(out, port, reloader)  # bind first: a busy port fails before the build
    try:
        build(config)
    except BaseException:
        server.server_close()
        raise

    def rebuild() -> None:
        fresh = load()  # the config file may be what changed
        start = time.perf_counter()
        digest, files = build(fresh)
        watcher.paths = watched_paths(fresh, config_file)
        seconds = time.perf_counter() - start
        say(f"rebuilt: {len(digest.events)} events, {files} files in {seconds:.2f}s")

    watcher = Watcher(watched_paths(config, config_file), rebuild, reloader, say)
    watcher.start()
    say(f"serving {out} at http://127.0.0.1:{server.server_port}/ (Ctrl-C to stop)")
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        say("stopped")
    finally:
        watcher.stop.set()
        server.server_close()
