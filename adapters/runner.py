"""Running an adapter over sources: count, convert, stamp provenance, protect, write.

Every item read ends as exactly one of converted, skipped or rejected; the run checks that the
three add up to what was read and fails loudly if they do not (that would be a bug, never data).
"""

from __future__ import annotations

import base64
import datetime
import functools
import itertools
import os
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from ccstd.adapters.base import (
    Adapter,
    Converted,
    Outcome,
    Rejected,
    Skipped,
    SourceContext,
    SourceItem,
)
from ccstd.adapters.ledger import Ledger
from ccstd.adapters.privacy import Protector
from ccstd.adapters.registry import UnknownAdapterError, by_name
from ccstd.standard.checker import RecordChecker
from ccstd.standard.files import atomic_output
from ccstd.standard.findings import Severity
from ccstd.standard.reading import RawItem
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
            "seconds": round(self.seconds, 3),
        }  # fmt: skip


@dataclass(frozen=True)
class Outputs:
    """Where a run writes: records (NDJSON), rejects (replayable NDJSON), the ledger (JSON)."""

    records: Path
    rejects: Path | None = None
    ledger: Path | None = None


def conversion_time() -> str:
    """`convertedAt` for a run: $SOURCE_DATE_EPOCH when set (reproducible runs), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (
        datetime.datetime.fromtimestamp(int(epoch), datetime.UTC)
        if epoch
        else datetime.datetime.now(datetime.UTC).replace(microsecond=0)
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
) -> ConversionReport:
    """Convert every item of every path; outputs appear whole at the end, or not at all.

    With `jobs` > 1, items are converted in that many processes (the adapter is found again by
    name in each) and accounted for in input order here. `converted_at` fixes the conversion
    time stamped on every record (default: `conversion_time()`).
    """

    def items() -> Iterator[tuple[SourceItem, SourceContext]]:
        for path in paths:
            context = SourceContext(str(path))
            for item in adapter.items(path, context):
                yield item, context

    return _run(adapter, items(), outputs, protector, ledger, progress, jobs, converted_at)


class ReplayError(ValueError):
    """A rejects file that cannot be replayed (unreadable, or from another adapter)."""


def replay_rejects(
    rejects_file: Path, outputs: Outputs, key: bytes | None, adapter: Adapter | None = None
) -> ConversionReport:
    """Convert again only the items of a rejects file (after a mapping fix), with the adapter
    that rejected them (found by name unless given); what still fails goes to the new rejects
    file. `key=None` means raw identifiers, as for convert_paths' protector."""
    try:
        lines = [
            orjson.loads(line) for line in rejects_file.read_bytes().splitlines() if line.strip()
        ]
    except (OSError, orjson.JSONDecodeError) as exc:
        raise ReplayError(f"{rejects_file}: not a readable rejects file ({exc})") from None
    names = {line.get("adapter") for line in lines}
    if len(names) > 1:
        raise ReplayError(
            f"{rejects_file}: rejects of several adapters ({', '.join(sorted(map(str, names)))})"
        )
    if adapter is None:
        try:
            adapter = by_name(str(next(iter(names)))) if names else None
        except UnknownAdapterError as exc:
            raise ReplayError(str(exc)) from None
    if adapter is None:
        raise ReplayError(f"{rejects_file}: no rejected items to replay")
    chosen = adapter

    def items() -> Iterator[tuple[SourceItem, SourceContext]]:
        for line in lines:
            raw = line["raw"]
            data = raw["text"].encode("utf-8") if "text" in raw else base64.b64decode(raw["base64"])
            context = SourceContext(line["file"], dict(line.get("context") or {}))
            yield (
                chosen.item_from_raw(data, line["file"], line["locator"], line.get("line")),
                context,
            )

    protector = Protector(StandardRegistry().get(chosen.standard_version), key)
    return _run(chosen, items(), outputs, protector, Ledger(chosen.coverage()), None)


def _run(
    adapter: Adapter,
    items: Iterator[tuple[SourceItem, SourceContext]],
    outputs: Outputs,
    protector: Protector,
    ledger: Ledger | None,
    progress: Callable[[int], None] | None,
    jobs: int = 1,
    converted_at: str | None = None,
) -> ConversionReport:
    started = time.perf_counter()
    report = ConversionReport(adapter.name)
    converted_at = converted_at or conversion_time()
    with ExitStack() as stack:
        out = stack.enter_context(atomic_output(outputs.records))
        rejects = stack.enter_context(atomic_output(outputs.rejects)) if outputs.rejects else None
        work = _outcomes(adapter, items, protector, ledger, converted_at, jobs)
        for item, context, outcome in work:
            report.read += 1
            _account(report, item, outcome, out, rejects, adapter, context)
            if progress is not None:
                progress(report.read)
        report.check()
    if ledger is not None:
        report.unknown_fields = sum(ledger.unknown.values())
        if outputs.ledger is not None:
            with atomic_output(outputs.ledger) as handle:
                handle.write(orjson.dumps(ledger.report(), option=orjson.OPT_INDENT_2))
    report.protection = protector.counts
    report.seconds = time.perf_counter() - started
    return report


