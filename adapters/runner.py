"""Running an adapter over sources: count, convert, stamp provenance, protect, write.

Every item read ends as exactly one of converted, skipped or rejected; the run checks that the
three add up to what was read and fails loudly if they do not (that would be a bug, never data).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import itertools
import os
import re
import sqlite3
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ccstd.adapters.base import (
    Adapter,
    Converted,
    ConvertOptions,
    Outcome,
    Rejected,
    Skipped,
    SourceContext,
    SourceItem,
    encode_json,
)
from ccstd.adapters.compression import CompressedInputError, readable
from ccstd.adapters.finishing import (
    STAMPED_SOURCE,
    Carried,
    Finisher,
    Stamp,
    encoded,
    source_name,
)
from ccstd.adapters.ledger import Ledger, drop_shape_ahead, forget_shapes_ahead
from ccstd.adapters.outputs import OutputFile, output_files
from ccstd.adapters.privacy import Protector
from ccstd.adapters.references import ReferenceTally
from ccstd.adapters.registry import UnknownAdapterError, by_name
from ccstd.adapters.variants import Variants, content
from ccstd.standard.checker import RecordChecker
from ccstd.standard.redaction import redact
from ccstd.standard.registry import StandardRegistry


class CountMismatchError(AssertionError):
    """read != converted + skipped + rejected: a bug in the runner or an adapter."""


@dataclass
class ConversionReport:
    """What a run did, in counts only (nothing from the data itself)."""

    adapter: str
    read: int = 0
    converted: int = 0
    records: int = 0
    skipped: int = 0
    rejected: int = 0
    records_by_type: Counter[str] = field(default_factory=Counter)
    skipped_by_reason: Counter[str] = field(default_factory=Counter)
    rejected_by_reason: Counter[str] = field(default_factory=Counter)
    protection: Counter[str] = field(default_factory=Counter)
    unknown_fields: int = 0
    seconds: float = 0.0
    expected: dict[str, int] = field(default_factory=dict)  # references to records not written
    variants: int = 0  # shared records read again with other content (adapters/variants.py)
    warnings: list[str] = field(default_factory=list)  # the first of them, told

    def check(self) -> None:
        """Raise CountMismatchError unless every item read is accounted for."""
        if self.read != self.converted + self.skipped + self.rejected:
            raise CountMismatchError(
                f"read {self.read} != converted {self.converted} + skipped {self.skipped} "
                f"+ rejected {self.rejected}"
            )

    def as_json(self) -> dict[str, Any]:
        """The report as a JSON object."""
        return {
            "adapter": self.adapter, "read": self.read, "converted": self.converted,
            "records": self.records, "skipped": self.skipped, "rejected": self.rejected,
            "recordsByType": dict(self.records_by_type),
            "skippedByReason": dict(self.skipped_by_reason),
            "rejectedByReason": dict(self.rejected_by_reason),
            "identifiers": dict(self.protection), "unknownFields": self.unknown_fields,
            "expectedFromElsewhere": self.expected, "seconds": round(self.seconds, 3),
        } | self._variants()  # fmt: skip

    def _variants(self) -> dict[str, Any]:
        """Shared records read again with other content, when there are any (a report without
        them is what it was before they were told)."""
        if not self.variants:
            return {}
        return {"sharedReadWithOtherContent": self.variants, "warnings": self.warnings}


@dataclass(frozen=True)
class Outputs:
    """Where a run writes: records (NDJSON), rejects (replayable NDJSON, mode 0600: they hold raw
    source items), the ledger (JSON), and the rejects with personal values redacted (shareable)."""

    records: Path
    rejects: Path | None = None
    ledger: Path | None = None
    rejects_redacted: Path | None = None

    def paths(self) -> list[Path]:
        """Every output file the run will write."""
        named = (self.records, self.rejects, self.ledger, self.rejects_redacted)
        return [path for path in named if path is not None]


class InputReadError(OSError):
    """An input file that cannot be read to the end."""


class EmptyInputError(ValueError):
    """The inputs hold no item at all: nothing was converted, nothing is written."""


class ConversionTimeError(ValueError):
    """$SOURCE_DATE_EPOCH is not a usable time."""


_MAX_EPOCH = 253402300799  # 9999-12-31T23:59:59Z


def conversion_time() -> str:
    """`convertedAt` for a run: $SOURCE_DATE_EPOCH when set (reproducible runs), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if not epoch:
        moment = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    elif epoch.isascii() and epoch.isdigit() and len(epoch) <= 12 and int(epoch) <= _MAX_EPOCH:
        moment = datetime.datetime.fromtimestamp(int(epoch), datetime.UTC)
    else:
        raise ConversionTimeError(
            "SOURCE_DATE_EPOCH must be a whole number of seconds since 1970-01-01 UTC "
            f"(0 to {_MAX_EPOCH})"
        )
    return moment.isoformat().replace("+00:00", "Z")


