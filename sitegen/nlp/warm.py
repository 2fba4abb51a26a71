"""A warm start for `sitegen build`: spaCy is loaded in a forked process from the moment the command starts,
while this one imports the rest, reads the content and finds which articles need parsing.

Loading the pipeline (importing spaCy, reading the model) takes about a second, most of an edit build's
parse; begun at once on the machine's other core, it is ready by the time the parse stage asks. The warm
process takes one request, the articles to parse, and sends back their cache entries. Whatever it does not
deliver (it failed, it was killed, the build wanted another model) the parse stage parses itself, so a warm
start changes when the parse happens, never what it gives.

This module imports the standard library only: `sitegen.__main__` starts it before pydantic or typer load.
"""

from __future__ import annotations

import atexit
import multiprocessing
import sys
from collections.abc import Iterator, Sequence
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING

from ..pipeline.executor import usable_cores

if TYPE_CHECKING:
    from ..pipeline.state import Invocation

_started: tuple[BaseProcess, Connection] | None = None  # this process's warm start, until its one request


def start(called: Invocation) -> None:
    """Begin loading the pipeline `called` will parse with, in a forked process, where there is a core to
    spare and processes can fork; a build that parses nothing leaves it unused (stopped at exit)."""
    global _started
    if _started is not None or usable_cores() < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    process = context.Process(target=_load_then_parse, args=(called, theirs), name="sitegen-warm-start")
    process.start()
    theirs.close()
    _started = process, ours
    atexit.register(stop)


def stop() -> None:
    """End an unused warm start (a build that parsed nothing, or failed first)."""
    global _started
    if _started is not None:
        process, connection = _started
        _started = None
        _finish(process, connection, wait=0.0)  # still loading, most likely: no answer to wait for


def parses(model: str, patterns: Sequence[dict[str, str]], texts: Sequence[tuple[str, str]],
           model_id: str) -> Iterator[bytes]:
    """The cache entries of (article id, text) pairs from the warm start, in order, as far as it delivers
    them: none without one. The request goes out at once, so the caller can decode its cached parses while
    these are parsed; the entries are read as the caller takes them."""
    global _started
    if _started is None:
        return iter(())
    process, connection = _started
    _started = None
    replies = _replies(process, connection, (model, list(patterns), list(texts), model_id))
    next(replies, None)  # sends the request
    return replies


def _replies(process: BaseProcess, connection: Connection, request: tuple) -> Iterator[bytes | None]:
    """Send `request`, stop once (None), then yield the entries until the warm process ends its answer; the
    process is ended however the generator ends (exhausted, closed, or collected unread)."""
    try:
        connection.send(request)
        yield None
        while (entry := connection.recv()) is not None:
            yield entry
    except (EOFError, OSError):  # it ended early: the caller parses the rest
        return
    finally:
        _finish(process, connection)


def _finish(process: BaseProcess, connection: Connection, wait: float = 0.1) -> None:
    """Close the pipe; give the process `wait` seconds to end by itself, then end it."""
    connection.close()
    process.join(timeout=wait)
    if process.is_alive():
        process.terminate()
        process.join()


def _load_then_parse(called: Invocation, connection: Connection) -> None:
    """The warm process: load the settings' pipeline, then answer the one request. It never reports an
    error (the build, parsing itself, says what is wrong); a Ctrl-C ends it quietly."""
    try:
        from . import engine, parse

        model = _local_model(called)
        if model is None:
            return
        loaded = engine.load_model(model)
        wanted, patterns, texts, model_id = connection.recv()
        engine.pipeline(wanted, patterns, loaded if wanted == model else None)
        for entry in parse.parse_here(texts, wanted, patterns, model_id):
            connection.send(entry)
        connection.send(None)
    except BaseException:  # noqa: BLE001 (see the docstring)
        return
    finally:
        connection.close()


def _local_model(called: Invocation) -> str | None:
    """The model the build's settings name, when it parses on this machine (not on a Dask cluster)."""
    from ..config import load_settings

    options = dict(called.options)
    config = options.get("--config")
    settings = load_settings(Path(called.cwd), config_file=Path(config) if config else None,
                             model=options.get("--model"), executor=options.get("--executor"))
    return settings.model if settings.executor == "local" else None
