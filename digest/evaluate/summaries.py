"""Summary evaluation: ROUGE of the merged summaries against reference summaries, beside the
extractive baselines a user would reach for, at one fixed word budget per dataset.

Every gold event is pinned (``event`` front matter) so the grouping is the gold one, and the
site is gathered exactly as ``digest build`` would. The baselines read the same cleaned articles:
Lead (first sentences round-robin across articles) and sumy's LexRank, TextRank, LSA, Luhn and
SumBasic. Baselines are cut at the budget word; the digest summary fills it with whole sentences.

``rouge-score`` and ``sumy`` come with the ``eval`` extra; the site build never needs them.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from digest.build import gather
from digest.config import Config
from digest.evaluate.data import GoldEvent, load_gold, write_inputs
from digest.faithfulness import faithfulness_problems
from digest.model import Article, Summary
from digest.sentences import split_sentences
from digest.summarize import summarize

# Word budget per dataset, keyed by the start of the file name. The budget follows the length of
# the dataset's references; the summarizer itself runs with the one default configuration.
BUDGETS = {"multinews": 250, "allsides": 100}
DEFAULT_BUDGET = 100
SYSTEMS = ("digest", "lead", "lexrank", "textrank", "lsa", "luhn", "sumbasic")


@dataclass(frozen=True, slots=True)
class Scores:
    rouge1: float
    rouge2: float
    rougeL: float  # noqa: N815 - the metric's own name

    def row(self) -> str:
        return f"{100 * self.rouge1:.2f} | {100 * self.rouge2:.2f} | {100 * self.rougeL:.2f}"


@dataclass(frozen=True, slots=True)
class DatasetResult:
    name: str
    budget: int
    events: int
    scores: tuple[tuple[str, Scores], ...]
    problems: tuple[str, ...]  # faithfulness problems found in the digest summaries
    seconds: float


def budget_for(path: Path) -> int:
    for prefix, budget in BUDGETS.items():
        if path.name.startswith(prefix):
            return budget
    return DEFAULT_BUDGET


def pinned_events(
    gold: Sequence[GoldEvent], config: Config | None = None
) -> list[tuple[GoldEvent, list[Article]]]:
    """Build the gold events with the gold grouping pinned; pairs of gold event and articles."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "articles"
        write_inputs(list(gold), folder, pin_events=True)
        digest = gather(dataclasses.replace(config or Config(), source=str(folder)))
    by_pin: dict[str, list[Article]] = {}
    for event in digest.events:
        for article in event.articles:
            by_pin.setdefault(article.event or "", []).append(article)
    return [(g, by_pin.get(g.id, [])) for g in gold if g.summary]


def truncate(text: str, budget: int) -> str:
    return " ".join(text.split()[:budget])


def lead(articles: Sequence[Article], budget: int) -> str:
    """First sentences of the articles, round-robin, until the budget is reached."""
    per_article = [[s for p in a.paragraphs for s in split_sentences(p)] for a in articles]
    out: list[str] = []
    n = 0
    for position in range(max((len(s) for s in per_article), default=0)):
        for sentences in per_article:
            if position < len(sentences) and n < budget:
                out.append(sentences[position])
                n += len(sentences[position].split())
    return truncate(" ".join(out), budget)


class _Tokenizer:
    """sumy tokenizer on the project's own splitter (sumy's default needs NLTK data)."""

    language = "english"

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        return tuple(split_sentences(paragraph))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(re.findall(r"[^\W_]+(?:['’][^\W_]+)*", sentence))


