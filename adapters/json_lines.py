"""Telling NDJSON from one JSON document by content, not by file name (docs/convert.md: "any
name: the content decides"), with a UTF-8 byte order mark at the start allowed."""

from __future__ import annotations

import io
from typing import BinaryIO

import orjson

from ccstd.adapters.base import loads_json

BOM = b"\xef\xbb\xbf"


def without_bom(data: bytes) -> bytes:
    """The bytes without a UTF-8 byte order mark at the start."""
    return data[len(BOM) :] if data.startswith(BOM) else data


def holds_lines(data: bytes) -> bool:
    """Whether bytes hold one JSON value per line (`handle_holds_lines`)."""
    return handle_holds_lines(io.BytesIO(data))


def handle_holds_lines(handle: BinaryIO, bound: int = -1) -> bool:
    """Whether a binary handle holds one JSON value per line, reading lines of at most `bound`
    bytes (-1: any length) from where it stands: the first non-blank line (a UTF-8 byte order
    mark before it allowed) is a whole JSON object ending with a newline, and another non-blank
    line follows. A pretty-printed document's first line is not a whole value; a one-line
    document (or a first line longer than `bound`) has nothing after it; an array is one
    document (`[` alone on its first line too). When the first line is not JSON (a corrupt
    line, or the opening of a document laid out over lines), the next two decide: NDJSON when
    the second is a whole object and the third, if any, does not go on a document (`,` or a
    closing bracket first: a Bundle laid out one entry a line, its commas leading)."""
    lines = (line for line in iter(lambda: handle.readline(bound), b"") if line.strip())
    first = without_bom(next(lines, b""))
    if not first.endswith(b"\n") or first.lstrip().startswith(b"["):
        return False  # nothing, one line (or beyond the bound), or an array: one document
    whole = is_object_line(first)
    if whole is None:
        second, third = next(lines, None), next(lines, None)
        if second is None or is_object_line(second) is not True:
            return False
        return third is None or not third.lstrip().startswith(_GOES_ON)
    return whole and next(lines, None) is not None


_GOES_ON = (b",", b"]", b"}")  # a line starting so goes on a document laid out over lines


def is_object_line(line: bytes) -> bool | None:
    """Whether a line is a whole JSON object (None: it is not JSON); MemoryError when a long
    one cannot be parsed in the memory there is (`loads_json`)."""
    try:
        return isinstance(loads_json(line), dict)
    except orjson.JSONDecodeError:
        return None
