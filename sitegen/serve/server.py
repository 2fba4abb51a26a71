"""`sitegen serve`: the built site over HTTP on 127.0.0.1, rebuilt exactly as far as each save needs.

The server reads every file from the output folder at request time; a rebuild swaps a whole new folder in
under a lock the server takes to open a file, so a page is never half-built. While serving, each HTML
response gets a small script that listens to server-sent events, telling the server which page it shows: it
reloads the page when a rebuild changed it and shows a failed rebuild's problems (file, line, message) over
the last good page until the next good one. A rebuild draws the pages open in a browser first and announces
them at once, served from memory until the rest is drawn and the whole new site is swapped in (as Hugo's
fast render does).
"""

from __future__ import annotations

import json
import queue
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qs, unquote, urlsplit

from watchfiles import watch

from ..config import Settings
from ..contract import Frozen, LocatedError
from ..pipeline.build import BuildFailed, RebuildReport, SiteState, build_state, rebuild
from .changes import Layout, Needs, needs_for

TOOL_PATH = "/__sitegen/"  # the server's own endpoints, outside any site
EVENTS_PATH = TOOL_PATH + "events"
SCRIPT_PATH = TOOL_PATH + "live.js"
HEARTBEAT_SECONDS = 15.0
IDLE_SECONDS = 60.0  # a connection that sends nothing for this long is closed (its thread is freed)
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".wasm": "application/wasm",
    ".pdf": "application/pdf",
}


class Problem(Frozen):
    """Why a rebuild failed, as the overlay shows it."""

    path: str | None = None
    line: int | None = None
    message: str


def problems_of(exc: BaseException) -> list[Problem]:
    """The problems a failed build raised, each with its file and line where the error knows them."""
    if isinstance(exc, BuildFailed) and exc.diagnostics:
        return [Problem(path=d.path, line=d.line, message=f"{d.message} ({d.hint})" if d.hint else d.message)
                for d in exc.diagnostics]
    if isinstance(exc, LocatedError):
        return [Problem(path=exc.path, line=exc.line, message=exc.detail)]
    return [Problem(message=str(exc) if isinstance(exc, BuildFailed) else f"{type(exc).__name__}: {exc}")]


# --- the HTTP side: pure helpers -------------------------------------------------------------------------


def mount_path(base_url: str) -> str:
    """Where the site is served: the base URL's path ("/" or "/repo/"), as GitHub Pages would."""
    path = urlsplit(base_url).path or "/"
    return "/" + path.strip("/") + "/" if path.strip("/") else "/"


def site_path(request_path: str, mount: str) -> str | None:
    """The file path inside the site a request asks for, or None when it points outside the site.

    Refused: paths outside the mount, `..` and `.` segments (plain or percent-encoded), absolute paths
    after decoding, backslashes and NUL bytes. Raises ValueError when the path is not UTF-8 once decoded.
    """
    path = request_target(request_path)
    if not path.startswith(mount) and path + "/" != mount:
        return None
    rel = unquote(path[len(mount):], errors="strict") if path.startswith(mount) else ""
    if "\x00" in rel or "\\" in rel or rel.startswith("/"):
        return None
    parts = rel.split("/")
    if any(part in (".", "..") for part in parts):
        return None
    return rel


def request_target(raw: str) -> str:
    """The path of a request line's target, as sent (not parsed as a URL: "//x/y" names no host here)."""
    return raw.split("?", 1)[0].split("#", 1)[0]


def page_file(rel: str) -> str:
    """The file a site path is answered with: a folder's index.html."""
    return rel + "index.html" if not rel or rel.endswith("/") else rel


def page_path(file: str) -> str:
    """The path of the page drawn into `file` (`sitegen.site.pages.Page.path`)."""
    return file.removesuffix("index.html") if file == "index.html" or file.endswith("/index.html") else file


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(PurePosixPath(name).suffix.lower(), "application/octet-stream")


def inject_live_script(html: bytes, generation: int) -> bytes:
    """The page with the live-reload script before its last </body> (or at its end)."""
    tag = (f'<script src="{SCRIPT_PATH}" data-events="{EVENTS_PATH}" data-generation="{generation}" defer>'
           f"</script>").encode()
    at = html.rfind(b"</body>")
    return html[:at] + tag + html[at:] if at >= 0 else html + tag


