"""`sitegen serve`: path safety, content types, the 404 page, the live-reload script only while serving, and
an editor's session in headless Chromium (save a card, see it; break it, see the error; fix it)."""

from __future__ import annotations

import http.client
import json
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from sitegen.config import ConfigError, load_settings
from sitegen.contract import Diagnostic
from sitegen.output.render import RenderError
from sitegen.pipeline.build import BuildFailed, build_site
from sitegen.serve.server import Problem, content_type, inject_live_script, mount_path, problems_of, serve, site_path

pytest_plugins = ["conftest_web"]


@pytest.mark.parametrize("request_path, mount, expected", [
    ("/", "/", ""),
    ("/people/x/", "/", "people/x/"),
    ("/people/x/?q=1#top", "/", "people/x/"),
    ("/static/style%2Ecss", "/", "static/style.css"),
    ("/repo/events/", "/repo/", "events/"),
    ("/repo", "/repo/", ""),
    ("/events/", "/repo/", None),  # outside the mount
    ("/../etc/passwd", "/", None),
    ("/a/../../etc/passwd", "/", None),
    ("/%2e%2e/%2e%2e/etc/passwd", "/", None),
    ("/%2E%2E%2Fetc%2Fpasswd", "/", None),
    ("/%2Fetc/passwd", "/", None),  # absolute once decoded
    ("//etc/passwd", "/", None),
    ("/a%5c..%5c..%5cetc", "/", None),  # backslashes
    ("/index.html%00.txt", "/", None),
    ("/./index.html", "/", None),
])
def test_site_path_refuses_anything_outside_the_site(request_path, mount, expected):
    assert site_path(request_path, mount) == expected


@pytest.mark.parametrize("base_url, mount", [("/", "/"), ("", "/"), ("https://o.github.io/repo/", "/repo/"),
                                             ("https://example.org/", "/"), ("/a/b", "/a/b/")])
def test_the_site_is_mounted_at_its_base_url_path(base_url, mount):
    assert mount_path(base_url) == mount


@pytest.mark.parametrize("name, kind", [("index.html", "text/html; charset=utf-8"), ("a.css", "text/css; charset=utf-8"),
                                        ("x.js", "text/javascript; charset=utf-8"), ("atom.xml", "application/xml; charset=utf-8"),
                                        ("robots.txt", "text/plain; charset=utf-8"), ("i.svg", "image/svg+xml"),
                                        ("pagefind/x.pf_meta", "application/octet-stream"), (".nojekyll", "application/octet-stream")])
def test_content_types(name, kind):
    assert content_type(name) == kind


def test_the_live_script_goes_before_the_last_body_end():
    page = inject_live_script(b"<html><body><p>&lt;/body&gt;</p></body></html>", 7)
    assert page.endswith(b'data-generation="7" defer></script></body></html>')
    assert inject_live_script(b"<p>x</p>", 1).startswith(b"<p>x</p><script")


def test_problems_name_file_line_and_message(tmp_path):
    broken = BuildFailed("1 new problem(s)", [Diagnostic(path="content/entities/people/a.md", line=2,
                                                         message="broken front matter: x", hint="fix it")])
    assert problems_of(broken) == [Problem(path="content/entities/people/a.md", line=2,
                                           message="broken front matter: x (fix it)")]
    render = RenderError("'nope' is undefined (while drawing /people/a/)", "/p/templates/person.html", 4)
    assert str(render) == "/p/templates/person.html:4: 'nope' is undefined (while drawing /people/a/)"
    assert problems_of(render) == [Problem(path="/p/templates/person.html", line=4,
                                           message="'nope' is undefined (while drawing /people/a/)")]
    config_file = tmp_path / "sitegen.toml"
    config_file.write_text('title = "x"\nbase_url = "/"\nmodel oops\n')
    with pytest.raises(ConfigError) as config:
        load_settings(tmp_path)
    assert problems_of(config.value)[0].path == str(config_file) and problems_of(config.value)[0].line == 3
    assert problems_of(ValueError("boom")) == [Problem(message="ValueError: boom")]


