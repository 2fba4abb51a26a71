"""The base every stage contract shares, and the problems every stage reports."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Level(StrEnum):
    WARNING = "warning"
    ERROR = "error"


class Diagnostic(Frozen):
    """One problem with an input file, phrased for the editor who has to fix it."""

    path: str
    line: int | None = None
    message: str
    hint: str = ""
    level: Level = Level.WARNING

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {self.level.value}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class LocatedError(Exception):
    """A failure in a file the user can open: where (path, line) and what (detail) kept apart, so a console
    prints "path:line: detail" and the preview's overlay shows each part."""

    def __init__(self, detail: str, path: str | None = None, line: int | None = None) -> None:
        where = f"{path}:{line}: " if path and line else f"{path}: " if path else ""
        super().__init__(where + detail)
        self.detail, self.path, self.line = detail, path, line

    def __reduce__(self):  # pickled whole, so an error raised on a Dask worker keeps its file and line
        return type(self), (self.detail, self.path, self.line)

