"""Reading records from files, directories and stdin: JSON, JSON arrays, NDJSON, gzip."""

from __future__ import annotations

import fnmatch
import gzip
import io
import json
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal, cast

import orjson

from ccstd.standard import rules
from ccstd.standard.findings import Finding, Location

InputFormat = Literal["auto", "json", "ndjson"]
DEFAULT_INCLUDE = ("*.json", "*.ndjson", "*.jsonl", "*.json.gz", "*.ndjson.gz", "*.jsonl.gz")
STDIN = "-"
NESTING_LIMIT = 1024  # orjson's own limit; deeper input is refused, never recursed into
MAX_RECORD_BYTES = 256 * 1024 * 1024  # one NDJSON line or one whole JSON document

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_32_BOMS = (b"\xff\xfe", b"\xfe\xff")
_GZIP_MAGIC = b"\x1f\x8b"
_NDJSON_SUFFIXES = (".ndjson", ".jsonl")
_KEY_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"\s*:')


class InputError(Exception):
    """An input that cannot be read at all (missing path, unreadable file): exit code 2."""


@dataclass(slots=True)
class RawItem:
    """One candidate record: unparsed bytes (NDJSON line) or a parsed value, or a problem."""

    file: str
    line: int | None
    pointer: str = ""
    data: bytes | None = None
    value: Any = None
    problems: list[Finding] = field(default_factory=list)

    def location(self, pointer: str = "", record_id: str | None = None) -> Location:
        """Where something inside this item is."""
        return Location(self.file, self.line, self.pointer + pointer, record_id)


@dataclass(frozen=True, slots=True)
class Parsed:
    """The outcome of parsing one JSON text: a value, or the finding that explains why not."""

    value: Any = None
    problem: Finding | None = None
    duplicate_keys: tuple[Finding, ...] = ()


def iter_paths(
    inputs: Sequence[str], include: Sequence[str] = DEFAULT_INCLUDE, exclude: Sequence[str] = ()
) -> Iterator[str]:
    """Files named or found (recursively, sorted) under the inputs; `-` is stdin."""
    for name in inputs:
        if name == STDIN:
            yield STDIN
            continue
        path = Path(name)
        if path.is_dir():
            for found in sorted(p for p in path.rglob("*") if p.is_file()):
                rel = found.relative_to(path).as_posix()
                if _matches(found.name, rel, include) and not _matches(found.name, rel, exclude):
                    yield str(found)
        elif path.is_file():
            if not _matches(path.name, path.as_posix(), exclude):
                yield str(path)
        else:
            raise InputError(f"{name}: no such file or directory")


def _matches(name: str, rel: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(rel, p) for p in patterns)


def read_items(path: str, input_format: InputFormat = "auto") -> Iterator[RawItem]:
    """Every record candidate in one file (or stdin), in order, never raising on bad content."""
    display = "<stdin>" if path == STDIN else path
    try:
        with _open(path) as stream:
            yield from _read_stream(stream, display, _format_for(path, input_format))
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"{display}: cannot read: {exc}") from None


def _open(path: str) -> BinaryIO:
    raw = sys.stdin.buffer if path == STDIN else Path(path).open("rb")  # noqa: SIM115
    buffered = (
        raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(cast(io.RawIOBase, raw))
    )
    if buffered.peek(2)[:2] == _GZIP_MAGIC:
        return gzip.open(buffered, "rb")  # type: ignore[return-value]
    return buffered


def _format_for(path: str, requested: InputFormat) -> InputFormat:
    if requested != "auto":
        return requested
    name = path.removesuffix(".gz")
    return "ndjson" if name.endswith(_NDJSON_SUFFIXES) else "auto"


def _read_stream(stream: BinaryIO, display: str, input_format: InputFormat) -> Iterator[RawItem]:
    first = stream.readline()
    if first.startswith(_UTF16_32_BOMS):
        problem = rules.INVALID_ENCODING.finding(
            Location(display, 1), detail="UTF-16/32 byte order mark"
        )
        yield RawItem(display, 1, problems=[problem])
        return
    bom: list[Finding] = []
    if first.startswith(_UTF8_BOM):
        first = first[len(_UTF8_BOM) :]
        bom = [rules.BYTE_ORDER_MARK.finding(Location(display, 1))]
    if input_format == "auto":
        input_format = "ndjson" if _is_complete_line(first, stream) else "json"
    if input_format == "ndjson":
        items = _ndjson_items(first, stream, display)
    elif (document := _read_document(first, stream)) is not None:
        items = _document_items(document, display)
    else:
        problem = rules.RECORD_TOO_LARGE.finding(Location(display), limit=MAX_RECORD_BYTES)
        items = iter([RawItem(display, None, problems=[problem])])
    yielded = False
    for item in items:
        if bom:
            item.problems[:0], bom = bom, []
        yielded = True
        yield item
    if not yielded:
        yield RawItem(display, None, problems=[*bom, rules.EMPTY_INPUT.finding(Location(display))])