def convert_paths(
    adapter: Adapter,
    paths: Sequence[Path],
    outputs: Outputs,
    protector: Protector,
    ledger: Ledger | None = None,
    progress: Callable[[int], None] | None = None,
    jobs: int = 1,
    converted_at: str | None = None,
    *,
    allow_empty: bool = True,
    options: ConvertOptions | None = None,
    label: str | None = None,
    engine: Engine | None = None,
) -> ConversionReport:
    """Convert every item of every path; outputs appear whole at the end, or not at all.

    With `jobs` > 1, items are converted in that many processes (the adapter is found again by
    name in each) and accounted for in input order here; an `engine` (`adapters/scale.py`) does
    that work elsewhere. `converted_at` fixes the conversion time stamped on every record
    (default: `conversion_time()`). Provenance names each source by the SHA-256 of the whole
    file, after `label` when given, never by its name. Raises OutputError or InputReadError
    when a file cannot be written or read, and EmptyInputError when no item was read and
    `allow_empty` is false; nothing is written then.
    """
    chosen = options or ConvertOptions()

    # what an adapter keeps across the sources of this run; `paths`: every source, in order
    run: dict[str, Any] = {"paths": tuple(paths)}

    def items() -> Iterator[tuple[SourceItem, SourceContext]]:
        for path in paths:
            digest = file_digest(path)
            facts = {"run": run}
            context = SourceContext(str(path), facts, chosen, digest, label)
            yield from ((item, _snapshot(context)) for item in _read(adapter, path, context))

    return _run(
        adapter, items(), outputs, protector, ledger, progress, jobs, converted_at, allow_empty,
        engine,
    )  # fmt: skip


def file_digest(path: Path) -> str | None:
    """`sha256:<hex>` of a whole file, read in blocks; None when it cannot be read (the adapter
    then says so, or reads what it can)."""
    try:
        with path.open("rb") as handle:
            return "sha256:" + hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


_SOURCE_NAME = re.compile(r"(?:(?P<label>.+) )?(?P<digest>sha256:[0-9a-f]{64})")


def _replay_context(entry: _RejectEntry, options: ConvertOptions) -> SourceContext:
    """The context of a replayed item: its source's digest and label from the rejects line (an
    older line naming a file has neither: its records then name no file)."""
    match = _SOURCE_NAME.fullmatch(entry.file)
    label, digest = (match["label"], match["digest"]) if match else (None, None)
    return SourceContext(entry.file, entry.context, options, digest, label)


def _replay_item(adapter: Adapter, entry: _RejectEntry, context: SourceContext) -> SourceItem:
    """The item of a rejects line, or one rejected item (`invalid-replay`) when its locator,
    line, context or label is not what the adapter and the runner write: a rejects file is
    untrusted, and these reach records (`meta.source`) or steer the mapping."""
    problem = adapter.replay_problem(entry.locator, entry.context)
    if entry.line is not None and entry.line < 1:
        problem = "'line' is not a positive number"
    if context.label is not None and not _is_label(context.label):
        context.label = None  # this line's own context: the rejection does not repeat it
        problem = "'file' is not a source digest after a printable label"
    if problem is None:
        return adapter.item_from_raw(entry.data, entry.file, entry.locator, entry.line)
    return SourceItem(context.digest or "", f"rejects line {entry.number}", entry.data,
                      problem=f"not replayed: {problem}", reason="invalid-replay")  # fmt: skip


def _is_label(label: str) -> bool:
    """What --source-label accepts (1 to 200 printable characters), without ID or phone numbers."""
    return 0 < len(label) <= 200 and label.isprintable() and redact(label) == label


def _snapshot(context: SourceContext) -> SourceContext:
    """The context as it is when an item is read: an adapter may give the next items other facts
    (`context.facts = {...}`, e.g. for each Bundle of an NDJSON file) while this one waits to be
    converted in a worker process."""
    return SourceContext(
        context.file, context.facts, context.options, context.digest, context.label
    )


def _read(adapter: Adapter, path: Path, context: SourceContext) -> Iterator[SourceItem]:
    """The items of one source (decompressed first when it is gzip: `compression.readable`); a
    file that cannot be read (or not in the memory there is) is an InputReadError, an adapter
    that fails while splitting it ends the file with one rejected item (`adapter-error`)."""
    try:
        with readable(path) as plain:
            yield from adapter.items(plain, context)
    except CompressedInputError as exc:
        raise InputReadError(str(exc)) from None
    except OSError as exc:
        raise InputReadError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except MemoryError:
        raise InputReadError(f"not enough memory to read {path}") from None
    except Exception as exc:
        problem = f"{type(exc).__name__} in {adapter.name} while reading the file; rest not read"
        yield SourceItem(str(path), "document", b"", problem=problem, reason="adapter-error")


