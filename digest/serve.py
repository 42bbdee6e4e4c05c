"""``digest serve``: build, serve the output folder on localhost, rebuild and reload on changes.

A polling watcher (no extra dependency) looks at the source folder, the config file and the
theme folders twice a second, but not at what the build writes (the output folder, the cache)
where that lies among them: each build's own writes would bring one more rebuild. A change
triggers a full build; when it succeeds, open pages are told over a server-sent-events stream to
reload. The reload script is added to HTML responses as they are served, never written into the
site, so the built files stay the same as ``digest build`` makes them. The server serves the
output folder of the latest successful build, so an ``out`` changed in the config while serving
is followed.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from digest.config import Config
from digest.errors import DigestError
from digest.read import walk
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


# What a build writes or owns (``build_writes``): the output folder, and the cache and theme.
BuildFolders = tuple[Path, tuple[Path, ...]]


def snapshot(paths: list[Path], skip: BuildFolders | None = None) -> Snapshot:
    """Modification time and size of every file under ``paths`` (files or folders), but for the
    build's own folders ``skip``, left out as the read stage leaves them out (``read.walk``)."""
    out, own = skip if skip is not None else (None, ())
    seen: Snapshot = {}
    for base in paths:
        if base.is_file():
            files: Iterable[Path] = [base]
        elif base.is_dir():
            files = (p for p, is_folder, _ in walk(base, out, own) if not is_folder)
        else:
            continue
        for f in files:
            try:
                st = f.stat()
            except OSError:  # deleted while we looked; the next poll sees it gone
                continue
            seen[str(f)] = (st.st_mtime_ns, st.st_size)
    return seen


def build_writes(config: Config) -> BuildFolders:
    """The folders a build writes, left out of what is watched wherever they lie: the output
    folder (with its lock and staging folders), the cache and the theme, which is watched as
    a path of its own. Seeing the build's writes as a change would rebuild again after each."""
    return config.path(config.out), config.own_folders()


def watched_paths(config: Config, config_file: Path | None) -> list[Path]:
    """What a change in triggers a rebuild: the source and theme folders, the config file."""
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

    server: SiteServer

    @property
    def reloader(self) -> Reloader | None:
        return self.server.reloader

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
            while not self.server.stopping.is_set():
                now = self.reloader.wait(seen, timeout=1.0)
                if now != seen:
                    seen = now
                    self.wfile.write(f"data: {seen}\n\n".encode())
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return  # the page was closed or reloaded


class SiteServer(ThreadingHTTPServer):
    """Serves the folder ``root``, looked up for each request: set it to another folder and the
    next request is served from there."""

    daemon_threads = True

    def __init__(self, root: Path, address: tuple[str, int], reloader: Reloader | None) -> None:
        self.root = root
        self.reloader = reloader
        self.stopping = threading.Event()
        super().__init__(address, Handler)

    def finish_request(self, request: socket.socket, client_address: tuple[str, int]) -> None:
        Handler(request, client_address, self, directory=str(self.root))

    def shutdown(self) -> None:
        self.stopping.set()  # end open event streams so the server can stop
        super().shutdown()


def make_server(
    root: Path, port: int, reloader: Reloader | None, host: str = "127.0.0.1"
) -> SiteServer:
    """An HTTP server for ``root``; with a reloader, HTML pages get the live-reload script."""
    return SiteServer(root, (host, port), reloader)


class Watcher(threading.Thread):
    """Polls the inputs but ``skip`` (``build_writes``); rebuilds with ``rebuild`` after a
    change, then bumps the reloader."""

    def __init__(
        self,
        paths: list[Path],
        rebuild: Callable[[], None],
        reloader: Reloader,
        say: Say,
        interval: float = 0.5,
        skip: BuildFolders | None = None,
    ) -> None:
        super().__init__(daemon=True)
        self.paths, self.rebuild, self.reloader = paths, rebuild, reloader
        self.say, self.interval, self.skip = say, interval, skip
        self.stop = threading.Event()
        self.last = snapshot(paths, skip)

    def run(self) -> None:
        while not self.stop.wait(self.interval):
            now = snapshot(self.paths, self.skip)
            if now == self.last:
                continue
            # Editors write in bursts; wait until the files hold still before building.
            time.sleep(self.interval / 2)
            now = snapshot(self.paths, self.skip)
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


def start(
    load: Callable[[], Config], config_file: Path | None, port: int, say: Say
) -> tuple[SiteServer, Watcher]:
    """Bind the port, build, and start watching; the caller runs the server and stops both."""
    from digest.build import build

    config = load()
    reloader = Reloader()
    # Bind first: a busy port fails before the build.
    server = make_server(config.path(config.out).resolve(), port, reloader)
    try:
        build(config)
    except BaseException:
        server.server_close()
        raise

    def rebuild() -> None:
        fresh = load()  # the config file may be what changed
        began = time.perf_counter()
        digest, files = build(fresh)
        watcher.paths, watcher.skip = watched_paths(fresh, config_file), build_writes(fresh)
        seconds = time.perf_counter() - began
        say(f"rebuilt: {len(digest.events)} events, {files} files in {seconds:.2f}s")
        site = fresh.path(fresh.out).resolve()
        if site != server.root:  # 'out' changed in the config: serve the site just built
            server.root = site
            say(f"serving {site} now")

    paths = watched_paths(config, config_file)
    watcher = Watcher(paths, rebuild, reloader, say, skip=build_writes(config))
    watcher.start()
    return server, watcher


def serve(load: Callable[[], Config], config_file: Path | None, port: int, say: Say) -> None:
    """Build, then serve and rebuild on changes until interrupted (Ctrl-C)."""
    server, watcher = start(load, config_file, port, say)
    say(f"serving {server.root} at http://127.0.0.1:{server.server_port}/ (Ctrl-C to stop)")
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        say("stopped")
    finally:
        watcher.stop.set()
        server.server_close()
