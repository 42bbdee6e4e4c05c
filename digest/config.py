"""Configuration: a typed schema with defaults and one line of help per key.

``load_config`` reads ``digest.yaml``, checks every key against the schema and reports every
problem at once (file, key and line) before anything is built. Unknown keys are errors.
"""

from __future__ import annotations

import dataclasses
import math
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from digest.errors import ConfigError

CONFIG_FILE = "digest.yaml"
# Settings that are paths: relative to the config file's folder when written in it, to the
# current folder when given on the command line.
_PATH_KEYS = frozenset({"source", "out", "cache", "theme"})


def _opt(default: Any, help: str, **kw: Any) -> Any:
    if isinstance(default, list | dict):
        return field(default_factory=lambda: type(default)(default), metadata={"help": help}, **kw)
    return field(default=default, metadata={"help": help}, **kw)


@dataclass(frozen=True)
class SiteConfig:
    title: str = _opt("News digest", "Site title shown in the header and feeds.")
    description: str = _opt(
        "Events from many outlets, merged into cited summaries.",
        "One-line description used in meta tags and feeds.",
    )
    base_url: str = _opt(
        "",
        "Absolute http(s) URL the site is served from (`https://example.org/news/`), with no "
        "query or fragment; enables canonical links, absolute feed links and sitemap.xml.",
    )
    language: str = _opt(
        "en",
        "Language tag of the site (html lang attribute, search index): letters, digits and "
        "hyphens, such as `en`, `en-GB`, `pt-BR` or `zh-Hant`.",
    )
    per_page: int = _opt(30, "Events per index page before paging.")
    keyword_min_events: int = _opt(
        2,
        "Events a keyword must carry to get its own page and Atom feed; a rarer keyword is "
        "shown as plain text (1: a page for every keyword).",
    )
    search: bool = _opt(
        True, "Build the Pagefind search index and page (when the pagefind package is installed)."
    )
    search_articles: bool = _opt(
        False,
        "Index every article's own page for search too, not only the event pages (headline, "
        "cited summary, source titles, keywords): full texts, about three times the index's "
        "build time, size and memory.",
    )
    search_index_pages: int = _opt(
        15000,
        "Indexed pages per search index: a site with more gets several indexes, built one after "
        "another and searched together by the browser, so that building the index takes at "
        "most about 1 GB of memory (Pagefind holds about 70 KB a page); 0: always one index.",
    )


@dataclass(frozen=True)
class DedupeConfig:
    threshold: float = _opt(
        0.8,
        "Share of the shorter text's word shingles found in the other above which two articles "
        "are copies.",
    )
    shingle: int = _opt(4, "Words per shingle for near-duplicate detection.")
    num_perm: int = _opt(128, "MinHash permutations.")
    seed: int = _opt(1, "Seed for MinHash permutations.")