class ReplayError(ValueError):
    """A rejects file that cannot be replayed (unreadable, malformed, or of several adapters)."""


_MAX_REPLAY_LINE = 64 << 20  # one rejected item; a longer line is not one of ours


@dataclass(frozen=True)
class _RejectEntry:
    """One line of a rejects file, checked."""

    number: int
    adapter: str
    file: str
    locator: str
    line: int | None
    data: bytes
    context: dict[str, Any]


def replay_rejects(
    rejects_file: Path,
    outputs: Outputs,
    key: bytes | None,
    adapter: Adapter | None = None,
    options: ConvertOptions | None = None,
) -> ConversionReport:
    """Convert again only the items of a rejects file (after a mapping fix), with the adapter
    that rejected them (found by name unless given); what still fails goes to the new rejects
    file. `key=None` means raw identifiers, as for convert_paths' protector. A malformed line
    is a ReplayError naming the file and line, and nothing is written."""
    entries = _reject_entries(rejects_file)
    first = next(entries, None)
    if first is None:
        raise ReplayError(f"{rejects_file}: no rejected items to replay")
    if adapter is None:
        try:
            adapter = by_name(first.adapter)
        except UnknownAdapterError as exc:
            raise ReplayError(f"{rejects_file}:{first.number}: {exc}") from None
    chosen = adapter

    def items() -> Iterator[tuple[SourceItem, SourceContext]]:
        for entry in itertools.chain([first], entries):
            if entry.adapter != first.adapter:
                raise ReplayError(
                    f"{rejects_file}:{entry.number}: rejects of several adapters "
                    f"({first.adapter}, {entry.adapter}); replay them separately"
                )
            context = _replay_context(entry, options or ConvertOptions())
            yield _replay_item(chosen, entry, context), context

    protector = Protector(StandardRegistry().get(chosen.standard_version), key)
    already = written_before(rejects_file, chosen.shared_types)
    return _run(
        chosen, items(), outputs, protector, Ledger(chosen.coverage()), None, already=already
    )


def shared_written(written: set[tuple[str, str]]) -> dict[str, list[str]]:
    """The shared records of an output, by type (the `written` of a rejects file's last line)."""
    by_type: dict[str, list[str]] = {}
    for kind, record_id in sorted(written):
        by_type.setdefault(kind, []).append(record_id)
    return by_type


def written_before(rejects_file: Path, shared: frozenset[str]) -> frozenset[tuple[str, str]]:
    """The shared records (Devices, Communities) the output of the run that wrote a rejects file
    holds, from its last line's `written`: a replay writes only those it lacks, so that the two
    outputs validate together without a duplicate id. Raises ReplayError for a malformed one."""
    last, at = b"", 0
    for number, line in enumerate(_lines(rejects_file), 1):
        if line.strip():
            last, at = line, number
    try:
        value = orjson.loads(last) if last else {}
    except orjson.JSONDecodeError:
        return frozenset()  # reading the entries says what is wrong with the line
    written = value.get("written") if isinstance(value, dict) else None
    if written is None:
        return frozenset()
    where = f"{rejects_file}:{at}: 'written'"
    if not isinstance(written, dict) or not all(
        kind in shared and isinstance(ids, list) and all(_is_id(i) for i in ids)
        for kind, ids in written.items()
    ):
        raise ReplayError(f"{where} is not the shared records this adapter writes")
    return frozenset((kind, record_id) for kind, ids in written.items() for record_id in ids)


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 128 and value.isprintable()


def _lines(rejects_file: Path) -> Iterator[bytes]:
    try:
        handle = rejects_file.open("rb")
    except OSError as exc:
        raise ReplayError(f"{rejects_file}: cannot read: {exc.strerror or exc}") from None
    with handle:
        while line := handle.readline(_MAX_REPLAY_LINE + 1):
            yield line


def _reject_entries(rejects_file: Path) -> Iterator[_RejectEntry]:
    """The lines of a rejects file one at a time (blank ones skipped), each checked."""
    try:
        handle = rejects_file.open("rb")
    except OSError as exc:
        raise ReplayError(f"{rejects_file}: cannot read: {exc.strerror or exc}") from None
    with handle:
        for number in itertools.count(1):
            try:
                line = handle.readline(_MAX_REPLAY_LINE + 1)
            except OSError as exc:
                raise ReplayError(f"{rejects_file}: cannot read: {exc.strerror or exc}") from None
            if not line:
                return
            if len(line) > _MAX_REPLAY_LINE:
                raise ReplayError(f"{rejects_file}:{number}: a line longer than 64 MiB")
            if line.strip():
                yield _reject_entry(line, f"{rejects_file}:{number}", number)


