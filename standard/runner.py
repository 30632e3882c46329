"""A validation run over many inputs: read blocks, check them (in parallel if asked), collect."""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ccstd.standard.checker import BlockResult, CheckOptions, RecordChecker
from ccstd.standard.index import StreamIndex
from ccstd.standard.reading import DEFAULT_INCLUDE, Block, InputFormat, iter_paths, read_blocks
from ccstd.standard.registry import StandardRegistry
from ccstd.standard.results import Baseline, BaselineKey, FindingCollector, ValidationResult

Progress = Callable[[int], None]


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
    started = time.perf_counter() if started is None else started
    registry = registry or StandardRegistry()
    collector = FindingCollector(run.max_findings, run.baseline, run.baseline_key)
    records = invalid = 0
    with StreamIndex() as index:
        for result in _check_blocks(blocks, registry, check, run.jobs):
            records += result.records
            invalid += result.invalid
            collector.extend(result.findings)
            index.add(result)
            if progress is not None:
                progress(records)
        made_invalid: set[int] = set()
        for finding, record_no in index.findings():
            collector.add(finding)
            if record_no is not None:
                made_invalid.add(record_no)
    return ValidationResult(
        findings=collector.listed_findings(),
        counts=dict(collector.counts),
        files=files,
        records=records,
        invalid=invalid + len(made_invalid),
        seconds=time.perf_counter() - started,
        baselined=collector.baselined,
        omitted=collector.omitted,
        baseline_keys=frozenset(collector.keys),
    )


def _check_blocks(
    blocks: Iterable[Block], registry: StandardRegistry, check: CheckOptions, jobs: int
) -> Iterator[BlockResult]:
    if jobs <= 1:
        checker = RecordChecker(registry, check)
        return map(checker.check_block, blocks)
    return _parallel(blocks, registry.schemas_root, check, jobs)


_worker_checker: RecordChecker | None = None


def _init_worker(schemas_root: Path, check: CheckOptions) -> None:
    global _worker_checker
    _worker_checker = RecordChecker(StandardRegistry(schemas_root), check)


def _check_in_worker(block: Block) -> BlockResult:
    assert _worker_checker is not None
    return _worker_checker.check_block(block)


def _parallel(
    blocks: Iterable[Block], schemas_root: Path, check: CheckOptions, jobs: int
) -> Iterator[BlockResult]:
    """Blocks checked by `jobs` processes, results in input order, at most 2 x jobs in flight."""
    with ProcessPoolExecutor(
        jobs, initializer=_init_worker, initargs=(schemas_root, check)
    ) as pool:
        pending: deque[Future[BlockResult]] = deque()
        for block in blocks:
            pending.append(pool.submit(_check_in_worker, block))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
