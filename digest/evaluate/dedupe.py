"""Near-duplicate evaluation: precision and recall of the dedupe stage.

Two measurements:

* **Generated copies.** ``make_copies`` republishes gold articles the way syndication does: a
  different headline, trimmed or reordered paragraphs, added boilerplate, changed punctuation and
  quotes. It is seeded (``random.Random(seed)``), so the same gold file and seed always give the
  same copies. Originals and copies are built together; a predicted duplicate pair is correct when
  both articles come from the same original.
* **Syndicated headlines.** In a headline-only file (UCI), headlines whose words are identical
  are syndicated copies; recall is measured on those pairs, and any merged pair whose articles
  belong to different gold events counts against precision.

In both, merging two articles of different gold events is reported on its own: it must be zero.
"""

from __future__ import annotations

import random
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import combinations
from pathlib import Path

from digest.config import Config
from digest.evaluate.data import GoldArticle, GoldEvent, load_gold, write_inputs

BOILERPLATE = (
    "Copyright 2024 The Associated Press. All rights reserved. This material may not be "
    "published, broadcast, rewritten or redistributed.",
    "Sign up for our daily newsletter to get the top stories delivered to your inbox.",
    "This article originally appeared on a partner site and is republished with permission.",
    "Follow us on Facebook and Twitter for the latest updates.",
    "Reporting by staff; editing by the news desk.",
)
HEADLINE_PREFIXES = ("UPDATE 1-", "WATCH: ", "Breaking: ", "REFILE-", "")
HEADLINE_SUFFIXES = (" - report", " | World News", " (VIDEO)", " ...", "")
_WORDS = re.compile(r"[^\W_]+")
MIN_WORDS = 60  # articles shorter than this are too short to republish with edits


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def _requote(text: str, rng: random.Random) -> str:
    """Change quotes, dashes and spacing the way republishing systems do."""
    if rng.random() < 0.5:
        text = re.sub(r"[“”]", '"', text).replace("’", "'").replace("‘", "'")
    else:
        text = re.sub(r'"(\w)', r"“\1", text)
        text = re.sub(r'(\S)"', r"\1”", text).replace("'", "’")
    if rng.random() < 0.5:
        text = text.replace(" - ", " — ").replace("--", "—")
    if rng.random() < 0.3:
        text = text.replace(", ", " , ", 1)
    return text


def edit_copy(article: GoldArticle, rng: random.Random, copy_id: str) -> GoldArticle:
    """A republished copy of ``article`` with small, syndication-like edits."""
    paras = _paragraphs(article.text or "")
    edits = rng.sample(["headline", "trim", "reorder", "boilerplate", "punctuation"], k=3)
    if "trim" in edits and len(paras) > 3:
        keep = max(3, int(len(paras) * rng.uniform(0.6, 0.9)))
        paras = paras[:keep]
    if "reorder" in edits and len(paras) > 3:
        i = rng.randrange(1, len(paras) - 1)
        paras[i], paras[i + 1] = paras[i + 1], paras[i]
    if "boilerplate" in edits:
        paras.append(rng.choice(BOILERPLATE))
        if rng.random() < 0.5:
            paras.insert(0, rng.choice(BOILERPLATE))
    text = "\n\n".join(paras)
    title = article.title or ""
    if "punctuation" in edits:
        text = _requote(text, rng)
        title = _requote(title, rng)
    if "headline" in edits and title:
        words = title.split()
        if len(words) > 6 and rng.random() < 0.5:
            title = " ".join(words[: rng.randrange(5, len(words))])
        title = rng.choice(HEADLINE_PREFIXES) + title + rng.choice(HEADLINE_SUFFIXES)
    return replace(article, id=copy_id, title=title or None, text=text, source="Wire copy")


def make_copies(
    events: Sequence[GoldEvent], seed: int = 0, share: float = 0.3, min_words: int = MIN_WORDS
) -> tuple[list[GoldEvent], dict[str, str]]:
    """Events with edited copies of a ``share`` of their articles added.

    Returns the new events and, for every article, the id of the original it comes from.
    """
    rng = random.Random(seed)
    origin: dict[str, str] = {}
    out: list[GoldEvent] = []
    for event in events:
        articles = list(event.articles)
        for article in event.articles:
            origin[article.id] = article.id
            if len((article.text or "").split()) < min_words or rng.random() >= share:
                continue
            for n in range(1 + (rng.random() < 0.3)):
                copy_id = f"{article.id}-copy{n + 1}"
                articles.append(edit_copy(article, rng, copy_id))
                origin[copy_id] = article.id
        out.append(replace(event, articles=tuple(articles)))
    return out, origin


@dataclass(frozen=True, slots=True)
class DedupeResult:
    name: str
    articles: int
    true_pairs: int
    predicted_pairs: int
    found_pairs: int  # true pairs among the predicted ones
    wrong_pairs: int  # predicted pairs that are not copies
    cross_event_pairs: int
    seconds: float

    @property
    def precision(self) -> float:
        if not self.predicted_pairs:
            return 1.0
        return (self.predicted_pairs - self.wrong_pairs) / self.predicted_pairs

    @property
    def recall(self) -> float:
        return self.found_pairs / self.true_pairs if self.true_pairs else 1.0