def _reject_entry(line: bytes, where: str, number: int) -> _RejectEntry:
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise ReplayError(f"{where}: not a readable rejects file: not JSON ({exc.msg})") from None
    if not isinstance(value, dict):
        raise ReplayError(f"{where}: not a readable rejects file: not a JSON object")
    if value.get("redacted") is True:
        raise ReplayError(f"{where}: a redacted rejects line has no raw item to replay")
    strings: dict[str, str] = {}
    for name in ("adapter", "file", "locator"):
        if not isinstance(text := value.get(name), str):
            raise ReplayError(f"{where}: not a readable rejects file: '{name}' is not a string")
        strings[name] = text
    line_no, context = value.get("line"), value.get("context") or {}
    if line_no is not None and (isinstance(line_no, bool) or not isinstance(line_no, int)):
        raise ReplayError(f"{where}: not a readable rejects file: 'line' is not a number")
    if not isinstance(context, dict):
        raise ReplayError(f"{where}: not a readable rejects file: 'context' is not an object")
    return _RejectEntry(
        number, strings["adapter"], strings["file"], strings["locator"], line_no,
        _raw_bytes(value.get("raw"), where), context,
    )  # fmt: skip


def _raw_bytes(raw: Any, where: str) -> bytes:
    """The item's bytes from a rejects line's `raw` ({"text": ...} or {"base64": ...})."""
    if isinstance(raw, dict) and isinstance(raw.get("text"), str):
        try:
            return str(raw["text"]).encode("utf-8")
        except UnicodeEncodeError:
            raise ReplayError(f"{where}: 'raw.text' is not valid Unicode") from None
    if isinstance(raw, dict) and isinstance(raw.get("base64"), str):
        try:
            return base64.b64decode(raw["base64"], validate=True)
        except binascii.Error:
            raise ReplayError(f"{where}: 'raw.base64' is not valid base64") from None
    raise ReplayError(f"{where}: not a readable rejects file: no 'raw' item (text or base64)")


def _run(
    adapter: Adapter,
    items: Iterator[tuple[SourceItem, SourceContext]],
    outputs: Outputs,
    protector: Protector,
    ledger: Ledger | None,
    progress: Callable[[int], None] | None,
    jobs: int = 1,
    converted_at: str | None = None,
    allow_empty: bool = True,
    engine: Engine | None = None,
    already: frozenset[tuple[str, str]] = frozenset(),  # shared records an earlier output has
) -> ConversionReport:
    started = time.perf_counter()
    report = ConversionReport(adapter.name)
    if ledger is not None:
        ledger.shown = adapter.ledger_path  # keys that may be names are not shown raw
    converted_at = converted_at or conversion_time()
    with output_files() as files:
        sinks = _Sinks(
            files.open(outputs.records),
            files.open(outputs.rejects, private=True) if outputs.rejects else None,
            files.open(outputs.rejects_redacted) if outputs.rejects_redacted else None,
            shared=adapter.shared_types,
            written=set(already),
        )
        ledger_file = files.open(outputs.ledger) if outputs.ledger and ledger else None
        if engine is None:
            work = _outcomes(adapter, items, protector, ledger, converted_at, jobs)
        else:  # finished elsewhere (a cluster): repeats are told here, as for --jobs
            finished = engine(adapter, items, protector, ledger, converted_at, jobs)
            work = _Repeats.after(finished, adapter, ledger, converted_at)
        for item, context, outcome in work:
            report.read += 1
            _account(report, item, outcome, sinks, adapter, context)
            if progress is not None:
                progress(report.read)
        sinks.close_rejects()
        report.check()
        if not report.read and not allow_empty:
            raise EmptyInputError("no items to convert")
        if ledger is not None and ledger_file is not None:
            ledger_file.write(orjson.dumps(ledger.report(), option=orjson.OPT_INDENT_2))
    if ledger is not None:
        report.unknown_fields = sum(ledger.unknown.values())
    report.protection = protector.counts
    report.expected = sinks.tally.expected()
    report.variants, report.warnings = sinks.variants.count, sinks.variants.warnings
    forget_shapes_ahead()  # of items the ledger did not observe
    report.seconds = time.perf_counter() - started
    return report


