"""Gold files: load the JSON Lines format of the evaluation data and write it as input files.

Articles are written the way a user would have them: one ``.md`` file each, with the title,
source, url and date the article itself carries. Gold event ids are written only when the caller
asks to pin the gold grouping (summary evaluation), never for grouping evaluation.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from digest.errors import DigestError


@dataclass(frozen=True, slots=True)
class GoldArticle:
    id: str
    event_id: str
    title: str | None
    text: str | None
    url: str | None
    source: str | None
    date: str | None
    extra: tuple[tuple[str, Any], ...] = ()

    def get(self, key: str, default: Any = None) -> Any:
        return dict(self.extra).get(key, default)


@dataclass(frozen=True, slots=True)
class GoldEvent:
    id: str
    summary: str | None
    date: str | None
    articles: tuple[GoldArticle, ...]
    extra: tuple[tuple[str, Any], ...] = ()

    def get(self, key: str, default: Any = None) -> Any:
        return dict(self.extra).get(key, default)


_ARTICLE_KEYS = {"id", "title", "text", "url", "source", "date"}
_EVENT_KEYS = {"event_id", "summary", "date", "articles"}


def iter_gold(path: Path, limit: int | None = None) -> Iterator[GoldEvent]:
    """Events of a gold file (``.jsonl`` or ``.jsonl.gz``), in file order. Raises DigestError
    naming the file and line of the first line that is not an event of the format."""
    opener = gzip.open if path.suffix == ".gz" else open
    n = -1  # the line being read, from 0
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            for n, line in enumerate(fh):
                if limit is not None and n >= limit:
                    return
                if line.strip():
                    yield _gold_event(json.loads(line))
    except (json.JSONDecodeError, UnicodeDecodeError, OSError, EOFError) as exc:
        where = f":{n + 1}" if n >= 0 else ""
        raise DigestError(f"{path}{where}: not a gold file of JSON Lines: {exc}") from None
    except _NotAnEvent as exc:
        raise DigestError(f"{path}:{n + 1}: not an event of the gold format: {exc}") from None


class _NotAnEvent(Exception):
    """A JSON line without what an event needs (docs/quality.md, ../shared/eval/README.md)."""


def _gold_event(raw: Any) -> GoldEvent:
    if not isinstance(raw, dict) or "event_id" not in raw:
        raise _NotAnEvent("it needs an 'event_id'")
    if not isinstance(raw.get("articles"), list) or not all(
        isinstance(a, dict) and "id" in a for a in raw["articles"]
    ):
        raise _NotAnEvent("it needs a list of 'articles', each with an 'id'")
    event_id = str(raw["event_id"])
    articles = tuple(
        GoldArticle(
            id=str(a["id"]),
            event_id=event_id,
            title=a.get("title"),
            text=a.get("text"),
            url=a.get("url"),
            source=a.get("source"),
            date=a.get("date"),
            extra=tuple(sorted((k, v) for k, v in a.items() if k not in _ARTICLE_KEYS)),
        )
        for a in raw["articles"]
    )
    return GoldEvent(
        id=event_id,
        summary=raw.get("summary"),
        date=raw.get("date"),
        articles=articles,
        extra=tuple(sorted((k, v) for k, v in raw.items() if k not in _EVENT_KEYS)),
    )


def load_gold(path: Path, limit: int | None = None) -> list[GoldEvent]:
    """The events of a gold file; DigestError when it has a bad line or no event at all."""
    events = list(iter_gold(path, limit))
    if not events:
        raise DigestError(f"{path}: no events (a gold file has one JSON event per line)")
    return events


def file_name(article_id: str) -> str:
    """A safe, stable file name for a gold article id."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", article_id).strip("._") or "article"


def article_markdown(article: GoldArticle, pin: str | None = None) -> str:
    """The ``.md`` file a user would have for this article: front matter, then the text."""
    meta: dict[str, Any] = {"id": article.id}
    for key in ("title", "source", "url", "date"):
        value = getattr(article, key)
        if value:
            meta[key] = str(value)
    if pin is not None:
        meta["event"] = pin
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=True, width=10_000)
    return f"---\n{front}---\n\n{article.text or ''}\n"


def write_inputs(events: list[GoldEvent], folder: Path, pin_events: bool = False) -> int:
    """Write every article of ``events`` into ``folder``; returns the number written."""
    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    for event in events:
        for article in event.articles:
            pin = event.id if pin_events else None
            path = folder / f"{file_name(article.id)}.md"
            path.write_text(article_markdown(article, pin), encoding="utf-8")
            n += 1
    return n
