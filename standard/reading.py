"""Reading records from files, directories and stdin: JSON, JSON arrays, NDJSON, gzip."""

from __future__ import annotations

import fnmatch
import gzip
import io
import json
import os
import re
import stat
import sys
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO, Literal, cast

import orjson

from ccstd.standard import rules
from ccstd.standard.findings import Finding, Location

InputFormat = Literal["auto", "json", "ndjson"]
DEFAULT_INCLUDE = ("*.json", "*.ndjson", "*.jsonl", "*.json.gz", "*.ndjson.gz", "*.jsonl.gz")
STDIN = "-"
NESTING_LIMIT = 254  # what orjson writes back; deeper records are refused, never recursed into
# One NDJSON line, one array item or one whole document. Parsed, a record costs up to ~6 times
# its size: 64 MiB keeps the worst case near 400 MiB.
MAX_RECORD_BYTES = 64 * 1024 * 1024
BLOCK_LINES = 2000  # a block holds at most this many lines or items ...
BLOCK_BYTES = 4 * 1024 * 1024  # ... and about this many bytes of input, whichever comes first
SMALL_DOCUMENT = BLOCK_BYTES  # a document up to this size is parsed whole; a larger array streams
MAX_ITEM_CONTAINERS = 1_000_000  # objects and arrays one streamed array item may open

_PROBE_BYTES = 64 * 1024  # how much of a first line decides the format
_READ_ERRORS = (OSError, EOFError, gzip.BadGzipFile, zlib.error)

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
    too_deep: bool = False


def iter_paths(
    inputs: Sequence[str], include: Sequence[str] = DEFAULT_INCLUDE, exclude: Sequence[str] = ()
) -> Iterator[str]:
    """Files named or found (recursively, sorted) under the inputs; `-` is stdin.

    A named pipe is read like stdin; a device, an unreadable path or a directory that holds no
    matching file is an InputError.
    """
    if list(inputs).count(STDIN) > 1:
        raise InputError("- (stdin) is given more than once; it can be read only once")
    for name in inputs:
        if name == STDIN:
            yield STDIN
            continue
        kind = _kind(name)
        if kind == "directory":
            found = list(_files_under(name, include, exclude))
            if not found:
                raise InputError(f"{name}: no input files in this directory ({_globs(include)})")
            yield from found
        elif not _matches(Path(name).name, Path(name).as_posix(), exclude):
            yield name


def _kind(name: str) -> str:
    """'file' (regular, pipe or socket: readable as a stream) or 'directory'; else InputError."""
    try:
        mode = Path(name).stat().st_mode
    except FileNotFoundError:
        raise InputError(f"{name}: no such file or directory") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read: {exc.strerror or exc}") from None
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        raise InputError(f"{name}: a device, not a file (give - to read stdin)")
    kind = "directory" if stat.S_ISDIR(mode) else "file"
    if not os.access(name, os.R_OK | (os.X_OK if kind == "directory" else 0)):
        raise InputError(f"{name}: cannot read: permission denied")
    return kind


def _files_under(folder: str, include: Sequence[str], exclude: Sequence[str]) -> Iterator[str]:
    """Matching files under `folder`, sorted; a subdirectory that cannot be read is an error."""

    def refuse(exc: OSError) -> None:
        raise InputError(f"{exc.filename}: cannot read: {exc.strerror or exc}")

    root = Path(folder)
    found: list[Path] = []
    for where, dirs, files in os.walk(folder, onerror=refuse):
        dirs.sort()
        found.extend(Path(where, f) for f in files)
    for path in sorted(found):
        rel = path.relative_to(root).as_posix()
        if (
            _matches(path.name, rel, include)
            and not _matches(path.name, rel, exclude)
            and _is_regular(path)
        ):
            yield str(path)


def _is_regular(path: Path) -> bool:
    """A regular file (links followed); pipes, devices and broken links in a folder are not read:
    a pipe nobody writes to would block the run."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def _globs(patterns: Sequence[str]) -> str:
    return "matching " + " ".join(patterns) if patterns else "at all"


def _matches(name: str, rel: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(rel, p) for p in patterns)


def displayable(path: str) -> str:
    """`path` as text every output can hold: bytes of a file name that are not UTF-8 (kept by
    the OS layer as lone surrogates) are written as `\\xNN` escapes."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def read_blocks(
    path: str,
    input_format: InputFormat = "auto",
    block_lines: int = BLOCK_LINES,
    display: str | None = None,
    block_bytes: int = BLOCK_BYTES,
) -> Iterator[Block]:
    """The content of one file (or stdin) in blocks of at most `block_lines` lines or items and
    about `block_bytes` bytes, in order, never raising on bad content; findings name the file as
    `display` (default: the path as given)."""
    display = display or ("<stdin>" if path == STDIN else displayable(path))
    try:
        with _open(path) as stream:
            fmt = _format_for(path, input_format)
            yield from read_stream(stream, display, fmt, block_lines, block_bytes)
    except _READ_ERRORS as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise InputError(f"{display}: cannot read: {reason}") from None