@dataclass(frozen=True)
class _Sinks:
    records: OutputFile
    rejects: OutputFile | None
    redacted: OutputFile | None
    shared: frozenset[str] = frozenset()  # types written once per (type, id): Adapter.shared_types
    written: set[tuple[str, str]] = field(default_factory=set)
    tally: ReferenceTally = field(default_factory=ReferenceTally)
    held: list[dict[str, Any]] = field(default_factory=list)  # the latest rejects line
    variants: Variants = field(default_factory=Variants)

    def reject(self, line: dict[str, Any]) -> None:
        """Write the rejects line held back, and hold this one (the last gets `written`)."""
        if self.rejects is not None:
            if self.held:
                self.rejects.write(encode_json(self.held.pop()) + b"\n")
            self.held.append(line)
        if self.redacted is not None:
            self.redacted.write(encode_json(redacted_reject_line(line)) + b"\n")

    def close_rejects(self) -> None:
        """Write the last rejects line with the shared records written so far (`written`), so
        that a replay writes only the shared records its first output lacks."""
        if self.rejects is not None and self.held:
            line = self.held.pop()
            if self.written:
                line["written"] = shared_written(self.written)
            self.rejects.write(encode_json(line) + b"\n")

    def write(self, record: dict[str, Any], item: SourceItem, context: SourceContext) -> bool:
        """Write a record, unless it is a shared one already written (another content of it is
        told: `Variants`); whether it was."""
        if record["type"] in self.shared:
            key = (record["type"], record["id"])
            if key in self.written:
                self.variants.again(record, item, context)
                return False
            self.written.add(key)
            self.variants.written(record, item, context)
        self.records.write(encoded(record) + b"\n")
        self.tally.add(record)
        return True


_CHUNK = 200
Work = tuple[SourceItem, SourceContext]
_ChunkResult = tuple[list[Outcome], Counter[str], Ledger | None]
Finished = Iterator[tuple[SourceItem, SourceContext, Outcome]]
# (adapter, items, protector, ledger, converted_at, jobs) -> finished outcomes in input order
Engine = Callable[[Adapter, Iterator[Work], Protector, Ledger | None, str, int], Finished]


def _outcomes(
    adapter: Adapter,
    items: Iterator[Work],
    protector: Protector,
    ledger: Ledger | None,
    converted_at: str,
    jobs: int,
) -> Iterator[tuple[SourceItem, SourceContext, Outcome]]:
    """(item, context, finished outcome) in input order; the ledger is filled on the way."""
    if jobs <= 1:
        repeats = _Repeats(adapter.shared_types)
        finish = Finisher(
            Stamp(adapter, converted_at), protector, RecordChecker(StandardRegistry())
        )
        for item, context in items:
            finished = finish(_convert(adapter, item, context), item, context)
            outcome = repeats(finished, item, context)
            if outcome is not finished:
                finish.forget(finished)
            if ledger is not None:
                _record_coverage(ledger, adapter.kind_of(item), item, outcome)
            yield item, context, outcome
        return
    yield from _Repeats.after(
        _in_workers(adapter, items, protector, ledger, converted_at, jobs), adapter, ledger,
        converted_at,
    )  # fmt: skip


def _in_workers(
    adapter: Adapter,
    items: Iterator[Work],
    protector: Protector,
    ledger: Ledger | None,
    converted_at: str,
    jobs: int,
) -> Finished:
    """(item, context, outcome finished in one of `jobs` processes) in input order."""
    init = (adapter, protector.key, converted_at, protector.screen)
    with ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=init) as pool:
        pending: deque[tuple[list[Work], Future[_ChunkResult]]] = deque()
        for chunk in _chunks(items):
            pending.append((chunk, pool.submit(_finish_chunk, chunk, ledger is not None)))
            if len(pending) >= 2 * jobs:
                yield from _settle(*pending.popleft(), protector, ledger)
        while pending:
            yield from _settle(*pending.popleft(), protector, ledger)