@dataclass(frozen=True)
class GroupingConfig:
    threshold: float = _opt(0.205, "Similarity above which two articles report the same event.")
    window_days: int = _opt(7, "Articles further apart than this in time never share an event.")
    centroid_size: int = _opt(
        20,
        "Events are compared by mean pairwise similarity (average link) while small, and move "
        "to the cosine of their centroids as the larger grows to this many articles (0: "
        "always average link).",
    )
    source_penalty: float = _opt(
        0.9,
        "How much less likely two groups are to merge when the same outlets appear in both "
        "(0: not at all; 1: never when all outlets of one recur in the other).",
    )
    local_scaling: float = _opt(
        1.5,
        "How much a pair's similarity counts relative to each side's neighbourhood (0: absolute "
        "similarity only), so busy topics do not run together and lone stories still group.",
    )
    local_neighbour: int = _opt(
        3, "Rank of the neighbour whose similarity sets an article's neighbourhood scale."
    )
    phrase_bonus: float = _opt(
        0.15, "Similarity added to two articles that share several long phrases (quotes)."
    )
    phrase_words: int = _opt(6, "Words in a phrase for the shared-phrase bonus.")
    headline_bonus: float = _opt(
        0.1, "Share of two articles' headline cosine added to their similarity (0: none)."
    )
    headline_topics: int = _opt(
        50,
        "Dimensions of the topic space (latent semantic analysis) in which headline-only "
        "articles are also compared (0: none).",
    )
    topic_weight: float = _opt(
        0.2, "How far two headlines' similarity moves towards their topic-space cosine (0-1)."
    )
    date_bonus: float = _opt(
        0.05,
        "Similarity added to two dated articles close in time, scaled by how rare such "
        "closeness is in the folder (0: none).",
    )
    weekday_penalty: float = _opt(
        0.5,
        "How much less similar two articles are, when at least one is undated, if the opening "
        "words of each name a day of the week and no day is in both (0: not at all).",
    )
    figure_penalty: float = _opt(
        0.5,
        "How much less similar two articles are, when at least one is undated, if each "
        "headline states figures (850,000 jobs, 60 dead) and no figure is in both (0: not at "
        "all); it fades for headline-only items.",
    )
    attach_similarity: float = _opt(
        0.1,
        "An article left alone joins the event whose centroid (summed word vectors) it is at "
        "least this close to by cosine, when clearly closer to it than to any other (0: never).",
    )
    attach_margin: float = _opt(
        2.0,
        "How many times closer a lone article must be to an event's centroid than to the next "
        "event's to join it (1 or more; 1: any closer at all).",
    )
    min_similarity: float = _opt(
        0.05, "Candidate pairs less similar than this are left out of the grouping graph."
    )
    candidate_terms: int = _opt(
        30, "Most telling words per article used to find candidate pairs (no all-pairs step)."
    )
    candidate_pairs: int = _opt(
        200,
        "Partners each article proposes for exact comparison, its best by shared distinctive "
        "words: bounds the work per article at any folder size (0: no bound). A text longer "
        "than a headline proposes at most twice `max_links`.",
    )
    max_links: int = _opt(
        30,
        "Links each article keeps into the merging, its most similar; a pair stays when either "
        "side keeps it, and headline-short articles keep all theirs. The weaker ones barely "
        "move an average, yet their number grows with the folder (0: no bound).",
    )
    candidate_max_df: int = _opt(
        1000, "Words in more articles than this never propose candidate pairs."
    )


@dataclass(frozen=True)
class SummaryConfig:
    max_words: int = _opt(100, "Word budget of each event's merged summary.")


@dataclass(frozen=True)
class KeywordsConfig:
    count: int = _opt(8, "Keywords kept per event (0: none).")
    max_ngram: int = _opt(
        3,
        'Longest phrase YAKE proposes, in words; a name made whole from the text ("Food and '
        'Drug Administration") may be longer, up to six words.',
    )


@dataclass(frozen=True)
class FeedConfig:
    url: str = _opt("", "Absolute http(s) URL of the feed (RSS or Atom); required.")
    name: str = _opt("", "Outlet name; defaults to the feed's own title.")
    limit: int = _opt(0, "Most entries to take from this feed per run (0: all).")


@dataclass(frozen=True)
class FetchConfig:
    timeout: float = _opt(20.0, "Seconds before a request is abandoned.")
    retries: int = _opt(3, "Retries on timeouts, dropped connections, 429 and 5xx responses.")
    per_host: int = _opt(2, "Most parallel requests to one host.")
    parallel: int = _opt(8, "Most parallel requests overall.")
    backoff: float = _opt(1.0, "Seconds before the first retry; doubled for each further retry.")
    max_bytes: int = _opt(5_000_000, "Largest page or feed downloaded, in bytes; bigger ones fail.")
    user_agent: str = _opt(
        "digest/0.1 (static news-digest generator)",
        "User-Agent sent with every request.",
    )


@dataclass(frozen=True)
class Config:
    source: str = _opt("seeds", "Folder of input articles.")
    out: str = _opt("output", "Folder the site is written to.")
    theme: str = _opt(
        "themes/default",
        "Theme folder, holding a `templates` folder, a `static` folder or both; what it does "
        "not hold comes from the default theme.",
    )
    cache: str = _opt(".digest-cache", "Folder of the incremental build cache; safe to delete.")
    site: SiteConfig = _opt(SiteConfig(), "Site metadata.")
    dedupe: DedupeConfig = _opt(DedupeConfig(), "Near-duplicate detection.")
    grouping: GroupingConfig = _opt(GroupingConfig(), "Event grouping.")
    summary: SummaryConfig = _opt(SummaryConfig(), "Merged summaries.")
    keywords: KeywordsConfig = _opt(KeywordsConfig(), "Keyword extraction.")
    feeds: list[FeedConfig] = _opt([], "Feeds that `digest fetch` collects into the source folder.")
    fetch: FetchConfig = _opt(FetchConfig(), "How `digest fetch` downloads.")
    base_dir: str = field(default=".", metadata={"help": "", "internal": True})

    def path(self, value: str) -> Path:
        """Resolve a path setting relative to the folder holding the config file."""
        p = Path(value).expanduser()
        return p if p.is_absolute() else Path(self.base_dir) / p

    def own_folders(self) -> tuple[Path, ...]:
        """The build's folders besides the output: the cache and the theme. Where they lie
        inside the source folder they are not input (``read.walk``), nor a change to rebuild
        on (``serve``)."""
        return (self.path(self.cache), *((self.path(self.theme),) if self.theme else ()))


