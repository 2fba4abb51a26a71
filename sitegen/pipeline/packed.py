"""A compact byte form for large tables of strings and integers that a store entry reads back fast.

JSON of a few hundred thousand strings takes longer to parse than the work it saves on a slow machine;
strings joined by NUL split back in one call, and integers as little-endian arrays are copied as they are.
"""

from __future__ import annotations

import array
import json
import sys
from collections.abc import Iterable

_INTEGER = "q"  # 64-bit signed


def packed(parts: Iterable[bytes]) -> bytes:
    """Parts of any content in one byte string: a JSON line of their lengths, then the parts."""
    parts = list(parts)
    return json.dumps([len(part) for part in parts]).encode("ascii") + b"\n" + b"".join(parts)


def unpacked(data: bytes, count: int) -> list[bytes]:
    """The `count` parts `packed` joined; ValueError if the bytes are not such parts."""
    header, _, body = data.partition(b"\n")
    lengths = json.loads(header or b"null")
    if not isinstance(lengths, list) or len(lengths) != count or sum(lengths) != len(body):
        raise ValueError("not packed parts")
    bounds = [0]
    for length in lengths:
        bounds.append(bounds[-1] + length)
    return [body[start:end] for start, end in zip(bounds, bounds[1:])]


def texts(strings: Iterable[str]) -> bytes:
    """Strings (without NUL) as one part."""
    return "\x00".join(strings).encode("utf-8")


def texts_of(data: bytes) -> list[str]:
    return data.decode("utf-8").split("\x00") if data else []


def integers(numbers: Iterable[int]) -> bytes:
    """Integers (64-bit) as one part, little-endian on any machine."""
    values = array.array(_INTEGER, numbers)
    if sys.byteorder == "big":
        values.byteswap()
    return values.tobytes()


def integers_of(data: bytes) -> list[int]:
    values = array.array(_INTEGER)
    values.frombytes(data)
    if sys.byteorder == "big":
        values.byteswap()
    return values.tolist()
