"""Grouping evaluation: B-cubed scores of `digest build`'s events against gold events.

Each gold file's articles are written as ``.md`` input files (their own title, source, url and
date only, never the gold event's), the build pipeline runs on that folder with the default
configuration, and the events it finds are scored against the gold events. A baseline a user
would otherwise build (TF-IDF cosine, average link, threshold tuned on the same file) is scored
on the same articles, side by side.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digest.config import Config
from digest.evaluate.data import GoldEvent, load_gold, write_inputs

# Multi-News pages that three or more of five judges called unrelated to their event are noise:
# they are left out of grouping scores (see ../shared/eval/README.md).
NOISE_VOTES = 3


@dataclass(frozen=True, slots=True)
class BCubed:
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True, slots=True)
class GroupingResult:
    name: str
    articles: int
    scored: int
    gold_events: int
    events: int
    scores: BCubed
    seconds: float
    baseline: BCubed | None = None
    baseline_events: int | None = None
    baseline_threshold: float | None = None
    noise_pages: int = 0
    noise_rejected: int = 0
    real_rejected: int = 0
    rejected_reasons: tuple[tuple[str, int], ...] = ()


def is_noise(article_extra: Mapping[str, object]) -> bool:
    votes = article_extra.get("mnplus_irrelevant_votes")
    return isinstance(votes, int) and votes >= NOISE_VOTES


def bcubed(predicted: Mapping[str, int], gold: Mapping[str, str]) -> BCubed:
    """B-cubed precision, recall and F1 over the articles of ``gold``.

    ``predicted`` maps article id to a cluster label; gold articles missing from it count as
    singletons (an article the pipeline dropped stands alone).
    """
    ids = sorted(gold)
    if not ids:
        return BCubed(0.0, 0.0, 0.0)
    pred = {}
    for i in ids:
        pred[i] = ("p", predicted[i]) if i in predicted else ("alone", i)
    pred_members: dict[object, list[str]] = {}
    gold_members: dict[str, list[str]] = {}
    for i in ids:
        pred_members.setdefault(pred[i], []).append(i)
        gold_members.setdefault(gold[i], []).append(i)
    p_sum = r_sum = 0.0
    for i in ids:
        cluster = pred_members[pred[i]]
        overlap = sum(1 for j in cluster if gold[j] == gold[i])
        p_sum += overlap / len(cluster)
        r_sum += overlap / len(gold_members[gold[i]])
    p, r = p_sum / len(ids), r_sum / len(ids)
    return BCubed(p, r, 2 * p * r / (p + r) if p + r else 0.0)


def gold_labels(events: Sequence[GoldEvent]) -> tuple[dict[str, str], set[str]]:
    """Gold event of every scored article, and the ids of noise pages."""
    gold: dict[str, str] = {}
    noise: set[str] = set()
    for event in events:
        for article in event.articles:
            if is_noise(dict(article.extra)):
                noise.add(article.id)
            else:
                gold[article.id] = event.id
    return gold, noise


def predict(
    folder: Path, config: Config | None = None
) -> tuple[dict[str, int], dict[str, str], int]:
    """Run the build pipeline on ``folder``: cluster label per article id, rejections, events.

    ``config``: the settings to score (None: the defaults); its source folder is ``folder``."""
    from digest.build import gather

    digest = gather(dataclasses.replace(config or Config(), source=str(folder)))
    labels: dict[str, int] = {}
    for n, event in enumerate(digest.events):
        for copies in event.members:
            for article in (copies.article, *copies.duplicates):
                labels[article.id] = n
    rejected = {r.id: r.reason for r in digest.rejected}
    return labels, rejected, len(digest.events)


def _baseline_texts(events: Sequence[GoldEvent]) -> tuple[list[str], list[str]]:
    ids, texts = [], []
    for event in events:
        for article in event.articles:
            ids.append(article.id)
            texts.append(f"{article.title or ''}\n{article.text or ''}")
    return ids, texts


def baseline(
    events: Sequence[GoldEvent], gold: Mapping[str, str]
) -> tuple[BCubed, int, float] | None:
    """TF-IDF cosine + average-link clustering, threshold tuned for the best F1 on this file;
    None for a file it cannot cluster (fewer than two articles, or no word but stop words)."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from sklearn.feature_extraction.text import TfidfVectorizer

    ids, texts = _baseline_texts(events)
    if len(ids) < 2:
        return None
    try:
        x = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
    except ValueError:  # "empty vocabulary"
        return None
    # Dense cosine distances: the baseline is the all-pairs method a user would write.
    sims = (x @ x.T).toarray()
    dist = np.clip(1.0 - sims, 0.0, 2.0)
    condensed = dist[np.triu_indices(len(ids), k=1)]
    tree = linkage(condensed, method="average")
    best: tuple[BCubed, int, float] | None = None
    for t in np.round(np.arange(0.05, 1.0, 0.025), 3):
        labels = fcluster(tree, t=1.0 - t, criterion="distance")
        score = bcubed(dict(zip(ids, labels.tolist(), strict=True)), gold)
        if best is None or score.f1 > best[0].f1:
            best = (score, int(labels.max()), float(t))
    assert best is not None
    return best


