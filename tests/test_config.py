from pathlib import Path

import pytest

from digest.config import Config, describe_schema, load_config
from digest.errors import ConfigError


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert config.source == "seeds" and config.out == "output"
    assert config.summary.max_words == 100


def test_every_error_is_reported_at_once_with_lines(tmp_path: Path):
    path = tmp_path / "digest.yaml"
    path.write_text(
        "source: src\nbogus: 1\nsummary:\n  max_words: many\nsite:\n  title: [1]\ntheme: nope\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "digest.yaml:2: unknown key 'bogus'" in message
    assert "digest.yaml:4: 'summary.max_words' must be an integer" in message
    assert "digest.yaml:6: 'site.title' must be a string" in message
    assert "'theme' folder" in message


def test_paths_are_relative_to_the_config_file(tmp_path: Path):
    path = tmp_path / "digest.yaml"
    path.write_text("source: articles\n", encoding="utf-8")
    config = load_config(path)
    assert config.path(config.source) == tmp_path / "articles"


def test_not_a_mapping(tmp_path: Path):
    path = tmp_path / "digest.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="must be a mapping"):
        load_config(path)


def test_schema_has_help_for_every_key():
    rows = describe_schema(Config)
    assert rows and all(help_text for _, _, help_text in rows)


def test_configuration_reference_is_in_step_with_the_schema():
    from digest.config import reference_markdown

    doc = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"
    assert doc.read_text(encoding="utf-8") == reference_markdown(), (
        "regenerate with: python -m digest.config > docs/configuration.md"
    )


def _errors(tmp_path: Path, text: str) -> list[str]:
    """The lines of the ConfigError that loading ``text`` as tmp_path/digest.yaml raises,
    with paths shown relative to tmp_path."""
    path = tmp_path / "digest.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return [line.strip().replace(f"{tmp_path}/", "") for line in str(info.value).splitlines()]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "site:\n  title: T\n  per_page: [1\nsummary: {}\n",
            "digest.yaml:4: not valid YAML: while parsing a flow sequence (line 3): "
            "expected ',' or ']', but got ':'",
        ),
        (
            "source: src\nout\nsite: {}\n",
            "digest.yaml:3: not valid YAML: while scanning a simple key (line 2): "
            "could not find expected ':'",
        ),
        ("source: a: b\n", "digest.yaml:1: not valid YAML: mapping values are not allowed here"),
        (
            "out: x\nsource: \x07\n",
            "digest.yaml:2: not valid YAML: unacceptable character #x0007: "
            "special characters are not allowed",
        ),
    ],
    ids=["flow", "simple-key", "mapping-value", "control-character"],
)
def test_invalid_yaml_is_one_line_naming_file_and_line(tmp_path: Path, text: str, expected: str):
    path = tmp_path / "digest.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == str(tmp_path / expected)
    assert "<unicode string>" not in str(info.value)


