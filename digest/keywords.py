"""Keywords stage: YAKE keywords per event (initial version)."""

from __future__ import annotations

from collections.abc import Sequence

import yake

from digest.config import KeywordsConfig
from digest.model import Article, Summary


def extract_keywords(
    articles: Sequence[Article], summary: Summary, config: KeywordsConfig
) -> tuple[str, ...]:
    text = "\n".join([a.title for a in articles] + [s.text for s in summary.sentences])
    extractor = yake.KeywordExtractor(lan="en", n=config.max_ngram, top=config.count)
    return tuple(k for k, _ in extractor.extract_keywords(text))
