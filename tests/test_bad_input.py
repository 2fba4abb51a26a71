"""Hostile and careless input, tried as a user would: every case exits with the right code, says what is wrong
with the file and line, changes nothing under content/ and publishes no byte from outside it.

Each case builds a tiny project of its own through the command line. Most run with --strict, which stops
before spaCy; those that must show the build going on run without it and share the session's NLP cache.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sitegen.content import files as content_files
from sitegen.cli import app
from sitegen.config import ConfigError, load_settings

REPO = Path(__file__).resolve().parent.parent
SECRET = b"OUTSIDE-SECRET-7f3a9c"
GOOD = ("date 2026-03-02\nOSLO - The foreign ministers of Norway and Chile met in Oslo on Monday to talk about "
        "fisheries.\nThey agreed to meet again in Santiago in the spring.\n")
BASE_TOML = 'search = false\nmax_article_chars = 2000\ncache_dir = "{cache}"\n'
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, n in zip("abcdefgh", "bcdefghi"))


@dataclass(frozen=True)
class Case:
    id: str
    files: dict[str, str | bytes] = field(default_factory=dict)  # path in the project -> content
    where: str = ""  # "file:line" the message must name
    message: str = ""  # what it must say
    code: int = 1
    args: tuple[str, ...] = ("--strict",)
    toml: str = ""  # lines put before the project's usual settings (replacing those of the same keys)
    setup: Callable[[Path, pytest.MonkeyPatch], None] | None = None


def md(front: str, body: str = "The ministers met in Oslo.\n") -> str:
    return f"---\n{front}---\n{body}"


def card(front: str) -> str:
    return md(front, "A card written for the test.\n")


def link(name: str, target: str | Callable[[Path], Path]) -> Callable[[Path, pytest.MonkeyPatch], None]:
    def make(root: Path, _: pytest.MonkeyPatch) -> None:
        path = root / "content/articles" / name
        os.symlink(target(root) if callable(target) else target, path)
    return make


def unreadable(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file the build may not read (as root, chmod cannot stop a read, so the refusal is simulated)."""
    (root / "content/articles/locked.txt").write_text(GOOD)
    real = content_files._read_regular

    def read(path: Path, max_bytes: int) -> bytes | None:
        if path.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, max_bytes)

    monkeypatch.setattr(content_files, "_read_regular", read)


A = "content/articles/"
E = "content/entities/"
V = "content/events/"

