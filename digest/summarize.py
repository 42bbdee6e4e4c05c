"""Summarize stage: a headline and a cited, extractive summary per event (initial version)."""

from __future__ import annotations

from collections.abc import Sequence

from segtok.segmenter import split_single

from digest.config import SummaryConfig
from digest.model import Article, Summary, SummarySentence


def summarize(articles: Sequence[Article], config: SummaryConfig) -> Summary:
    headline = next((a.title for a in articles if a.title), "")
    out: list[SummarySentence] = []
    words = 0
    for article in articles:
        for para in article.paragraphs[:1]:
            for sentence in split_single(para)[:1]:
                n = len(sentence.split())
                if words + n > config.max_words:
                    break
                out.append(SummarySentence(sentence, (article.id,)))
                words += n
    if not headline and out:
        headline = out[0].text
    return Summary(headline, tuple(out))
