"""The tools a web team points at a built site: a sub-path server, a crawler, the Nu validator, axe-core.

Everything here treats the site as a visitor does, over HTTP on 127.0.0.1, so a link that works from
the file system but not under `/REPO/` on GitHub Pages is caught. Installing the external tools
(Chromium, the npm packages) lives here too, so a fresh CI machine gets them from the test run itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import threading
import urllib.error
import urllib.request
import xml.etree.ElementTree as ElementTree
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from sitegen.config import load_settings
from sitegen.pipeline.build import BuildReport, build_site

WEB_TOOLS = Path(__file__).resolve().parent / "web_tools"  # package.json + package-lock.json, pinned
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]


class ToolMissing(Exception):
    """An external checker cannot be installed or run here; the message says what to install."""


# --- installing the tools -----------------------------------------------------------------------------


def ensure_chromium() -> Path:
    """Debian's Chromium, installed with apt-get when it is missing (CI runs as root, registries reachable)."""
    found = shutil.which("chromium")
    if found:
        return Path(found)
    if not shutil.which("apt-get") or os.geteuid() != 0:
        raise ToolMissing("Chromium is not installed and this user cannot apt-get it: "
                          "run `apt-get update && apt-get install -y chromium` as root")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1200)
        if done.returncode != 0:
            raise ToolMissing(f"`{' '.join(command)}` failed ({done.returncode}): {done.stderr.strip()[-800:]}")
    found = shutil.which("chromium")
    if not found:
        raise ToolMissing("apt-get installed chromium but no `chromium` command is on PATH")
    return Path(found)


@dataclass(frozen=True)
class NodeTools:
    vnu_jar: Path
    axe_js: Path


def ensure_node_tools(cache_dir: Path) -> NodeTools:
    """vnu.jar and axe.min.js at the versions pinned in tests/web_tools, installed once per lockfile.

    `npm ci --ignore-scripts`: vnu-jar's postinstall would download a Java runtime; the machine's own
    Java runs the jar.
    """
    lock = (WEB_TOOLS / "package-lock.json").read_bytes()
    target = cache_dir / hashlib.sha256(lock + (WEB_TOOLS / "package.json").read_bytes()).hexdigest()[:16]
    tools = NodeTools(vnu_jar=target / "node_modules/vnu-jar/build/dist/vnu.jar",
                      axe_js=target / "node_modules/axe-core/axe.min.js")
    if tools.vnu_jar.is_file() and tools.axe_js.is_file():
        return tools
    npm = shutil.which("npm")
    if npm is None:
        raise ToolMissing("npm is needed to install the pinned vnu-jar and axe-core (apt-get install -y npm)")
    target.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(WEB_TOOLS / name, target / name)
    done = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=target,
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0 or not (tools.vnu_jar.is_file() and tools.axe_js.is_file()):
        raise ToolMissing(f"npm ci in {target} failed ({done.returncode}): {done.stderr.strip()[-800:]}")
    return tools


# --- serving under a sub-path -------------------------------------------------------------------------


class SubpathServer:
    """Serves one folder at http://127.0.0.1:PORT/PREFIX/ as GitHub Pages serves a project site.

    Anything outside the prefix is a 404, a folder without index.html is a 404 (no listings), and a missing
    page gets the site's own 404.html with status 404, as Pages does. The port is known before the site
    is built, so the build can be given its final base URL.
    """

    def __init__(self, prefix: str = "/REPO/") -> None:
        self.prefix = "/" + prefix.strip("/") + "/"
        self.folder: Path | None = None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_SubpathHandler, self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        return self.origin + self.prefix

    def serve(self, folder: Path) -> None:
        self.folder = folder

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> SubpathServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _SubpathHandler(SimpleHTTPRequestHandler):
    def __init__(self, owner: SubpathServer, *args, **kwargs) -> None:
        self.owner = owner
        super().__init__(*args, directory=str(owner.folder or "/nonexistent"), **kwargs)

    def translate_path(self, path: str) -> str:
        path = urlsplit(path).path
        if self.owner.folder is None or not path.startswith(self.owner.prefix):
            return "/nonexistent/outside-the-site"
        return super().translate_path("/" + path[len(self.owner.prefix):])

    def list_directory(self, path):  # Pages never lists a folder
        self.send_error(404)
        return None

    def send_error(self, code, message=None, explain=None) -> None:
        page = self.owner.folder / "404.html" if self.owner.folder else None
        if code != 404 or page is None or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format, *args) -> None:  # quiet: failures are reported by the tests
        pass


@dataclass(frozen=True)
class ServedSite:
    base_url: str  # http://127.0.0.1:PORT/REPO/
    folder: Path  # the build output
    build: BuildReport

    def url(self, path: str) -> str:
        return self.base_url + path


