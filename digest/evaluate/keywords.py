"""Keyword evaluation: recall of BASIL's ``main_entities`` among each event's top 10 keywords,
for the digest keywords and for plain YAKE (default settings) on the same bounded text; and, to
tell the cleaning's share from the reading's, plain YAKE on the text as the digest has YAKE
read it (titles in headline case put in sentence case).

An entity counts as found when a keyword contains it, or when a keyword is the entity's head
(its last words: "Obama" finds "Barack Obama", "Democrats" finds "Senate Democrats"); case and
plural do not matter. The same rule scores both systems.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from digest.config import Config
from digest.evaluate.data import load_gold
from digest.evaluate.summaries import pinned_events
from digest.keywords import event_text, extract_keywords, yake_text
from digest.summarize import summarize

TOP = 10


@dataclass(frozen=True, slots=True)
class KeywordResult:
    name: str
    events: int
    entities: int
    found: tuple[tuple[str, int], ...]  # system -> entities found
    seconds: float


def _norm(text: str) -> tuple[str, ...]:
    out = []
    for w in re.findall(r"[^\W_]+", text.lower()):
        out.append(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w)
    return tuple(out)


def entity_found(entity: str, keywords: Sequence[str]) -> bool:
    """The matching rule of the module docstring."""
    e = _norm(entity)
    if not e:
        return False
    for keyword in keywords:
        k = _norm(keyword)
        if not k:
            continue
        if any(k[i : i + len(e)] == e for i in range(len(k) - len(e) + 1)):
            return True
        if len(k) < len(e) and e[-len(k) :] == k:
            return True
    return False


def plain_yake(text: str, top: int = TOP) -> list[str]:
    import yake

    return [k for k, _ in yake.KeywordExtractor(lan="en").extract_keywords(text)][:top]


def evaluate_file(
    path: Path, limit: int | None = None, config: Config | None = None
) -> KeywordResult:
    start = time.perf_counter()
    config = config or Config()
    keywords_config = dataclasses.replace(config.keywords, count=TOP)
    found = {"digest": 0, "yake": 0, "yake, titles in sentence case": 0}
    entities = 0
    pairs = pinned_events(load_gold(path, limit), config)
    for gold, articles in pairs:
        wanted = sorted({e.strip() for e in gold.get("main_entities", []) or [] if e.strip()})
        if not wanted or not articles:
            entities += len(wanted)
            continue
        summary = summarize(articles, config.summary)
        ours = extract_keywords(articles, summary, keywords_config)
        plain = plain_yake(event_text(articles, summary))
        cased = plain_yake(yake_text(articles, summary)[0])
        entities += len(wanted)
        found["digest"] += sum(entity_found(e, ours) for e in wanted)
        found["yake"] += sum(entity_found(e, plain) for e in wanted)
        found["yake, titles in sentence case"] += sum(entity_found(e, cased) for e in wanted)
    return KeywordResult(
        name=path.name,
        events=len(pairs),
        entities=entities,
        found=tuple(sorted(found.items())),
        seconds=time.perf_counter() - start,
    )


def report(results: Sequence[KeywordResult]) -> str:
    lines = []
    for r in results:
        lines.append(f"{r.name}: {r.events} events, {r.entities} main entities ({r.seconds:.0f} s)")
        lines.append("")
        lines.append(f"| system | entities found in top {TOP} | recall |")
        lines.append("|---|---|---|")
        for name, n in r.found:
            lines.append(f"| {name} | {n} | {n / max(r.entities, 1):.3f} |")
        lines.append("")
    return "\n".join(lines)


def run(paths: Sequence[Path], limit: int | None = None, config: Config | None = None) -> str:
    """Evaluate keywords on every file that carries ``main_entities`` (BASIL); skip the rest."""
    usable = [p for p in paths if any(e.get("main_entities") for e in load_gold(p, 20))]
    if not usable:
        return "keywords: no file with main_entities (BASIL) given"
    return report([evaluate_file(p, limit, config) for p in usable])