def test_a_config_that_is_not_utf8_names_the_line(tmp_path: Path):
    path = tmp_path / "digest.yaml"
    path.write_bytes(b"source: src\nsite:\n  title: caf\xe9\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f"{path}:3: not valid YAML: not UTF-8 text (byte 0xe9)"


def test_every_feed_url_is_checked_with_the_other_settings(tmp_path: Path):
    errors = _errors(
        tmp_path,
        "feeds:\n"
        "  - url: ftp://x\n"
        "  - url: 'gopher://y'\n"
        "  - name: No URL\n"
        "  - url: example.org/feed.xml\n"
        "  - url: https://example.org/feed.xml?format=rss\n"
        "summary:\n  max_words: 0\n",
    )
    # In the file's order, whatever the order of the checks.
    assert errors[1:] == [
        "digest.yaml:2: 'feeds[0].url' must be an absolute http(s) URL such as "
        "https://example.org/, got 'ftp://x'",
        "digest.yaml:3: 'feeds[1].url' must be an absolute http(s) URL such as "
        "https://example.org/, got 'gopher://y'",
        "digest.yaml:4: 'feeds[2].url' is missing: it must be an absolute http(s) URL",
        "digest.yaml:5: 'feeds[3].url' must be an absolute http(s) URL such as "
        "https://example.org/, got 'example.org/feed.xml'",
        "digest.yaml:8: 'summary.max_words' must be positive, got 0",
    ]


def test_feed_urls_are_checked_by_build(tmp_path: Path):
    from click.testing import CliRunner

    from digest.cli import cli

    config = tmp_path / "digest.yaml"
    config.write_text('feeds: [{url: ftp://x}, {url: "gopher://y"}, {}]\n', encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", "--config", str(config), "--out", str(out)])
    assert result.exit_code == 1 and not out.exists()
    for i in range(3):
        assert f"digest.yaml:1: 'feeds[{i}].url' " in result.output


def test_command_line_paths_are_relative_to_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    project = tmp_path / "proj"
    project.mkdir()
    (project / "digest.yaml").write_text(
        "source: articles\nout: site\ncache: cache\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    config = load_config(Path("proj/digest.yaml"), {"source": "seeds", "out": "out1"})
    # Given on the command line: the current folder's.
    assert config.path(config.source) == tmp_path / "seeds"
    assert config.path(config.out) == tmp_path / "out1"
    # Written in the file: the file's folder's.
    assert config.path(config.cache) == Path("proj") / "cache"
    plain = load_config(Path("proj/digest.yaml"))
    assert plain.path(plain.source) == Path("proj") / "articles"
    assert plain.path(plain.out) == Path("proj") / "site"


def test_build_takes_command_line_paths_from_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from click.testing import CliRunner

    from digest.cli import cli

    project = tmp_path / "proj"
    project.mkdir()
    (project / "digest.yaml").write_text("site:\n  search: false\n", encoding="utf-8")
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "a.md").write_text(
        "---\ntitle: Bridge opens\n---\nThe new bridge opened to traffic.\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    args = ["build", "--config", "proj/digest.yaml", "--source", "seeds", "--out", "out1", "-q"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out1" / "index.html").is_file()
    assert not (project / "out1").exists()


BAD_BASE_URLS = [
    "example.org/news",
    "/news/",
    "ftp://example.org/news/",
    "https://",
    "https:///news/",
    "https://exa mple.org/",
    "https://example.org:port/",
]


@pytest.mark.parametrize("value", BAD_BASE_URLS)
def test_base_url_must_be_an_absolute_web_url(tmp_path: Path, value: str):
    errors = _errors(tmp_path, f"site:\n  title: T\n  base_url: '{value}'\n")
    assert errors[1:] == [
        "digest.yaml:3: 'site.base_url' must be an absolute http(s) URL such as "
        f"https://example.org/, got {value!r}"
    ]


@pytest.mark.parametrize(
    "value", ["https://example.org/news/?x=1", "https://example.org/#top", "https://example.org/?"]
)
def test_base_url_takes_no_query_or_fragment(tmp_path: Path, value: str):
    errors = _errors(tmp_path, f"site:\n  base_url: '{value}'\n")
    message = f"'site.base_url' must have no query or fragment, got {value!r}"
    assert errors[1:] == [f"digest.yaml:2: {message}"]


@pytest.mark.parametrize(
    "value", ["", "https://example.org/news/", "http://localhost:8000", "HTTPS://Example.org"]
)
def test_good_base_urls_and_none_are_accepted(tmp_path: Path, value: str):
    path = tmp_path / "digest.yaml"
    path.write_text(f"site:\n  base_url: '{value}'\n", encoding="utf-8")
    assert load_config(path).site.base_url == value


BAD_LANGUAGES = ["en US", "<x>", "", "e", "en-", "en_GB", "en\\n", "en-toolongtag"]


@pytest.mark.parametrize("value", BAD_LANGUAGES)
def test_language_must_be_a_language_tag(tmp_path: Path, value: str):
    errors = _errors(tmp_path, f'site:\n  language: "{value}"\n')
    shown = value.replace("\\n", "\n")
    assert errors[1:] == [
        "digest.yaml:2: 'site.language' must be a language tag such as en, en-GB or pt-BR, "
        f"got {shown!r}"
    ]


@pytest.mark.parametrize("value", ["en", "en-GB", "pt-BR", "zh-Hant", "sr-Latn-RS", "es-419"])
def test_language_tags_are_accepted(tmp_path: Path, value: str):
    path = tmp_path / "digest.yaml"
    path.write_text(f"site:\n  language: {value}\n", encoding="utf-8")
    assert load_config(path).site.language == value


def test_a_theme_folder_holding_templates_directly_is_reported(tmp_path: Path):
    templates = tmp_path / "mytheme" / "templates"
    templates.mkdir(parents=True)
    (templates / "event.html").write_text("{{ event }}", encoding="utf-8")
    errors = _errors(tmp_path, "site:\n  title: T\ntheme: mytheme/templates\n")
    assert errors[1:] == [
        "digest.yaml:3: 'theme' folder 'mytheme/templates' holds neither a 'templates' nor a "
        "'static' folder, so nothing in it would be used: set 'theme' to 'mytheme', the folder "
        "that holds it"
    ]


def test_an_empty_theme_folder_is_reported(tmp_path: Path):
    (tmp_path / "mytheme").mkdir()
    (message,) = _errors(tmp_path, "theme: mytheme\n")[1:]
    assert message.startswith("digest.yaml:1: 'theme' folder")
    assert "holds neither a 'templates' nor a 'static' folder" in message


@pytest.mark.parametrize("layout", [("templates",), ("static",), ("templates", "static")])
def test_a_theme_with_templates_or_static_is_accepted(tmp_path: Path, layout: tuple[str, ...]):
    for name in layout:
        (tmp_path / "mytheme" / name).mkdir(parents=True)
    path = tmp_path / "digest.yaml"
    path.write_text("theme: mytheme\n", encoding="utf-8")
    assert load_config(path).theme == "mytheme"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("summary:\n  max_words: 0\n", "'summary.max_words' must be positive, got 0"),
        ("keywords:\n  count: -3\n", "'keywords.count' must be zero or more, got -3"),
        ("dedupe:\n  threshold: 1.5\n", "'dedupe.threshold' must be in [0.0, 1.0], got 1.5"),
        ("grouping:\n  date_bonus: 2\n", "'grouping.date_bonus' must be in [0.0, 1.0], got 2.0"),
        ("dedupe:\n  seed: -1\n", "'dedupe.seed' must be in [0, 4294967295], got -1"),
        ("fetch:\n  timeout: 0\n", "'fetch.timeout' must be positive, got 0.0"),
        # Below 1 a lone article would join the closer of two events however close the other.
        (
            "grouping:\n  attach_margin: 0.5\n",
            "'grouping.attach_margin' must be 1.0 or more, got 0.5",
        ),
    ],
)
def test_range_errors_show_the_value(tmp_path: Path, text: str, expected: str):
    assert _errors(tmp_path, text)[1:] == [f"digest.yaml:2: {expected}"]
