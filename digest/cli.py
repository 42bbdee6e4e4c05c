"""Command-line interface: ``digest build`` and friends.

Errors the user can fix are reported as one line on stderr with a non-zero exit code, never a
traceback.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import click

from digest import __version__
from digest.config import Config, load_config
from digest.errors import DigestError
from digest.model import Digest


def _report(digest: Digest, files: int, out: Path, seconds: float) -> None:
    articles = sum(len(e.members) for e in digest.events)
    duplicates = sum(len(c.duplicates) for e in digest.events for c in e.members)
    for r in digest.rejected:
        click.echo(f"rejected {r.path}: {r.reason}", err=True)
    for e in digest.events:
        for c in e.members:
            for article in (c.article, *c.duplicates):
                for w in article.warnings:
                    click.echo(f"warning {article.path}: {w}", err=True)
    stages = ", ".join(f"{name} {t:.2f}s" for name, t in digest.timings)
    click.echo(
        f"{articles} articles, {duplicates} duplicates, {len(digest.events)} events, "
        f"{len(digest.rejected)} rejected; {files} files in {seconds:.2f}s ({stages})",
        err=True,
    )
    index = (out / "index.html").resolve()
    click.echo(f"open {index.as_uri()}", err=True)


# Options several commands share, defined once so their names and help stay the same.
source_option = click.option(
    "--source", type=click.Path(file_okay=False), help="Folder of input articles."
)
out_option = click.option(
    "--out", type=click.Path(file_okay=False), help="Folder to write the site to."
)
config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Config file (default: digest.yaml in the current folder, if present).",
)

quiet_option = click.option(
    "--quiet", "-q", is_flag=True, help="Print only problems and the final report."
)
jobs_option = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Worker processes for per-article and per-event work (0: every core). "
    "The result is the same whatever the number.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="digest")
def cli() -> None:
    """digest: turn a folder of news articles into a static site of events with cited summaries."""


@cli.command()
@source_option
@out_option
@config_option
@quiet_option
@click.option("--fetch", "fetch_first", is_flag=True, help="Run `digest fetch` first, then build.")
@jobs_option
def build(
    source: str | None,
    out: str | None,
    config_path: str | None,
    quiet: bool,
    fetch_first: bool,
    jobs: int,
) -> None:
    """Build the site from the source folder into the output folder."""
    from digest.build import build as run_build

    start = time.perf_counter()
    try:
        config = load_config(
            Path(config_path) if config_path else None,
            {"source": source, "out": out},
        )
        if fetch_first:
            _fetch(config, force=False, quiet=quiet)  # feeds that fail still leave the archive
        say = None if quiet else (lambda msg: click.echo(msg, err=True))
        digest, files = run_build(config, say, jobs=jobs or None)
    except DigestError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    _report(digest, files, config.path(config.out), time.perf_counter() - start)


@cli.command()
@source_option
@config_option
@quiet_option
@jobs_option
def check(source: str | None, config_path: str | None, quiet: bool, jobs: int) -> None:
    """Check every event's summary against the faithfulness rules.

    Gathers the source folder as `digest build` does (with its cache, writing no site), then
    checks each summary sentence against the articles it cites: a span of one of them, every
    article that states it cited, no repeats, no sentence leaning on missing context, balanced
    quotes, no boilerplate (docs/summaries.md). Lists what breaks a rule and exits with status
    1 if anything does.
    """
    from digest.build import cache_session, gather
    from digest.faithfulness import digest_problems

    try:
        config = load_config(Path(config_path) if config_path else None, {"source": source})
        say = None if quiet else (lambda msg: click.echo(msg, err=True))
        with cache_session(config) as cache:
            digest = gather(config, say, jobs=jobs or None, cache=cache)
    except DigestError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    problems = digest_problems(digest)
    for event_id, problem in problems:
        click.echo(f"{event_id}: {problem}")
    broken = len({event_id for event_id, _ in problems})
    sentences = sum(len(e.summary) for e in digest.events)
    click.echo(
        f"{len(digest.events)} events, {sentences} summary sentences: "
        f"{broken} summaries break a rule ({len(problems)} problems)"
    )
    if problems:
        sys.exit(1)


def _fetch(config: Config, force: bool, quiet: bool) -> bool:
    """Run the fetch and print its report; True when at least one feed could be read."""
    from digest.fetch import fetch_all

    report = fetch_all(config, force=force, progress=not quiet)
    lines = report.lines()
    for i, line in enumerate(lines):
        if not quiet or line.startswith("failed") or i == len(lines) - 1:
            click.echo(line, err=True)
    return report.feeds_ok > 0


@cli.command()
@click.option("--source", type=click.Path(file_okay=False), help="Folder to write articles to.")
@config_option
@click.option("--force", is_flag=True, help="Download again and overwrite existing articles.")
@click.option("--quiet", "-q", is_flag=True, help="Print only failures and the final counts.")
def fetch(source: str | None, config_path: str | None, force: bool, quiet: bool) -> None:
    """Collect the articles of the configured feeds into the source folder."""
    try:
        config = load_config(Path(config_path) if config_path else None, {"source": source})
        ok = _fetch(config, force=force, quiet=quiet)
    except DigestError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    if not ok:
        click.echo("error: no feed could be read", err=True)
        sys.exit(1)


@cli.command()
@click.option(
    "--port",
    "-p",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port on localhost (0: any free port).",
)
@source_option
@out_option
@config_option
def serve(port: int, source: str | None, out: str | None, config_path: str | None) -> None:
    """Build, serve the site on localhost, and rebuild and reload on every change."""
    from digest.config import CONFIG_FILE
    from digest.serve import serve as run_serve

    file = Path(config_path) if config_path else None
    if file is None and Path(CONFIG_FILE).is_file():
        file = Path(CONFIG_FILE)

    def load() -> Config:
        return load_config(file, {"source": source, "out": out})

    try:
        run_serve(load, file, port, lambda msg: click.echo(msg, err=True))
    except DigestError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except OSError as exc:
        click.echo(f"error: cannot serve on port {port}: {exc.strerror or exc}", err=True)
        sys.exit(1)


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False))
def init(folder: str) -> None:
    """Create a new digest project in FOLDER: config, example article and theme folder."""
    import shlex

    from digest.scaffold import scaffold

    if not folder:  # Path("") is the current folder: an empty argument is a slip, not a choice
        click.echo("error: FOLDER is empty; name the folder to create ('.' for this one)", err=True)
        sys.exit(1)
    try:
        written = scaffold(Path(folder))
    except DigestError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    for path in written:
        click.echo(f"wrote {path}", err=True)
    click.echo(f"next: cd {shlex.quote(folder)} && digest serve", err=True)


@cli.command("eval")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--task",
    "tasks",
    type=click.Choice(["grouping", "dedupe", "summaries", "keywords"]),
    multiple=True,
    default=("grouping",),
    show_default=True,
    help="What to measure (repeat for several): grouping (B-cubed, with noise rejections), "
    "dedupe (near-duplicate precision and recall), summaries (ROUGE against references, with "
    "baselines and faithfulness checks) or keywords (main-entity recall against plain YAKE).",
)
@click.option(
    "--baseline/--no-baseline",
    default=True,
    show_default=True,
    help="Also score a TF-IDF average-link baseline with its threshold tuned on each file.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of generated copies.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False),
    help="Config file whose settings to score (default: the built-in defaults, not digest.yaml; "
    "its source and output folders are not used).",
)
def eval_command(
    files: tuple[str, ...],
    tasks: tuple[str, ...],
    baseline: bool,
    seed: int,
    config_path: str | None,
) -> None:
    """Score the pipeline on gold FILES (JSON Lines of events, see docs/quality.md)."""
    paths = [Path(f) for f in files]
    try:
        # The recorded figures are the defaults': a digest.yaml that happens to be in the
        # current folder is not read unless named.
        config = load_config(Path(config_path)) if config_path else Config()
        _evaluate(paths, tasks, baseline, seed, config)
    except DigestError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


def _evaluate(
    paths: list[Path], tasks: tuple[str, ...], baseline: bool, seed: int, config: Config
) -> None:
    from digest.evaluate.data import load_gold

    for path in paths:  # every file read before any figure: a bad line stops the run at once
        load_gold(path)
    if "grouping" in tasks:
        from digest.evaluate import grouping

        grouping.run(paths, with_baseline=baseline, echo=click.echo, config=config)
    if "dedupe" in tasks:
        from digest.evaluate import dedupe as dedupe_eval

        dedupe_eval.run(paths, seed=seed, echo=click.echo, config=config)
    if "summaries" in tasks:
        from digest.evaluate import summaries

        click.echo(summaries.run(paths, config=config))
    if "keywords" in tasks:
        from digest.evaluate import keywords

        click.echo(keywords.run(paths, config=config))


def main() -> None:
    # The reproducible-builds rule: a malformed SOURCE_DATE_EPOCH stops the build. Left alone,
    # it stopped it anyway, with a traceback from a library that reads it on import (numpy).
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None and not epoch.strip():
        del os.environ["SOURCE_DATE_EPOCH"]  # set but empty: as if unset (numpy would fail on it)
    elif epoch is not None and not re.fullmatch(r"[0-9]+", epoch.strip()):
        click.echo(
            f"error: SOURCE_DATE_EPOCH must be a whole number of seconds, got {epoch!r}", err=True
        )
        sys.exit(1)
    cli()