def evaluate_file(
    path: Path, with_baseline: bool = True, config: Config | None = None
) -> GroupingResult:
    """Score the build pipeline (and the baseline) on one gold file."""
    events = load_gold(path)
    gold, noise = gold_labels(events)
    with tempfile.TemporaryDirectory(prefix="digest-eval-") as tmp:
        folder = Path(tmp) / "articles"
        n = write_inputs(events, folder)
        start = time.perf_counter()
        labels, rejected, n_events = predict(folder, config)
        seconds = time.perf_counter() - start
    scored_events = {gold[i] for i in gold}
    reasons: dict[str, int] = {}
    for reason in rejected.values():
        reasons[reason] = reasons.get(reason, 0) + 1
    result = GroupingResult(
        name=path.name,
        articles=n,
        scored=len(gold),
        gold_events=len(scored_events),
        events=n_events,
        scores=bcubed(labels, gold),
        seconds=seconds,
        noise_pages=len(noise),
        noise_rejected=sum(1 for i in noise if i in rejected),
        real_rejected=sum(1 for i in gold if i in rejected),
        rejected_reasons=tuple(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
    )
    found = baseline(events, gold) if with_baseline else None
    if found is not None:
        score, n_base, threshold = found
        result = GroupingResult(
            **{
                **{f: getattr(result, f) for f in result.__dataclass_fields__},
                "baseline": score,
                "baseline_events": n_base,
                "baseline_threshold": threshold,
            }
        )
    return result


def format_table(results: Iterable[GroupingResult]) -> str:
    """A Markdown table of the results, ours next to the baseline."""
    lines = [
        "| file | articles | gold events | events | P | R | F1 | time (s) "
        "| baseline P | baseline R | baseline F1 | baseline events | baseline threshold |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        base = (
            f"{r.baseline.precision:.3f} | {r.baseline.recall:.3f} | {r.baseline.f1:.3f} | "
            f"{r.baseline_events} | {r.baseline_threshold:.3f}"
            if r.baseline is not None
            else "- | - | - | - | -"
        )
        lines.append(
            f"| {r.name} | {r.articles} | {r.gold_events} | {r.events} | "
            f"{r.scores.precision:.3f} | {r.scores.recall:.3f} | {r.scores.f1:.3f} | "
            f"{r.seconds:.1f} | {base} |"
        )
    return "\n".join(lines)


def format_noise(results: Iterable[GroupingResult]) -> str:
    """Rejections per file: noise pages caught, real articles lost, and the reasons given."""
    lines = []
    for r in results:
        lines.append(
            f"{r.name}: rejected {r.noise_rejected} of {r.noise_pages} noise pages; "
            f"{r.real_rejected} of {r.scored} real articles rejected by mistake"
        )
        for reason, count in r.rejected_reasons:
            lines.append(f"    {count:5d}  {reason}")
    return "\n".join(lines)


def run(
    files: Sequence[Path],
    with_baseline: bool = True,
    echo: Callable[[str], None] = print,
    config: Config | None = None,
) -> list[GroupingResult]:
    """Evaluate every file, printing each result as it is ready and the table at the end."""
    results = []
    for path in files:
        result = evaluate_file(path, with_baseline, config)
        s = result.scores
        line = (
            f"{result.name}: P {s.precision:.3f} R {s.recall:.3f} F1 {s.f1:.3f}, "
            f"{result.events} events (gold {result.gold_events}), {result.seconds:.1f} s"
        )
        if result.baseline is not None:
            b = result.baseline
            line += (
                f" | baseline (TF-IDF average link, threshold {result.baseline_threshold:.3f} "
                f"tuned on this file): P {b.precision:.3f} R {b.recall:.3f} F1 {b.f1:.3f}, "
                f"{result.baseline_events} events"
            )
        echo(line)
        results.append(result)
    echo("")
    echo(format_table(results))
    echo("")
    echo(format_noise(results))
    return results
