"""Noise stage: reject pages that are not news stories, each with the reason.

A scraper that follows links from a news feed meets pages that are not stories: social-media
widgets ("When you tweet with a location..."), cookie and consent notices, web-archive banners,
error and "not available" pages, sign-up forms, and fragments too short to tell a story. Such a
page would otherwise join an event and pollute its summary.

Each kind of page is a pattern over paragraphs. A page is rejected when the paragraphs that match
carry most of its words, so a real story that merely starts with "Please enable JavaScript" is
kept. Headline-only items (a title and no text, as feeds often give) are real articles and are
never rejected for being short.
"""

from __future__ import annotations

import re

from digest.model import Article, Rejection

# (reason, pattern): the reason is what the user sees next to the rejected file.
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "social-media widget (Twitter location notice), not a story",
        re.compile(
            r"tweet with a location|location information to your tweets|"
            r"add a location to your tweets|tweet location history|"
            r"join us on facebook|like us (on facebook )?and you'll find",
            re.I,
        ),
    ),
    (
        "cookie or consent notice, not a story",
        re.compile(
            r"\b(we|this (web)?site|our (web)?site|our partners) uses? cookies\b|"
            r"\bcookie (policy|settings|preferences|consent)\b|\baccept (all )?cookies\b|"
            r"\bmanage (your )?consent\b",
            re.I,
        ),
    ),
    (
        "web-archive notice, not a story",
        re.compile(
            r"alexa internet has been donating|wayback machine|\binternet archive\b|"
            r"archive-it\b|\bcrawl (data|was run)\b|\bthis crawl\b|\bweb wide crawl\b|"
            r"\bthese crawls\b|\bweb collections? curated\b|\bcollaborative \w+ crawls\b|"
            r"not publicly accessible|\bcrawl(s|er|ing)?\b.{0,40}\bseed ?lists?\b|"
            r"\bseed ?lists?\b.{0,40}\bcrawl|\bwide crawls?\b",
            re.I,
        ),
    ),
    (
        "error or unavailable page, not a story",
        re.compile(
            r"\bpage (was )?not found\b|\bpage (you requested )?(cannot|could not) be found\b|"
            r"\b404\b.{0,20}\b(error|not found)\b|\baccess (is )?denied\b|"
            r"\b(feature|video|content|page) is (not|no longer|currently) (available|unavailable)|"
            r"\bthis (video|content|page) is unavailable\b|"
            r"\bplease (turn on|enable) javascript\b|\brequires javascript\b|"
            r"\bdomain mapping\b|\byou're almost there\b|"
            r"\brating is available when the video has been rented\b|"
            r"\binteractive transcript could not be loaded\b|\bplease try again later\b|"
            r"\bthe page url may have changed\b|\bmay no longer be here\b|"
            r"\bcontact (our|the) webmaster\b",
            re.I,
        ),
    ),
    (
        "sign-up or account page, not a story",
        re.compile(
            r"\bjoin our mailing list\b|\bsign up for (our|the) (free )?newsletter\b|"
            r"\balready have an account\b|\bconfirm your (email|signature)\b|"
            r"\blog (in|into) (to )?your account\b|\bfor any licensing requests\b|"
            r"\bcreate (a free|an) account\b|\bsubscribe (now )?to (continue|keep) reading\b|"
            r"\bthank you for registering\b|\bplease check your email\b|"
            r"\bwhy are we asking this\b|\bsign in to update\b",
            re.I,
        ),
    ),
)

# Words at least one of which every match of the pattern of the same kind contains.
_TRIGGERS: tuple[tuple[str, ...], ...] = (
    ("tweet", "facebook", "like us"),
    ("cookie", "consent"),
    ("alexa", "wayback", "archive", "crawl", "curated", "publicly accessible"),
    (
        "found", "404", "denied", "available", "javascript", "domain mapping", "almost there",
        "transcript", "try again", "page url", "no longer be here", "webmaster",
    ),
    (
        "mailing list", "newsletter", "account", "confirm your", "licensing", "subscribe",
        "registering", "check your email", "asking this", "sign in",
    ),
)  # fmt: skip

# Without a headline, a text shorter than this is a fragment (a caption, a teaser, a label).
MIN_UNTITLED_WORDS = 15
# Share of a page's words in matching paragraphs above which the page is that kind of page.
NOISE_SHARE = 0.5


def noise_reason(article: Article) -> str | None:
    """Why the article is not a news story, or None when it is one."""
    total = article.word_count
    if total == 0:
        return None if article.title else "no text and no headline"
    counts: dict[str, int] = {}
    for para in article.paragraphs:
        words = len(para.split())
        low = para.lower()
        for (reason, pattern), triggers in zip(_KINDS, _TRIGGERS, strict=True):
            # A plain substring test first: the patterns are slow on long story paragraphs.
            if any(t in low for t in triggers) and pattern.search(para):
                counts[reason] = counts.get(reason, 0) + words
                break
    if counts:
        reason, words = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        if sum(counts.values()) > NOISE_SHARE * total:
            return reason
    if not article.title and total < MIN_UNTITLED_WORDS:
        return f"fragment of {total} words without a headline, too short to be a story"
    return None


def screen(article: Article) -> Article | Rejection:
    """The article if it is a news story, else its rejection with the reason."""
    reason = noise_reason(article)
    return article if reason is None else Rejection(article.id, article.path, reason)
