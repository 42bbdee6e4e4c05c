"""Where the site may be written: the build replaces its output folder whole, so it refuses an
output that would take the user's files with it, and never reads its own site back as input."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from digest.build import build
from digest.config import SiteConfig
from digest.errors import BuildError
from tests.conftest import ROOT, config_for

STORY = "A storm closed the harbour of Marlow on Tuesday after waves broke the sea wall. " * 3


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder with a config file and a source folder of two articles."""
    (tmp_path / "digest.yaml").write_text("site: {search: false}\n")
    src = tmp_path / "src"
    src.mkdir()
    for name in ("a", "b"):
        (src / f"{name}.md").write_text(f"---\ntitle: Storm {name}\n---\n{STORY}\n")
    return tmp_path


def _config(project: Path, out: Path, **kw):
    config = config_for(project / "src", out, site=SiteConfig(search=False))
    # The project folder holds the config file.
    return dataclasses.replace(config, base_dir=str(project), **kw)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("src", "holds the source folder"),
        (".", "holds the source folder"),
        ("..", "holds the source folder"),
        ("src/a.md", "is a file, not a folder"),
        ("digest.yaml", "is a file, not a folder"),
    ],
)
def test_an_output_that_would_replace_the_input_is_refused(project: Path, out: str, message):
    before = _files(project)
    with pytest.raises(BuildError, match=message):
        build(_config(project, (project / out)))
    assert _files(project) == before  # nothing lost, nothing written


def test_an_output_folder_holding_the_project_or_theme_is_refused(project: Path, tmp_path_factory):
    theme = project / "themes" / "mine"
    (theme / "templates").mkdir(parents=True)
    build(_config(project, project / "site", theme=str(theme)))  # beside them: fine
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    config = _config(project, project / "themes", theme=str(theme), source=str(elsewhere))
    with pytest.raises(BuildError, match="holds the theme folder"):
        build(config)
    config = _config(project, project, source=str(elsewhere))
    with pytest.raises(BuildError, match="holds the project folder"):
        build(config)


def test_a_folder_of_other_files_is_refused_but_a_site_or_hidden_files_are_not(project: Path):
    out = project / "docs-folder"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(BuildError, match="no site an earlier build wrote"):
        build(_config(project, out))
    assert (out / "notes.txt").read_text() == "mine"
    # Hidden entries only (a checkout to publish from): built, and they are kept, folders too.
    (out / "notes.txt").unlink()
    (out / ".git" / "objects").mkdir(parents=True)
    (out / ".git" / "objects" / "pack").write_text("packed")
    (out / "CNAME").write_text("news.example.org")
    with pytest.raises(BuildError, match="no site"):  # CNAME is not hidden: not a site yet
        build(_config(project, out))
    (out / "CNAME").rename(out / ".cname-note")
    build(_config(project, out))
    build(_config(project, out))  # a site now: rebuilt in place
    assert (out / "events.json").is_file()
    assert (out / ".git" / "objects" / "pack").read_text() == "packed"
    assert (out / ".cname-note").read_text() == "news.example.org"


def test_a_symlinked_output_is_refused(project: Path, tmp_path: Path):
    target = tmp_path / "served"
    target.mkdir()
    (project / "site").symlink_to(target)
    with pytest.raises(BuildError, match="symbolic link"):
        build(_config(project, project / "site"))
    assert (project / "site").is_symlink()


def test_an_output_inside_the_source_is_not_read_back(project: Path):
    out = project / "src" / "site"
    sites, builds = [], []
    for _ in range(3):
        builds.append(build(_config(project, out))[0])
        sites.append(_files(out))
    reports = [sum(1 + len(c.duplicates) for e in d.events for c in e.members) for d in builds]
    assert reports == [2, 2, 2]
    # The folder, its lock and staging folders are the build's, not input: never reported, so
    # the second build's site is the first's, byte for byte.
    assert not [r.path for r in builds[-1].rejected if r.path.startswith(("site", ".site."))]
    assert sites[0] == sites[1] == sites[2]


def test_a_folder_merely_holding_a_file_called_events_json_is_not_a_site(project: Path):
    out = project / "Documents"
    out.mkdir()
    (out / "events.json").write_text("[]")
    (out / "thesis.tex").write_text("mine")
    with pytest.raises(BuildError, match="no site an earlier build wrote"):
        build(_config(project, out))
    assert (out / "thesis.tex").read_text() == "mine"