CASES = [
    # --- article front matter -------------------------------------------------------------------------
    Case("front-matter-not-closed", {A + "a.md": "---\ntitle: T\nThe story.\n"}, A + "a.md:1", "not closed"),
    Case("front-matter-is-a-list", {A + "a.md": md("- one\n- two\n")}, A + "a.md:2", "front matter is a list"),
    Case("front-matter-is-a-string", {A + "a.md": md("just words\n")}, A + "a.md:2", "front matter is a str"),
    Case("front-matter-is-a-number", {A + "a.md": md("42\n")}, A + "a.md:2", "front matter is a int"),
    Case("broken-yaml", {A + "a.md": md("title: T\ndate: [2026\n")}, A + "a.md:3", "broken front matter"),
    Case("title-is-a-list", {A + "a.md": md("source: S\ntitle: [a, b]\n")}, A + "a.md:3", "title should be text"),
    Case("title-is-a-mapping", {A + "a.md": md("title: {a: b}\n")}, A + "a.md:2", "title should be text"),
    Case("title-is-a-boolean", {A + "a.md": md("date: 2026-03-02\ntitle: yes\n")}, A + "a.md:3", "title should be text"),
    Case("source-is-a-mapping", {A + "a.md": md("title: T\n\nsource: {name: x}\n")}, A + "a.md:4",
         "source should be text"),
    Case("url-is-a-list", {A + "a.md": md("url: [https://example.org]\n")}, A + "a.md:2", "url should be text"),
    Case("authors-is-a-number", {A + "a.md": md("title: T\nauthors: 5\n")}, A + "a.md:3", "authors should be"),
    Case("authors-hold-a-mapping", {A + "a.md": md("authors: [{a: b}]\n")}, A + "a.md:2", "authors should be"),
    Case("impossible-date", {A + "a.md": md("title: T\nsource: S\ndate: 2026-02-30\n")}, A + "a.md:4",
         "not a real date"),
    Case("impossible-datetime", {A + "a.md": md("date: 2026-13-01 10:00:00\n")}, A + "a.md:2", "not a real date"),
    Case("date-not-iso", {A + "a.md": md("title: T\ndate: 30/02/2026\n")}, A + "a.md:3", "not YYYY-MM-DD"),
    Case("date-is-a-list", {A + "a.md": md("date: [2026]\n")}, A + "a.md:2", "not YYYY-MM-DD"),
    Case("javascript-url", {A + "a.md": md("title: T\nurl: javascript:alert(1)\n")}, A + "a.md:3", "http(s)"),
    Case("yaml-alias-bomb", {A + "a.md": md(BOMB + "title: *i\n")}, A + "a.md:3", "aliases (*name) are not allowed"),
    Case("yaml-alias-in-title", {A + "a.md": md("source: &s S\ntitle: *s\n")}, A + "a.md:3", "aliases"),
    Case("front-matter-too-long", {A + "a.md": md("title: T\n" + "# padding\n" * 2000)}, A + "a.md:1",
         "front matter is over"),
    Case("deeply-nested-yaml", {A + "a.md": md("title: " + "[" * 5000 + "]" * 5000 + "\n")}, A + "a.md:2",
         "front matter"),
    Case("python-object-tag", {A + "a.md": md("title: !!python/object/apply:os.system [echo hi]\n")},
         A + "a.md:2", "broken front matter"),
    Case("unknown-key", {A + "a.md": md("title: T\n\nauthor: Ann\n")}, A + "a.md:4", "unknown front matter key"),
    Case("front-matter-only", {A + "a.md": md("title: T\n", "")}, A + "a.md:1", "no story"),
    # --- article bytes ----------------------------------------------------------------------------------
    Case("nul-bytes-in-wire-copy", {A + "a.txt": b"The talks began.\nSecond\x00line.\n"}, A + "a.txt:2", "NUL byte"),
    Case("nul-bytes-in-markdown", {A + "a.md": b"---\ntitle: T\x00\n---\nText.\n"}, A + "a.md:2", "NUL byte"),
    Case("binary-image", {A + "a.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"}, A + "a.txt:1", "not UTF-8"),
    Case("binary-zeros", {A + "a.txt": b"\x00" * 64}, A + "a.txt:1", "NUL byte"),
    Case("control-character", {A + "a.txt": "The talks\nbegan \x07 at noon.\n"}, A + "a.txt:2", "U+0007"),
    Case("not-utf8", {A + "a.txt": b"Line one.\nCaf\xe9 talks.\n"}, A + "a.txt:2", "not UTF-8"),
    Case("utf16", {A + "a.txt": "The talks.".encode("utf-16")}, A + "a.txt:1", "not UTF-8"),
    Case("empty-file", {A + "a.txt": ""}, A + "a.txt:1", "empty article"),
    Case("whitespace-only", {A + "a.md": "\n \n\t\n"}, A + "a.md:1", "empty article"),
    Case("unknown-suffix", {A + "a.pdf": b"%PDF-1.4"}, A + "a.pdf:1", "unknown file type '.pdf'"),
    Case("no-suffix", {A + "README": "notes"}, A + "README:1", "unknown file type '(none)'"),
    Case("duplicate-id", {A + "good.md": md("title: Again\n")}, A + "good.txt:1", "duplicate article id"),
    Case("over-long-article", {A + "long.txt": "The talks went on. " * 200}, A + "long.txt:1",
         "over the limit of 2,000"),
    Case("over-long-single-line", {A + "long.md": md("title: T\n", "x" * 5000)}, A + "long.md:1", "over the limit"),
    Case("over-long-file-unread", {A + "huge.txt": b"y" * 40_000}, A + "huge.txt:1", "is not read"),
    Case("console-markup-in-value", {A + "a.md": md("url: '[/yellow][bold red]boom'\n")}, A + "a.md:2",
         "'[/yellow][bold red]boom' is not an http(s) address"),
    Case("console-markup-in-file-name", {A + "[red]x[/red].txt": b"\x00"}, A + "[red]x[/red].txt:1", "NUL byte"),
    Case("unreadable-file", {}, A + "locked.txt:1", "Permission denied", setup=unreadable),
    # --- links and special files: skipped, and the build goes on ---------------------------------------
    Case("symlink-to-secret", {}, A + "leak.txt:1", "out of the content folder", 0, (),
         setup=link("leak.txt", lambda root: root / "outside/secret.txt")),
    Case("symlink-to-etc-passwd", {}, A + "passwd.txt:1", "out of the content folder", 0, (),
         setup=link("passwd.txt", "/etc/passwd")),
    Case("symlink-relative-escape", {}, A + "up.txt:1", "out of the content folder", 0, (),
         setup=link("up.txt", "../../outside/secret.txt")),
    Case("symlink-loop", {}, A + "loop.txt:1", "loops", 0, (),
         setup=lambda root, _: (os.symlink("loop2.txt", root / A / "loop.txt"),
                                os.symlink("loop.txt", root / A / "loop2.txt"))),
    Case("symlink-to-itself", {}, A + "self.txt:1", "loops", setup=link("self.txt", "self.txt")),
    Case("dangling-symlink", {}, A + "gone.txt:1", "dangling", setup=link("gone.txt", "nowhere.txt")),
    Case("symlinked-folder-outside", {}, A + "elsewhere:1", "linked folder is not followed", 0, (),
         setup=link("elsewhere", lambda root: root / "outside")),
    Case("fifo-does-not-block", {}, A + "pipe.txt:1", "not a regular file",
         setup=lambda root, _: os.mkfifo(root / A / "pipe.txt")),
    Case("symlink-to-a-card-outside", {}, E + "people/x.md:1", "out of the content folder",
         setup=lambda root, _: ((root / E / "people").mkdir(parents=True),
                                os.symlink(root / "outside/secret.txt", root / E / "people/x.md"))),
    # --- curated cards ------------------------------------------------------------------------------------
    Case("alias-claimed-by-two-cards",
         {E + "people/a.md": card("name: Ann Berg\nkind: person\naliases: [Berg]\n"),
          E + "people/b.md": card("name: Bo Berg\nkind: person\naliases:\n  - Bo\n  - Berg\n")},
         E + "people/b.md:6", "alias 'Berg' is also claimed by content/entities/people/a.md"),
    Case("common-word-alias", {E + "places/oslo.md": card("name: Oslo\nkind: place\naliases: [Kristiania, may]\n")},
         E + "places/oslo.md:4", "alias 'may' is a common word"),
    Case("one-letter-alias", {E + "places/oslo.md": card("name: Oslo\nkind: place\n\naliases: [O]\n")},
         E + "places/oslo.md:5", "alias 'O' is a common word"),
    Case("located-in-cycle",
         {E + "places/a.md": card("name: Upper Town\nkind: place\nlocated_in: Lower Town\n"),
          E + "places/b.md": card("name: Lower Town\nkind: place\nplace_kind: city\nlocated_in: Upper Town\n")},
         E + "places/b.md:5", "leads back"),
    Case("located-in-itself", {E + "places/a.md": card("name: Upper Town\nkind: place\nlocated_in: upper town\n")},
         E + "places/a.md:4", "leads back"),
    Case("two-cards-one-name", {E + "people/a.md": card("name: Ann Berg\nkind: person\n"),
                                E + "people/b.md": card("kind: person\nname: ann  berg\n")},
         E + "people/b.md:3", "a second card for 'ann  berg'"),
    Case("card-not-markdown", {E + "people/a.txt": "name: Ann Berg"}, E + "people/a.txt:1", "must be a Markdown"),
    Case("card-impossible-role-date",
         {E + "people/a.md": card("name: Ann Berg\nkind: person\nroles:\n  - {title: Minister, since: 2026-02-30}\n")},
         E + "people/a.md:5", "not a real date"),
    Case("card-unknown-kind", {E + "a.md": card("name: X\nkind: planet\n")}, E + "a.md:3", "card field 'kind'"),
    Case("card-name-is-a-list", {E + "a.md": card("kind: place\nname: [X, Y]\n")}, E + "a.md:3", "card field 'name'"),
    Case("card-without-name", {E + "a.md": card("kind: place\n")}, E + "a.md:1", "card field 'name'"),
    Case("card-front-matter-is-a-list", {E + "a.md": card("- name: X\n")}, E + "a.md:2", "front matter is a list"),
    Case("card-alias-bomb", {E + "a.md": card("name: X\nkind: place\n" + BOMB)}, E + "a.md:5", "aliases"),
    Case("card-not-closed", {E + "a.md": "---\nname: X\nkind: place\n"}, E + "a.md:1", "not closed"),
    Case("card-nul-byte", {E + "a.md": b"---\nname: X\x00\n---\n"}, E + "a.md:2", "NUL byte"),
    Case("card-unknown-field", {E + "a.md": card("name: X\nkind: place\nsize: big\n")}, E + "a.md:4", "'size'"),
    # --- event overrides ----------------------------------------------------------------------------------
    Case("override-not-markdown", {V + "x.json": '{"event": "x"}'}, V + "x.json:1", "must be a Markdown"),
    Case("override-txt", {V + "x.txt": "event: x"}, V + "x.txt:1", "must be a Markdown"),
    Case("override-broken-yaml", {V + "x.md": md("event: x\nmerge: [a\n")}, V + "x.md:3", "broken front matter"),
    Case("override-alias-bomb", {V + "x.md": md(BOMB)}, V + "x.md:3", "aliases"),
    Case("override-not-closed", {V + "x.md": "---\nevent: x\n"}, V + "x.md:1", "not closed"),
    Case("override-hide-not-a-boolean", {V + "x.md": md("event: x\ntitle: T\nhide: maybe\n")}, V + "x.md:4",
         "override field 'hide'"),
    Case("override-impossible-date", {V + "x.md": md("title: T\ndate: 2026-04-31\n")}, V + "x.md:3",
         "not a real date"),
    Case("override-unknown-event-named-late",
         {V + "x.md": md("title: Talks on ghost-talks and more\nhide: false\nevent: ghost\n")}, V + "x.md:4",
         "no event 'ghost'"),
    # --- careful input that must build cleanly, even with --strict -------------------------------------------
    Case("crlf-bom-no-authors", {A + "b.md": "\ufeff---\r\ntitle: Talks in Lima\r\n---\r\nThe ministers of Peru "
                                             "and Chile met in Lima.\r\n"}, code=0),
    Case("front-matter-closed-by-dots", {A + "b.md": "---\ntitle: Talks in Lima\nauthors: Ann Berg and Bo Li\n...\n"
                                                     "The ministers of Peru and Chile met in Lima.\n"}, code=0),
    Case("symlink-inside-content", {}, code=0,
         setup=lambda root, _: os.symlink(root / A / "good.txt", root / A / "same-story.txt")),
    # --- configuration: nothing is written --------------------------------------------------------------------
    Case("output-is-content", toml='output_dir = "content"\n', where="sitegen.toml:1",
         message="output_dir (line 1):"),
    Case("out-flag-is-content", args=("--out", "content"), where="--out:", message="is the content_dir folder"),
    Case("output-is-project", toml='\noutput_dir = "."\n', where="sitegen.toml:2", message="project folder"),
    Case("output-contains-project", toml='output_dir = ".."\n', where="sitegen.toml:1", message="project folder"),
    Case("output-is-root", toml='output_dir = "/"\n', where="sitegen.toml:1", message="filesystem root"),
    Case("out-flag-is-root", args=("--out", "/"), where="--out:", message="filesystem root"),
    Case("output-inside-content", args=("--out", "content/articles/site"), where="--out:", message="lies inside"),
    Case("cards-inside-content", toml='cards_dir = "content/entities"\n', where="sitegen.toml:1",
         message="cards_dir (line 1):"),
    Case("cache-inside-content", toml='cache_dir = "content/cache"\n', where="sitegen.toml:1", message="cache_dir"),
    Case("cache-is-a-file", toml='cache_dir = "sitegen.toml"\n', where="sitegen.toml:1", message="is a file"),
    Case("output-is-templates", toml='output_dir = "templates"\n', where="sitegen.toml:1", message="templates_dir"),
    Case("output-inside-static", toml='output_dir = "static/site"\n', where="sitegen.toml:1", message="static_dir"),
    Case("output-is-overrides", toml='output_dir = "overrides"\n', where="sitegen.toml:1", message="overrides_dir"),
    Case("output-holds-the-cache", toml='output_dir = ".sitegen"\n', where="sitegen.toml:1",
         message="contains the cards_dir folder"),
    Case("base-url-javascript", toml='base_url = "javascript:alert(1)"\n', where="sitegen.toml:1",
         message="base_url (line 1): must be an http(s) URL"),
    Case("base-url-flag-javascript", args=("--base-url", "javascript:alert(1)//"), where="--base-url:",
         message="not a javascript: URL"),
    Case("base-url-data", toml='\n\nbase_url = "data:text/html,<b>x</b>"\n', where="sitegen.toml:3",
         message="base_url"),
    Case("base-url-protocol-relative", toml='base_url = "//evil.example/"\n', where="sitegen.toml:1",
         message="single /"),
    Case("base-url-with-quote", toml='base_url = "https://x.example/\\"><script>"\n', where="sitegen.toml:1",
         message="quotes"),
    Case("base-url-relative", toml='base_url = "repo/"\n', where="sitegen.toml:1", message="single /"),
    Case("article-limit-too-small", toml="max_article_chars = 5\n", where="sitegen.toml:1",
         message="max_article_chars (line 1)"),
    Case("broken-toml", toml='title = "x\n', where="sitegen.toml:1", message="Illegal character"),
    Case("unknown-setting", toml="\nouput_dir = 'x'\n", where="sitegen.toml:2", message="Extra inputs"),
    Case("missing-config-file", args=("--config", "nope.toml"), where="nope.toml", message="no such config file"),
    Case("no-articles-folder", args=("--content", "outside"), where="", message="no articles folder"),
]


