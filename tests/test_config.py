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