LIVE_SCRIPT = """(() => {
  "use strict";
  const me = document.currentScript;
  const shown = me.dataset.generation;
  const source = new EventSource(me.dataset.events + "?page=" + encodeURIComponent(location.pathname));
  const id = "sitegen-problems";
  function hide() { const old = document.getElementById(id); if (old) old.remove(); }
  function show(problems) {
    hide();
    const box = document.createElement("div");
    box.id = id;
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:2rem;" +
      "background:rgba(20,20,20,.94);color:#fff;font:15px/1.5 ui-monospace,monospace";
    const title = document.createElement("h2");
    title.textContent = "Rebuild failed: the last good site is still served";
    title.style.cssText = "color:#ff8a80;font:bold 18px/1.4 ui-monospace,monospace;margin:0 0 1rem";
    box.append(title);
    const list = document.createElement("ul");
    list.style.cssText = "list-style:none;padding:0;margin:0";
    for (const p of problems) {
      const item = document.createElement("li");
      item.className = "sitegen-problem";
      item.style.cssText = "margin:0 0 1rem;white-space:pre-wrap";
      const where = document.createElement("strong");
      where.textContent = p.path ? (p.line ? p.path + ":" + p.line : p.path) : "build";
      where.style.color = "#ffd180";
      const message = document.createElement("div");
      message.textContent = p.message;
      item.append(where, message);
      list.append(item);
    }
    box.append(list);
    const note = document.createElement("p");
    note.textContent = "Fix the file and save: the page reloads by itself.";
    box.append(note);
    document.body.append(box);
  }
  source.addEventListener("build", (event) => {
    const state = JSON.parse(event.data);
    if (state.problems.length) { show(state.problems); return; }
    hide();
    if (String(state.generation) !== shown) location.reload();
  });
})();
"""


# --- the preview: state shared by the server, the watcher and the rebuilds --------------------------------


class Preview:
    """The last good build, the current problems, the pages open in browsers, and the lock under which a new
    site is swapped in.

    Each generated file carries the generation that last changed it; a page reloads when its file's moves on,
    so a rebuild reloads the pages it changed and no others (every page after a config or static change).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.state: SiteState | None = None
        self.problems: list[Problem] = []
        self.generation = 0  # versions of the site so far: good builds and pages drawn ahead of one
        self.version = 0  # announcements so far (builds good or not, pages drawn ahead): listeners wake on each
        self.changed_at: dict[str, int] = {}  # generated file -> the generation that last changed its bytes
        self.everything_at = 0  # the generation that last changed every page
        self.ahead: dict[str, bytes] = {}  # files a running rebuild drew first, served from here until the swap
        self.open: Counter[str] = Counter()  # files shown in browsers, by the number of listeners
        self.swap_lock = threading.Lock()
        self.changed = threading.Condition()
        self.closed = False

    @property
    def output_dir(self) -> Path:
        return self.settings.output_dir

    def generation_of(self, file: str | None) -> int:
        """The generation of the site a page drawn into `file` shows; a file the build does not generate (or
        none) has the newest, so it reloads after any change."""
        with self.changed:
            if file is None or self.state is None or file not in self.state.outputs:
                return self.generation
            return max(self.everything_at, self.changed_at.get(file, 0))

    def open_pages(self) -> set[str]:
        """The paths of the pages shown in browsers now."""
        with self.changed:
            return {page_path(file) for file in self.open}

    def drawn_ahead(self, files: Mapping[str, bytes]) -> None:
        """Open pages a running rebuild changed, drawn before the rest: served from memory, announced now."""
        with self.changed:
            self.generation += 1
            self.ahead.update(files)
            self.changed_at.update(dict.fromkeys(files, self.generation))
            self.version += 1
            self.changed.notify_all()

    def drawn_file(self, file: str) -> bytes | None:
        with self.changed:
            return self.ahead.get(file)

    def succeeded(self, state: SiteState, everything: bool = True) -> None:
        """A good build, swapped in. The pages it changed reload (all of them with `everything`), except those
        already drawn ahead; listeners on the others just drop the problems overlay."""
        with self.changed:
            before = self.state.outputs if self.state is not None else {}
            changed = {file for file in before.keys() | state.outputs.keys()
                       if before.get(file) != state.outputs.get(file) and file not in self.ahead}
            if changed or everything:
                self.generation += 1
                self.changed_at.update(dict.fromkeys(changed, self.generation))
                if everything:
                    self.everything_at = self.generation
            self.state, self.settings, self.problems, self.ahead = state, state.settings, [], {}
            self.version += 1
            self.changed.notify_all()

    def failed(self, problems: list[Problem]) -> None:
        """A failed rebuild: pages it drew ahead go back to the last good ones, under the problems overlay."""
        with self.changed:
            if self.ahead:
                self.generation += 1
                self.changed_at.update(dict.fromkeys(self.ahead, self.generation))
                self.ahead = {}
            self.problems = problems
            self.version += 1
            self.changed.notify_all()

    def close(self) -> None:
        with self.changed:
            self.closed = True
            self.changed.notify_all()

    def listening(self, file: str | None, joined: bool) -> None:
        """A browser showing `file` started (or stopped) listening."""
        if file is None:
            return
        with self.changed:
            self.open[file] += 1 if joined else -1
            if not self.open[file]:
                del self.open[file]

    def status(self, file: str | None = None) -> dict:
        """What a listener showing `file` hears: its page's generation and the current problems."""
        with self.changed:
            return {"generation": self.generation_of(file), "problems": [p.model_dump() for p in self.problems]}