def _is_complete_line(first: bytes, stream: BinaryIO) -> bool:
    """True when the first line is a whole JSON value and more lines follow (NDJSON)."""
    text = first.strip()
    if not text.startswith(b"{"):
        return False
    peek = getattr(stream, "peek", None)
    if peek is not None and not peek(1):
        return False  # a single line is one document either way; read it as a document
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return True


def _ndjson_items(first: bytes, stream: BinaryIO, display: str) -> Iterator[RawItem]:
    line_no = 1
    line = first
    while line:
        if len(line) >= MAX_RECORD_BYTES and not line.endswith(b"\n"):
            _skip_rest_of_line(stream)
            problem = rules.RECORD_TOO_LARGE.finding(
                Location(display, line_no), limit=MAX_RECORD_BYTES
            )
            yield RawItem(display, line_no, problems=[problem])
        elif line.strip():
            yield RawItem(display, line_no, data=line)
        line = stream.readline(MAX_RECORD_BYTES)
        line_no += 1


def _skip_rest_of_line(stream: BinaryIO) -> None:
    while (chunk := stream.readline(1 << 20)) and not chunk.endswith(b"\n"):
        pass


def _read_document(first: bytes, stream: BinaryIO) -> bytes | None:
    rest = stream.read(MAX_RECORD_BYTES - len(first) + 1)
    data = first + rest
    return None if len(data) > MAX_RECORD_BYTES else data


def _document_items(data: bytes, display: str) -> Iterator[RawItem]:
    if not data.strip():
        return
    parsed = parse_json(data, Location(display, None))
    if parsed.problem is not None:
        yield RawItem(display, None, problems=[parsed.problem])
        return
    if isinstance(parsed.value, list):
        by_index: dict[str, list[Finding]] = {}
        for problem in parsed.duplicate_keys:
            by_index.setdefault(problem.location.pointer.split("/")[1], []).append(problem)
        for index, value in enumerate(parsed.value):
            yield RawItem(
                display, None, f"/{index}", value=value, problems=by_index.get(str(index), [])
            )
    else:
        yield RawItem(display, None, value=parsed.value, problems=list(parsed.duplicate_keys))


def parse_json(data: bytes, where: Location) -> Parsed:
    """Parse one JSON text strictly: UTF-8, no NaN/Infinity, bounded depth, duplicate keys found."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        return Parsed(problem=_explain(data, exc, where))
    if len(_KEY_TOKEN.findall(data)) != len(_KEY_TOKEN.findall(orjson.dumps(value))):
        return Parsed(value, duplicate_keys=tuple(_duplicate_keys(data, where)))
    return Parsed(value)


def _explain(data: bytes, error: orjson.JSONDecodeError, where: Location) -> Finding:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return rules.INVALID_ENCODING.finding(where, detail=f"invalid UTF-8 at byte {exc.start}")
    if "depth limit" in error.msg or "recursion" in error.msg:
        return rules.NESTING_TOO_DEEP.finding(where, limit=NESTING_LIMIT)
    if _has_non_standard_number(data):
        return rules.NON_STANDARD_NUMBER.finding(where)
    if where.line is None:  # a whole document: the parser's line is the file's line
        where = Location(where.file, error.lineno, where.pointer, where.record_id)
        return rules.MALFORMED_JSON.finding(where, detail=f"{error.msg} at column {error.colno}")
    return rules.MALFORMED_JSON.finding(where, detail=f"{error.msg} at character {error.pos + 1}")


def _has_non_standard_number(data: bytes) -> bool:
    def refuse(_constant: str) -> None:
        raise _NonStandardNumberError

    try:
        json.loads(data, parse_constant=refuse)
    except _NonStandardNumberError:
        return True
    except (ValueError, RecursionError):
        return False
    return False


class _NonStandardNumberError(Exception):
    pass


def _duplicate_keys(data: bytes, where: Location) -> Iterator[Finding]:
    """Slow path, taken only when key counts differ: name each duplicated key and its object."""
    found: list[tuple[str, Any]] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        for key, value in items:
            if key in obj:
                found.append((key, obj))
            obj[key] = value
        return obj

    root = json.loads(data, object_pairs_hook=pairs)
    for key, obj in found:
        pointer = _pointer_to(root, obj) or ""
        yield rules.DUPLICATE_KEY.finding(
            Location(where.file, where.line, where.pointer + pointer, where.record_id), key=key
        )


def _pointer_to(node: Any, target: Any, prefix: str = "") -> str | None:
    if node is target:
        return prefix
    children = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, child in children:
        step = str(key).replace("~", "~0").replace("/", "~1")
        found = _pointer_to(child, target, f"{prefix}/{step}")
        if found is not None:
            return found
    return None
