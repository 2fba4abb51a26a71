"""Reading the content folder safely: only regular files inside it, decoded to text or refused with a warning."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from ..contract import Diagnostic

MARKDOWN_SUFFIXES = {".md", ".markdown"}
MAX_CURATED_BYTES = 1_000_000  # a card or an event override
_BINARY = "\x00"
_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML (feeds, sitemap)


def is_ignored(path: Path) -> bool:
    """Hidden files, editor backups and swap files are never articles."""
    name = path.name
    return name.startswith((".", "#", "~")) or name.endswith(("~", ".swp", ".swx", ".tmp", ".bak"))


def decode_text(raw: bytes, rel_path: str) -> tuple[str | None, list[Diagnostic]]:
    """A file's bytes as text with Unix line ends; binary data is refused and control characters (which
    XML feeds cannot carry) become spaces, each with a warning at its line."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Diagnostic(path=rel_path, line=line, message=f"not UTF-8 text (byte {raw[exc.start]:#04x})",
                                 hint="save the file as UTF-8")]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if (at := text.find(_BINARY)) >= 0:
        return None, [Diagnostic(path=rel_path, line=text.count("\n", 0, at) + 1,
                                 message="NUL byte: this is binary data, not text",
                                 hint="save the file as plain UTF-8 text")]
    if match := _CONTROL.search(text):
        return _CONTROL.sub(" ", text), [Diagnostic(
            path=rel_path, line=text.count("\n", 0, match.start()) + 1,
            message=f"control character U+{ord(match.group()):04X} replaced by a space",
            hint="remove it from the file")]
    return text, []


def _display(path: Path, content_dir: Path) -> str:
    try:
        return (Path(content_dir.name) / path.relative_to(content_dir)).as_posix()
    except ValueError:
        return path.as_posix()


def read_content(folder: Path, content_dir: Path,
                 max_bytes: int = MAX_CURATED_BYTES) -> tuple[list[tuple[Path, str, bytes]], list[Diagnostic]]:
    """(file, path as diagnostics show it, bytes) for every file under a content folder, sorted; editor files
    and hidden folders skipped. Only regular files inside the content folder are read: a link out of it, a
    link loop or dangling link, a pipe or device, an unreadable or oversized file is a warning instead."""
    if not folder.is_dir():
        return [], []
    root = content_dir.resolve()
    files: list[tuple[Path, str, bytes]] = []
    problems: list[Diagnostic] = []

    def warn(path: Path, message: str, hint: str) -> None:
        problems.append(Diagnostic(path=_display(path, content_dir), line=1, message=message, hint=hint))

    for here, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(dirs):
            if (Path(here) / name).is_symlink():
                warn(Path(here) / name, "a linked folder is not followed", "move the files into content/ instead")
        for name in sorted(names):
            path = Path(here) / name
            if is_ignored(path):
                continue
            try:
                target = path.resolve(strict=True)
            except (OSError, RuntimeError) as exc:  # RuntimeError: a link loop (Python 3.11)
                loop = isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == 40
                warn(path, "a symbolic link that loops" if loop else "a symbolic link to nothing (dangling)",
                     "remove the link or point it at a file inside content/")
                continue
            if not target.is_relative_to(root):
                warn(path, "a symbolic link out of the content folder is not read",
                     "copy the file into content/ if it belongs to the site")
                continue
            try:
                raw = _read_regular(target, max_bytes)
            except OSError as exc:
                warn(path, f"cannot read the file: {exc.strerror or exc}", "check the file's permissions")
                continue
            if raw is None:
                warn(path, "not a regular file (a pipe, socket or device)", "remove it from content/")
            elif len(raw) > max_bytes:
                warn(path, f"file is over {max_bytes:,} bytes and is not read", "split it or remove it")
            else:
                files.append((path, _display(path, content_dir), raw))
    files.sort(key=lambda item: item[0])
    return files, problems


def _read_regular(path: Path, max_bytes: int) -> bytes | None:
    """Up to `max_bytes + 1` bytes of a regular file (None for anything else: opening a pipe would block)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(max_bytes + 1)
    finally:
        os.close(fd)