def snapshot(folder: Path) -> dict[str, object]:
    """Every entry under a folder as it is on disk (links as links), to prove nothing changed."""
    state: dict[str, object] = {}
    for here, dirs, names in os.walk(folder):
        for name in dirs + names:
            path = Path(here) / name
            rel = str(path.relative_to(folder))
            if path.is_symlink():
                state[rel] = ("link", os.readlink(path))
            elif path.is_file():
                state[rel] = ("file", path.read_bytes())
            else:
                state[rel] = ("other", path.lstat().st_mode)
    return state


def tiny_project(root: Path, cache: Path) -> Path:
    """One article, the theme, a secret file beside content/ that must never be published."""
    (root / A).mkdir(parents=True)
    (root / A / "good.txt").write_text(GOOD, encoding="utf-8")
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copytree(REPO / "static", root / "static")
    (root / "outside").mkdir()
    (root / "outside/secret.txt").write_bytes(SECRET + b"\n")
    (root / "sitegen.toml").write_text(BASE_TOML.format(cache=cache), encoding="utf-8")
    return root


def prepare(case: Case, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for rel, data in case.files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.write_bytes if isinstance(data, bytes) else path.write_text)(data)
    if case.toml:
        config = root / "sitegen.toml"
        keys = set(re.findall(r"(?m)^(\w+) =", case.toml))
        usual = [line for line in config.read_text(encoding="utf-8").splitlines(True) if line.split(" ")[0] not in keys]
        config.write_text(case.toml + "".join(usual), encoding="utf-8")
    if case.setup:
        case.setup(root, monkeypatch)
    monkeypatch.chdir(root)