class _Repeats:
    """An item's own record (its first: the event, the order; not the shared types) written
    once per run: the same item read again (a file given twice, an order a page repeats) is
    skipped as `duplicate`; another item whose record has the same type and id and other content
    is rejected as `conflicting-id`. Both name the two locations (source number in the run, its
    digest, the item's locator)."""

    def __init__(self, shared: frozenset[str]) -> None:
        self.shared = shared
        self.sources: dict[str, int] = {}  # a source's path → its number in the run
        # shared records (Devices, Communities) made by an item not written after all, which
        # the worker that made them leaves out of its later items: put back by `restore`
        self.orphans: dict[tuple[str, str], dict[str, Any]] = {}
        self.stamp: Stamp | None = None
        # (type, id) → content digest and where: the first `_IN_MEMORY` in memory, then all on
        # disk, so that memory stays flat however long the run
        self._recent: dict[bytes, tuple[bytes, str]] = {}
        self._db: sqlite3.Connection | None = None

    def __call__(self, outcome: Outcome, item: SourceItem, context: SourceContext) -> Outcome:
        if not isinstance(outcome, Converted) or not outcome.records:
            return outcome
        record = outcome.records[0]  # the item's own record (an event, an order)
        if record["type"] in self.shared:
            return outcome
        key, content = (record["type"], str(record["id"])), _content_digest(record)
        here = self._where(item, context)
        seen = self._first(_key_bytes(key), content, here)
        if seen is None:
            return outcome
        first, place = seen
        if first == content:
            message = f"the same {key[0]} {key[1]} was made at {place}; written there"
            return Skipped("duplicate", f"{message}, not at {here}")
        message = (f"{key[0]} {key[1]} was made at {place} with other content; the first "
                   f"reading is written, this one is not: not written at {here}")  # fmt: skip
        return Rejected("conflicting-id", message, "id")

    def _first(self, key: bytes, content: bytes, here: str) -> tuple[bytes, str] | None:
        """The content digest and place of the first record with this key, or None when this is
        the first (remembered as it)."""
        seen = self._recent.get(key)
        if seen is not None:
            return seen
        if self._db is None:
            self._recent[key] = (content, here)
            if len(self._recent) >= _IN_MEMORY:  # from now on, on disk
                self._db = _first_table()
                rows = ((k, c, p) for k, (c, p) in self._recent.items())
                self._db.executemany("INSERT INTO first VALUES (?,?,?)", rows)
                self._recent.clear()
            return None
        added = self._db.execute("INSERT OR IGNORE INTO first VALUES (?,?,?)", (key, content, here))
        if added.rowcount == 1:  # the first sighting: one statement for the common case
            return None
        found = self._db.execute("SELECT content, place FROM first WHERE key = ?", (key,))
        first, place = found.fetchone()
        return bytes(first), str(place)

    @classmethod
    def after(
        cls, finished: Finished, adapter: Adapter, ledger: Ledger | None, converted_at: str
    ) -> Finished:
        """Outcomes finished in other processes, checked for repeats in input order."""
        repeats = cls(adapter.shared_types)
        repeats.stamp = Stamp(adapter, converted_at)  # to put back what a worker left out
        yield from repeats.settled(finished, ledger, adapter)

    def settled(
        self,
        finished: Iterator[tuple[SourceItem, SourceContext, Outcome]],
        ledger: Ledger | None,
        adapter: Adapter,
    ) -> Iterator[tuple[SourceItem, SourceContext, Outcome]]:
        """`__call__` over outcomes finished in workers (their ledger has them as converted:
        a skip is added to it)."""
        for item, context, outcome in finished:
            outcome = self.restore(outcome, item, context)
            checked = self(outcome, item, context)
            if checked is not outcome:
                self._orphan(outcome)
                if ledger is not None:
                    _unobserve(ledger, adapter.kind_of(item), item, outcome)
                    _record_coverage(ledger, adapter.kind_of(item), item, checked)
            yield item, context, checked

    def restore(self, outcome: Outcome, item: SourceItem, context: SourceContext) -> Outcome:
        """An outcome with the orphaned shared records its worker left out put back where the
        adapter made them, stamped for this item: what a one-process run writes (there the
        item not written is forgotten, and the next item that makes them writes them)."""
        if not self.orphans or not isinstance(outcome, Converted):
            return outcome
        order = outcome.order if isinstance(outcome, Carried) else ()
        if not any(key in self.orphans for key in order):
            for record in outcome.records:  # made afresh: the orphan is not needed
                self.orphans.pop((record["type"], record["id"]), None)
            return outcome
        kept, records = iter(outcome.records), list[dict[str, Any]]()
        following = next(kept, None)
        for key in order:
            if following is not None and (following["type"], following["id"]) == key:
                self.orphans.pop(key, None)
                records.append(following)
                following = next(kept, None)
            elif key in self.orphans:
                own = outcome.records[0] if outcome.records else {}
                records.append(self._restamped(self.orphans.pop(key), own, item, context))
        return Converted(tuple(records), outcome.dropped, outcome.notes)

    def _orphan(self, outcome: Outcome) -> None:
        if isinstance(outcome, Converted):
            for record in outcome.records:
                if record["type"] in self.shared:
                    self.orphans[(record["type"], record["id"])] = record

    def _restamped(
        self, record: dict[str, Any], own: dict[str, Any], item: SourceItem, context: SourceContext
    ) -> dict[str, Any]:
        """The record's provenance made this item's: where the adapter placed the item (as in
        the item's own record), then the stamp's digests and line."""
        assert self.stamp is not None
        meta, place = record.get("meta"), own.get("meta", {}).get("source", {})
        if isinstance(meta, dict) and isinstance(meta.get("source"), dict):
            meta["source"] = {k: v for k, v in place.items() if k not in STAMPED_SOURCE}
        return self.stamp(record, item, context)

    def _where(self, item: SourceItem, context: SourceContext) -> str:
        number = self.sources.setdefault(context.file, len(self.sources) + 1)
        line = f" line {item.line}" if item.line is not None else ""
        line = "" if line and item.locator.startswith(line[1:]) else line
        name = source_name(context) or ""
        return f"source {number} {name} {item.locator}{line}".replace("  ", " ")


