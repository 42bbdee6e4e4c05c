"""Hostile and broken input (tests/hostile/, listed in its README): the site still builds, every
input is an article, a duplicate or a rejection with a reason, and no page runs input's script.

The committed cases are built together with the cases generated here (huge files, symlinks, a
pipe, undecodable names, one event of many articles), once per session; each case then checks
its own files.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from digest.build import build
from digest.model import Digest
from digest.read import display_path
from tests.conftest import ROOT, config_for

HOSTILE = ROOT / "tests" / "hostile"
CONTROL = "control/control.md"

# --- what a safe page is ------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
VOID |= {"track", "wbr"}
# Elements no page may carry, whoever wrote them: they run code, load other pages or restyle.
FORBIDDEN = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "style", "svg"}
FORBIDDEN |= {"math", "xml", "noscript", "template", "portal"}
URL_ATTRS = {"href", "src", "action", "formaction", "data", "poster", "cite", "background"}
URL_ATTRS |= {"xlink:href", "ping", "manifest", "longdesc", "srcset", "lowsrc", "dynsrc"}
SAFE_SCHEMES = {"http", "https", "mailto"}
CSP_SCRIPT = re.compile(r"script-src 'self'(?: 'wasm-unsafe-eval')?;")


def url_scheme(url: str) -> str:
    """The scheme a browser would see: it drops leading blanks and tabs or newlines anywhere."""
    cleaned = re.sub(r"[\t\n\r]", "", url).lstrip("\x00 \x0c\x0b\x01\x02\x03\x04\x05\x06\x07\x08")
    m = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", cleaned)
    return m.group(1).lower() if m else ""


class PageCheck(HTMLParser):
    """Collects every safety problem of one page and checks that its elements nest properly."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.stack: list[str] = []
        self.csp: str | None = None
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)
        if tag not in VOID:
            self.stack.append(tag)
        self.in_script = tag == "script"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self.in_script = False
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1] if self.stack else ''}>")
            if tag in self.stack:
                del self.stack[len(self.stack) - 1 - self.stack[::-1].index(tag) :]
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.in_script and data.strip():
            self.problems.append("inline script")

    def _check(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN:
            self.problems.append(f"element <{tag}>")
        values = dict(attrs)
        if tag == "script" and (not values.get("src") or url_scheme(values["src"] or "")):
            self.problems.append("script that is not one of the site's own files")
        if (
            tag == "link"
            and url_scheme(values.get("href") or "")
            and values.get("rel")
            in (
                "stylesheet",
                "preload",
                "modulepreload",
                "import",
            )
        ):
            self.problems.append(f"stylesheet from elsewhere {values.get('href')}")
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            self.problems.append("meta refresh")
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp = values.get("content") or ""
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler attribute {name}= on <{tag}>")
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            if name in URL_ATTRS and value:
                for url in value.split(",") if name == "srcset" else [value]:
                    scheme = url_scheme(url.strip())
                    if scheme and scheme not in SAFE_SCHEMES:
                        self.problems.append(f"{scheme}: URL in {name}= on <{tag}>")


def page_problems(html: str) -> list[str]:
    check = PageCheck()
    check.feed(html)
    check.close()
    problems = list(check.problems)
    if check.stack and check.stack != ["html"]:
        problems.append(f"unclosed elements {check.stack}")
    if check.csp is None:
        problems.append("no Content-Security-Policy")
    else:
        if not CSP_SCRIPT.search(check.csp) or "style-src 'self';" not in check.csp:
            problems.append(f"loose Content-Security-Policy: {check.csp}")
        if "unsafe-inline" in check.csp or "'unsafe-eval'" in check.csp:
            problems.append(f"unsafe Content-Security-Policy: {check.csp}")
    return problems


def assert_safe_site(out: Path) -> dict:
    """Every page is safe and well nested, every path is tame; returns events.json."""
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out).as_posix()
        assert path.resolve().is_relative_to(out.resolve()), rel
        if path.parts[len(out.parts)] == "pagefind":
            continue  # the search index names its own files
        assert re.fullmatch(r"[a-z0-9][a-z0-9._/-]*", rel), f"untamed output path {rel!r}"
        if path.suffix == ".html":
            problems = page_problems(path.read_text(encoding="utf-8"))
            assert not problems, f"{rel}: {problems[:5]}"
    data = json.loads((out / "events.json").read_text(encoding="utf-8"))
    ids = [a["id"] for e in data["events"] for a in e["articles"]]
    ids += [d for e in data["events"] for a in e["articles"] for d in a["duplicates"]]
    ids += [r["id"] for r in data["rejected"]]
    assert len(ids) == len(set(ids)), "ids in events.json are not unique"
    assert all(r["reason"] and r["path"] for r in data["rejected"])
    return data