def published(root: Path) -> bytes:
    return b"".join(p.read_bytes() for folder in (root / "site", root / ".sitegen/cards") if folder.is_dir()
                    for p in sorted(folder.rglob("*")) if p.is_file())


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input(case: Case, tmp_path, shared_cache, monkeypatch):
    root = tiny_project(tmp_path / "project", shared_cache)
    prepare(case, root, monkeypatch)
    before = snapshot(root / "content")
    result = CliRunner().invoke(app, ["build", "-q", *case.args])
    assert result.exit_code == case.code, result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert case.where in result.stderr and case.message in result.stderr, result.stderr
    if case.where.startswith("content/"):  # one line per problem: "path:line: warning: message (what to do)"
        assert re.search(rf"(?m)^{re.escape(case.where)}: warning: .*{re.escape(case.message)}", result.stderr)
    assert snapshot(root / "content") == before
    if case.code == 0:
        site = published(root)
        assert b"Norway and Chile" in site  # the good article went on
        assert SECRET not in site and b"root:x:0:0" not in site
    else:
        assert not (root / "site").exists() and not (root / ".sitegen").exists()
        assert [p.name for p in root.iterdir() if p.name.startswith(".site")] == []


def test_the_table_is_large_and_covers_every_category():
    assert len(CASES) >= 60
    ids = " ".join(c.id for c in CASES)
    for word in ("symlink", "alias", "located-in", "two-cards", "not-markdown", "impossible-date", "nul",
                 "front-matter", "over-long", "output", "base-url", "markup", "fifo", "override"):
        assert word in ids