def _line_of(node: yaml.Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


def _describe(tp: Any) -> str:
    if tp is float:
        return "a number"
    if tp is int:
        return "an integer"
    if tp is str:
        return "a string"
    if tp is bool:
        return "true or false"
    if typing.get_origin(tp) is list:
        return "a list"
    return "a mapping"


def _convert(
    tp: Any, value: Any, node: yaml.Node | None, key: str, errors: list[str], file: str
) -> Any:
    where = f"{file}:{_line_of(node)}" if node is not None else file
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            errors.append(f"{where}: '{key}' must be a mapping")
            return tp()
        return _build(tp, value, node, key + ".", errors, file)
    if typing.get_origin(tp) is list:
        (item_tp,) = typing.get_args(tp)
        if not isinstance(value, list):
            errors.append(f"{where}: '{key}' must be a list")
            return []
        items = node.value if isinstance(node, yaml.SequenceNode) else [None] * len(value)
        return [
            _convert(item_tp, v, n, f"{key}[{i}]", errors, file)
            for i, (v, n) in enumerate(zip(value, items, strict=False))
        ]
    ok = (
        isinstance(value, tp) and not (tp is int and isinstance(value, bool))
        if tp is not float
        else isinstance(value, int | float) and not isinstance(value, bool)
    )
    if not ok:
        errors.append(f"{where}: '{key}' must be {_describe(tp)}, got {value!r}")
        return None
    if tp is float and not math.isfinite(value):
        # YAML's .inf and .nan: no option means anything by them, and NaN passes no range check
        # quietly but poisons every similarity it touches.
        errors.append(f"{where}: '{key}' must be a finite number, got {value!r}")
        return None
    return float(value) if tp is float else value


def _build(
    cls: type, data: dict, node: yaml.Node | None, prefix: str, errors: list[str], file: str
) -> Any:
    hints = typing.get_type_hints(cls)
    nodes: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    if isinstance(node, yaml.MappingNode):
        nodes = {k.value: (k, v) for k, v in node.value}
    fields = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        knode, vnode = nodes.get(str(key), (None, None))
        if str(key) not in fields:
            known = ", ".join(sorted(fields))
            where = f"{file}:{_line_of(knode)}" if knode is not None else file
            errors.append(f"{where}: unknown key '{prefix}{key}' (known keys: {known})")
            continue
        converted = _convert(hints[str(key)], value, vnode, prefix + str(key), errors, file)
        if converted is not None:
            kwargs[str(key)] = converted
    return cls(**kwargs)


def _key_lines(node: yaml.Node | None, prefix: str, file: str, errors: list[str]) -> dict[str, int]:
    """Line of every key in the file (``site.title``: 3); duplicate keys are reported."""
    lines: dict[str, int] = {}
    if isinstance(node, yaml.SequenceNode):  # feeds: their items' keys are feeds[0].url, ...
        for i, item in enumerate(node.value):
            # The item's own line too: a feed missing its url is reported there.
            lines[f"{prefix.removesuffix('.')}[{i}]"] = _line_of(item) or 0
            lines.update(_key_lines(item, f"{prefix.removesuffix('.')}[{i}].", file, errors))
        return lines
    if not isinstance(node, yaml.MappingNode):
        return lines
    for knode, vnode in node.value:
        key = prefix + str(knode.value)
        if key in lines:
            errors.append(
                f"{file}:{_line_of(knode)}: duplicate key '{key}' (first at line {lines[key]})"
            )
        lines[key] = _line_of(knode) or 0
        lines.update(_key_lines(vnode, key + ".", file, errors))
    return lines


def _line(lines: dict[str, int], key: str) -> int | None:
    """Line of ``key``, else of the nearest enclosing key or list item written in the file."""
    while key not in lines:
        cut = max(key.rfind("."), key.rfind("["))
        if cut <= 0:
            return None
        key = key[:cut]
    return lines[key] or None


# The range checks of _check_values. Shares and weights scale a similarity in [0, 1] or are
# added to it: outside [0, 1] they turn a penalty into a bonus or let any pair through.
_UNIT = (lambda v: 0.0 <= v <= 1.0, "must be in [0.0, 1.0]")
_POSITIVE = (lambda v: v > 0, "must be positive")
_NATURAL = (lambda v: v >= 0, "must be zero or more")
_AT_LEAST_ONE = (lambda v: v >= 1, "must be 1.0 or more")
# numpy's RandomState, which draws the MinHash permutations, takes a 32-bit unsigned seed.
_SEED_MAX = 2**32 - 1
_SEED = (lambda v: 0 <= v <= _SEED_MAX, f"must be in [0, {_SEED_MAX}]")
# BCP 47 in outline: the tag goes into lang= and Pagefind's file names, so a space or markup
# there breaks both.
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")


def _is_web_url(value: str) -> bool:
    """Whether ``value`` is an absolute http(s) URL with a host, as a browser or fetch needs."""
    if any(c.isspace() or not c.isprintable() for c in value):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 -- raises ValueError on a port that is no number or out of range
    except ValueError:  # a broken [IPv6] host, a bad port
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def url_problem(value: str, required: bool) -> str | None:
    """What is wrong with a URL setting, or None; an empty one is fine unless ``required``."""
    if not value:
        return "is missing: it must be an absolute http(s) URL" if required else None
    if not _is_web_url(value):
        return f"must be an absolute http(s) URL such as https://example.org/, got {value!r}"
    return None


def _check_values(
    config: Config, file: str, errors: list[str], lines: dict[str, int] | None = None
) -> None:
    site, dedupe, grouping, fetch = config.site, config.dedupe, config.grouping, config.fetch
    ranges = [
        ("site.per_page", site.per_page, _POSITIVE),
        ("site.keyword_min_events", site.keyword_min_events, _POSITIVE),
        ("site.search_index_pages", site.search_index_pages, _NATURAL),
        ("dedupe.threshold", dedupe.threshold, _UNIT),
        ("dedupe.shingle", dedupe.shingle, _POSITIVE),
        ("dedupe.num_perm", dedupe.num_perm, _POSITIVE),
        ("dedupe.seed", dedupe.seed, _SEED),
        ("grouping.threshold", grouping.threshold, _UNIT),
        # Pairs of dated articles further apart than the window are dropped: at 0 two reports
        # an hour apart could never share an event (and negative days drop every dated pair).
        ("grouping.window_days", grouping.window_days, _POSITIVE),
        ("grouping.centroid_size", grouping.centroid_size, _NATURAL),
        ("grouping.source_penalty", grouping.source_penalty, _UNIT),
        ("grouping.local_scaling", grouping.local_scaling, _NATURAL),
        ("grouping.local_neighbour", grouping.local_neighbour, _POSITIVE),
        ("grouping.phrase_bonus", grouping.phrase_bonus, _UNIT),
        # A phrase of no words is the same (empty) phrase in every article.
        ("grouping.phrase_words", grouping.phrase_words, _POSITIVE),
        ("grouping.headline_bonus", grouping.headline_bonus, _UNIT),
        ("grouping.headline_topics", grouping.headline_topics, _NATURAL),
        ("grouping.topic_weight", grouping.topic_weight, _UNIT),
        ("grouping.date_bonus", grouping.date_bonus, _UNIT),
        ("grouping.weekday_penalty", grouping.weekday_penalty, _UNIT),
        ("grouping.figure_penalty", grouping.figure_penalty, _UNIT),
        ("grouping.attach_similarity", grouping.attach_similarity, _UNIT),
        ("grouping.attach_margin", grouping.attach_margin, _AT_LEAST_ONE),
        ("grouping.min_similarity", grouping.min_similarity, _UNIT),
        # With no words kept per article, no pair is ever proposed and nothing groups.
        ("grouping.candidate_terms", grouping.candidate_terms, _POSITIVE),
        ("grouping.candidate_pairs", grouping.candidate_pairs, _NATURAL),
        ("grouping.max_links", grouping.max_links, _NATURAL),
        ("grouping.candidate_max_df", grouping.candidate_max_df, _POSITIVE),
        ("summary.max_words", config.summary.max_words, _POSITIVE),
        ("keywords.count", config.keywords.count, _NATURAL),
        ("keywords.max_ngram", config.keywords.max_ngram, _POSITIVE),
        *((f"feeds[{i}].limit", feed.limit, _NATURAL) for i, feed in enumerate(config.feeds)),
        ("fetch.timeout", fetch.timeout, _POSITIVE),
        ("fetch.retries", fetch.retries, _NATURAL),
        ("fetch.per_host", fetch.per_host, _POSITIVE),
        ("fetch.parallel", fetch.parallel, _POSITIVE),
        ("fetch.backoff", fetch.backoff, _NATURAL),
        ("fetch.max_bytes", fetch.max_bytes, _POSITIVE),
    ]
    problems = [
        (key, None if ok(value) else f"{message}, got {value!r}")
        for key, value, (ok, message) in ranges
    ]
    # base_url is joined with page paths ("{base_url}/events/x.html"): a query or fragment
    # would swallow them, and a URL without scheme or host makes every canonical link relative.
    base_url = site.base_url
    base_problem = url_problem(base_url, required=False)
    if not base_problem and ("?" in base_url or "#" in base_url):
        base_problem = f"must have no query or fragment, got {base_url!r}"
    problems.append(("site.base_url", base_problem))
    if not _LANGUAGE_TAG.fullmatch(site.language):
        problems.append(
            (
                "site.language",
                f"must be a language tag such as en, en-GB or pt-BR, got {site.language!r}",
            )
        )
    problems += [
        (f"feeds[{i}].url", url_problem(feed.url, required=True))
        for i, feed in enumerate(config.feeds)
    ]
    for key, problem in problems:
        if problem:
            line = _line(lines or {}, key)
            errors.append(f"{file}{f':{line}' if line else ''}: '{key}' {problem}")


def _not_a_folder(path: Path) -> str | None:
    """Why ``path``, set where a folder is expected, cannot be one: it exists but is a file."""
    try:
        if path.exists() and not path.is_dir():
            return f"'{path}' is a file, not a folder"
    except OSError:  # a folder we may not look into: what it holds is for the stage to report
        pass
    return None


def _theme_layout_problem(folder: Path, value: str) -> str | None:
    """Why the theme folder ``folder`` (set as ``value``) would be ignored: it holds neither
    ``templates/`` nor ``static/``, the only places looked in (docs/themes.md)."""
    try:
        if (folder / "templates").is_dir() or (folder / "static").is_dir():
            return None
    except OSError:  # a folder we may not look into: the build reports what it cannot read
        return None
    if folder.name in ("templates", "static"):
        hint = f"set 'theme' to '{Path(value).parent}', the folder that holds it"
    else:
        hint = "put templates in a 'templates' folder inside it and static files in 'static'"
    return (
        f"folder '{folder}' holds neither a 'templates' nor a 'static' folder, so nothing in it"
        f" would be used: {hint}"
    )


def _yaml_problem(exc: yaml.YAMLError, text: str) -> tuple[int | None, str]:
    """The 1-based line of a YAML error and its problem in one line, without PyYAML's
    ``"<unicode string>"`` (the stream's name) and source excerpts."""
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, exc.position) + 1
        return line, f"unacceptable character #x{exc.character:04x}: {exc.reason}"
    if not isinstance(exc, yaml.MarkedYAMLError):
        return None, " ".join(str(exc).split())
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    problem = exc.problem or ""
    if exc.context:  # what the parser was inside when it failed, and where that began
        began = exc.context_mark.line + 1 if exc.context_mark else None
        context = exc.context + (f" (line {began})" if began and began != line else "")
        problem = f"{context}: {problem}" if problem else context
    return line, " ".join(problem.split())