def predicted_pairs(
    folder: Path, config: Config | None = None
) -> tuple[set[tuple[str, str]], set[str], float]:
    """Duplicate pairs the build pipeline finds in ``folder``, the ids it rejected as not
    articles, and the seconds it took. ``config``: the settings to score (None: the defaults)."""
    import time

    from digest.build import gather

    start = time.perf_counter()
    digest = gather(replace(config or Config(), source=str(folder)))
    seconds = time.perf_counter() - start
    pairs: set[tuple[str, str]] = set()
    for event in digest.events:
        for copies in event.members:
            ids = sorted(a.id for a in (copies.article, *copies.duplicates))
            pairs.update(combinations(ids, 2))
    return pairs, {r.id for r in digest.rejected}, seconds


def _pairs_of(groups: dict[str, list[str]]) -> set[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for members in groups.values():
        pairs.update(combinations(sorted(members), 2))
    return pairs


def _score(
    name: str,
    events: Sequence[GoldEvent],
    truth: set[tuple[str, str]],
    scored: set[str],
    config: Config | None,
) -> DedupeResult:
    event_of = {a.id: e.id for e in events for a in e.articles}
    with tempfile.TemporaryDirectory(prefix="digest-dedupe-") as tmp:
        n = write_inputs(list(events), Path(tmp) / "articles")
        found, rejected, seconds = predicted_pairs(Path(tmp) / "articles", config)
    # Pages the noise stage rejected (archive notices, widgets) are not articles to dedupe.
    scored = set(scored) - rejected
    truth = {p for p in truth if p[0] in scored and p[1] in scored}
    found = {p for p in found if p[0] in scored and p[1] in scored}
    return DedupeResult(
        name=name,
        articles=n,
        true_pairs=len(truth),
        predicted_pairs=len(found),
        found_pairs=len(found & truth),
        wrong_pairs=len(found - truth),
        cross_event_pairs=sum(1 for a, b in found if event_of[a] != event_of[b]),
        seconds=seconds,
    )


def evaluate_generated(path: Path, seed: int = 0, config: Config | None = None) -> DedupeResult:
    """Precision and recall on generated copies of the articles of a gold file."""
    gold = load_gold(path)
    events, origin = make_copies(gold, seed)
    # The source data itself holds some articles twice (one story in two roundups, one page
    # scraped twice): originals with the same url, the same headline from the same outlet, or
    # the same words count as one article, so merging them is right.
    same: dict[str, str] = {}
    first_of: dict[tuple[str, str], str] = {}
    for event in gold:
        for a in event.articles:
            keys = [("words", " ".join(_WORDS.findall((a.text or "").lower())))]
            if a.url:
                keys.append(("url", a.url))
            if a.title and a.source:
                keys.append(("title", f"{a.source}\n{a.title}"))
            found = next((first_of[k] for k in keys if k in first_of and k[1]), a.id)
            same[a.id] = found
            for k in keys:
                if k[1]:
                    first_of.setdefault(k, found)
    groups: dict[str, list[str]] = {}
    for article_id, original in origin.items():
        groups.setdefault(same.get(original, original), []).append(article_id)
    name = f"{path.name} (generated copies, seed {seed})"
    return _score(name, events, _pairs_of(groups), set(origin), config)


def _headline_key(article: GoldArticle) -> str:
    return " ".join(re.findall(r"[^\W_]+", (article.title or "").lower().replace("'", "")))


def evaluate_headlines(path: Path, config: Config | None = None) -> DedupeResult:
    """Recall on identical syndicated headlines (same words); precision against gold events."""
    events = load_gold(path)
    groups: dict[str, list[str]] = {}
    for event in events:
        for article in event.articles:
            key = _headline_key(article)
            if len(key.split()) >= 5 and not article.text:
                groups.setdefault(f"{event.id}\n{key}", []).append(article.id)
    truth = _pairs_of(groups)
    every = {a.id for e in events for a in e.articles}
    result = _score(f"{path.name} (syndicated headlines)", events, truth, every, config)
    # Merging two headlines of one story whose words differ slightly (a trimmed or relabelled
    # wire headline) is not an error here: only merges across gold events count as wrong.
    return replace(result, wrong_pairs=result.cross_event_pairs)


def run(
    files: Sequence[Path],
    seed: int = 0,
    echo: Callable[[str], None] = print,
    config: Config | None = None,
) -> list[DedupeResult]:
    """Measure dedupe on every file: headline-only files by syndicated headlines, the others
    by generated copies."""
    results = []
    for path in files:
        first = next(iter(load_gold(path, limit=1)), None)
        headline_only = first is not None and all(not a.text for a in first.articles)
        result = (
            evaluate_headlines(path, config)
            if headline_only
            else evaluate_generated(path, seed, config)
        )
        echo(
            f"{result.name}: precision {result.precision:.3f}, recall {result.recall:.3f} "
            f"({result.predicted_pairs} merged pairs, {result.wrong_pairs} wrong; "
            f"{result.found_pairs} of {result.true_pairs} true pairs found), "
            f"{result.cross_event_pairs} pairs across gold events, {result.articles} articles, "
            f"{result.seconds:.1f} s"
        )
        results.append(result)
    return results