def serve_built_project(root: Path, server: SubpathServer, **settings: object) -> ServedSite:
    """Build the project at `root` with the server's URL as base URL, then serve the output."""
    loaded = load_settings(root, base_url=server.base_url, **settings)
    report = build_site(loaded)
    server.serve(loaded.output_dir)
    return ServedSite(server.base_url, loaded.output_dir, report)


# --- crawling -----------------------------------------------------------------------------------------


class _PageLinks(HTMLParser):
    """Every URL an HTML page points at, with where it points from, and the ids it offers as anchors."""

    URL_ATTRIBUTES = {"href", "src", "poster", "action", "formaction", "data"}
    META_URLS = {"og:url", "og:image", "twitter:image", "og:image:url"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []  # (what, url)
        self.ids: set[str] = set()
        self.canonical: list[str] = []
        self.json_ld: list[str] = []
        self._in_json_ld = False
        self._style = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if value is None:
                continue
            if name in self.URL_ATTRIBUTES:
                self.links.append((f"<{tag} {name}>", value))
            elif name == "srcset":
                for candidate in value.split(","):
                    if candidate.strip():
                        self.links.append((f"<{tag} srcset>", candidate.split()[0]))
            elif name in ("id", "name") and (name == "id" or tag == "a"):
                self.ids.add(value)
        if tag == "link" and "canonical" in (attributes.get("rel") or "").split():
            self.canonical.append(attributes.get("href") or "")
        if tag == "meta" and attributes.get("property", attributes.get("name")) in self.META_URLS:
            self.links.append((f"<meta {attributes.get('property') or attributes.get('name')}>",
                               attributes.get("content") or ""))
        self._in_json_ld = tag == "script" and (attributes.get("type") or "").lower() == "application/ld+json"
        if self._in_json_ld:
            self.json_ld.append("")
        self._style = tag == "style"

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self._in_json_ld = self._style = False

    def handle_endtag(self, tag):
        self._in_json_ld = self._style = False

    def handle_data(self, data):
        if self._in_json_ld:
            self.json_ld[-1] += data
        elif self._style:
            self.links.extend(("<style> url()", url) for url in css_urls(data))


def parse_html(text: str) -> _PageLinks:
    parser = _PageLinks()
    parser.feed(text)
    parser.close()
    return parser


_CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3""")
JSON_LD_URL_KEYS = {"url", "@id", "image", "logo", "mainEntityOfPage", "contentUrl", "thumbnailUrl"}


def css_urls(text: str) -> list[str]:
    return [m.group(2) or m.group(4) for m in _CSS_URL.finditer(text) if (m.group(2) or m.group(4))]


def json_ld_urls(node: object) -> list[str]:
    """The URL-valued properties of a JSON-LD document, depth first."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in JSON_LD_URL_KEYS and isinstance(value, str):
                found.append(value)
            else:
                found.extend(json_ld_urls(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(json_ld_urls(item))
    return found


def xml_urls(text: bytes) -> list[tuple[str, str]]:
    """Links of a sitemap (<loc>) or a feed (Atom <link href>, RSS <link>, <icon>, <logo>)."""
    root = ElementTree.fromstring(text)
    found = []
    for element in root.iter():
        local = element.tag.rsplit("}", 1)[-1]
        if local == "link" and element.get("href"):
            found.append((f"<{local} href>", element.get("href")))
        elif local in ("loc", "link", "icon", "logo") and (element.text or "").strip():
            found.append((f"<{local}>", element.text.strip()))
    return found


@dataclass
class Fetched:
    url: str
    status: int
    content_type: str
    body: bytes


@dataclass
class CrawlReport:
    """What a crawl of the site found; `broken` holds one line per bad reference, naming where it is."""

    base_url: str
    fetched: dict[str, Fetched] = field(default_factory=dict)
    references: int = 0
    broken: list[str] = field(default_factory=list)
    json_ld_problems: list[str] = field(default_factory=list)
    canonical: dict[str, list[str]] = field(default_factory=dict)  # page URL -> its canonical hrefs
    external: Counter = field(default_factory=Counter)  # host -> links to it (not followed)

    def ok(self, kind: str) -> list[str]:
        """URLs fetched with status 200 whose content type contains `kind` ("html", "xml")."""
        return sorted(u for u, f in self.fetched.items() if f.status == 200 and kind in f.content_type)


def fetch(url: str) -> Fetched:
    request = urllib.request.Request(url, headers={"User-Agent": "sitegen-tests"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Fetched(response.geturl(), response.status, response.headers.get_content_type(), response.read())
    except urllib.error.HTTPError as error:
        return Fetched(url, error.code, error.headers.get_content_type(), error.read())


def crawl(base_url: str, extra_starts: tuple[str, ...] = ()) -> CrawlReport:
    """Follow every same-origin URL of every page, stylesheet, sitemap, feed and robots.txt under `base_url`.

    A reference is broken when its target is outside `base_url`'s path, does not answer 200, or names a
    #fragment that the target page does not have. Other hosts are counted, never fetched.
    """
    report = CrawlReport(base_url)
    origin = urlsplit(base_url)
    queue: list[tuple[str, str]] = [("(start)", base_url)] + [("(start)", urljoin(base_url, s)) for s in extra_starts]
    fragments: list[tuple[str, str, str]] = []  # (where, page url, fragment)
    anchors: dict[str, set[str]] = {}
    while queue:
        where, raw = queue.pop(0)
        url, fragment = urldefrag(raw)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc != origin.netloc:
            if parts.scheme in ("http", "https"):
                report.external[parts.netloc] += 1
            continue
        report.references += 1
        if not parts.path.startswith(origin.path):
            report.broken.append(f"{where} -> {raw} (outside {origin.path})")
            continue
        if fragment and not where.endswith("JSON-LD"):  # a JSON-LD @id names a node, not an anchor
            fragments.append((where, url, unquote(fragment)))
        if url in report.fetched:
            if report.fetched[url].status != 200:
                report.broken.append(f"{where} -> {raw} ({report.fetched[url].status})")
            continue
        got = report.fetched[url] = fetch(url)
        if got.status != 200:
            report.broken.append(f"{where} -> {raw} ({got.status})")
            continue
        for what, link in _references(got, report):
            link = link.strip()
            if link and not link.startswith(("mailto:", "tel:", "data:")):
                queue.append((f"{url} {what}", urljoin(got.url, link)))
        if got.content_type == "text/html":
            anchors[url] = parse_html(got.body.decode("utf-8", "replace")).ids
    for where, url, fragment in fragments:
        if url in anchors and fragment not in anchors[url] and fragment != "top":  # "#top" needs no id
            report.broken.append(f"{where} -> {url}#{fragment} (no such anchor)")
    return report


def _references(got: Fetched, report: CrawlReport) -> list[tuple[str, str]]:
    if got.content_type == "text/html":
        page = parse_html(got.body.decode("utf-8", "replace"))
        report.canonical[got.url] = page.canonical
        found = list(page.links)
        for number, block in enumerate(page.json_ld, start=1):
            try:
                found.extend(("JSON-LD", url) for url in json_ld_urls(json.loads(block)))
            except json.JSONDecodeError as exc:
                report.json_ld_problems.append(f"{got.url} JSON-LD block {number}: {exc}")
        return found
    if got.content_type == "text/css":
        return [("url()", url) for url in css_urls(got.body.decode("utf-8", "replace"))]
    if got.content_type.endswith("xml"):
        try:
            return xml_urls(got.body)
        except ElementTree.ParseError as exc:
            report.broken.append(f"{got.url} is not well-formed XML: {exc}")
            return []
    if got.url.endswith("/robots.txt"):
        return [("Sitemap:", line.split(":", 1)[1].strip()) for line in got.body.decode().splitlines()
                if line.lower().startswith("sitemap:")]
    return []


# --- the Nu HTML checker ------------------------------------------------------------------------------


@dataclass(frozen=True)
class VnuMessage:
    file: str
    line: int
    kind: str  # "error" or "warning"
    message: str
    extract: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.kind}: {self.message}  [{self.extract.strip()[:120]}]"


def validate_html(vnu_jar: Path, files: list[Path], root: Path) -> list[VnuMessage]:
    """The Nu checker's errors and warnings for HTML, CSS and SVG `files`, sorted by file and line.

    One JVM per kind of file: with `--also-check-css` the checker misnumbers the lines of HTML files.
    """
    java = shutil.which("java")
    if java is None:
        raise ToolMissing("Java is needed to run the Nu HTML checker (apt-get install -y default-jre-headless)")
    found = []
    for suffix, flag in ((".html", "--html"), (".css", "--css"), (".svg", "--svg")):
        group = [str(f) for f in files if f.suffix == suffix]
        if group:
            found.extend(_vnu_messages(java, vnu_jar, flag, group, root))
    return sorted(found, key=lambda m: (m.file, m.line, m.message))


def _vnu_messages(java: str, vnu_jar: Path, flag: str, files: list[str], root: Path) -> list[VnuMessage]:
    done = subprocess.run([java, "-jar", str(vnu_jar), flag, "--format", "json", "--stdout", "--exit-zero-always",
                           *files], capture_output=True, text=True, timeout=600)
    try:
        messages = json.loads(done.stdout)["messages"]
    except (json.JSONDecodeError, KeyError) as exc:
        raise ToolMissing(f"the Nu checker gave no report ({exc}): {done.stderr.strip()[-800:]}") from exc
    found = []
    for message in messages:
        kind = "warning" if message.get("subType") == "warning" else message["type"]
        if kind == "info":
            continue
        path = Path(unquote(urlsplit(message.get("url", "")).path))
        shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        found.append(VnuMessage(shown, message.get("lastLine", message.get("firstLine", 0)), kind,
                                message["message"], message.get("extract", "")))
    return found
