"""How well "Follow the story" links events, measured against gold events.

Usage (from the repository root)::

    .venv/bin/python -m bench.related ../shared/eval/allsides.dev.jsonl \
        ../shared/eval/multinews.dev.jsonl

Each file's articles are written as input files and grouped as ``digest build`` groups them
(no pins), then the related events of every event are found as the site finds them. No gold
data says which events continue one another, so two proxies stand in:

* **same story**: links between two events that hold parts of one gold event (the grouping
  split it), and of all such pairs of events, how many are linked (either way): a storyline
  the reader should be able to follow, and must be;
* **same topic**: the share of links whose two events' gold stories carry the same ``topic``
  (AllSides' editors file each story under one, such as "Immigration" or "Supreme Court"),
  where the file has topics; two events picked at random share one 4% of the time on the
  AllSides dev file.

A link is one event listing another; each event lists at most ``related.MAX_RELATED``.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from itertools import combinations
from pathlib import Path

from digest.build import gather
from digest.config import Config
from digest.evaluate.data import load_gold, write_inputs
from digest.model import Event
from digest.related import related_events


@dataclasses.dataclass(frozen=True)
class Figures:
    events: int
    with_related: int
    links: int
    same_story_links: int
    split_pairs: int
    split_pairs_linked: int
    same_topic_links: int | None  # None: the file has no topics


def _ids(event: Event) -> list[str]:
    return [a.id for c in event.members for a in (c.article, *c.duplicates)]


def measure(
    events: Sequence[Event], gold: dict[str, str], topics: dict[str, str | None]
) -> Figures:
    """The proxies for ``events`` (as grouped), ``gold`` (article id -> gold event id) and
    ``topics`` (gold event id -> its topic, if any)."""
    related = related_events(events)
    parts = {e.id: {gold.get(i) for i in _ids(e)} - {None} for e in events}
    main = {e.id: Counter(gold.get(i) for i in _ids(e)).most_common(1)[0][0] for e in events}
    links = [(a, b) for a, listed in related.items() for b in listed]
    # Pairs of events holding parts of one gold story, each pair once, from the stories' events.
    holding: dict[str, list[str]] = {}
    for event in events:
        for story in parts[event.id]:
            holding.setdefault(story, []).append(event.id)
    split = sorted({(a, b) for ids in holding.values() for a, b in combinations(ids, 2)})
    has_topics = any(topics.values())
    return Figures(
        events=len(events),
        with_related=sum(1 for listed in related.values() if listed),
        links=len(links),
        same_story_links=sum(1 for a, b in links if parts[a] & parts[b]),
        split_pairs=len(split),
        split_pairs_linked=sum(1 for a, b in split if b in related[a] or a in related[b]),
        same_topic_links=(
            sum(
                1
                for a, b in links
                if topics.get(main[a]) and topics.get(main[a]) == topics.get(main[b])
            )
            if has_topics
            else None
        ),
    )


def measure_file(path: Path) -> Figures:
    gold_events = load_gold(path)
    gold = {a.id: e.id for e in gold_events for a in e.articles}
    topics = {e.id: e.get("topic") for e in gold_events}
    with tempfile.TemporaryDirectory(prefix="digest-related-") as work:
        source = Path(work) / "source"
        write_inputs(gold_events, source)
        config = dataclasses.replace(Config(), source=str(source), cache=str(Path(work) / "cache"))
        digest = gather(config)
    return measure(digest.events, gold, topics)


def report(name: str, f: Figures) -> str:
    topic = (
        f"same topic {f.same_topic_links / max(f.links, 1):.3f}"
        if f.same_topic_links is not None
        else "same topic: no topics in the file"
    )
    return (
        f"{name}: {f.events} events, {f.with_related} with related events, {f.links} links; "
        f"same story {f.same_story_links} links, {f.split_pairs_linked} of {f.split_pairs} "
        f"split pairs linked; {topic}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path, help="gold JSON Lines files")
    args = parser.parse_args(argv)
    for path in args.files:
        print(report(path.name, measure_file(path)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
