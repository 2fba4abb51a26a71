"""Save-to-reloaded-page times of `sitegen serve --watch`, for the demo and for a site of 1,000 articles.

    python bench/serve.py [--articles 1000] [--rounds 3]

For each site the script makes a project in a temporary folder (the repository's templates, static files
and config; the demo articles, or AllSides DEV articles read by path from ../shared/corpora plus ECB+
DEV ones up to the count, written there as Markdown), adds a curated card for the site's most mentioned
leader, builds it once, then serves it with watching on, as `sitegen serve --watch` does, with the leader's page
open (an event-stream listener that names it, as the page's reload script does). Each round saves one file
and times, from the save, until the server announces the page changed and it has been fetched again
("page"; the server draws the open page first), and until the whole rebuild is done and the new site on
disk ("done"):

- template: `person.html`, an HTML comment in its first block; fetched: the leader's page
- card:     the leader's curated card, new text (same names, so no spaCy); fetched: the leader's page
- article:  one article that names the leader, a sentence appended; fetched: the leader's page (the
            sentence itself shows on no page unless the summary picks it)

NLP results are cached under bench/.cache/serve/ (git-ignored): only the first run parses the articles.
Nothing from the corpora is stored in the repository.
"""

from __future__ import annotations

import argparse
import http.client
import json
import queue
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._corpus import EVENTS_DIR  # noqa: E402
from sitegen.config import load_settings
from sitegen.pipeline.build import build_site
from sitegen.serve.server import serve

CACHE = REPO / "bench/.cache/serve"
CORPORA = EVENTS_DIR


def make_project(root: Path, articles: int | None) -> Path:
    """A project folder: the demo content (articles=None) or `articles` corpus articles."""
    for name in ("templates", "static"):
        shutil.copytree(REPO / name, root / name)
    config = (REPO / "sitegen.toml").read_text(encoding="utf-8")
    (root / "sitegen.toml").write_text(re.sub(r'(?m)^cache_dir = .*$', f'cache_dir = "{CACHE}"', config),
                                       encoding="utf-8")
    folder = root / "content/articles"
    if articles is None:
        shutil.copytree(REPO / "content/articles", folder)
        return root
    folder.mkdir(parents=True)
    rows = []
    for name in ("allsides-dev.jsonl", "ecbplus-dev.jsonl"):
        with (CORPORA / name).open(encoding="utf-8") as lines:
            rows += [json.loads(line) for line in lines]
    for row in rows[:articles]:
        meta = {key: row[key] for key in ("title", "date", "source", "url") if row.get(key)}
        (folder / f"{row['id']}.md").write_text(f"---\n{yaml.safe_dump(meta, allow_unicode=True)}---\n{row['text']}\n",
                                                encoding="utf-8")
    return root


def most_mentioned_leader(site: Path) -> tuple[str, dict]:
    """(slug, card front matter) of the first leader on the leaders page (they are listed by mentions)."""
    leaders = (site / "leaders/index.html").read_text(encoding="utf-8")
    slug = re.search(r'href="(?:\.\./)*people/([^/"]+)/"', leaders).group(1)
    card = (site / f"people/{slug}/index.md").read_text(encoding="utf-8")
    front = yaml.safe_load(card.split("---\n")[1])
    return slug, front