def load_config(path: Path | None = None, overrides: dict[str, Any] | None = None) -> Config:
    """Load the config from ``path`` (or ``digest.yaml`` in the current folder, if any).

    Raises ``ConfigError`` listing every problem found.
    """
    errors: list[str] = []
    data: dict[str, Any] = {}
    node: yaml.Node | None = None
    base_dir = Path(".")
    file = CONFIG_FILE
    if path is None and Path(CONFIG_FILE).is_file():
        path = Path(CONFIG_FILE)
    if path is not None:
        file = str(path)
        base_dir = path.parent
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise ConfigError(f"{file}: config file not found") from None
        except OSError as exc:  # a folder, or a file we may not read
            raise ConfigError(f"{file}: cannot read config file: {exc.strerror or exc}") from None
        try:
            text = raw.decode("utf-8")
            node = yaml.compose(text)
            loaded = yaml.safe_load(text)
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            problem = f"not UTF-8 text (byte 0x{raw[exc.start]:02x})"
            raise ConfigError(f"{file}:{line}: not valid YAML: {problem}") from None
        except yaml.YAMLError as exc:
            line, problem = _yaml_problem(exc, text)
            raise ConfigError(
                f"{file}{f':{line}' if line else ''}: not valid YAML: {problem}"
            ) from None
        except RecursionError:  # PyYAML composes nested collections by recursion
            raise ConfigError(f"{file}: not valid YAML: nested too deeply") from None
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"{file}: the config must be a mapping of keys to values")
        data = loaded
    config = _build(Config, data, node, "", errors, file)
    for key, value in (overrides or {}).items():
        if value is not None:
            if key in _PATH_KEYS:
                # Given on the command line, so relative to the folder the command runs in: made
                # absolute here, as config.path() would put it under the config file's folder.
                value = str(Path.cwd() / Path(value).expanduser())
            config = dataclasses.replace(config, **{key: value})
    config = dataclasses.replace(config, base_dir=str(base_dir))
    lines = _key_lines(node, "", file, errors)
    _check_values(config, file, errors, lines)
    from digest.theme import DEFAULT_THEME, theme_problem  # it owns what a valid theme is

    problems = {
        # A source folder that does not exist yet is no config error (`digest fetch` makes it);
        # one that is a file would only fail later, as "does not exist".
        "source": _not_a_folder(config.path(config.source)),
        # The default theme comes from the install, whatever lies at its path.
        "theme": (config.theme != DEFAULT_THEME and _not_a_folder(config.path(config.theme)))
        or theme_problem(config)
        # Only now is the folder known to be one: is it laid out as a theme?
        or (
            config.theme != DEFAULT_THEME
            and _theme_layout_problem(config.path(config.theme), config.theme)
        ),
    }
    for key, problem in problems.items():
        if problem:
            # A value given on the command line has no line in the file.
            line = None if (overrides or {}).get(key) is not None else lines.get(key)
            errors.append(f"{file}{f':{line}' if line else ''}: '{key}' {problem}")
    if errors:
        # In the file's order, as a reader fixes them; those without a line (the file as a
        # whole) first. The sort is stable, so one line's problems keep the order they were found.
        at = re.compile(re.escape(file) + r":(\d+):")
        errors.sort(key=lambda e: int(m.group(1)) if (m := at.match(e)) else 0)
        raise ConfigError("invalid configuration:\n" + "\n".join(f"  {e}" for e in errors))
    return config


