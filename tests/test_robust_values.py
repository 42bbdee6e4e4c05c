"""Values that parse yet mean nothing: dates the clock would complete, config out of range."""

from __future__ import annotations

import datetime as dt
import time
import types
from pathlib import Path

import pytest
from dateutil.parser import _parser as dateutil_parser

from digest.clean import clean
from digest.config import load_config
from digest.errors import ConfigError
from digest.model import Article, Document

# Two days of the build: dateutil takes missing fields from "now", so each gives other dates.
CLOCKS = [dt.datetime(2031, 12, 24, 15, 45), dt.datetime(1999, 2, 28, 1, 2)]


def _freeze(monkeypatch: pytest.MonkeyPatch, now: dt.datetime) -> None:
    """Make dateutil see ``now`` as the current time."""

    class Frozen(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(now.year, now.month, now.day, now.hour, now.minute, tzinfo=tz)

    module = types.SimpleNamespace(**{**vars(dt), "datetime": Frozen})
    monkeypatch.setattr(dateutil_parser, "datetime", module)


def _dated(value: object, text: str = "Text of the story here.") -> Article:
    doc = Document("x", "x.md", text, (("title", "T"), ("date", value)), "markdown")
    article = clean(doc)
    assert isinstance(article, Article)
    return article


def _warnings(article: Article) -> tuple[str, ...]:
    return article.warnings


PARTIAL = [
    "June 5",  # no year
    "Feb. 6",
    "Tuesday, June 5",
    "May 2024",  # no day
    "2024-05",
    "Tuesday, May 2024",  # a weekday moves the missing day forward: still no day
    "2024",  # a year alone
    "10:30",  # a time alone
    "June 5 10:30",
    "Tuesday",
]


@pytest.mark.parametrize("clock", CLOCKS, ids=["2031", "1999"])
@pytest.mark.parametrize("value", PARTIAL)
def test_a_partial_date_is_ignored_with_a_warning_whatever_the_clock(
    value: str, clock: dt.datetime, monkeypatch: pytest.MonkeyPatch
):
    _freeze(monkeypatch, clock)
    article = _dated(value)
    assert article.date is None
    assert _warnings(article) == (f"date {value!r} is not an ISO 8601 date; ignored",)


def test_the_clock_is_really_frozen(monkeypatch: pytest.MonkeyPatch):
    # Guards the tests above: with the clock frozen, dateutil itself fills in 2031.
    _freeze(monkeypatch, CLOCKS[0])
    assert dateutil_parser.parse("June 5").year == 2031


def test_a_partial_front_matter_date_leaves_room_for_the_link_date():
    doc = Document(
        "x",
        "x.md",
        "Text of the story here.",
        (("title", "T"), ("date", "May 2024"), ("url", "https://example.com/2024/05/17/story")),
        "markdown",
    )
    article = clean(doc)
    assert isinstance(article, Article)
    assert article.date == dt.datetime(2024, 5, 17, tzinfo=dt.UTC)


FULL = [
    ("2024-06-05", "2024-06-05T00:00:00+00:00"),
    ("2024-06-05T10:30:00Z", "2024-06-05T10:30:00+00:00"),
    ("2024-06-05T10:30:00+02:00", "2024-06-05T08:30:00+00:00"),
    ("2024-06-05T23:30:00-05:00", "2024-06-06T04:30:00+00:00"),
    ("2024-06-05 10:30", "2024-06-05T10:30:00+00:00"),
    ("Tuesday, Feb. 6, 2018", "2018-02-06T00:00:00+00:00"),
    ("June 5, 2024", "2024-06-05T00:00:00+00:00"),
    ("5 June 2024", "2024-06-05T00:00:00+00:00"),
    ("06/05/2024", "2024-06-05T00:00:00+00:00"),
    ("Wed, 05 Jun 2024 10:00:00 GMT", "2024-06-05T10:00:00+00:00"),
    ("Wed, 05 Jun 2024 10:00:00 +0000", "2024-06-05T10:00:00+00:00"),
    ("20240605", "2024-06-05T00:00:00+00:00"),
    ("6/5/24", "2024-06-05T00:00:00+00:00"),
    (dt.date(2024, 6, 5), "2024-06-05T00:00:00+00:00"),
    (dt.datetime(2024, 6, 5, 10, 0), "2024-06-05T10:00:00+00:00"),
]


@pytest.mark.parametrize("clock", CLOCKS, ids=["2031", "1999"])
@pytest.mark.parametrize(("value", "expected"), FULL, ids=[str(v) for v, _ in FULL])
def test_a_full_date_is_read_as_before_whatever_the_clock(
    value: object, expected: str, clock: dt.datetime, monkeypatch: pytest.MonkeyPatch
):
    _freeze(monkeypatch, clock)
    article = _dated(value)
    assert article.date is not None and article.date.isoformat() == expected
    assert _warnings(article) == ()


@pytest.mark.parametrize("value", ["yesterday", "2024-02-30", "0001-01-01 00:00+05:00"])
def test_dates_that_cannot_be_are_still_ignored(value: str):
    article = _dated(value)
    assert article.date is None and _warnings(article)


@pytest.mark.parametrize(
    ("value", "year"), [("6/5/68", 2068), ("6/5/69", 1969), ("6/5/70", 1970), ("6/5/99", 1999)]
)
def test_a_two_digit_year_follows_a_fixed_rule(value: str, year: int):
    # dateutil centres its century window on the current year: "70" was 2070 in 2026 and
    # becomes 1970 in 2071. The POSIX rule (69-99: 1900s) does not move.
    assert _dated(value).date.year == year


@pytest.fixture
def new_york(monkeypatch: pytest.MonkeyPatch):
    """The machine's local zone set to New York, where "EST" is the local abbreviation."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_zone_abbreviation_does_not_depend_on_the_machine(new_york: None):
    # On a UTC machine "EST" is not understood and the time is read as UTC; the machine's own
    # zone must not change that.
    assert "EST" in time.tzname
    article = _dated("Jun 5 2024 23:00 EST")
    assert article.date is not None and article.date.isoformat() == "2024-06-05T23:00:00+00:00"


@pytest.mark.parametrize("clock", CLOCKS, ids=["2031", "1999"])
def test_a_byline_date_is_read_whatever_the_clock(clock: dt.datetime, monkeypatch):
    _freeze(monkeypatch, clock)
    text = "Leila Nezirevic | 06.06.2024 - Update : 06.06.2024\n\n" + "A story in words. " * 20
    doc = Document("x", "x.txt", "NATO chief speaks\n\n" + text, (), "text")
    article = clean(doc)
    assert isinstance(article, Article)
    assert article.date == dt.datetime(2024, 6, 6, tzinfo=dt.UTC)


# Config: one bad value per check, with what must be said about it.
BAD_VALUES = [
    ("dedupe", "seed", -1, "must be in [0, 4294967295]"),
    ("dedupe", "seed", 2**32, "must be in [0, 4294967295]"),
    ("grouping", "window_days", 0, "must be positive"),
    ("grouping", "window_days", -3, "must be positive"),
    ("grouping", "centroid_size", -1, "must be zero or more"),
    ("grouping", "source_penalty", 1.5, "must be in [0.0, 1.0]"),
    ("grouping", "local_scaling", -0.5, "must be zero or more"),
    ("grouping", "phrase_bonus", -0.1, "must be in [0.0, 1.0]"),
    ("grouping", "phrase_words", 0, "must be positive"),
    ("grouping", "headline_bonus", 2, "must be in [0.0, 1.0]"),
    ("grouping", "topic_weight", 1.2, "must be in [0.0, 1.0]"),
    ("grouping", "topic_weight", -0.2, "must be in [0.0, 1.0]"),
    ("grouping", "date_bonus", -1, "must be in [0.0, 1.0]"),
    ("grouping", "min_similarity", 1.5, "must be in [0.0, 1.0]"),
    ("grouping", "candidate_terms", 0, "must be positive"),
    ("grouping", "candidate_max_df", 0, "must be positive"),
    ("keywords", "max_ngram", 0, "must be positive"),
    ("keywords", "count", -1, "must be zero or more"),
    ("grouping", "local_scaling", ".inf", "must be a finite number, got inf"),
    ("grouping", "topic_weight", ".nan", "must be a finite number, got nan"),
    ("fetch", "backoff", ".inf", "must be a finite number, got inf"),
]


def _load(tmp_path: Path, text: str) -> str:
    path = tmp_path / "digest.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return str(info.value)


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    BAD_VALUES,
    ids=[f"{s}.{k}={v}" for s, k, v, _ in BAD_VALUES],
)
def test_each_out_of_range_value_is_reported(
    tmp_path: Path, section: str, key: str, value: object, message: str
):
    text = f"site:\n  title: T\n{section}:\n  {key}: {value}\n"
    assert f"digest.yaml:4: '{section}.{key}' {message}" in _load(tmp_path, text)


def test_every_out_of_range_value_is_reported_at_once(tmp_path: Path):
    text = (
        "dedupe:\n  seed: -1\n"
        "grouping:\n  window_days: 0\n  topic_weight: 1.5\n  local_scaling: -1\n"
        "keywords:\n  max_ngram: 0\n  count: -2\n"
        "feeds:\n  - url: https://example.com/feed\n    limit: -1\n"
    )
    lines = [
        line.strip().replace(f"{tmp_path}/", "") for line in _load(tmp_path, text).splitlines()[1:]
    ]
    assert lines == [
        "digest.yaml:2: 'dedupe.seed' must be in [0, 4294967295], got -1",
        "digest.yaml:4: 'grouping.window_days' must be positive, got 0",
        "digest.yaml:5: 'grouping.topic_weight' must be in [0.0, 1.0], got 1.5",
        "digest.yaml:6: 'grouping.local_scaling' must be zero or more, got -1.0",
        "digest.yaml:8: 'keywords.max_ngram' must be positive, got 0",
        "digest.yaml:9: 'keywords.count' must be zero or more, got -2",
        "digest.yaml:12: 'feeds[0].limit' must be zero or more, got -1",
    ]


def test_values_at_the_edges_of_their_ranges_are_accepted(tmp_path: Path):
    path = tmp_path / "digest.yaml"
    path.write_text(
        "dedupe:\n  seed: 4294967295\n"
        "grouping:\n  window_days: 1\n  topic_weight: 1\n  source_penalty: 0\n"
        "  local_scaling: 0\n  centroid_size: 0\n  min_similarity: 0\n"
        "keywords:\n  count: 0\n  max_ngram: 1\n"
        "feeds:\n  - url: https://example.com/feed\n    limit: 0\n",
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.dedupe.seed == 2**32 - 1 and config.keywords.count == 0


def test_a_duplicate_key_inside_a_feed_is_reported(tmp_path: Path):
    text = "feeds:\n  - url: https://a.example/feed\n    url: https://b.example/feed\n"
    message = _load(tmp_path, text)
    assert "digest.yaml:3: duplicate key 'feeds[0].url' (first at line 2)" in message


def test_a_theme_that_is_a_file_is_called_a_file(tmp_path: Path):
    message = _load(tmp_path, "theme: digest.yaml\n")
    assert f"digest.yaml:1: 'theme' '{tmp_path / 'digest.yaml'}' is a file, not a folder" in message
    assert "does not exist" not in message


def test_a_missing_theme_still_does_not_exist(tmp_path: Path):
    assert "'theme' folder" in _load(tmp_path, "theme: nope\n")


def test_a_source_that_is_a_file_is_called_a_file(tmp_path: Path):
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    message = _load(tmp_path, "site:\n  title: T\nsource: notes.txt\n")
    assert f"digest.yaml:3: 'source' '{tmp_path / 'notes.txt'}' is a file, not a folder" in message


def test_a_source_file_given_on_the_command_line_has_no_line(tmp_path: Path):
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    path = tmp_path / "digest.yaml"
    path.write_text("source: articles\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path, {"source": str(tmp_path / "notes.txt")})
    assert f"digest.yaml: 'source' '{tmp_path / 'notes.txt'}' is a file" in str(info.value)


def test_a_source_folder_yet_to_be_made_is_no_error(tmp_path: Path):
    path = tmp_path / "digest.yaml"
    path.write_text("source: articles\n", encoding="utf-8")
    assert load_config(path).source == "articles"


def _feed_entry_article(pub_date: str) -> Article:
    from digest.webread import read_feed

    raw = (
        "<rss><channel><title>Valley Times</title><item><title>Bridge opens</title>"
        f"<link>https://valley.example/bridge</link><pubDate>{pub_date}</pubDate>"
        "<description>The new bridge over the river opened to traffic.</description>"
        "</item></channel></rss>"
    ).encode()
    (doc,) = read_feed(raw, "valley.xml", "valley")
    article = clean(doc)
    assert isinstance(article, Article)
    return article


@pytest.mark.parametrize("pub_date", ["10:30", "2024-05", "2024"])
def test_a_partial_feed_date_is_ignored_with_a_warning(pub_date: str):
    # feedparser completes these (a time alone with today's date, a month with its first day),
    # so the entry would be dated by the build day or weeks early.
    article = _feed_entry_article(pub_date)
    assert article.date is None
    assert _warnings(article) == (f"date {pub_date!r} is not an ISO 8601 date; ignored",)


@pytest.mark.parametrize(
    ("pub_date", "expected"),
    [
        ("Mon, 06 May 2024 10:00:00 GMT", dt.datetime(2024, 5, 6, 10, tzinfo=dt.UTC)),
        ("Mon, 06 May 2024 10:00:00 EDT", dt.datetime(2024, 5, 6, 14, tzinfo=dt.UTC)),
        ("2024-05-06", dt.datetime(2024, 5, 6, tzinfo=dt.UTC)),
    ],
)
def test_a_whole_feed_date_is_kept(pub_date: str, expected: dt.datetime):
    article = _feed_entry_article(pub_date)
    assert article.date == expected
    assert _warnings(article) == ()


def test_a_fetched_entry_takes_the_page_date_over_a_partial_feed_date():
    from digest.fetch import _best_date

    assert _best_date("10:30", "2024-05-06T10:00:00Z") == "2024-05-06T10:00:00Z"
    assert _best_date("10:30", None) == "10:30"  # the clean stage warns and ignores it
    assert _best_date("2024-05-06T09:00:00Z", "2024-05-06T10:00:00Z") == "2024-05-06T09:00:00Z"
    assert _best_date(None, "2024-05-06T10:00:00Z") == "2024-05-06T10:00:00Z"


def test_a_repeated_front_matter_key_is_a_warning_and_the_last_value_wins():
    from digest.read import split_front_matter

    meta, body, warnings = split_front_matter(
        "---\ntitle: First\nsource: A\ntitle: Second\ntitle: Third\n---\nBody\n"
    )
    assert meta["title"] == "Third" and body == "Body\n"
    assert warnings == ("front matter sets 'title' 3 times; the last value is used",)
    # A merge key's values are not set twice ("<<" fills in what is missing), and a key of
    # another type is another key.
    assert split_front_matter("---\ntitle: a\n<<: {title: b}\n---\nBody")[2] == ()
    assert split_front_matter('---\nyes: a\n"yes": b\n---\nBody')[2] == ()
    # Keys repeated inside a nested value, or none at all, are no concern of the front matter.
    assert split_front_matter("---\ntags: {a: 1, a: 2}\n---\nBody")[2] == ()
    assert split_front_matter("---\n---\nBody")[2] == ()
    assert split_front_matter("Body")[2] == ()


def test_a_partial_feed_date_gives_way_to_a_whole_one_of_the_entry():
    from digest.webread import read_feed

    raw = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><title>Bridge</title>'
        b'<link href="https://valley.example/bridge"/><published>2024-05</published>'
        b"<updated>2024-05-06T10:30:00Z</updated><summary>The bridge opened.</summary>"
        b"</entry></feed>"
    )
    (doc,) = read_feed(raw, "valley.xml", "valley")
    article = clean(doc)
    assert isinstance(article, Article)
    assert article.date == dt.datetime(2024, 5, 6, 10, 30, tzinfo=dt.UTC)
    assert article.warnings == ()
