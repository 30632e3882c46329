"""A validation run over many inputs: read, check (optionally in parallel), index, collect."""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ccstd.standard.checker import CheckOptions, ItemOutcome, RecordChecker
from ccstd.standard.index import StreamIndex
from ccstd.standard.reading import DEFAULT_INCLUDE, InputFormat, RawItem, iter_paths, read_items
from ccstd.standard.registry import SCHEMAS_ROOT, StandardRegistry
from ccstd.standard.results import FindingCollector, ValidationResult

CHUNK_SIZE = 1000
Progress = Callable[[int], None]


@dataclass(frozen=True)
class RunOptions:
    """How to run: which files, how to read them, how many processes, what to list."""

    include: Sequence[str] = DEFAULT_INCLUDE
    exclude: Sequence[str] = ()
    input_format: InputFormat = "auto"
    jobs: int = 1
    max_findings: int = 1000
    baseline: frozenset[str] = field(default_factory=frozenset)


def validate_paths(
    inputs: Sequence[str],
    check: CheckOptions = CheckOptions(),
    run: RunOptions = RunOptions(),
    registry: StandardRegistry | None = None,
    progress: Progress | None = None,
) -> ValidationResult:
    """Validate every record in the inputs (files, directories, `-`); raises InputError."""
    started = time.perf_counter()
    registry = registry or StandardRegistry()
    paths = list(iter_paths(inputs, run.include, run.exclude))
    collector = FindingCollector(run.max_findings, run.baseline)
    records = invalid = 0
    with StreamIndex() as index:
        items = itertools.chain.from_iterable(read_items(p, run.input_format) for p in paths)
        for outcome in _outcomes(items, registry, check, run.jobs, progress):
            if outcome.is_record:
                records += 1
                invalid += outcome.has_error
            collector.extend(outcome.findings)
            index.add(outcome)
        made_invalid: set[int] = set()
        for finding, record_no in index.findings():
            collector.add(finding)
            if record_no is not None:
                made_invalid.add(record_no)
    return ValidationResult(
        findings=collector.listed_findings(),
        counts=dict(collector.counts),
        files=len(paths),
        records=records,
        invalid=invalid + len(made_invalid),
        seconds=time.perf_counter() - started,
        baselined=collector.baselined,
        omitted=collector.omitted,
    )


def _outcomes(
    items: Iterable[RawItem],
    registry: StandardRegistry,
    check: CheckOptions,
    jobs: int,
    progress: Progress | None,
) -> Iterator[ItemOutcome]:
    done = 0
    chunks = _batched(items, CHUNK_SIZE)
    results = (
        _serial(chunks, registry, check) if jobs <= 1 else _parallel(chunks, registry, check, jobs)
    )
    for outcomes in results:
        yield from outcomes
        done += len(outcomes)
        if progress is not None:
            progress(done)


def _batched(items: Iterable[RawItem], size: int) -> Iterator[list[RawItem]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _serial(
    chunks: Iterable[list[RawItem]], registry: StandardRegistry, check: CheckOptions
) -> Iterator[list[ItemOutcome]]:
    checker = RecordChecker(registry, check)
    for chunk in chunks:
        yield [checker.check(item) for item in chunk]


_worker_checker: RecordChecker | None = None


def _init_worker(schemas_root: Path, check: CheckOptions) -> None:
    global _worker_checker
    _worker_checker = RecordChecker(StandardRegistry(schemas_root), check)


def _check_chunk(chunk: list[RawItem]) -> list[ItemOutcome]:
    assert _worker_checker is not None
    return [_worker_checker.check(item) for item in chunk]


def _parallel(
    chunks: Iterable[list[RawItem]], registry: StandardRegistry, check: CheckOptions, jobs: int
) -> Iterator[list[ItemOutcome]]:
    """Chunks checked by `jobs` processes, results in input order, at most 2 x jobs in flight."""
    root = registry.schemas_root if registry else SCHEMAS_ROOT
    with ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(root, check)) as pool:
        pending: deque[Future[list[ItemOutcome]]] = deque()
        for chunk in chunks:
            pending.append(pool.submit(_check_chunk, chunk))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