def describe_schema(cls: type = Config, prefix: str = "") -> list[tuple[str, str, str]]:
    """Every config key with its default and help line, for docs and `digest init`."""
    rows: list[tuple[str, str, str]] = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.metadata.get("internal"):
            continue
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        if dataclasses.is_dataclass(default):
            rows.append((prefix + f.name, "", f.metadata["help"]))
            rows.extend(describe_schema(type(default), prefix + f.name + "."))
            continue
        rows.append((prefix + f.name, repr(default), f.metadata["help"]))
        item_type = (typing.get_args(hints[f.name]) or (None,))[0]
        if typing.get_origin(hints[f.name]) is list and dataclasses.is_dataclass(item_type):
            rows.extend(describe_schema(item_type, f"{prefix}{f.name}[]."))
    return rows


def reference_markdown() -> str:
    """The configuration reference (docs/configuration.md is this text)."""
    lines = [
        "# Configuration reference",
        "",
        "Every key of `digest.yaml`, with its default. Generated from the schema in",
        "`digest/config.py` by `python -m digest.config > docs/configuration.md`; a test keeps",
        "the two in step. Unknown keys, wrong types and bad values are reported all at once,",
        "one line each, in the file's order, as `file:line: 'key' problem` (a value out of",
        "range with the value given); a file that is not valid YAML stops at its first error, as",
        "`file:line: not valid YAML: problem`. Paths written in the config file are relative to",
        "the folder holding it; paths given on the command line (`--source`, `--out`) are",
        "relative to the current folder. URLs (`site.base_url`, `feeds[].url`) must be absolute",
        "`http://` or `https://` URLs with a host.",
        "",
        "| key | default | meaning |",
        "|---|---|---|",
    ]
    for key, default, help_text in describe_schema():
        shown = f"`{default}`" if default else ""
        escaped = help_text.replace("|", "\\|")
        lines.append(f"| `{key}` | {shown} | {escaped} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(reference_markdown(), end="")
