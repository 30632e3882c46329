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
    document (`[` alone on its first line too). When the first line is not JSON, it is the
    opening of one document if it ends where a value must go on (`"entry": [`, `{`, `,`, `:`);
    otherwise it is a corrupt line and the second decides: a whole object there means NDJSON."""
    lines = (line for line in iter(lambda: handle.readline(bound), b"") if line.strip())
    first = without_bom(next(lines, b""))
    if not first.endswith(b"\n") or first.lstrip().startswith(b"["):
        return False  # nothing, one line (or beyond the bound), or an array: one document
    whole = is_object_line(first)
    if whole is None:
        if first.rstrip().endswith(_GOES_ON):
            return False
        second = next(lines, None)
        return second is not None and is_object_line(second) is True
    return whole and next(lines, None) is not None


_GOES_ON = (b"[", b"{", b",", b":")  # a line ending so is no whole value: a document opens


def is_object_line(line: bytes) -> bool | None:
    """Whether a line is a whole JSON object (None: it is not JSON); MemoryError when a long
    one cannot be parsed in the memory there is (`loads_json`)."""
    try:
        return isinstance(loads_json(line), dict)
    except orjson.JSONDecodeError:
        return None