# --- path safety: one test per rule, through load_settings ---------------------------------------------------

PATH_RULES = [
    ("written folder is an input folder", {"output_dir": "templates"}, "is the templates_dir folder"),
    ("written folder contains an input folder", {"cards_dir": "."}, "project folder"),
    ("written folder lies inside an input folder", {"cache_dir": "content/.cache"}, "lies inside the content_dir"),
    ("written folder contains the project", {"output_dir": ".."}, "is or contains the project folder"),
    ("written folder is the filesystem root", {"cache_dir": "/"}, "filesystem root"),
    ("written folder is a file", {"cards_dir": "outside/secret.txt"}, "is a file, not a folder"),
    ("a replaced folder holds another written folder", {"output_dir": ".sitegen/cards"}, "is the cards_dir folder"),
    ("base_url is neither http(s) nor a path", {"base_url": "ftp://x.example/"}, "not a ftp: URL"),
]


@pytest.mark.parametrize("rule, setting, message", PATH_RULES, ids=[r[0] for r in PATH_RULES])
def test_path_rule(rule, setting, message, tmp_path, shared_cache):
    root = tiny_project(tmp_path / "project", shared_cache)
    config = root / "sitegen.toml"
    (key, value), = setting.items()
    text = config.read_text(encoding="utf-8")
    config.write_text(f'title = "T"\n{key} = "{value}"\n' + re.sub(rf"(?m)^{key} = .*\n", "", text))
    before = snapshot(root)
    with pytest.raises(ConfigError) as error:
        load_settings(root, config_file=config)
    assert error.value.path == str(config) and error.value.line == 2
    assert f"{key} (line 2)" in error.value.detail and message in error.value.detail
    with pytest.raises(ConfigError, match=re.escape(message)):  # the same, set by a flag when there is one
        load_settings(root, config_file=config, **{key: (config.parent / value).resolve()}) if key != "base_url" \
            else load_settings(root, config_file=config, base_url=value)
    assert snapshot(root) == before


