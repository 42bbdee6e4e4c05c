"""Cluster stage: group articles into events (initial version)."""

from __future__ import annotations

from collections.abc import Sequence

from digest.config import GroupingConfig
from digest.model import Copies


def group(items: Sequence[Copies], config: GroupingConfig) -> list[list[Copies]]:
    """Articles pinned to the same ``event`` form one event; others stand alone."""
    pinned: dict[str, list[Copies]] = {}
    groups: list[list[Copies]] = []
    for item in items:
        if item.article.event:
            pinned.setdefault(item.article.event, []).append(item)
        else:
            groups.append([item])
    groups.extend(pinned.values())
    return sorted(groups, key=lambda g: min(c.article.id for c in g))