_IN_MEMORY = 50_000  # first sightings `_Repeats` holds in memory (~25 MB) before using disk


def _first_table() -> sqlite3.Connection:
    """A private temporary database on disk ("") with the table of first sightings."""
    db = sqlite3.connect("")
    db.executescript(
        "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
        "CREATE TABLE first (key BLOB PRIMARY KEY, content BLOB, place TEXT) WITHOUT ROWID;"
    )
    return db


def _unobserve(ledger: Ledger, kind: str, item: SourceItem, outcome: Outcome) -> None:
    """Take back what a worker's ledger counted for an outcome changed afterwards."""
    counted = Ledger(ledger.coverage)
    _record_coverage(counted, kind, item, outcome)
    ledger.mapped -= counted.mapped
    ledger.dropped -= counted.dropped
    ledger.unknown -= counted.unknown
    for mine, theirs in ((ledger.reasons, counted.reasons), (ledger.notes, counted.notes)):
        for path, counts in theirs.items():
            mine[path] -= counts
            if not mine[path]:
                del mine[path]


def _key_bytes(key: tuple[str, str]) -> bytes:
    """A record's (type, id) as one key (a type name holds no NUL)."""
    return f"{key[0]}\0{key[1]}".encode("utf-8", "surrogatepass")


def _content_digest(record: dict[str, Any]) -> bytes:
    """A record's content without its provenance (which names where it was read)."""
    return hashlib.sha256(content(record)).digest()


def _chunks(items: Iterator[Work]) -> Iterator[list[Work]]:
    while chunk := list(itertools.islice(items, _CHUNK)):
        yield chunk


def _settle(
    chunk: list[Work], future: Future[_ChunkResult], protector: Protector, ledger: Ledger | None
) -> Iterator[tuple[SourceItem, SourceContext, Outcome]]:
    outcomes, counts, seen = future.result()
    protector.counts.update(counts)
    if ledger is not None and seen is not None:
        ledger.merge(seen)
    for (item, context), outcome in zip(chunk, outcomes, strict=True):
        yield item, context, outcome


_worker: tuple[Adapter, Finisher] | None = None


def _init_worker(
    chosen: Adapter | str, key: bytes | None, converted_at: str, screen: bool = True
) -> None:
    global _worker
    adapter = by_name(chosen) if isinstance(chosen, str) else chosen
    protector = Protector(StandardRegistry().get(adapter.standard_version), key, screen=screen)
    finish = Finisher(Stamp(adapter, converted_at), protector, RecordChecker(StandardRegistry()))
    finish.carry = True
    _worker = adapter, finish


def _finish_chunk(chunk: list[Work], with_ledger: bool) -> _ChunkResult:
    """In a worker: finished outcomes, the protection counts and the ledger of one chunk."""
    assert _worker is not None
    adapter, finish = _worker
    finish.protector.counts.clear()
    ledger = Ledger(adapter.coverage()) if with_ledger else None
    outcomes = []
    for item, context in chunk:
        outcome = finish(_convert(adapter, item, context), item, context)
        if ledger is not None:
            _record_coverage(ledger, adapter.kind_of(item), item, outcome)
        outcomes.append(outcome)
    return outcomes, Counter(finish.protector.counts), ledger


_NO_MEMORY = "not enough memory to read {} ({}: an item is validated and converted whole)"


def _convert(adapter: Adapter, item: SourceItem, context: SourceContext) -> Outcome:
    if item.problem is not None:
        return Rejected(item.reason, item.problem)
    try:
        return adapter.convert(item, context)
    except MemoryError:  # the run's memory, not the item's fault: exit 2, as when reading
        raise InputReadError(_NO_MEMORY.format(context.file, item.locator)) from None
    except Exception as exc:
        if isinstance(exc.__cause__ or exc.__context__, MemoryError):  # a C extension's SystemError
            raise InputReadError(_NO_MEMORY.format(context.file, item.locator)) from None
        return Rejected("adapter-error", f"{type(exc).__name__} in {adapter.name}")


