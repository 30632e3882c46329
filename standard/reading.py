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
_STRING_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"(\s*:)?')  # every string; group 1: a key
_SPACE_BEFORE_COLON = re.compile(rb'"\s+:')


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


@dataclass(frozen=True, slots=True)
class Block:
    """A unit of work: NDJSON lines numbered from `first_line` (blank ones kept), or items."""

    file: str
    first_line: int = 1
    lines: list[bytes] = field(default_factory=list)
    items: list[RawItem] = field(default_factory=list)


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


def read_blocks(
    path: str,
    input_format: InputFormat = "auto",
    block_lines: int = 2000,
    display: str | None = None,
) -> Iterator[Block]:
    """The content of one file (or stdin) in blocks, in order, never raising on bad content;
    findings name the file as `display` (default: the path as given)."""
    display = display or ("<stdin>" if path == STDIN else path)
    try:
        with _open(path) as stream:
            yield from _read_stream(stream, display, _format_for(path, input_format), block_lines)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"{display}: cannot read: {exc}") from None


def read_items(path: str, input_format: InputFormat = "auto") -> Iterator[RawItem]:
    """Every record candidate in one file, one at a time (blank NDJSON lines skipped)."""
    for block in read_blocks(path, input_format):
        for offset, line in enumerate(block.lines):
            if line.strip():
                yield RawItem(block.file, block.first_line + offset, data=line)
        yield from block.items


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


def _read_stream(
    stream: BinaryIO, display: str, input_format: InputFormat, block_lines: int
) -> Iterator[Block]:
    first = stream.readline(MAX_RECORD_BYTES)
    if first.startswith(_UTF16_32_BOMS):
        detail = "UTF-16/32 byte order mark"
        problem = rules.INVALID_ENCODING.finding(Location(display, 1), detail=detail)
        yield Block(display, items=[RawItem(display, 1, problems=[problem])])
        return
    if first.startswith(_UTF8_BOM):
        first = first[len(_UTF8_BOM) :]
        bom = rules.BYTE_ORDER_MARK.finding(Location(display, 1))
        yield Block(display, items=[RawItem(display, 1, problems=[bom])])
    if input_format == "auto":
        input_format = "ndjson" if _is_complete_line(first, stream) else "json"
    if input_format == "ndjson":
        yield from _ndjson_blocks(first, stream, display, block_lines)
    elif (document := _read_document(first, stream)) is not None:
        yield Block(
            display, items=list(_document_items(document, display)) or [_empty_item(display)]
        )
    else:
        problem = rules.RECORD_TOO_LARGE.finding(Location(display), limit=MAX_RECORD_BYTES)
        yield Block(display, items=[RawItem(display, None, problems=[problem])])


def _empty_item(display: str) -> RawItem:
    return RawItem(display, None, problems=[rules.EMPTY_INPUT.finding(Location(display))])


def _empty(display: str) -> Block:
    return Block(display, items=[_empty_item(display)])


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


def _ndjson_blocks(first: bytes, stream: BinaryIO, display: str, size: int) -> Iterator[Block]:
    line_no, line = 1, first
    block = Block(display, 1)
    seen_record = False
    while line:
        if len(line) >= MAX_RECORD_BYTES and not line.endswith(b"\n"):
            _skip_rest_of_line(stream)
            problem = rules.RECORD_TOO_LARGE.finding(
                Location(display, line_no), limit=MAX_RECORD_BYTES
            )
            block.items.append(RawItem(display, line_no, problems=[problem]))
            line = b"\n"  # keeps the numbering of the lines that follow
        seen_record = seen_record or bool(line.strip())
        block.lines.append(line)
        if len(block.lines) >= size:
            yield block
            block = Block(display, line_no + 1)
        line = stream.readline(MAX_RECORD_BYTES)
        line_no += 1
    if block.lines or block.items:
        yield block
    if not seen_record:
        yield _empty(display)


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
        return Parsed(problem=explain_parse_error(data, exc, where))
    if isinstance(value, dict | list) and may_repeat_keys(data.strip(), orjson.dumps(value)):
        return Parsed(value, duplicate_keys=tuple(duplicate_key_findings(data, where)))
    return Parsed(value)


def may_repeat_keys(text: bytes, canonical: bytes) -> bool:
    """False only when `text` provably names no key twice in an object; cheapest proof first.

    `canonical` is orjson's rendering of what `text` parsed to, where a repeated key survives once.
    Equal bytes prove it. Without backslashes or space before a colon, every `":` in either text
    ends a key or opens a string starting with ':', and dropping members only removes those, so
    equal counts prove it. Otherwise count key tokens exactly.
    """
    if text == canonical:
        return False
    if b"\\" not in text and b"\\" not in canonical and not _SPACE_BEFORE_COLON.search(text):
        return text.count(b'":') != canonical.count(b'":')
    return _count_keys(text) != _count_keys(canonical)


def _count_keys(text: bytes) -> int:
    tokens = _STRING_TOKEN.findall(text)
    return len(tokens) - tokens.count(b"")


def explain_parse_error(data: bytes, error: orjson.JSONDecodeError, where: Location) -> Finding:
    """The finding that says why `data` is not JSON: encoding, depth, NaN, or the parser's word."""
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


def duplicate_key_findings(data: bytes, where: Location) -> Iterator[Finding]:
    """Name each repeated key and its object (slow: only after `may_repeat_keys` says so)."""
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