def read_stream(
    stream: BinaryIO,
    display: str,
    input_format: InputFormat = "auto",
    block_lines: int = BLOCK_LINES,
    block_bytes: int = BLOCK_BYTES,
) -> Iterator[Block]:
    """Like `read_blocks`, for an open, already decompressed binary stream (a buffered one reads
    best: blank-line runs and the format probe peek); raises InputError when it fails to read."""
    try:
        yield from _read_stream(stream, display, input_format, _BlockSize(block_lines, block_bytes))
    except _READ_ERRORS as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise InputError(f"{display}: cannot read: {reason}") from None


def read_items(path: str, input_format: InputFormat = "auto") -> Iterator[RawItem]:
    """Every record candidate in one file, one at a time (blank NDJSON lines skipped)."""
    for block in read_blocks(path, input_format):
        for offset, line in enumerate(block.lines):
            if line.strip():
                yield RawItem(block.file, block.first_line + offset, data=line)
        yield from block.items


@dataclass(frozen=True, slots=True)
class _BlockSize:
    lines: int
    bytes: int


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
    stream: BinaryIO, display: str, input_format: InputFormat, size: _BlockSize
) -> Iterator[Block]:
    first = stream.readline(min(_PROBE_BYTES, MAX_RECORD_BYTES))
    if first.startswith(_UTF16_32_BOMS):
        detail = "UTF-16/32 byte order mark"
        problem = rules.INVALID_ENCODING.finding(Location(display, 1), detail=detail)
        yield Block(display, items=[RawItem(display, 1, problems=[problem])])
        return
    if first.startswith(_UTF8_BOM):
        first = first[len(_UTF8_BOM) :]
        bom = rules.BYTE_ORDER_MARK.finding(Location(display, 1))
        yield Block(display, items=[RawItem(display, 1, problems=[bom])])
    if not first.endswith(b"\n") and (input_format == "ndjson" or not _opens_array(first)):
        first += stream.readline(MAX_RECORD_BYTES - len(first))  # the whole first line
    if input_format == "auto":
        input_format = "ndjson" if _is_complete_line(first, stream) else "json"
    if input_format == "ndjson":
        yield from _ndjson_blocks(first, stream, display, size)
    else:
        yield from _document_blocks(first, stream, display, size)


def _opens_array(text: bytes) -> bool:
    return text.lstrip().startswith(b"[")


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


def _ndjson_blocks(
    first: bytes, stream: BinaryIO, display: str, size: _BlockSize
) -> Iterator[Block]:
    line_no, line = 1, first
    block, held = Block(display, 1), 0
    seen_record = False
    while line:
        if len(line) >= MAX_RECORD_BYTES and not line.endswith(b"\n"):
            _skip_rest_of_line(stream)
            problem = rules.RECORD_TOO_LARGE.finding(
                Location(display, line_no), limit=MAX_RECORD_BYTES
            )
            if block.lines:  # a block of its own: findings come in line order
                yield block
            yield Block(display, line_no, items=[RawItem(display, line_no, problems=[problem])])
            block, held = Block(display, line_no), 0
            line, seen_record = b"\n", True  # the newline keeps the numbering of what follows
        seen_record = seen_record or bool(line.strip())
        block.lines.append(line)
        held += len(line)
        blank = _skip_empty_lines(stream) if line == b"\n" else 0
        if blank or len(block.lines) >= size.lines or held >= size.bytes:
            yield block
            block, held = Block(display, line_no + blank + 1), 0
        line = stream.readline(MAX_RECORD_BYTES)
        line_no += blank + 1
    if block.lines or block.items:
        yield block
    if not seen_record:
        yield _empty(display)


def _skip_empty_lines(stream: BinaryIO) -> int:
    """Consume the empty lines that come next, in bulk (a gigabyte of newlines is not a billion
    loop turns); how many there were."""
    peek = getattr(stream, "peek", None)
    skipped = 0
    while peek is not None and (ahead := peek(1 << 16)):
        run = len(ahead) - len(ahead.lstrip(b"\n"))
        if run < 2:  # one is not worth a block boundary
            break
        skipped += len(stream.read(run))
    return skipped


def _skip_rest_of_line(stream: BinaryIO) -> None:
    while (chunk := stream.readline(1 << 20)) and not chunk.endswith(b"\n"):
        pass


