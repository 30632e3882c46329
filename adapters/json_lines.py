"""Telling NDJSON from one JSON document by content, not by file name (docs/convert.md: "any
name: the content decides"), with a UTF-8 byte order mark at the start allowed."""

from __future__ import annotations

from collections.abc import Iterator

import orjson

BOM = b"\xef\xbb\xbf"


def without_bom(data: bytes) -> bytes:
    """The bytes without a UTF-8 byte order mark at the start."""
    return data[len(BOM) :] if data.startswith(BOM) else data


def holds_lines(data: bytes) -> bool:
    """Whether bytes hold one JSON value per line: the first non-blank line is a whole JSON
    object and another non-blank line follows. A pretty-printed document's first line is not a
    whole value; a one-line document has nothing after it. When the first line is not JSON (a
    corrupt line), the second decides: a whole object there means NDJSON."""
    lines = (line for line in _lines(without_bom(data)) if line.strip())
    first = next(lines, None)
    if first is None or first.lstrip().startswith(b"["):
        return False  # nothing, or an array: one document (`[` alone on its first line too)
    whole = is_object_line(first)
    if whole is None:
        second = next(lines, None)
        return second is not None and is_object_line(second) is True
    return whole and next(lines, None) is not None


def is_object_line(line: bytes) -> bool | None:
    """Whether a line is a whole JSON object (None: it is not JSON)."""
    try:
        return isinstance(orjson.loads(line), dict)
    except orjson.JSONDecodeError:
        return None


def _lines(data: bytes) -> Iterator[bytes]:
    """The lines of bytes, one at a time (no copy of the whole)."""
    start = 0
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        yield data[start:end]
        start = end + 1