_CHUNK = 200
Work = tuple[SourceItem, SourceContext]
_ChunkResult = tuple[list[Outcome], Counter[str], Ledger | None]


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
        finish = _Finisher(
            _Stamp(adapter, converted_at), protector, RecordChecker(StandardRegistry())
        )
        for item, context in items:
            outcome = finish(_convert(adapter, item, context), item)
            if ledger is not None:
                _record_coverage(ledger, adapter.kind_of(item), item, outcome)
            yield item, context, outcome
        return
    init = (adapter.name, protector.key, converted_at)
    with ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=init) as pool:
        pending: deque[tuple[list[Work], Future[_ChunkResult]]] = deque()
        for chunk in _chunks(items):
            pending.append((chunk, pool.submit(_finish_chunk, chunk, ledger is not None)))
            if len(pending) >= 2 * jobs:
                yield from _settle(*pending.popleft(), protector, ledger)
        while pending:
            yield from _settle(*pending.popleft(), protector, ledger)


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


_worker: tuple[Adapter, _Finisher] | None = None


def _init_worker(name: str, key: bytes | None, converted_at: str) -> None:
    global _worker
    adapter = by_name(name)
    protector = Protector(StandardRegistry().get(adapter.standard_version), key)
    finish = _Finisher(_Stamp(adapter, converted_at), protector, RecordChecker(StandardRegistry()))
    _worker = adapter, finish


def _finish_chunk(chunk: list[Work], with_ledger: bool) -> _ChunkResult:
    """In a worker: finished outcomes, the protection counts and the ledger of one chunk."""
    assert _worker is not None
    adapter, finish = _worker
    finish.protector.counts.clear()
    ledger = Ledger(adapter.coverage()) if with_ledger else None
    outcomes = []
    for item, context in chunk:
        outcome = finish(_convert(adapter, item, context), item)
        if ledger is not None:
            _record_coverage(ledger, adapter.kind_of(item), item, outcome)
        outcomes.append(outcome)
    return outcomes, Counter(finish.protector.counts), ledger


def _convert(adapter: Adapter, item: SourceItem, context: SourceContext) -> Outcome:
    if item.problem is not None:
        return Rejected("unreadable-item", item.problem)
    try:
        return adapter.convert(item, context)
    except Exception as exc:
        return Rejected("adapter-error", f"{type(exc).__name__} in {adapter.name}")


def _account(
    report: ConversionReport,
    item: SourceItem,
    outcome: Outcome,
    out: BinaryIO,
    rejects: BinaryIO | None,
    adapter: Adapter,
    context: SourceContext,
) -> None:
    if isinstance(outcome, Converted):
        report.converted += 1
        for record in outcome.records:
            out.write(orjson.dumps(record) + b"\n")
            report.records += 1
            report.records_by_type[record["type"]] += 1
    elif isinstance(outcome, Skipped):
        report.skipped += 1
        report.skipped_by_reason[outcome.reason] += 1
    else:
        report.rejected += 1
        report.rejected_by_reason[outcome.reason] += 1
        if rejects is not None:
            line = _reject_line(item, outcome, adapter) | {
                "context": adapter.replay_context(item, context)
            }
            rejects.write(orjson.dumps(line) + b"\n")


def _record_coverage(ledger: Ledger, kind: str, item: SourceItem, outcome: Outcome) -> None:
    if isinstance(outcome, Converted):
        ledger.observe(kind, item.value)
    elif isinstance(outcome, Skipped):
        ledger.skip(kind, outcome.reason)


def _reject_line(item: SourceItem, outcome: Rejected, adapter: Adapter) -> dict[str, Any]:
    try:
        raw: dict[str, str] = {"text": item.raw.decode("utf-8")}
    except UnicodeDecodeError:
        raw = {"base64": base64.b64encode(item.raw).decode("ascii")}
    return {
        "adapter": adapter.name, "adapterVersion": adapter.version, "file": item.file,
        "locator": item.locator, "line": item.line, "reason": outcome.reason,
        "message": outcome.message, "path": outcome.path, "sha256": item.sha256, "raw": raw,
    }  # fmt: skip


@functools.lru_cache(maxsize=64)
def _file_name(path: str) -> str:
    return Path(path).name


class _Finisher:
    """Stamps and protects converted records, then holds them to the standard: an item whose
    records do not validate is rejected whole (`invalid-output`), so output always validates."""

    def __init__(self, stamp: _Stamp, protector: Protector, checker: RecordChecker) -> None:
        self.stamp, self.protector, self.checker = stamp, protector, checker

    def __call__(self, outcome: Outcome, item: SourceItem) -> Outcome:
        if not isinstance(outcome, Converted):
            return outcome
        records = tuple(self.protector.protect(self.stamp(r, item)) for r in outcome.records)
        for record in records:
            errors = [f for f in self.checker.check(RawItem(item.file, None, value=record)).findings
                      if f.severity is Severity.ERROR]  # fmt: skip
            if errors:
                found = "; ".join(f"{f.code} at {f.location.pointer or '/'}" for f in errors[:3])
                message = f"the {record['type']} made from it is invalid: {found}"
                return Rejected("invalid-output", message, errors[0].location.pointer)
        return Converted(records, outcome.dropped)


class _Stamp:
    """Fills in `meta`: adapter, mapping digest, source locator and digest, conversion time."""

    def __init__(self, adapter: Adapter, converted_at: str) -> None:
        self.adapter = adapter
        self.converted_at = converted_at
        self.adapter_meta = {
            "name": adapter.name,
            "version": adapter.version,
            "mappingDigest": adapter.mapping_digest(),
        }

    def __call__(self, record: dict[str, Any], item: SourceItem) -> dict[str, Any]:
        meta = record.setdefault("meta", {})
        meta.setdefault("sourceSystem", self.adapter.name)
        meta["adapter"] = self.adapter_meta
        source = meta.setdefault("source", {})
        source["file"] = _file_name(item.file)
        if item.line is not None:
            source["line"] = item.line
        source["sha256"] = item.sha256
        meta["convertedAt"] = self.converted_at
        return record