def _document_blocks(
    first: bytes, stream: BinaryIO, display: str, size: _BlockSize
) -> Iterator[Block]:
    """One JSON document: parsed whole when small, streamed item by item when a large array."""
    small = min(SMALL_DOCUMENT, MAX_RECORD_BYTES)
    head = first + stream.read(max(small - len(first), 0) + 1)
    if len(head) <= small:
        parsed = parse_json(head, Location(display, None)) if head.strip() else None
        if parsed is None or not (parsed.too_deep and _opens_array(head)):
            items = list(_document_items(parsed, display)) or [_empty_item(display)]
            yield Block(display, items=items)
            return
    if _opens_array(head):
        yield from _array_blocks(_CountingReader(head, stream), display, size)
    elif (document := _read_document(head, stream)) is not None:
        parsed = parse_json(document, Location(display, None))
        yield Block(display, items=list(_document_items(parsed, display)))
    else:
        problem = rules.RECORD_TOO_LARGE.finding(Location(display), limit=MAX_RECORD_BYTES)
        yield Block(display, items=[RawItem(display, None, problems=[problem])])


def _read_document(head: bytes, stream: BinaryIO) -> bytes | None:
    rest = stream.read(MAX_RECORD_BYTES - len(head) + 1)
    data = head + rest
    return None if len(data) > MAX_RECORD_BYTES else data


def _document_items(parsed: Parsed | None, display: str) -> Iterator[RawItem]:
    if parsed is None:
        return
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


class _ItemTooLargeError(Exception):
    """Raised from inside the streaming parser's read when one item outgrows MAX_RECORD_BYTES."""


class _CountingReader:
    """`head`, then the rest of `stream`, for ijson; stops an item that outgrows MAX_RECORD_BYTES
    before more of it is parsed."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self._head = memoryview(head)
        self._stream = stream
        self.consumed = 0  # bytes handed to the parser so far
        self.item_start = 0  # `consumed` when the current item began

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes; raises once the current item passes the limit."""
        if self.consumed - self.item_start > MAX_RECORD_BYTES:
            raise _ItemTooLargeError
        if size == 0:  # ijson probes the type of what `read` returns
            return b""
        # yajl lexes a token cut by a chunk boundary again from its start: chunks grow with the
        # item, so one long string costs n log n, not n squared
        size = max(size, self.consumed - self.item_start)
        if self._head:
            chunk = bytes(self._head[: size if size > 0 else None])
            self._head = self._head[len(chunk) :]
        else:
            chunk = self._stream.read(size)
        self.consumed += len(chunk)
        return chunk


@dataclass(slots=True)
class _Built:
    """One item of a streamed array: its value (None when too deep) and its repeated keys."""

    value: Any
    too_deep: bool = False
    repeated: list[tuple[str, str]] = field(default_factory=list)  # (pointer in item, key)


def _array_blocks(source: _CountingReader, display: str, size: _BlockSize) -> Iterator[Block]:
    """A large top-level array, streamed by ijson's C parser: one item at a time, in blocks."""
    import ijson  # type: ignore[import-untyped]  # not at start-up: large arrays only

    streaming = ijson.get_backend("yajl2_c")
    block, block_start, index = Block(display), 0, 0
    try:
        for built in _built_items(streaming.basic_parse(source, use_float=True)):
            block.items.append(_streamed_item(built, display, index))
            index += 1
            source.item_start = source.consumed
            if len(block.items) >= size.lines or source.consumed - block_start >= size.bytes:
                yield block
                block, block_start = Block(display), source.consumed
    except _ItemTooLargeError:
        where = Location(display, None, f"/{index}")
        too_large = rules.RECORD_TOO_LARGE.finding(where, limit=MAX_RECORD_BYTES)
        block.items.append(RawItem(display, None, problems=[too_large]))
    except ijson.JSONError as exc:
        block.items.append(RawItem(display, None, problems=[_stream_error(exc, display, index)]))
    yield block