def test_an_output_inside_the_theme_is_refused(project: Path):
    theme = project / "mytheme"
    shutil.copytree(ROOT / "themes" / "default", theme)
    with pytest.raises(BuildError, match="is inside the theme folder"):
        build(_config(project, theme / "static" / "site", theme=str(theme)))


def test_refusals_and_write_failures_are_one_line_errors(project: Path):
    for out in ("src", "/proc/digest-site"):
        done = subprocess.run(
            [sys.executable, "-m", "digest", "build", "--source", "src", "--out", out, "-q"],
            cwd=project,
            capture_output=True,
            text=True,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        )
        assert done.returncode == 1, done.stderr
        assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr


def test_a_broken_theme_template_is_named_and_the_site_stays(project: Path):
    out = project / "site"
    build(_config(project, out))
    before = _files(out)
    theme = project / "theme"
    shutil.copytree(ROOT / "themes" / "default", theme)
    event = theme / "templates" / "event.html"
    event.write_text(event.read_text().replace("{% block main %}", "{% block main %}{{ nope }}"))
    config = _config(project, out, theme=str(theme))
    with pytest.raises(BuildError, match=r"theme template 'event.html'.*'nope' is undefined"):
        build(config)
    assert _files(out) == before


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ('{{ "%d reports"|format(event.card.headline) }}', "TypeError: %d format"),
        ("{{ 1/0 }}", "ZeroDivisionError"),
        ("{{ event.card.nonexistent.deeper }}", "has no attribute 'nonexistent'"),
    ],
)
def test_a_theme_error_of_any_kind_is_one_line_with_its_template_and_line(
    project: Path, expression: str, reason: str
):
    out = project / "site"
    theme = project / "theme"
    (theme / "templates").mkdir(parents=True)
    # Line 3 of the theme's own event page.
    (theme / "templates" / "event.html").write_text(
        '{% extends "base.html" %}\n{% block main %}\n' + expression + "\n{% endblock %}\n"
    )
    with pytest.raises(BuildError) as caught:
        build(_config(project, out, theme=str(theme)))
    message = str(caught.value)
    assert message.startswith("theme template 'event.html', line 3 failed on events/")
    assert reason in message and "\n" not in message
    assert not out.exists()


def test_a_source_folder_named_like_the_output_but_for_case_is_still_read(project: Path):
    """On a case-sensitive disk "Site" and "site" are two folders: only the output is left out."""
    (project / "src" / "Site").mkdir()
    (project / "src" / "Site" / "c.md").write_text(f"---\ntitle: Storm c\n---\n{STORY}\n")
    digest, _ = build(_config(project, project / "src" / "site"))
    reports = [a.path for e in digest.events for c in e.members for a in (c.article, *c.duplicates)]
    assert "Site/c.md" in reports


def test_the_cache_and_theme_folders_inside_the_source_are_not_read(project: Path):
    src = project / "src"
    theme = src / "mytheme"
    (theme / "templates").mkdir(parents=True)
    (theme / "templates" / "about.html").write_text(
        (ROOT / "themes" / "default" / "templates" / "about.html").read_text()
    )
    (theme / "README.md").write_text("# My theme\n\nNotes on the theme, no story.\n")
    config = _config(project, project / "site", cache=str(src / "cache"), theme=str(theme))
    for _ in range(2):  # the second build meets the cache's database inside the source
        digest, _ = build(config)
        assert digest.rejected == ()
        reports = {
            a.path for e in digest.events for c in e.members for a in (c.article, *c.duplicates)
        }
        assert reports == {"a.md", "b.md"}


def test_a_theme_error_in_an_included_template_names_its_path_in_the_theme(project: Path):
    theme = project / "theme"
    (theme / "templates" / "partials").mkdir(parents=True)
    (theme / "templates" / "partials" / "card.html").write_text("<p>\n{{ 1/0 }}\n</p>\n")
    (theme / "templates" / "event.html").write_text(
        '{% extends "base.html" %}{% block main %}{% include "partials/card.html" %}'
        "{% endblock %}\n"
    )
    with pytest.raises(BuildError, match=r"^theme template 'partials/card.html', line 2 failed"):
        build(_config(project, project / "site", theme=str(theme)))
