"""Screenshots of the seeds site for the README: index and an event page, light and dark.

Builds the seeds into a temporary folder, serves it on localhost and drives Debian's chromium
with Playwright. Run from the repository root:

    .venv/bin/python scripts/screenshots.py [--out docs/img]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digest.build import build  # noqa: E402
from digest.config import Config  # noqa: E402
from digest.serve import make_server  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SHOTS = [  # (name, page, viewport)
    ("index", "index.html", {"width": 1280, "height": 900}),
    ("event", "event", {"width": 1280, "height": 1100}),
    ("index-phone", "index.html", {"width": 390, "height": 844}),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        build(Config(source=str(ROOT / "seeds"), out=str(site), base_dir=str(ROOT)))
        events = json.loads((site / "events.json").read_text("utf-8"))["events"]
        biggest = max(events, key=lambda e: (len(e["articles"]), e["id"]))
        server = make_server(site, 0, None)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}/"
        args.out.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for scheme in ("light", "dark"):
                for name, target, viewport in SHOTS:
                    if name.endswith("phone") and scheme == "dark":
                        continue
                    page = browser.new_page(viewport=viewport, color_scheme=scheme)
                    path = f"events/{biggest['id']}.html" if target == "event" else target
                    page.goto(base + path)
                    file = args.out / f"{name}-{scheme}.png"
                    page.screenshot(path=str(file), full_page=False)
                    page.close()
                    print(f"wrote {file.relative_to(ROOT) if file.is_relative_to(ROOT) else file}")
            browser.close()
        server.shutdown()


if __name__ == "__main__":
    main()
