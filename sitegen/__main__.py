"""The `sitegen` command. A build with nothing to do is answered from the build state before typer, pydantic
or spaCy are imported (`sitegen.pipeline.state.quick_build`); everything else goes to `sitegen.cli`."""

from __future__ import annotations

import os
import sys


def main() -> None:
    if sys.argv[1:2] == ["build"]:
        from .pipeline.state import quick_build

        code = quick_build(sys.argv[2:], os.getcwd())
        if code is not None:
            sys.exit(code)
    from .cli import app

    app()


if __name__ == "__main__":
    main()
