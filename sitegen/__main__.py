"""The `sitegen` command. A build with nothing to do is answered from the build state before typer, pydantic
or spaCy are imported (`sitegen.pipeline.state.quick_build`); any other build that may parse an article starts
loading spaCy on another core at once (`sitegen.nlp.warm`); everything goes on in `sitegen.cli`."""

from __future__ import annotations

import atexit
import gc
import os
import sys
from collections.abc import Callable
from typing import NoReturn

# The cyclic collector runs after this many allocations instead of 700: a build makes millions of small
# objects (tokens, mentions, page records), nearly all freed by reference counting, and at 700 it traversed
# the whole heap eight times in a 1,000-article edit build (~1 s of its CPU) to find almost nothing.
ALLOCATIONS_PER_COLLECTION = 50_000


def main() -> None:
    gc.set_threshold(ALLOCATIONS_PER_COLLECTION, *gc.get_threshold()[1:])
    building = sys.argv[1:2] == ["build"]
    if building:
        from .pipeline.state import parse_build_args, quick_build

        check = quick_build(sys.argv[2:], os.getcwd())
        if check.code is not None:
            sys.exit(check.code)
        called = parse_build_args(sys.argv[2:], os.getcwd())
        if called is not None and check.may_parse:
            from .nlp import warm

            warm.start(called)
    from .cli import app

    if building:
        _exit_now(app)
    app()


def _exit_now(command: Callable[[], object]) -> NoReturn:
    """Run the command, then exit without freeing its objects one by one: the system takes a build's memory
    back at once, where the interpreter spends ~0.4 s on a 1,000-article build (mypy exits so, for the same
    reason). What exit would do first still happens: the exit handlers run and the output is flushed."""
    try:
        command()
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else int(done.code is not None)
        if isinstance(done.code, str):
            print(done.code, file=sys.stderr)
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
