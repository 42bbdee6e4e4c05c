"""Noise stage: reject pages that are not news stories (initial version)."""

from __future__ import annotations

from collections.abc import Sequence

from digest.model import Article, Rejection


def filter_noise(articles: Sequence[Article]) -> tuple[list[Article], list[Rejection]]:
    kept: list[Article] = []
    rejected: list[Rejection] = []
    for article in articles:
        if not article.title and article.word_count < 20:
            rejected.append(Rejection(article.id, article.path, "fragment too short to be a story"))
        else:
            kept.append(article)
    return kept, rejected