# --- a build killed at any moment ---------------------------------------------------------------------------

def tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def litter(root: Path) -> list[str]:
    return sorted(p.name for folder in (root, root / ".sitegen") for p in folder.iterdir()
                  if re.match(r"\.(site|cards)\.(new|old)-", p.name))


@pytest.mark.parametrize("delay", [0.0, 0.3], ids=["when-staging-appears", "while-indexing"])
def test_a_build_killed_leaves_a_whole_site_and_no_litter(delay, tmp_path, shared_cache, monkeypatch):
    root = tiny_project(tmp_path / "project", shared_cache)
    config = root / "sitegen.toml"
    config.write_text(config.read_text().replace("search = false", "search = true"))
    monkeypatch.chdir(root)
    second = root / A / "second.txt"
    second.write_text("date 2026-03-05\nThe ministers of Peru and Ghana spoke by phone.\n")
    assert CliRunner().invoke(app, ["build", "-q"]).exit_code == 0
    full = tree(root / "site"), tree(root / ".sitegen/cards")
    second.unlink()
    assert CliRunner().invoke(app, ["build", "-q"]).exit_code == 0
    last = tree(root / "site"), tree(root / ".sitegen/cards")
    second.write_text("date 2026-03-05\nThe ministers of Peru and Ghana spoke by phone.\n")
    build = subprocess.Popen([sys.executable, "-m", "sitegen.cli", "build", "-q"], cwd=root,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not any(p.name.startswith(".site.new-") for p in root.iterdir()):
        assert build.poll() is None and time.monotonic() < deadline, "the build ended before its staging folder was seen"
        time.sleep(0.002)
    time.sleep(delay)
    build.send_signal(signal.SIGKILL)
    build.wait()
    killed = tree(root / "site"), tree(root / ".sitegen/cards")
    assert killed[0] in (last[0], full[0])  # the last good site or the new one, whole; never a mix
    if killed[0] == last[0]:
        assert litter(root)  # the killed build left its staging folder...
    assert CliRunner().invoke(app, ["build", "-q"]).exit_code == 0
    assert (tree(root / "site"), tree(root / ".sitegen/cards")) == full  # ...the next build equals a clean one
    assert litter(root) == []  # ...and clears it


# --- the preview server under hostile requests ----------------------------------------------------------------

@pytest.fixture
def served_tiny(tmp_path, shared_cache):
    """The tiny project served in this process; yields (port, the lines the server said)."""
    from sitegen.serve.server import serve

    root = tiny_project(tmp_path / "project", shared_cache)
    said: list[str] = []
    urls: list[str] = []
    ready = threading.Event()
    stop = threading.Event()
    thread = threading.Thread(target=serve, args=(lambda: load_settings(root), root / "sitegen.toml"),
                              kwargs={"port": 0, "say": said.append, "stop": stop,
                                      "ready": lambda url: (urls.append(url), ready.set())}, daemon=True)
    thread.start()
    assert ready.wait(timeout=120)
    yield int(urls[0].rsplit(":", 1)[1].split("/")[0]), said
    stop.set()
    thread.join(timeout=10)


def raw_request(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("request_line, status", [
    (b"GET /%ff%fe/ HTTP/1.1", b"400"),  # not UTF-8 once decoded
    (b"GET /people/%c3%28/ HTTP/1.1", b"400"),
    (b"GET /%2e%2e/%2e%2e/outside/secret.txt HTTP/1.1", b"404"),
    (b"GET /../outside/secret.txt HTTP/1.1", b"404"),
    (b"GET /index.html%00.txt HTTP/1.1", b"404"),
    (b"BREW /pot HTTP/1.1", b"501"),
    (b"GET / HTTP/9.9", b"505"),
    (b"\x16\x03\x01\x02\x00\x01", b"400"),  # a TLS hello on the plain port
    (b"GET /" + b"a" * 70000 + b" HTTP/1.1", b"414"),
])
def test_every_request_gets_a_status_and_no_traceback(request_line, status, served_tiny, capfd):
    port, said = served_tiny
    answer = raw_request(port, request_line + b"\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.split(b" ", 2)[1] == status, answer[:200]
    assert SECRET not in answer
    assert "Traceback" not in capfd.readouterr().err
    assert all("\n" not in line for line in said)


def test_clients_that_hang_up_cost_one_line_each(served_tiny, capfd):
    port, said = served_tiny
    for _ in range(20):  # ask, then reset the connection before the answer is read
        connection = socket.create_connection(("127.0.0.1", port), timeout=10)
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        connection.close()
    assert raw_request(port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").startswith(b"HTTP/1.1 200")
    assert "Traceback" not in capfd.readouterr().err
    assert all(line.startswith(("serve: 127.0.0.1", "Built")) and "\n" not in line for line in said), said
