"""Deduplicate stage: fold exact and near copies of an article into one (initial version)."""

from __future__ import annotations

from collections.abc import Sequence

from digest.config import DedupeConfig
from digest.model import Article, Copies


def dedupe(articles: Sequence[Article], config: DedupeConfig) -> list[Copies]:
    """Group copies; the first article of each group in id order is kept, the rest are duplicates."""
    by_text: dict[str, list[Article]] = {}
    for article in sorted(articles, key=lambda a: a.id):
        key = " ".join((article.title + " " + article.text).lower().split())
        by_text.setdefault(key, []).append(article)
    return sorted(
        (Copies(group[0], tuple(group[1:])) for group in by_text.values()),
        key=lambda c: c.article.id,
    )