# --- accounting ---------------------------------------------------------------------------------


def expected_inputs(src: Path) -> list[str]:
    """Every input of a source folder as the build must account for it: files by path, folders
    it does not enter (hidden, symlinked, unreadable) as ``name/``."""
    found: list[str] = []
    for root, dirs, files in os.walk(src, followlinks=False):
        here = Path(root)
        keep = []
        for d in dirs:
            rel = display_path((here / d).relative_to(src).as_posix())
            readable = os.access(here / d, os.R_OK | os.X_OK)
            if d.startswith(".") or (here / d).is_symlink() or not readable:
                found.append(rel + "/")
            else:
                keep.append(d)
        dirs[:] = keep
        found += [display_path((here / f).relative_to(src).as_posix()) for f in files]
    return sorted(found)


def accounted_paths(digest: Digest) -> list[str]:
    paths = [a.path for e in digest.events for c in e.members for a in (c.article, *c.duplicates)]
    return sorted(paths + [r.path for r in digest.rejected])


# --- the corpus, built once ---------------------------------------------------------------------


def _generate(src: Path, outside: Path) -> None:
    """The cases that are too big, or not plain files, to commit."""
    gen = src / "generated"
    gen.mkdir()
    with open(gen / "fifty-mb.txt", "wb") as f:
        chunk = (b"A very long story that goes on and on. " * 25_700)[:1_000_000]
        for _ in range(50):
            f.write(chunk)
    lines = "".join(f"line {i} of many\n" for i in range(100_000))
    (gen / "many-lines.txt").write_text("Many short lines\n" + lines, encoding="utf-8")
    sentence = "The river rose again during the night and the city council met at dawn. "
    (gen / "one-mb-line.txt").write_text(sentence * (1_048_576 // len(sentence)), "utf-8")
    (gen / "one-mb-line.md").write_text(
        "---\ntitle: One long line\n---\n" + "*a [b <c ![d " * (1_048_576 // 13), "utf-8"
    )
    (outside / "secret.txt").write_text("Secret\n\nA file outside the source folder.", "utf-8")
    os.symlink(outside / "secret.txt", gen / "link-outside.txt")
    os.symlink(outside, gen / "link-to-folder")
    os.symlink(gen / "loop-b.txt", gen / "loop-a.txt")
    os.symlink(gen / "loop-a.txt", gen / "loop-b.txt")
    os.symlink(gen / "nowhere.txt", gen / "broken-link.txt")
    os.symlink(src / CONTROL, gen / "link-inside.md")  # inside the folder: read as usual
    os.mkfifo(gen / "pipe.txt")
    (gen / os.fsdecode(b"caf\xe9-latin1-name.md")).write_text(
        "---\ntitle: Undecodable file name\n---\nA story in a file whose name is not UTF-8.\n",
        encoding="utf-8",
    )
    event = src / "many-in-one-event"
    event.mkdir()
    for i in range(120):
        (event / f"report-{i:03}.md").write_text(
            f"---\ntitle: Storm report {i}\nevent: the-big-storm\nsource: Outlet {i % 17}\n---\n"
            f"Report {i}: the storm flooded street {i} and closed {i % 7 + 2} schools.\n",
            encoding="utf-8",
        )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Digest, dict]:
    """The whole corpus and the generated cases, built once: (source, site, digest, json)."""
    base = tmp_path_factory.mktemp("hostile")
    src, out, outside = base / "src", base / "site", base / "outside"
    outside.mkdir()
    shutil.copytree(HOSTILE, src, symlinks=True, ignore=shutil.ignore_patterns("README.md"))
    (src / "control").mkdir()
    (src / CONTROL).write_text(
        "---\ntitle: Control story\n---\nThe control story is always built, about spring rain.\n",
        encoding="utf-8",
    )
    _generate(src, outside)
    digest, _ = build(config_for(src, out, cache=str(base / "cache")), jobs=1)
    data = assert_safe_site(out)
    return src, out, digest, data


def _outcome(digest: Digest, path: str) -> str:
    """ "article", or "rejected: <reason>", for the input at ``path``."""
    for r in digest.rejected:
        if r.path == path:
            return f"rejected: {r.reason}"
    members = [a for e in digest.events for c in e.members for a in (c.article, *c.duplicates)]
    assert any(a.path == path for a in members), f"{path} is not accounted for"
    return "article"


def _site_text(out: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(out.rglob("*.html")))


REJECTED_YAML = "rejected: front matter is not valid YAML"
TOO_BIG = "rejected: front matter is too large or too deeply nested"
# What must become of each input: "article", or the start of its rejection.
EXPECTED: dict[str, str] = {
    "binary/image.txt": "rejected: binary file",
    "binary/nul.md": "rejected: binary file",
    "binary/photo.png": "rejected: unsupported file type '.png'",
    "control-chars/control.txt": "article",
    "cp1252/cp1252.txt": "article",
    "dangerous-urls/broken-ipv6.md": "article",
    "dangerous-urls/data.md": "article",
    "dangerous-urls/file.md": "article",
    "dangerous-urls/javascript-entity.md": "article",
    "dangerous-urls/javascript-mixed-case.md": "article",
    "dangerous-urls/javascript-tab.md": "article",
    "dangerous-urls/javascript.md": "article",
    "dangerous-urls/protocol-relative.md": "article",
    "dangerous-urls/vbscript.md": "article",
    "duplicate-ids/one.md": "article",
    "duplicate-ids/same.md": REJECTED_YAML,
    "duplicate-ids/same.txt": "article",
    "duplicate-ids/two.md": "article",
    "empty/empty.md": "rejected: no title and no text",
    "empty/empty.txt": "rejected: no title and no text",
    "file-names/-dash..md": "article",
    "file-names/.drafts/": "rejected: hidden folder",
    "file-names/.hidden.md": "rejected: hidden file",
    "file-names/<b onmouseover=alert(1)>'\"&.md": "article",
    "file-names/README": "rejected: unsupported file type '(none)'",
    "file-names/" + "long" * 60 + ".md": "article",
    "file-names/notes.pdf": "rejected: unsupported file type '.pdf'",
    "file-names/with spaces in name.md": "article",
    "file-names/новости.md": "article",
    "file-names/日本語の記事.txt": "article",
    "html-page/page.html": "article",
    "latin1/latin1.txt": "article",
    "markdown-raw-html/raw.md": "article",
    "markup-in-metadata/scraped.txt": "article",
    "markup-in-metadata/xss.md": "article",
    "mojibake/mojibake.txt": "article",
    "regex-traps/date-line.txt": "article",
    "regex-traps/dateline.md": "article",
    "regex-traps/heading.md": "article",
    "regex-traps/markdown-brackets.md": "article",
    "regex-traps/notice.txt": "article",
    "same-slug/one.md": "article",
    "same-slug/three.md": "article",
    "same-slug/two.md": "article",
    "unclosed-html/unclosed.md": "article",
    "utf16-bom/utf16.md": "article",
    "utf16-no-bom/utf16le.txt": "article",
    "utf32-bom/utf32.txt": "article",
    "whitespace/blank.md": "rejected: no title and no text",
    "whitespace/blank.txt": "rejected: no title and no text",
    "yaml-alias-bomb/bomb.md": TOO_BIG,
    "yaml-deep/deep.md": TOO_BIG,
    "yaml-malformed/malformed.md": REJECTED_YAML + " at line 3",
    "yaml-malformed/tabs.md": REJECTED_YAML + " at line 3",
    "yaml-not-mapping/list.md": "rejected: front matter must be a mapping",
    "yaml-not-mapping/scalar.md": "rejected: front matter must be a mapping",
    "yaml-python-tag/tag.md": REJECTED_YAML,
    "yaml-recursive/recursive.md": TOO_BIG,
    # libyaml refuses the lone surrogate; the pure-Python loader reads it and it is dropped.
    "yaml-surrogate/surrogate.md": "article|" + REJECTED_YAML,
    "yaml-unclosed/unclosed.md": "rejected: front matter starts with '---' but is never closed",
    "yaml-wrong-types/bad-dates.md": "article",
    "yaml-wrong-types/huge-date.md": "article",
    "yaml-wrong-types/types.md": "article",
    "generated/fifty-mb.txt": "rejected: file is 50 MB, larger than the 5 MB limit",
    "generated/many-lines.txt": "article",
    "generated/one-mb-line.txt": "article",
    "generated/one-mb-line.md": "article",
    "generated/link-outside.txt": "rejected: symlink to a file outside the source folder",
    "generated/link-to-folder/": "rejected: symlink to a folder, not followed",
    "generated/loop-a.txt": "rejected: symlink loop",
    "generated/loop-b.txt": "rejected: symlink loop",
    "generated/broken-link.txt": "rejected: broken symlink",
    "generated/link-inside.md": "article",
    "generated/pipe.txt": "rejected: not a regular file",
    "generated/caf\ufffd-latin1-name.md": "article",
}
CASES = sorted({path.split("/")[0] for path in EXPECTED})


def test_the_corpus_is_listed():
    committed = sorted(p.name for p in HOSTILE.iterdir() if p.is_dir())
    assert committed == [c for c in CASES if c not in ("generated",)]
    readme = (HOSTILE / "README.md").read_text(encoding="utf-8")
    for case in committed:
        assert f"`{case}`" in readme, f"{case} is missing from tests/hostile/README.md"
    listed = {p for p in expected_inputs(HOSTILE) if p != "README.md"}
    assert listed == {p for p in EXPECTED if not p.startswith(("generated/", "many-in-"))}


def test_every_input_is_accounted_for_exactly_once(corpus):
    src, _, digest, data = corpus
    assert accounted_paths(digest) == expected_inputs(src)
    ids = [a["id"] for e in data["events"] for a in e["articles"]]
    ids += [d for e in data["events"] for a in e["articles"] for d in a["duplicates"]]
    assert len(ids) + len(data["rejected"]) == len(expected_inputs(src))
    assert {r["path"] for r in data["rejected"]} == {r.path for r in digest.rejected}


def test_the_rest_of_the_site_builds(corpus):
    _, out, digest, data = corpus
    assert _outcome(digest, CONTROL) == "article"
    assert "Control story" in (out / "index.html").read_text(encoding="utf-8") or any(
        a["title"] == "Control story" for e in data["events"] for a in e["articles"]
    )


@pytest.mark.parametrize("case", CASES)
def test_case(corpus, case: str):
    _, _, digest, _ = corpus
    for path, expected in EXPECTED.items():
        if path.split("/")[0] != case:
            continue
        outcome = _outcome(digest, path)
        assert any(outcome.startswith(e) for e in expected.split("|")), (path, outcome)


def test_many_articles_in_one_event(corpus):
    _, _, digest, _ = corpus
    pinned = [e for e in digest.events if any(a.event == "the-big-storm" for a in e.articles)]
    assert len(pinned) == 1
    assert sum(1 + len(c.duplicates) for c in pinned[0].members) == 120


def test_text_is_decoded_and_repaired(corpus):
    _, out, _, _ = corpus
    text = _site_text(out)
    for word in ("Zürich", "façade", "“no”", "developer’s", "Ölpreis", "Ski season", "crêpes"):
        assert word in text, word
    assert "The café on Main Street" in text and "cafÃ©" not in text and "â€" not in text
    assert "Tide tables published" in text  # UTF-16 without a byte-order mark
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text), "control character"
    assert "\ufffd" not in text.replace("caf\ufffd-latin1-name", "")


def test_markup_is_shown_as_text(corpus):
    _, out, _, _ = corpus
    text = _site_text(out)
    assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;" in text  # the title, as text
    assert "&lt;svg onload=alert(3)&gt;Evil Outlet&lt;/svg&gt;" in text
    assert "<script>alert" not in text and "<svg" not in text and "<iframe" not in text
    assert "A story with raw HTML in its Markdown body" in text
    assert "Closing paragraph of the story" in text
    assert 'href="https://example.com/ok"' in text  # the one good link of the Markdown body


def test_only_web_links_are_links(corpus):
    _, _, _, data = corpus
    for url in [a["url"] for e in data["events"] for a in e["articles"]]:
        assert url is None or url_scheme(url) in ("http", "https"), url


def test_unreadable_file_is_rejected(source_dir: Path, tmp_path: Path):
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    (source_dir / "locked.md").write_text("---\ntitle: Locked\n---\nText.\n", encoding="utf-8")
    (source_dir / "locked.md").chmod(0)
    (source_dir / "open.md").write_text("---\ntitle: Open\n---\nA readable story.\n", "utf-8")
    digest, _ = build(config_for(source_dir, tmp_path / "out", cache=str(tmp_path / "c")), jobs=1)
    assert _outcome(digest, "locked.md").startswith("rejected: cannot read file")
    assert _outcome(digest, "open.md") == "article"


def test_the_build_report_names_every_rejection(tmp_path: Path):
    from click.testing import CliRunner

    from digest.cli import cli

    src = tmp_path / "src"
    for case in ("yaml-malformed", "empty", "yaml-wrong-types"):
        shutil.copytree(HOSTILE / case, src / case)
    config = tmp_path / "digest.yaml"
    config.write_text(f"source: {src}\nout: {tmp_path / 'out'}\ncache: cache\n", "utf-8")
    result = CliRunner().invoke(cli, ["build", "--config", str(config), "-q"])
    assert result.exit_code == 0, result.output
    for path in ("yaml-malformed/malformed.md", "yaml-malformed/tabs.md", "empty/empty.md"):
        assert re.search(rf"rejected {re.escape(path)}: \S", result.output), path
    assert "warning yaml-wrong-types/types.md: date 'yesterday'" in result.output


def test_bad_config_reports_every_problem_and_leaves_output_alone(tmp_path: Path):
    from click.testing import CliRunner

    from digest.cli import cli

    out = tmp_path / "output"
    out.mkdir()
    (out / "index.html").write_text("the previous site", encoding="utf-8")
    config = tmp_path / "digest.yaml"
    config.write_text(
        "site:\n"
        "  title: 42\n"  # 2: wrong type
        "  colour: red\n"  # 3: unknown key
        "dedupe:\n"
        "  threshold: 2.5\n"  # 5: out of range
        "theme: no-such-theme\n"  # 6: missing theme (and duplicated below)
        "grouping:\n"
        "  window_days: seven\n"  # 8: wrong type
        "theme: still-missing\n"  # 9: duplicate key
        "summary: [1, 2]\n",  # 10: not a mapping
        encoding="utf-8",
    )
    before = sorted(p.name for p in tmp_path.iterdir())
    result = CliRunner().invoke(cli, ["build", "--config", str(config), "-q"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    for line, key in [
        (2, "site.title"),
        (3, "site.colour"),
        (5, "dedupe.threshold"),
        (8, "grouping.window_days"),
        (9, "theme"),
        (10, "summary"),
    ]:
        assert re.search(rf"digest\.yaml:{line}: .*'{re.escape(key)}'", result.output), key
    assert "duplicate key 'theme' (first at line 6)" in result.output
    assert "does not exist" in result.output
    assert (out / "index.html").read_text(encoding="utf-8") == "the previous site"
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_colliding_ids_get_suffixes_articles_first(corpus):
    _, _, digest, _ = corpus
    members = [a for e in digest.events for c in e.members for a in (c.article, *c.duplicates)]
    ids = {a.path: a.id for a in members} | {r.path: r.id for r in digest.rejected}
    assert ids["duplicate-ids/one.md"] == "same"
    assert ids["duplicate-ids/same.txt"] == "same-2"  # in path order
    assert ids["duplicate-ids/two.md"] == "same-3"
    assert ids["duplicate-ids/same.md"] == "same-4"  # the broken file never takes an article's id


def test_every_article_has_its_own_page(corpus):
    _, out, digest, _ = corpus
    members = [a for e in digest.events for c in e.members for a in (c.article, *c.duplicates)]
    pages = list((out / "articles").glob("*.html"))
    assert len(pages) == len(members)  # titles and ids that slug alike still get a page each
