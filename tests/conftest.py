"""Shared fixtures: the seeds site built once per test session, and small article builders."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from digest.config import Config
from digest.model import Article

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
EVAL_DIR = ROOT.parent / "shared" / "eval"


@pytest.fixture
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy from the environment: tests that fetch talk to servers on 127.0.0.1."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


def make_article(id: str = "a", title: str = "A title", text: str = "Some text.", **kw) -> Article:
    paragraphs = tuple(p for p in text.split("\n\n") if p)
    return Article(id=id, path=f"{id}.md", title=title, paragraphs=paragraphs, **kw)


def config_for(source: Path, out: Path, **kw) -> Config:
    """A config for building ``source`` into ``out``, with a cache folder of its own so that
    concurrent test builds never share one."""
    kw.setdefault("cache", str(out.parent / f".cache-{out.name}"))
    return Config(source=str(source), out=str(out), base_dir=str(ROOT), **kw)


@pytest.fixture(scope="session")
def seeds_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds built end to end into a temporary output folder."""
    from digest.build import build

    out = tmp_path_factory.mktemp("site") / "output"
    build(config_for(SEEDS, out))
    return out


@pytest.fixture(scope="session")
def seeds_json(seeds_site: Path) -> dict:
    return json.loads((seeds_site / "events.json").read_text(encoding="utf-8"))


@pytest.fixture()
def source_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    return folder


def copy_seeds(dest: Path) -> None:
    for f in SEEDS.iterdir():
        shutil.copy(f, dest / f.name)