class Session:
    """The server in this process plus an event-stream listener, as a browser tab showing `page` holds it."""

    def __init__(self, project: Path, page: str) -> None:
        self.lines: list[str] = []
        urls: queue.Queue[str] = queue.Queue()
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=serve, args=(lambda: load_settings(project), project / "sitegen.toml"),
            kwargs={"port": 0, "watching": True, "say": self.lines.append, "ready": urls.put, "stop": self.stop},
            daemon=True)
        self.thread.start()
        self.origin = urls.get(timeout=600).rstrip("/")
        host, port = self.origin.removeprefix("http://").split(":")
        self.address = (host, int(port))
        self.events: queue.Queue[tuple[dict, int]] = queue.Queue()  # (status, lines the server had said by then)
        threading.Thread(target=self._listen, args=(page,), daemon=True).start()
        self.shown = self.events.get(timeout=30)[0]["generation"]  # the status on connecting

    def _listen(self, page: str) -> None:
        connection = http.client.HTTPConnection(*self.address, timeout=None)
        connection.request("GET", f"/__sitegen/events?page=/{page}")
        response = connection.getresponse()
        for raw in response:
            if raw.startswith(b"data: "):
                self.events.put((json.loads(raw[6:]), len(self.lines)))

    def fetch(self, path: str) -> bytes:
        connection = http.client.HTTPConnection(*self.address, timeout=30)
        connection.request("GET", "/" + path)
        body = connection.getresponse().read()
        connection.close()
        return body

    def timed_save(self, save, page: str, marker: bytes | None) -> tuple[float, float, str]:
        """Seconds from the save to the changed page fetched again (to the end of the rebuild when the page did
        not change), seconds to the end of the rebuild (the new site swapped in and announced), and the
        server's line about it."""
        heard = len(self.lines)
        started = time.perf_counter()
        save()
        shown = None
        while True:
            status, said = self.events.get(timeout=600)
            if status["problems"]:
                raise RuntimeError(f"rebuild failed: {status['problems']}")
            if status["generation"] != self.shown:  # the page's reload script would reload now
                body = self.fetch(page)
                shown, self.shown = time.perf_counter() - started, status["generation"]
                if marker is not None and marker not in body:
                    raise RuntimeError(f"the change is not on /{page}")
            # The server says "Rebuilt" just before it announces the new site: an announcement heard after
            # that line is the last one of this save.
            if (rebuilt := next((line for line in self.lines[heard:said] if line.startswith("Rebuilt")), None)):
                done = time.perf_counter() - started
                break
        if marker is not None and shown is None:
            raise RuntimeError(f"/{page} was not announced")
        return shown if shown is not None else done, done, rebuilt

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)


def run(label: str, articles: int | None, rounds: int) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="sitegen-bench-serve-") as tmp:
        project = make_project(Path(tmp), articles)
        started = time.perf_counter()
        report = build_site(load_settings(project))  # warms the NLP cache; finds the leader
        print(f"[{label}] {report.articles} articles, {report.pages} pages; first build {time.perf_counter() - started:.1f}s "
              f"(spaCy on {report.parsed})", flush=True)
        slug, front = most_mentioned_leader(project / "site")
        card = project / f"content/entities/people/{slug}.md"
        card.parent.mkdir(parents=True, exist_ok=True)
        names = {key: front[key] for key in ("name", "aliases") if front.get(key)}

        def write_card(text: str) -> None:
            card.write_text(f"---\n{yaml.safe_dump({**names, 'kind': 'person'}, allow_unicode=True)}---\n{text}\n",
                            encoding="utf-8")

        write_card("Curated note, round 0.")
        build_site(load_settings(project))  # the card's names go into the NER: parse once before timing
        article = next(p for p in sorted((project / "content/articles").iterdir())
                       if front["name"].split()[-1] in p.read_text(encoding="utf-8"))
        person = project / "templates/person.html"
        page = f"people/{slug}/"
        session = Session(project, page)
        rows: dict[str, list[tuple[float, float, str]]] = {"template": [], "card": [], "article": []}
        try:
            for n in range(1, rounds + 1):
                template = person.read_text(encoding="utf-8")
                rows["template"].append(session.timed_save(
                    lambda: person.write_text(re.sub(r"(\{% block \w+ %\})", rf"\1<!-- round {n} -->", template, count=1),
                                              encoding="utf-8"), page, f"<!-- round {n} -->".encode()))
                rows["card"].append(session.timed_save(lambda: write_card(f"Curated note, round {n}."), page,
                                                       f"round {n}.".encode()))
                text = article.read_text(encoding="utf-8")
                rows["article"].append(session.timed_save(
                    lambda: article.write_text(text.rstrip("\n") + f" An editor's line, round {n}.\n",
                                               encoding="utf-8"), page, None))
        finally:
            session.close()
    out = []
    for edit, results in rows.items():
        seconds = [s for s, _, _ in results]
        done = statistics.median(d for _, d, _ in results)
        drawn = re.search(r"(\d+) page\(s\) drawn, (\d+) file\(s\) changed.*spaCy ran on (\d+)", results[-1][2])
        out.append(f"{label:<14} {edit:<9} median {statistics.median(seconds):6.2f}s  "
                   f"(min {min(seconds):.2f}, max {max(seconds):.2f}, n={len(seconds)})  done {done:6.2f}s  "
                   f"pages drawn {drawn.group(1):>5}, files changed {drawn.group(2):>4}, spaCy on {drawn.group(3)}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000, help="size of the large site")
    parser.add_argument("--rounds", type=int, default=3, help="saves of each kind per site")
    args = parser.parse_args()
    lines = run("demo", None, args.rounds) + run(f"{args.articles} articles", args.articles, args.rounds)
    print("\nsave -> page announced -> page fetched again (done: save -> whole rebuild on disk)")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