def _built_items(events: Iterator[tuple[str, Any]]) -> Iterator[_Built]:
    """The items of the top-level array that `events` (ijson basic_parse) describe, built one at
    a time; an item nested deeper than NESTING_LIMIT is skipped, never built, and ijson's own
    item builder is not used because it has no depth bound and its prefixes cost depth squared."""
    if next(events, ("", None))[0] != "start_array":
        return
    stack: list[Any] = []  # the containers of the item being built, outermost first
    keys: list[Any] = []  # per container: the key being filled (objects)
    built = _Built(None)
    skipping = 0  # levels still open in an item that is too deep
    for event, value in events:
        if skipping:
            skipping += (event in _STARTS) - (event in _ENDS)
            if not skipping or skipping > _DEPTH_GIVEN_UP:
                yield built  # past orjson's own limit, the rest of the file is not read
                if skipping:
                    return
                built = _Built(None)
            continue
        if event == "map_key":
            if value in stack[-1]:
                built.repeated.append((_path_of(stack, keys), value))
            keys[-1] = value
            continue
        if event in _ENDS:
            if not stack:
                return  # the end of the top-level array
            node = stack.pop()
            keys.pop()
            if not stack:
                built.value = node
                yield built
                built = _Built(None)
            continue
        if event in _STARTS:
            if len(stack) >= NESTING_LIMIT:
                stack.clear()
                keys.clear()
                built = _Built(None, too_deep=True)
                skipping = NESTING_LIMIT + 1
                continue
            node = {} if event == "start_map" else []
        else:
            node = value
        if stack:
            parent = stack[-1]
            if type(parent) is list:
                parent.append(node)
            else:
                parent[keys[-1]] = node
        elif event not in _STARTS:
            built.value = node
            yield built
            built = _Built(None)
            continue
        if event in _STARTS:
            stack.append(node)
            keys.append(None)


_STARTS = frozenset({"start_map", "start_array"})
_DEPTH_GIVEN_UP = 1024  # orjson's parsing limit: an item deeper than this ends the file
_ENDS = frozenset({"end_map", "end_array"})


def _path_of(stack: list[Any], keys: list[Any]) -> str:
    """The JSON Pointer, within the item, of the innermost container being built."""
    parts: list[str | int] = []
    for depth, container in enumerate(stack[:-1]):
        parts.append(len(container) - 1 if type(container) is list else keys[depth])
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _streamed_item(built: _Built, display: str, index: int) -> RawItem:
    """Item `index` as its canonical bytes (checked like an NDJSON line, cheap to hand to a
    worker), with the keys seen repeated in it."""
    pointer = f"/{index}"
    canonical = None if built.too_deep else serialised(built.value)
    where = Location(display, None, pointer, record_id(built.value))
    if canonical is None:
        return RawItem(display, None, pointer, problems=[_too_deep(where)])
    problems = [
        rules.DUPLICATE_KEY.finding(replace(where, pointer=pointer + path), key=key)
        for path, key in built.repeated
    ]
    return RawItem(display, None, pointer, data=canonical, problems=problems)


def _stream_error(exc: Exception, display: str, index: int) -> Finding:
    """The finding where the streaming parser stopped: at item `index`, or after the array."""
    text = str(exc).removeprefix("b'").replace("\\n", "\n")
    reason = text.split("\n", 1)[0].split(": ", 1)[-1].strip().rstrip(".")  # the rest quotes input
    pointer = "" if reason == "trailing garbage" else f"/{index}"
    where = Location(display, None, pointer)
    if "UTF8" in reason:
        return rules.INVALID_ENCODING.finding(where, detail="invalid UTF-8")
    return rules.MALFORMED_JSON.finding(where, detail=reason)


def record_id(value: Any) -> str | None:
    """The record's `id` when it is an object with a string id."""
    found = value.get("id") if isinstance(value, dict) else None
    return found if isinstance(found, str) else None


def _too_deep(where: Location) -> Finding:
    return rules.NESTING_TOO_DEEP.finding(where, limit=NESTING_LIMIT)


def serialised(value: Any) -> bytes | None:
    """orjson's rendering of a parsed value, or None when it nests deeper than NESTING_LIMIT."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return None


def parse_json(data: bytes, where: Location) -> Parsed:
    """Parse one JSON text strictly: UTF-8, no NaN/Infinity, bounded depth, duplicate keys found."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        return Parsed(problem=explain_parse_error(data, exc, where))
    if not isinstance(value, dict | list):
        return Parsed(value)
    canonical = serialised(value)
    if canonical is None:
        return Parsed(problem=_too_deep(where), too_deep=True)
    if may_repeat_keys(data.strip(), canonical):
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
    """The finding that says why `data` is not JSON: encoding, depth, NaN, or the parser's word.

    Running out of memory says nothing about the data: that is an InputError (exit 2)."""
    if error.msg.startswith("Not enough memory"):
        line = f":{where.line}" if where.line is not None else ""
        raise InputError(
            f"{where.file}{line}: not enough memory to parse a record of {len(data):,} bytes"
        )
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return rules.INVALID_ENCODING.finding(where, detail=f"invalid UTF-8 at byte {exc.start}")
    if "depth limit" in error.msg or "recursion" in error.msg:
        return _too_deep(where)
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