class PreviewHandler(BaseHTTPRequestHandler):
    preview: Preview  # set on a subclass per server
    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/1.0"  # so even a garbled request line is answered with a status line

    def do_HEAD(self) -> None:
        self.do_GET(head=True)

    def do_GET(self, head: bool = False) -> None:
        path = request_target(self.path)
        if path == EVENTS_PATH:
            return self._events()
        if path == SCRIPT_PATH:
            return self._send(HTTPStatus.OK, LIVE_SCRIPT.encode(), CONTENT_TYPES[".js"], head)
        mount = mount_path(self.preview.settings.base_url)
        if path in ("", "/") and mount != "/":
            return self._redirect(mount)
        try:
            rel = site_path(self.path, mount) if not path.startswith(TOOL_PATH) else None
        except ValueError:
            self.log_error("bad request path %r: not UTF-8 once decoded", self.path[:200])
            return self._send(HTTPStatus.BAD_REQUEST, b"Bad request: the path is not UTF-8 once decoded\n",
                              CONTENT_TYPES[".txt"], head)
        if rel is None:
            return self._not_found(head)
        found = self._read(rel)
        if found is None:
            root = self.preview.output_dir
            if rel and not rel.endswith("/") and (root / rel).is_dir():
                return self._redirect(path + "/")
            return self._not_found(head)
        name, data = found
        if name.endswith(".html"):
            data = inject_live_script(data, self.preview.generation_of(page_file(rel)))
        self._send(HTTPStatus.OK, data, content_type(name), head)

    def _read(self, rel: str) -> tuple[str, bytes] | None:
        """The bytes of a file in the current site: a page a running rebuild drew ahead, else the file opened
        under the swap lock so the folder is whole (once open, a swap cannot change what is read)."""
        if (drawn := self.preview.drawn_file(page_file(rel))) is not None:
            return PurePosixPath(page_file(rel)).name, drawn
        with self.preview.swap_lock:
            root = self.preview.output_dir  # resolved by load_settings
            target = (root / rel).resolve() if rel else root
            if not target.is_relative_to(root):
                return None
            if target.is_dir():
                if rel and not rel.endswith("/"):
                    return None
                target = target / "index.html"
            try:
                handle = target.open("rb")
            except OSError:
                return None
        with handle:
            try:
                return target.name, handle.read()
            except OSError:
                return None

    def _not_found(self, head: bool) -> None:
        """The site's 404 page with status 404 (a bare one while no build has succeeded, with the overlay)."""
        found = self._read("404.html")
        page = found[1] if found else b"<!DOCTYPE html><title>Not found</title><body><h1>Not found</h1></body>"
        self._send(HTTPStatus.NOT_FOUND, inject_live_script(page, self.preview.generation), CONTENT_TYPES[".html"],
                   head)

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, status: HTTPStatus, body: bytes, kind: str, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if not head:  # headers and body leave in one write: under load every extra system call is a wait
            self._headers_buffer.append(b"\r\n" + body)
            self.flush_headers()
        else:
            self.end_headers()

    def _events(self) -> None:
        """Server-sent events: the build status now, then after every announcement. The page the listener
        shows (its `page` parameter, a path as the browser has it) is drawn first by the next rebuilds."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        preview, seen = self.preview, None
        file = self._shown_file()
        preview.listening(file, joined=True)
        try:
            while True:
                with preview.changed:
                    preview.changed.wait_for(lambda: preview.closed or preview.version != seen, HEARTBEAT_SECONDS)
                    if preview.closed:
                        return
                    fresh, seen = preview.version != seen, preview.version
                    status = preview.status(file)
                message = f"event: build\ndata: {json.dumps(status)}\n\n" if fresh else ": still here\n\n"
                self.wfile.write(message.encode())
                self.wfile.flush()
        except OSError:  # the page went away
            return
        finally:
            preview.listening(file, joined=False)
            self.close_connection = True

    def _shown_file(self) -> str | None:
        """The site file of the page an event listener shows, or None when it names none in the site."""
        shown = parse_qs(urlsplit(self.path).query).get("page", [None])[0]
        try:
            rel = site_path(shown, mount_path(self.preview.settings.base_url)) if shown else None
        except ValueError:
            return None
        return page_file(rel) if rel is not None else None

    def log_message(self, format: str, *args) -> None:  # requests are not news; rebuilds are reported
        pass

    def log_error(self, format: str, *args) -> None:
        """A malformed or timed-out request: one line, never a traceback."""
        self.server.say(f"serve: {self.address_string()}: {format % args}")


class PreviewServer(ThreadingHTTPServer):
    """A thread per connection, a listen backlog that holds a burst of clients (the default 5 makes the
    kernel drop connections, which retry after a second or more), and one line per failed connection."""

    daemon_threads = True
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], handler: type[PreviewHandler], say: Callable[[str], None]) -> None:
        self.say = say
        super().__init__(address, handler)

    def handle_error(self, request, client_address) -> None:  # noqa: ANN001 - socketserver's signature
        exc = sys.exc_info()[1]
        host, port = client_address[:2]
        self.say(f"serve: {host}:{port}: {type(exc).__name__}: {exc}")


def make_server(preview: Preview, host: str, port: int, say: Callable[[str], None] = print) -> PreviewServer:
    handler = type("Handler", (PreviewHandler,), {"preview": preview, "timeout": IDLE_SECONDS})
    return PreviewServer((host, port), handler, say)


# --- watching ----------------------------------------------------------------------------------------------


def layout_of(settings: Settings, config_file: Path) -> Layout:
    return Layout(config_file=config_file, content_dir=settings.content_dir, templates_dir=settings.templates_dir,
                  static_dir=settings.static_dir, overrides_dir=settings.overrides_dir,
                  generated=(settings.output_dir, settings.cache_dir, settings.cards_dir))


class Watcher:
    """watchfiles over the input folders (recursively) and the config file's folder (not recursively: an
    editor that saves by renaming replaces the file a direct watch would follow)."""

    def __init__(self, layout: Layout, step_ms: int = 30) -> None:
        self.layout = layout
        self.queue: queue.Queue[set[Path]] = queue.Queue()
        self.stop = threading.Event()
        self.roots = self.watched_roots()
        folders = [layout.config_file.parent] if layout.config_file else []
        if not layout.overrides_dir.is_dir():
            folders.append(layout.overrides_dir.parent)  # to notice when it appears
        jobs = [(paths, recursive, threading.Event())
                for paths, recursive in ((self.roots, True), (sorted(set(folders)), False)) if paths]
        self.threads = [threading.Thread(target=self._run, args=job + (step_ms,), daemon=True) for job in jobs]
        for thread in self.threads:
            thread.start()
        for _, _, ready in jobs:  # a save right after this returns is seen
            ready.wait(timeout=10)

    def watched_roots(self) -> list[Path]:
        layout = self.layout
        return [p for p in (layout.content_dir, layout.templates_dir, layout.static_dir, layout.overrides_dir)
                if p.is_dir()]

    def _run(self, paths: list[Path], recursive: bool, ready: threading.Event, step_ms: int) -> None:
        # The first (empty) yield after a timeout says the watches are in place.
        for changes in watch(*paths, recursive=recursive, watch_filter=None, stop_event=self.stop, step=step_ms,
                             rust_timeout=200, yield_on_timeout=True, raise_interrupt=False):
            ready.set()
            if changes:
                self.queue.put({Path(path) for _, path in changes})

    def batches(self, until: threading.Event, settle: float = 0.02) -> Iterator[set[Path]]:
        """Changed paths, a burst at a time (watchfiles debounces each watch; this merges the two). A burst
        ends after `step_ms` without a change, then `settle` s without one from the other watch: an editor's
        save (a write, or a temporary file renamed over) takes a few ms, and every ms here is one more
        between the save and the page."""
        while not (self.stop.is_set() or until.is_set()):
            try:
                paths = self.queue.get(timeout=0.5)
            except queue.Empty:
                continue
            deadline = time.monotonic() + settle
            while (left := deadline - time.monotonic()) > 0:
                try:
                    paths |= self.queue.get(timeout=left)
                except queue.Empty:
                    break
            yield paths

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=2)


def describe_rebuild(report: RebuildReport, needs: Needs) -> str:
    what = "config" if needs.full else ", ".join(
        (["content"] if needs.content else []) + sorted(needs.templates) + [f"static/{s}" for s in sorted(needs.static)])
    return (f"Rebuilt in {report.seconds:.2f}s after a change to {what}: {report.drawn} page(s) drawn, "
            f"{report.changed} file(s) changed, {report.static} static path(s) copied, "
            f"spaCy ran on {report.parsed} article(s){' (full build)' if report.full else ''}")


def run_watch_loop(preview: Preview, load: Callable[[], Settings], config_file: Path, watcher: Watcher,
                   say: Callable[[str], None], stop: threading.Event) -> None:
    """Rebuild after each burst of saves until `stop` is set. Needs of a failed rebuild are kept for the next
    try, so fixing one file redoes everything the failed attempt should have done."""
    pending = Needs()
    try:
        while not stop.is_set():
            for paths in watcher.batches(stop):
                needs = needs_for(paths, watcher.layout)
                if watcher.watched_roots() != watcher.roots:  # overrides/ (or another folder) appeared or went
                    needs = needs | Needs(full=True)
                if not needs.anything:
                    continue
                pending = pending | needs
                attempt(preview, pending, load, say)
                if not preview.problems:
                    pending = Needs()
                layout = layout_of(preview.settings, config_file)
                if layout != watcher.layout or watcher.watched_roots() != watcher.roots:
                    watcher.close()
                    watcher = Watcher(layout)
                    break
    finally:
        watcher.close()


def attempt(preview: Preview, needs: Needs, load: Callable[[], Settings], say: Callable[[str], None]) -> None:
    """One rebuild; on failure the last good site stays and the problems go to the overlay."""
    everything = True
    try:
        settings = load() if needs.full or preview.state is None else preview.settings
        if preview.state is None:
            started = time.perf_counter()
            report, state = build_state(settings, lock=preview.swap_lock)
            for diagnostic in report.diagnostics:
                say(str(diagnostic))
            say(f"Built {report.pages} pages in {time.perf_counter() - started:.2f}s "
                f"(spaCy ran on {report.parsed} article(s); {len(report.diagnostics)} warning(s))")
        else:
            result, state = rebuild(preview.state, needs, settings, lock=preview.swap_lock,
                                    first=preview.open_pages(), on_first=preview.drawn_ahead)
            everything = result.full or bool(result.static)
            say(describe_rebuild(result, needs))
    except Exception as exc:  # noqa: BLE001 - any failure is shown in the page; the server keeps running
        problems = problems_of(exc)
        preview.failed(problems)
        for problem in problems:
            where = f"{problem.path}:{problem.line}" if problem.line else (problem.path or "build")
            say(f"Rebuild failed: {where}: {problem.message}")
        return
    preview.succeeded(state, everything)


def serve(load: Callable[[], Settings], config_file: Path, host: str = "127.0.0.1", port: int = 8000,
          watching: bool = False, say: Callable[[str], None] = print,
          ready: Callable[[str], None] | None = None, stop: threading.Event | None = None) -> None:
    """Build, serve, and (with `watching`) rebuild on every save until interrupted or `stop` is set."""
    stop = stop or threading.Event()
    settings = load()
    preview = Preview(settings)
    watcher = Watcher(layout_of(settings, config_file)) if watching else None  # saves during the build count
    attempt(preview, Needs(full=True), lambda: settings, say)
    server = make_server(preview, host, port, say)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    address = f"http://{host}:{server.server_address[1]}{mount_path(preview.settings.base_url)}"
    (ready or (lambda url: say(f"Serving {url}" + (" (watching for changes)" if watching else ""))))(address)
    try:
        if watcher is not None:
            run_watch_loop(preview, load, config_file, watcher, say, stop)
        else:
            stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if watcher is not None:
            watcher.close()
        preview.close()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

