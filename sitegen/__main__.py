"""The `sitegen` command. A build with nothing to do is answered from the build state before typer, pydantic
or spaCy are imported (`sitegen.pipeline.state.quick_build`); any other build starts loading spaCy on another
core at once (`sitegen.nlp.warm`); everything goes on in `sitegen.cli`."""

from __future__ import annotations

import os
import sys


def main() -> None:
    if sys.argv[1:2] == ["build"]:
        from .pipeline.state import parse_build_args, quick_build

        code = quick_build(sys.argv[2:], os.getcwd())
        if code is not None:
            sys.exit(code)
        called = parse_build_args(sys.argv[2:], os.getcwd())
        if called is not None:
            from .nlp import warm

            warm.start(called)
    from .cli import app

    app()


if __name__ == "__main__":
    main()