def _sumy(name: str) -> Callable[[Sequence[Article], int], str]:
    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.lsa import LsaSummarizer
    from sumy.summarizers.luhn import LuhnSummarizer
    from sumy.summarizers.sum_basic import SumBasicSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    classes = {
        "lexrank": LexRankSummarizer,
        "textrank": TextRankSummarizer,
        "lsa": LsaSummarizer,
        "luhn": LuhnSummarizer,
        "sumbasic": SumBasicSummarizer,
    }
    summarizer = classes[name](Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    tokenizer = _Tokenizer()

    def run(articles: Sequence[Article], budget: int) -> str:
        text = "\n\n".join(p for a in articles for p in a.paragraphs)
        if not text.strip():
            return ""
        document = PlaintextParser.from_string(text, tokenizer).document

        def until_budget(infos: list) -> list:
            # Best-rated sentences until the budget is covered (then read in document order).
            taken, n = [], 0
            for info in infos:
                if n >= budget:
                    break
                taken.append(info)
                n += len(str(info.sentence).split())
            return taken

        sentences = summarizer(document, until_budget)
        return truncate(" ".join(str(s) for s in sentences), budget)

    return run


def digest_summary(
    articles: Sequence[Article], budget: int, config: Config | None = None
) -> Summary:
    settings = (config or Config()).summary
    return summarize(articles, dataclasses.replace(settings, max_words=budget))


def _mean(values: list[tuple[float, float, float]]) -> Scores:
    n = max(len(values), 1)
    return Scores(*(sum(v[k] for v in values) / n for k in range(3)))


def evaluate_file(
    path: Path,
    systems: Sequence[str] = SYSTEMS,
    limit: int | None = None,
    config: Config | None = None,
) -> DatasetResult:
    """ROUGE F1 of every system on one gold file; ``config``: the settings to score (None: the
    defaults), the summary's word budget set to the file's evaluation budget."""
    from rouge_score import rouge_scorer

    config = config or Config()
    start = time.perf_counter()
    budget = budget_for(path)
    pairs = pinned_events(load_gold(path, limit), config)
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    runners: dict[str, Callable[[Sequence[Article], int], str]] = {"lead": lead}
    for name in systems:
        if name not in runners and name != "digest":
            runners[name] = _sumy(name)
    values: dict[str, list[tuple[float, float, float]]] = {name: [] for name in systems}
    problems: list[str] = []
    for gold, articles in pairs:
        # Made once: scored below, and checked with the site's own summary.
        scored = digest_summary(articles, budget, config)
        for name in systems:
            if name == "digest":
                text = " ".join(s.text for s in scored.sentences)
            else:
                text = runners[name](articles, budget)
            r = scorer.score(gold.summary or "", text)
            values[name].append((r["rouge1"].fmeasure, r["rouge2"].fmeasure, r["rougeL"].fmeasure))
        # The rules hold at the site's budget and at the longer evaluation budget alike.
        for summary in (summarize(articles, config.summary), scored):
            problems.extend(f"{gold.id}: {p}" for p in faithfulness_problems(summary, articles))
    return DatasetResult(
        name=path.name,
        budget=budget,
        events=len(pairs),
        scores=tuple((name, _mean(values[name])) for name in systems),
        problems=tuple(problems),
        seconds=time.perf_counter() - start,
    )


def report(results: Sequence[DatasetResult]) -> str:
    """A Markdown table per dataset, best baseline and margins."""
    lines: list[str] = []
    for r in results:
        lines.append(f"{r.name}: {r.events} events, budget {r.budget} words ({r.seconds:.0f} s)")
        lines.append("")
        lines.append("| system | ROUGE-1 | ROUGE-2 | ROUGE-L |")
        lines.append("|---|---|---|---|")
        for name, s in r.scores:
            lines.append(f"| {name} | {s.row()} |")
        scores = dict(r.scores)
        baselines = [(n, s) for n, s in r.scores if n != "digest"]
        if "digest" in scores and baselines:
            best1 = max(baselines, key=lambda x: x[1].rouge1)
            best2 = max(baselines, key=lambda x: x[1].rouge2)
            d = scores["digest"]
            lines.append("")
            lines.append(
                f"margin: ROUGE-1 {100 * (d.rouge1 - best1[1].rouge1):+.2f} over {best1[0]}, "
                f"ROUGE-2 {100 * (d.rouge2 - best2[1].rouge2):+.2f} over {best2[0]}"
            )
        lines.append(f"faithfulness problems (site and evaluation budgets): {len(r.problems)}")
        lines.extend(f"  {p}" for p in r.problems[:20])
        lines.append("")
    return "\n".join(lines)


def run(
    paths: Sequence[Path],
    systems: Sequence[str] = SYSTEMS,
    limit: int | None = None,
    config: Config | None = None,
) -> str:
    """Evaluate every file with reference summaries and article text; return the report."""
    usable = [
        p
        for p in paths
        if any(e.summary and any(a.text for a in e.articles) for e in load_gold(p, 20))
    ]
    if not usable:
        return "summaries: no file with reference summaries and article text given"
    return report([evaluate_file(p, systems, limit, config) for p in usable])