def _account(
    report: ConversionReport,
    item: SourceItem,
    outcome: Outcome,
    sinks: _Sinks,
    adapter: Adapter,
    context: SourceContext,
) -> None:
    drop_shape_ahead(item.value)  # observed, or not to be
    if isinstance(outcome, Converted):
        report.converted += 1
        for record in outcome.records:
            if sinks.write(record, item, context):
                report.records += 1
                report.records_by_type[record["type"]] += 1
    elif isinstance(outcome, Skipped):
        report.skipped += 1
        report.skipped_by_reason[outcome.reason] += 1
    else:
        report.rejected += 1
        report.rejected_by_reason[outcome.reason] += 1
        if sinks.rejects is None and sinks.redacted is None:
            return
        line = _reject_line(item, outcome, adapter, context) | {
            "context": adapter.replay_context(item, context)
        }
        sinks.reject(line)


def _record_coverage(ledger: Ledger, kind: str, item: SourceItem, outcome: Outcome) -> None:
    if isinstance(outcome, Converted):
        ledger.observe(kind, item.value, outcome.dropped)
        for path, note in outcome.notes:
            ledger.note(kind, path, note)
    elif isinstance(outcome, Skipped):
        ledger.skip(kind, outcome.reason, outcome.message)
    elif item.value is not None:
        ledger.observe_rejected(kind, item.value)


def _reject_line(
    item: SourceItem, outcome: Rejected, adapter: Adapter, context: SourceContext
) -> dict[str, Any]:
    try:
        raw: dict[str, str] = {"text": item.raw.decode("utf-8")}
    except UnicodeDecodeError:
        raw = {"base64": base64.b64encode(item.raw).decode("ascii")}
    return {
        "adapter": adapter.name, "adapterVersion": adapter.version,
        "file": source_name(context) or "",
        "locator": item.locator, "line": item.line, "reason": outcome.reason,
        "message": outcome.message, "path": outcome.path, "sha256": item.sha256, "raw": raw,
    }  # fmt: skip


def redacted_reject_line(line: dict[str, Any]) -> dict[str, Any]:
    """A rejects line fit to share: the raw item replaced by its digest, raw ID and mobile
    numbers in the file name, locator, message and path replaced by a placeholder, and no
    replay context (it serves only replay, which a redacted line cannot do, and holds source
    ids and values: a payer's fullUrls embed member numbers)."""
    kept = {
        key: value if _is_digest(key, value) else _redacted(value)
        for key, value in line.items()
        if key not in _NOT_SHARED
    }
    if isinstance(kept.get("message"), str):
        kept["message"] = _UNKNOWN_CODE.sub(_code_withheld, kept["message"])
    return kept | {"context": {}, "raw": {"sha256": line["sha256"]}, "redacted": True}


_NOT_SHARED = frozenset({"raw", "context"})
# A source value quoted as an unknown code (`method code '张三' not in …`, `event code 5/x not in
# …`): a name or number read from the wrong element, so never echoed in a shared rejects line.
_UNKNOWN_CODE = re.compile(
    r"\b(code )('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|.+?)"
    r"( not in the (?:dialect|platform)'s table)"
)


def _code_withheld(match: re.Match[str]) -> str:
    code = match.group(2)
    quoted = code[:1] in "'\"" and len(code) >= 2
    length = len(code) - 2 if quoted else len(code)
    return f"{match.group(1)}withheld (an unknown code of {length} chars){match.group(3)}"


# A digest the toolkit wrote (`sha256:27003eef…`, a line's `sha256`) is not a person's number,
# whatever digit runs it holds: kept as written, the text around it redacted. Only a digest
# named as one: a bare run of hex digits may hold a number.
_HEX_DIGEST = re.compile(
    r"(?<![0-9A-Za-z])(?:md5:[0-9a-f]{32}|sha1:[0-9a-f]{40}|sha256:[0-9a-f]{64}"
    r"|sha512:[0-9a-f]{128})(?![0-9A-Za-z])"
)
_DIGEST_KEYS = frozenset({"sha256"})  # a rejects line's digest of its raw item
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _is_digest(key: str, value: Any) -> bool:
    return key in _DIGEST_KEYS and isinstance(value, str) and _SHA256.fullmatch(value) is not None


def _redacted_text(text: str) -> str:
    """`redact`, with hex digests left intact."""
    pieces, at = [], 0
    for digest in _HEX_DIGEST.finditer(text):
        pieces += [redact(text[at : digest.start()]), digest.group()]
        at = digest.end()
    return "".join([*pieces, redact(text[at:])])


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return _redacted_text(value)
    if isinstance(value, dict):
        return {_redacted_text(str(k)): _redacted(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(v) for v in value]
    return value