@pytest.fixture
def served(project):
    """The demo project served in this process (no watching) at a free port; yields (origin, settings)."""
    urls: queue.Queue[str] = queue.Queue()
    stop = threading.Event()
    thread = threading.Thread(target=serve, args=(lambda: load_settings(project), project / "sitegen.toml"),
                              kwargs={"port": 0, "say": lambda line: None, "ready": urls.put, "stop": stop},
                              daemon=True)
    thread.start()
    url = urls.get(timeout=120)
    yield url.rstrip("/"), load_settings(project)
    stop.set()
    thread.join(timeout=10)


def get(origin: str, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    host, port = origin.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.putrequest(method, path, skip_accept_encoding=True)  # sent as written: no normalising
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, dict(response.getheaders()), body


def test_the_server_serves_the_site_and_nothing_else(served):
    origin, settings = served
    status, headers, body = get(origin, "/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"/__sitegen/live.js" in body
    assert b"__sitegen" not in (settings.output_dir / "index.html").read_bytes()  # only while serving
    assert not any(b"__sitegen" in p.read_bytes() for p in settings.output_dir.rglob("*.html"))
    assert get(origin, "/static/style.css")[1]["Content-Type"] == "text/css; charset=utf-8"
    assert get(origin, "/feeds/atom.xml")[1]["Content-Type"] == "application/xml; charset=utf-8"
    assert get(origin, "/timeline", "HEAD")[0] == 301
    missing = get(origin, "/no/such/page/")
    assert missing[0] == 404 and missing[1]["Content-Type"] == "text/html; charset=utf-8"
    assert missing[2].startswith((settings.output_dir / "404.html").read_bytes().split(b"</body>")[0])
    secret = settings.output_dir.parent / "secret.txt"
    secret.write_text("do not serve")
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/static/..%2f..%2fsecret.txt", "/%2F" + str(secret)[1:],
                 str(secret), "/..%5csecret.txt"):
        status, _, body = get(origin, path)
        assert status == 404 and b"do not serve" not in body, path


def test_the_event_stream_announces_the_build(served):
    origin, _ = served
    host, port = origin.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("GET", "/__sitegen/events")
    response = connection.getresponse()
    assert response.getheader("Content-Type") == "text/event-stream"
    assert response.readline() == b"event: build\n"
    assert response.readline() == b'data: {"generation": 1, "problems": []}\n'
    connection.close()


# --- an editor's session in Chromium --------------------------------------------------------------------


class ServeProcess:
    """`sitegen serve --watch --port 0` in a project folder, its output lines gathered by a thread."""

    def __init__(self, project: Path) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        self.process = subprocess.Popen([sys.executable, "-m", "sitegen.cli", "serve", "--watch", "--port", "0"],
                                        cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.log.append(line.rstrip())
            self.lines.put(line.rstrip())

    def wait_for(self, pattern: str, timeout: float = 90) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            if match := re.search(pattern, line):
                return match
        raise AssertionError(f"no line matching {pattern!r}; the server said:\n" + "\n".join(self.log))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def a_leader(site: Path) -> tuple[str, str]:
    """(page path, name) of the first leader the built site lists."""
    leaders = (site / "leaders/index.html").read_text(encoding="utf-8")
    slug = re.search(r'href="(?:\.\./)*people/([^/"]+)/"', leaders).group(1)
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", (site / f"people/{slug}/index.html").read_text(encoding="utf-8"), re.S)
    return f"people/{slug}/", " ".join(heading.group(1).split())


@pytest.mark.browser
def test_an_editor_sees_each_save_of_a_card_without_reloading(project, browser):
    started = time.monotonic()
    (project / "content/entities/people").mkdir(parents=True, exist_ok=True)
    server = ServeProcess(project)
    try:
        origin = server.wait_for(r"Serving (http://\S+)").group(1)
        path, name = a_leader(project / "site")
        card = project / "content/entities/people" / f"{path.split('/')[1]}.md"
        page = browser.new_page()
        page.goto(origin + path, wait_until="load")
        page.evaluate("window.sitegenUntouched = true")  # gone after a reload: proves it reloaded itself
        page.wait_for_timeout(300)  # the event stream connects

        card.write_text(f"---\nname: {name}\nkind: person\naliases: [{name.split()[-1]}]\n---\n"
                        "Curated note number one: a sentence nobody extracted.\n", encoding="utf-8")
        page.wait_for_function("document.body.innerText.includes('Curated note number one')", timeout=45_000)
        assert page.evaluate("window.sitegenUntouched === undefined")
        assert page.locator("h1").first.inner_text().strip() == name

        card.write_text(f"---\nname: [{name}\nkind: person\n---\nHalf-edited.\n", encoding="utf-8")
        overlay = page.locator("#sitegen-problems")
        overlay.wait_for(state="visible", timeout=30_000)
        text = overlay.inner_text()
        assert f"content/entities/people/{card.name}:" in text and "front matter" in text, text
        assert "Curated note number one" in page.locator("main").inner_text()  # the last good page stays

        card.write_text(f"---\nname: {name}\nkind: person\naliases: [{name.split()[-1]}]\n---\n"
                        "Curated note number two, fixed.\n", encoding="utf-8")
        page.wait_for_function("document.body.innerText.includes('Curated note number two')", timeout=30_000)
        assert overlay.count() == 0
        page.close()
    finally:
        server.stop()
        print("\n".join(server.log))  # shown when the test fails
    assert time.monotonic() - started < 60, "\n".join(server.log)


class Listener:
    """An event-stream connection as a page's reload script holds it, saying which page it shows."""

    def __init__(self, origin: str, page: str) -> None:
        host, port = origin.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=60)
        self.connection.request("GET", f"/__sitegen/events?page={page}")
        self.response = self.connection.getresponse()

    def next_status(self) -> dict:
        for line in self.response:
            if line.startswith(b"data: "):
                return json.loads(line[6:])
        raise AssertionError("the event stream ended")


def test_a_card_save_reloads_the_page_that_shows_it_and_no_other(project):
    (project / "content/entities/people").mkdir(parents=True, exist_ok=True)
    build_site(load_settings(project))
    path, name = a_leader(project / "site")
    card = project / "content/entities/people" / f"{path.split('/')[1]}.md"
    card.write_text(f"---\nname: {name}\nkind: person\n---\nA first curated note.\n", encoding="utf-8")
    urls: queue.Queue[str] = queue.Queue()
    stop = threading.Event()
    said: list[str] = []
    thread = threading.Thread(target=serve, args=(lambda: load_settings(project), project / "sitegen.toml"),
                              kwargs={"port": 0, "watching": True, "say": said.append, "ready": urls.put,
                                      "stop": stop}, daemon=True)
    thread.start()
    try:
        origin = urls.get(timeout=120).rstrip("/")
        person, about = Listener(origin, "/" + path), Listener(origin, "/about/")
        shown = person.next_status()["generation"]
        assert about.next_status()["generation"] == shown
        page = get(origin, "/" + path)[2]
        assert b"A first curated note." in page and f'data-generation="{shown}"'.encode() in page

        card.write_text(f"---\nname: {name}\nkind: person\n---\nA second curated note.\n", encoding="utf-8")
        now = person.next_status()
        assert now["generation"] != shown and not now["problems"]
        page = get(origin, "/" + path)[2]
        assert b"A second curated note." in page and f'data-generation="{now["generation"]}"'.encode() in page
        assert about.next_status()["generation"] == shown  # the about page did not change: no reload
        deadline = time.monotonic() + 60
        while not any(line.startswith("Rebuilt") for line in said) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)  # the server says "Rebuilt" just before it takes the new site in
        assert b"A second curated note." in (load_settings(project).output_dir / path / "index.html").read_bytes()
        page = get(origin, "/" + path)[2]  # once the whole site is replaced, the page needs no second reload
        assert b"A second curated note." in page and f'data-generation="{now["generation"]}"'.encode() in page
    finally:
        stop.set()
        thread.join(timeout=10)
