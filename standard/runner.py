"""A validation run over many inputs: read blocks, check them (in parallel if asked), collect.

`record_pass` is the one read-check-index loop, shared by `validate` and `certify`: the checker's
findings per block, then those of the record visitors (checks beyond the schema, each seeing every
record once and declaring the rules it emits), then the checks across the stream from the index,
then what the visitors conclude at the end.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ccstd.standard.checker import BlockResult, CheckOptions, RecordChecker
from ccstd.standard.findings import Finding, Locator
from ccstd.standard.index import StreamIndex
from ccstd.standard.reading import DEFAULT_INCLUDE, Block, InputFormat, iter_paths, read_blocks
from ccstd.standard.registry import StandardRegistry
from ccstd.standard.results import Baseline, BaselineKey, FindingCollector, ValidationResult

if TYPE_CHECKING:
    from concurrent.futures import Future

Progress = Callable[[int], None]
Emit = Callable[[Iterable[Finding]], None]


class RecordVisitor(Protocol):
    """A check over every record of a run (certification's semantic and quality checks)."""

    rules: frozenset[str]  # the codes of every finding it may emit

    def start(self) -> None:
        """Get ready for a run (forget what an earlier one saw)."""
        ...

    def record(self, record: dict[str, Any], at: Locator) -> Iterable[Finding]:
        """Findings on one record that is an object (parsed once, for every visitor)."""
        ...

    def end(self) -> Iterable[Finding]:
        """Findings on the whole run, once every record was seen."""
        ...


@dataclass
class PassTotals:
    """Records read, and those with an error (in themselves or across the stream)."""

    records: int = 0
    invalid: int = 0


@dataclass(frozen=True)
class RunOptions:
    """How to run: which files, how to read them, how many processes, what to list."""

    include: Sequence[str] = DEFAULT_INCLUDE
    exclude: Sequence[str] = ()
    input_format: InputFormat = "auto"
    jobs: int = 1
    max_findings: int = 1000
    baseline: frozenset[str] | Baseline = field(default_factory=frozenset)
    baseline_key: BaselineKey | None = None  # keep every finding's key, to write a baseline


def validate_paths(
    inputs: Sequence[str],
    check: CheckOptions = CheckOptions(),
    run: RunOptions = RunOptions(),
    registry: StandardRegistry | None = None,
    progress: Progress | None = None,
) -> ValidationResult:
    """Validate every record in the inputs (files, directories, `-`); raises InputError."""
    started = time.perf_counter()
    paths = list(iter_paths(inputs, run.include, run.exclude))
    if run.jobs > 1:  # workers read their own byte ranges of the files where they can
        from ccstd.standard import scale

        parts = scale.local_partitions(paths, run.input_format, run.jobs)
        if parts:
            registry = registry or StandardRegistry()
            results = scale.check_in_processes(parts, registry, check, run.jobs)
            return merge_results(results, len(paths), run, progress, started, False)
    blocks = itertools.chain.from_iterable(read_blocks(p, run.input_format) for p in paths)
    return validate_blocks(blocks, len(paths), check, run, registry, progress, started)


def validate_blocks(
    blocks: Iterable[Block],
    files: int,
    check: CheckOptions = CheckOptions(),
    run: RunOptions = RunOptions(),
    registry: StandardRegistry | None = None,
    progress: Progress | None = None,
    started: float | None = None,
) -> ValidationResult:
    """Validate the records of blocks read from `files` inputs (a stream, an upload); an
    exception raised by `progress` stops the run."""
    registry = registry or StandardRegistry()
    results = check_blocks(blocks, registry, check, run.jobs)
    return merge_results(results, files, run, progress, started)


def merge_results(
    results: Iterable[BlockResult],
    files: int,
    run: RunOptions = RunOptions(),
    progress: Progress | None = None,
    started: float | None = None,
    index_as_added: bool | None = None,
) -> ValidationResult:
    """The run's result from its blocks' results, taken in input order: their findings, then
    the checks across the stream (duplicate ids, unresolved references) from their identities.
    `index_as_added` (default: with --jobs) keeps the SQLite lookup index up to date while
    results come in, which costs more in all but less at the end."""
    started = time.perf_counter() if started is None else started
    collector = FindingCollector(run.max_findings, run.baseline, run.baseline_key)
    as_added = run.jobs > 1 if index_as_added is None else index_as_added
    totals = tally_results(results, collector.extend, as_added, progress=progress)
    return ValidationResult(
        findings=collector.listed_findings(),
        counts=dict(collector.counts),
        files=files,
        records=totals.records,
        invalid=totals.invalid,
        seconds=time.perf_counter() - started,
        baselined=collector.baselined,
        omitted=collector.omitted,
        baseline_keys=dict(collector.keys),
    )


def record_pass(
    blocks: Iterable[Block],
    registry: StandardRegistry,
    check: CheckOptions,
    emit: Emit,
    visitors: Sequence[RecordVisitor] = (),
    reference_types: frozenset[str] | None = None,
) -> PassTotals:
    """Check every record of the blocks once, in one process, with the visitors' checks; every
    finding goes to `emit` in the order described above (module docstring)."""
    pending: list[Finding] = []

    def visit(record: dict[str, Any], at: Locator) -> None:
        for visitor in visitors:
            pending.extend(visitor.record(record, at))

    checker = RecordChecker(registry, check, visit if visitors else None)
    for visitor in visitors:
        visitor.start()

    def checked() -> Iterator[BlockResult]:
        for block in blocks:
            yield checker.check_block(block)
            emit(pending)  # the checker's own findings go first, by tally_results
            pending.clear()

    totals = tally_results(checked(), emit, reference_types=reference_types)
    for visitor in visitors:
        emit(visitor.end())
    return totals


def tally_results(
    results: Iterable[BlockResult],
    emit: Emit,
    index_as_added: bool = False,
    reference_types: frozenset[str] | None = None,
    progress: Progress | None = None,
) -> PassTotals:
    """Count blocks' results taken in input order, emit their findings, then the checks across
    the stream from their identities (references only to `reference_types` when given)."""
    totals = PassTotals()
    with StreamIndex(index_as_added=index_as_added) as index:
        for result in results:
            totals.records += result.records
            totals.invalid += result.invalid
            emit(result.findings)
            index.add(result)
            if progress is not None:
                progress(totals.records)
        made_invalid: set[int] = set()
        for finding, record_no in index.findings(reference_types):
            emit((finding,))
            if record_no is not None:
                made_invalid.add(record_no)
    totals.invalid += len(made_invalid)
    return totals


def check_blocks(
    blocks: Iterable[Block], registry: StandardRegistry, check: CheckOptions, jobs: int
) -> Iterator[BlockResult]:
    """The blocks' results in input order, checked here or by `jobs` processes."""
    checker = RecordChecker(registry, check)
    if jobs <= 1:
        return map(checker.check_block, blocks)
    return _parallel(iter(blocks), checker, jobs)


_worker_checker: RecordChecker | None = None

# A block travels to a worker as its file, first line, one bytes object of its lines and its
# parsed items (one string to pickle, not thousands); the worker splits the lines again.
_Parcel = tuple[str, int, bytes, list[Any]]


def _parcel(block: Block) -> _Parcel:
    return block.file, block.first_line, b"".join(block.lines), block.items


def _check_in_worker(parcel: _Parcel) -> BlockResult:
    assert _worker_checker is not None
    file, first_line, data, items = parcel
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()  # after the last newline (a last line without one stays)
    return _worker_checker.check_block(Block(file, first_line, lines, items))


def _parallel(blocks: Iterator[Block], checker: RecordChecker, jobs: int) -> Iterator[BlockResult]:
    """Blocks checked by `jobs` processes, results in input order, at most 2 x jobs in flight.

    The first block is checked here, so the validators it needs are compiled once, before the
    workers start (they are forked with them where the platform forks)."""
    from concurrent.futures import ProcessPoolExecutor

    first = next(blocks, None)
    if first is None:
        return
    yield checker.check_block(first)
    schemas_root, options = checker.registry.schemas_root, checker.options
    with ProcessPoolExecutor(
        jobs, initializer=_init_worker, initargs=(schemas_root, options)
    ) as pool:
        pending: deque[Future[BlockResult]] = deque()
        for block in blocks:
            pending.append(pool.submit(_check_in_worker, _parcel(block)))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _init_worker(schemas_root: Path, check: CheckOptions) -> None:
    """A worker's checker; forked workers find the validators already compiled (build_plan's
    cache), others compile them on first use."""
    global _worker_checker
    _worker_checker = RecordChecker(StandardRegistry(schemas_root), check)
