"""The line where each listed record of a JSON-array file starts, for SARIF regions.

Records of NDJSON files carry their line; those of a JSON array only their index (`/17`). SARIF
wants a region on every located result, so the reporter asks here: the file is scanned once,
token by token in bounded chunks (gzip too), up to the last index asked for.
"""

from __future__ import annotations

import gzip
import re
import stat
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

_ITEM = re.compile(r"^/(\d+)(?=/|$)")
# A string (or one cut at the end of the chunk), a bracket, a new line, or a scalar.
_TOKEN = re.compile(rb'"(?:[^"\\\n]|\\.)*(?:"|\\?\Z)|[\[\]{}\n]|[^\s,:\[\]{}"]+')
_CHUNK = 1 << 20
_MAX_TOKEN = 64 << 20  # the reader's limit on one record
_ERRORS = (OSError, EOFError, gzip.BadGzipFile, zlib.error)


class RecordLines:
    """Lines of records in JSON-array files, found when first asked for and kept."""

    def __init__(self, enabled: bool = True) -> None:
        self._enabled = enabled  # False: never read a file (names that are not paths here)
        self._wanted: dict[str, set[int]] = {}
        self._found: dict[str, dict[int, int]] = {}

    def want(self, file: str, pointer: str) -> None:
        """Note that the line of the record `pointer` is in will be asked for."""
        match = _ITEM.match(pointer)
        if match:
            self._wanted.setdefault(file, set()).add(int(match.group(1)))

    def line_of(self, file: str, pointer: str) -> int:
        """The line record `pointer` starts on (1 when unknown: a whole-file finding, a file
        that is not an array, or one that cannot be read again)."""
        match = _ITEM.match(pointer)
        if not match or not self._enabled:
            return 1
        if file not in self._found:
            wanted = self._wanted.get(file, set()) | {int(match.group(1))}
            self._found[file] = _scan(file, wanted)
        return self._found[file].get(int(match.group(1)), 1)


def _scan(file: str, wanted: set[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    try:
        with _open(Path(file)) as stream:
            for index, line in _item_lines(_chunks(stream)):
                if index in wanted:
                    found[index] = line
                    if len(found) == len(wanted):
                        break
    except _ERRORS:
        pass  # a file gone or unreadable since the run: regions fall back to line 1
    return found


def _open(path: Path) -> BinaryIO:
    if not stat.S_ISREG(path.stat().st_mode):  # a FIFO or device would never end
        raise OSError(f"{path}: not a regular file")
    stream = path.open("rb")
    if stream.peek(2)[:2] == b"\x1f\x8b":
        return gzip.open(stream, "rb")  # type: ignore[return-value]
    return stream


def _chunks(stream: BinaryIO) -> Iterator[tuple[bytes, bool]]:
    """(chunk, last?) pairs."""
    chunk = stream.read(_CHUNK)
    while chunk:
        following = stream.read(_CHUNK)
        yield chunk, not following
        chunk = following


def _item_lines(chunks: Iterable[tuple[bytes, bool]]) -> Iterator[tuple[int, int]]:
    """(index, line) of every item of a top-level array, in order."""
    line, depth, index, carry = 1, 0, 0, b""
    for chunk, last in chunks:
        data, carry = carry + chunk, b""
        for token in _TOKEN.finditer(data):
            if token.end() == len(data) and not last and token.group() != b"\n":
                carry = data[token.start() :]  # may go on in the next chunk
                if len(carry) > _MAX_TOKEN:
                    return  # no JSON the run accepted has a token this long
                break
            first = token.group()[:1]
            if first == b"\n":
                line += 1
                continue
            if depth == 0 and first != b"[":
                return  # not an array
            if depth == 1 and first not in b"]}":
                yield index, line
                index += 1
            if first in b"[{":
                depth += 1
            elif first in b"]}":
                depth -= 1
                if depth == 0:
                    return
