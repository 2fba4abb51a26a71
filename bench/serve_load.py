"""Latency of `sitegen serve` under many concurrent clients on 127.0.0.1: p50, p99, max and timeouts.

    python bench/serve_load.py [--clients 200] [--requests 10] [--timeout 10] [--sitegen DIR]

The script builds the demo project in a temporary folder (NLP results cached under bench/.cache/serve-load/,
git-ignored), starts `sitegen serve` on a free port in a process of its own, and lets `--clients` threads,
started together, each fetch `--requests` pages of the site (cycling through every page it built), one new
connection per request, as many browsers would. A request that gets no complete answer within `--timeout`
seconds is a timeout; anything but a 200 is counted by its status. The run is bounded: at most
clients x requests requests, each at most `--timeout` seconds.

`--sitegen DIR` runs the server from another source tree to compare, e.g. an older commit exported with
`git archive COMMIT sitegen templates static | tar -x -C DIR`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / "bench/.cache/serve-load"


def make_project(root: Path, sitegen: Path) -> Path:
    """The demo project, with the theme of the source tree the server runs from (templates follow the code)."""
    for name in ("templates", "static", "content"):
        shutil.copytree(sitegen / name if (sitegen / name).is_dir() else REPO / name, root / name)
    config = (REPO / "sitegen.toml").read_text(encoding="utf-8")
    (root / "sitegen.toml").write_text(re.sub(r"(?m)^cache_dir = .*$", f'cache_dir = "{CACHE}"', config),
                                       encoding="utf-8")
    return root


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(project: Path, port: int, sitegen: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(sitegen)}
    server = subprocess.Popen([sys.executable, "-m", "sitegen.cli", "serve", "--port", str(port)], cwd=project,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        line = server.stdout.readline()
        if not line and server.poll() is not None:
            raise SystemExit(f"the server stopped before serving (exit code {server.returncode})")
        if line.startswith("Serving "):
            threading.Thread(target=server.stdout.read, daemon=True).start()  # keep its pipe drained
            return server
    server.kill()
    raise SystemExit("the server did not start within 600 s")


def site_pages(site: Path) -> list[str]:
    return sorted("/" + str(p.relative_to(site).parent).removeprefix(".").strip("/") + "/"
                  for p in site.rglob("index.html"))


async def fetch(port: int, path: str, timeout: float) -> tuple[float, int | str]:
    """One GET on a new connection, read to the end; (seconds, status or what went wrong)."""
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            await writer.drain()
            answer = await reader.read()
            writer.close()
        outcome: int | str = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else "no answer"
    except TimeoutError:
        outcome = "timeout"
    except OSError as exc:
        outcome = type(exc).__name__
    return time.perf_counter() - started, outcome


async def load(port: int, pages: list[str], clients: int, requests: int, timeout: float) -> tuple[list[float], Counter]:
    """`clients` clients at once (an event loop on one thread, so the clients add no lock contention of
    their own to what is measured), each fetching `requests` pages one after the other."""
    times: list[float] = []
    outcomes: Counter = Counter()

    async def client(number: int) -> None:
        for step in range(requests):
            took, outcome = await fetch(port, pages[(number * requests + step) % len(pages)], timeout)
            times.append(took)
            outcomes[outcome] += 1

    await asyncio.gather(*(client(n) for n in range(clients)))
    return times, outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--requests", type=int, default=10, help="requests per client")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before a request counts as timed out")
    parser.add_argument("--sitegen", type=Path, default=REPO, help="source tree to run the server from")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sitegen-serve-load-") as folder:
        project = make_project(Path(folder) / "project", args.sitegen.resolve())
        port = free_port()
        server = start_server(project, port, args.sitegen.resolve())
        try:
            pages = site_pages(project / "site")
            if not pages:
                raise SystemExit("the server built no pages; run `sitegen build` in a copy of the demo to see why")
            started = time.perf_counter()
            times, outcomes = asyncio.run(load(port, pages, args.clients, args.requests, args.timeout))
            wall = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=10)
    times.sort()
    ms = [t * 1000 for t in times]
    p99 = ms[min(len(ms) - 1, int(0.99 * len(ms)))]
    print(f"serve load: {args.clients} clients x {args.requests} requests over {len(pages)} pages, "
          f"one connection per request, timeout {args.timeout:g} s, server from {args.sitegen}")
    print(f"  requests {len(ms)}  in {wall:.1f} s  ({len(ms) / wall:.0f}/s)")
    print(f"  latency ms: p50 {statistics.median(ms):.1f}  p90 {ms[int(0.9 * len(ms))]:.1f}  p99 {p99:.1f}  "
          f"max {ms[-1]:.1f}")
    print(f"  outcomes: " + ", ".join(f"{key}: {count}" for key, count in sorted(outcomes.items(), key=str)))
    print(f"  timeouts: {outcomes['timeout']}")


if __name__ == "__main__":
    main()
