"""Validation scaled out on a Dask cluster (docs/scale.md).

The inputs are cut into partitions: each file, and a large plain NDJSON file into byte ranges
that start at a line opening a record (`{`); gzip files and JSON documents are one partition
each. Workers read and check their own partitions and send back only findings and identity
tables (`BlockResult`); the client takes them in input order through the same merge as a local
run (`runner.merge_results`), which computes the cross-record checks (duplicate ids,
references) from the identity tables. The result is the local run's, finding for finding.

Dask is imported only when a cluster is used: `ccstd --help` does not pay for it.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import io
import itertools
import os
import re
import stat
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

from ccstd.standard.checker import BlockResult, CheckOptions, RecordChecker
from ccstd.standard.findings import Finding
from ccstd.standard.reading import (
    STDIN,
    Block,
    InputError,
    InputFormat,
    iter_paths,
    read_blocks,
    read_stream,
)
from ccstd.standard.registry import StandardRegistry
from ccstd.standard.results import ValidationResult
from ccstd.standard.runner import Progress, RunOptions, merge_results

if TYPE_CHECKING:
    from distributed import Client, Future

LOCAL = "local"
PARTITION_BYTES = 64 * 1024 * 1024  # a plain NDJSON file larger than this is cut into ranges
PARTITION_ENV = "CCSTD_DASK_PARTITION_BYTES"  # another size (tests, tuning)
CONNECT_SECONDS = 10
_ADDRESS = re.compile(r"(tcp|tls)://\S+")
_LOCAL = re.compile(r"local(?::([1-9][0-9]{0,2}))?")
_SCAN = 1 << 20
_WHOLE_FILE_MARKS = (b"\x1f\x8b", b"\xff\xfe", b"\xfe\xff")  # gzip; UTF-16/32 (one finding)
_UTF8_BOM = b"\xef\xbb\xbf"
_NDJSON_SUFFIXES = (".ndjson", ".jsonl")

T = TypeVar("T")


class ClusterError(InputError):
    """The cluster cannot do the run (unreachable scheduler, a worker that died, a worker
    without ccstd): one line, exit 2. Nothing is written then."""


@dataclass(frozen=True, slots=True)
class Partition:
    """One unit of work on a worker: a whole file (`end` None), or the bytes [start, end) of a
    plain NDJSON file, where `start` is 0 or begins a line that opens a record."""

    path: str  # what the worker opens (absolute)
    display: str  # how findings name the file (as the user gave it)
    input_format: InputFormat = "auto"
    start: int = 0
    end: int | None = None

    def describe(self) -> str:
        """The partition in a message: the file, and its byte range when it is one."""
        if self.end is None:
            return self.display
        return f"{self.display} (bytes {self.start:,}-{self.end:,})"


def partition_bytes() -> int:
    """The size above which a plain NDJSON file is cut (`$CCSTD_DASK_PARTITION_BYTES`)."""
    text = os.environ.get(PARTITION_ENV, "")
    if not text:
        return PARTITION_BYTES
    if not (text.isascii() and text.isdigit() and 0 < int(text) < 1 << 50):
        raise ClusterError(f"{PARTITION_ENV}={text[:40]}: give a positive number of bytes")
    return int(text)


def partitions(paths: Iterable[str], input_format: InputFormat, size: int) -> list[Partition]:
    """The partitions of the files, in input order; stdin cannot be partitioned."""
    found: list[Partition] = []
    for path in paths:
        if path == STDIN:
            raise ClusterError("-: --dask reads files that every worker can open, not stdin")
        if not _is_regular(path):
            raise ClusterError(f"{path}: not a regular file; --dask reads files workers can open")
        whole = Partition(str(Path(path).absolute()), path, input_format)
        cuts = _cuts(path, input_format, size)
        found.extend(
            replace(whole, input_format="ndjson", start=start, end=end)
            for start, end in itertools.pairwise(cuts)
        )
        if len(cuts) < 2:
            found.append(whole)
    return found


def _is_regular(path: str) -> bool:
    try:
        return stat.S_ISREG(Path(path).stat().st_mode)
    except OSError:
        return True  # the reader says what is wrong with it, as locally


def _cuts(path: str, input_format: InputFormat, size: int) -> list[int]:
    """[0, cut, …, file size] for a plain NDJSON file larger than `size`, else []."""
    is_ndjson = input_format == "ndjson" or (
        input_format == "auto" and path.endswith(_NDJSON_SUFFIXES)
    )
    if not is_ndjson:
        return []
    try:
        with Path(path).open("rb") as handle:
            total = os.fstat(handle.fileno()).st_size
            if total <= size or handle.read(2) in _WHOLE_FILE_MARKS:
                return []
            cuts = [0]
            at = _first_record_end(handle)
            while at is not None and (cut := _next_record(handle, max(at, cuts[-1] + size))):
                if cut >= total:
                    break
                cuts.append(cut)
                at = cut + 1
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return [*cuts, total] if len(cuts) > 1 else []


def _first_record_end(handle: BinaryIO) -> int | None:
    """Where the first line that is not blank ends: the first partition must hold a record, or
    the reader would call it an empty input."""
    handle.seek(0)
    start = 0
    while line := handle.readline(_SCAN):
        text = line[len(_UTF8_BOM) :] if start == 0 and line.startswith(_UTF8_BOM) else line
        start += len(line)
        if text.strip():
            return start
    return None


def _next_record(handle: BinaryIO, at: int) -> int | None:
    """The first offset >= `at` where a line opening with `{` begins; None at the end."""
    handle.seek(at - 1)
    base, carry = at - 1, b""
    while chunk := handle.read(_SCAN):
        data = carry + chunk
        found = data.find(b"\n{")
        if found >= 0:
            return base + found + 1
        base, carry = base + len(data) - 1, data[-1:]
    return None


def count_lines(part: Partition) -> int | Failed:
    """In a worker: the line breaks in a partition (where the next one's numbering starts)."""
    assert part.end is not None
    count, left = 0, part.end - part.start
    try:
        with Path(part.path).open("rb") as handle:
            handle.seek(part.start)
            while left > 0 and (chunk := handle.read(min(_SCAN, left))):
                count += chunk.count(b"\n")
                left -= len(chunk)
    except OSError as exc:
        return Failed(f"{part.display}: cannot read: {exc.strerror or exc}", input_error=True)
    return count


class _Range(io.RawIOBase):
    """The bytes [start, end) of a file, as a raw stream (buffered for the reader)."""

    def __init__(self, handle: BinaryIO, start: int, end: int) -> None:
        self._handle = handle
        self._left = end - start
        handle.seek(start)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        size = min(len(view), self._left)
        if size <= 0:
            return 0
        data = self._handle.read(size)
        view[: len(data)] = data
        self._left -= len(data)
        return len(data)


def _blocks(part: Partition, first_line: int) -> Iterator[Block]:
    if part.end is None:
        yield from read_blocks(part.path, part.input_format, display=part.display)
        return
    with Path(part.path).open("rb") as handle:
        stream = io.BufferedReader(_Range(handle, part.start, part.end))
        for block in read_stream(stream, part.display, "ndjson"):
            yield _shifted(block, first_line - 1)


def _shifted(block: Block, lines: int) -> Block:
    """A block read from a range, numbered as lines of the whole file."""
    if not lines:
        return block
    items = [
        replace(item, line=_plus(item.line, lines), problems=_moved(item.problems, lines))
        for item in block.items
    ]
    return replace(block, first_line=block.first_line + lines, items=items)


def _moved(findings: list[Finding], lines: int) -> list[Finding]:
    return [
        replace(f, location=replace(f.location, line=_plus(f.location.line, lines)))
        for f in findings
    ]


def _plus(line: int | None, lines: int) -> int | None:
    return None if line is None else line + lines


@dataclass(frozen=True, slots=True)
class Failed:
    """What a task sends back instead of raising: a message naming no record content (a task
    that raises has its arguments written to the worker's log)."""

    message: str
    input_error: bool = False


_checkers: dict[CheckOptions, RecordChecker] = {}


def check_partition(part: Partition, first_line: int, check: CheckOptions) -> Any:
    """In a worker: the results of a partition's blocks, in order, or Failed."""
    try:
        checker = _checkers.get(check)
        if checker is None:
            checker = _checkers[check] = RecordChecker(StandardRegistry(), check)
        return [checker.check_block(block) for block in _blocks(part, first_line)]
    except InputError as exc:
        return Failed(str(exc), input_error=True)
    except MemoryError:
        return Failed(f"{part.describe()}: the worker ran out of memory")
    except Exception as exc:
        return Failed(f"{part.describe()}: {type(exc).__name__} on the worker")


def _usable_cores() -> int:
    """The cores this process may run on (its CPU affinity: taskset, a batch job's cpuset),
    not every core of the machine."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # a platform without affinity
        return os.cpu_count() or 1


def dask_setup(worker: object) -> None:
    """In a worker of a `local` cluster, as it starts (a Dask preload): ignore SIGINT. A
    terminal's Ctrl-C reaches the whole process group; this process stops the cluster and exits
    with 130, and the workers would otherwise each print a KeyboardInterrupt traceback."""
    import signal

    with contextlib.suppress(ValueError):  # not the main thread: nothing to do
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def worker_version() -> str:
    """In a worker: the ccstd version it runs."""
    from ccstd import __version__

    return __version__


@contextlib.contextmanager
def connect(scheduler: str) -> Iterator[Client]:
    """A client of the cluster: `local` or `local:N` starts a LocalCluster of N (default: one
    per core) single-threaded worker processes; an address (`tcp://host:8786`) connects to a
    running scheduler. Raises ClusterError when it cannot."""
    local = _LOCAL.fullmatch(scheduler)
    if local is None and not _ADDRESS.fullmatch(scheduler):
        raise ClusterError(
            f"--dask {scheduler[:80]}: give local, local:N or a scheduler address (tcp://host:8786)"
        )
    import logging

    from distributed import Client, LocalCluster

    with contextlib.ExitStack() as stack:
        try:
            if local is not None:
                workers = int(local[1]) if local[1] else _usable_cores()
                # what a worker spills to disk holds records: a folder only this user can read
                # (mkdtemp: 0700), removed after the cluster has stopped
                scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="ccstd-dask-"))
                cluster = LocalCluster(  # type: ignore[no-untyped-call]
                    n_workers=workers,
                    local_directory=scratch,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",  # never listens beyond this machine
                    dashboard_address="127.0.0.1:0",
                    silence_logs=logging.CRITICAL,
                    preload=[__name__],  # dask_setup below: Ctrl-C is for this process
                )
                stack.enter_context(cluster)
                client = stack.enter_context(Client(cluster))  # type: ignore[no-untyped-call]
            else:
                _handshake(scheduler)
                client = stack.enter_context(Client(scheduler, timeout=CONNECT_SECONDS))  # type: ignore[no-untyped-call]
        except Exception as exc:  # any failure of the library to connect: one line, exit 2
            raise ClusterError(
                f"--dask {scheduler}: cannot reach the scheduler: {_reason(exc)}"
            ) from None
        _check_workers(client, scheduler)
        yield client


def _handshake(address: str) -> None:
    """Raise unless a Dask scheduler at `address` answers Dask's handshake within
    CONNECT_SECONDS: Dask's client waits without end on a server that accepts and stays silent,
    and reads whatever another server says as the size of a message."""
    import asyncio

    from distributed.comm.core import connect as open_comm
    from distributed.security import Security

    async def shake() -> None:
        args = Security().get_connection_args("client")  # type: ignore[no-untyped-call]
        comm = await open_comm(address, timeout=CONNECT_SECONDS, **args)  # type: ignore[no-untyped-call]
        await comm.close()

    try:
        asyncio.run(asyncio.wait_for(shake(), CONNECT_SECONDS))
    except (TimeoutError, MemoryError) as exc:
        raise _NotDaskError(exc) from None


class _NotDaskError(Exception):
    """A server answered, or held the connection, but not as a Dask scheduler does."""


def _reason(exc: Exception) -> str:
    """Why connecting failed, in one line."""
    if isinstance(exc, _NotDaskError):
        silent = isinstance(exc.args[0], TimeoutError)
        said = f"no answer within {CONNECT_SECONDS} s" if silent else "an answer Dask cannot read"
        return f"{said} (is it a Dask scheduler?)"
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def _check_workers(client: Client, scheduler: str) -> None:
    """Refuse a cluster without workers or whose workers run another ccstd."""
    from ccstd import __version__

    try:
        versions = set(client.run(worker_version).values())
    except Exception as exc:
        raise ClusterError(f"--dask {scheduler}: the workers cannot run ccstd ({exc})") from None
    if not versions:
        raise ClusterError(f"--dask {scheduler}: the cluster has no workers")
    if versions != {__version__}:
        found = ", ".join(sorted(versions))
        raise ClusterError(
            f"--dask {scheduler}: the workers run ccstd {found}, this is ccstd {__version__}"
        )


def in_order(
    client: Client,
    tasks: Iterable[tuple[str, Callable[..., Any], tuple[Any, ...]]],
) -> Iterator[Any]:
    """Each task's (label, function, arguments) result in task order, with at most two tasks
    per worker thread in flight; a task that fails or whose workers die is a ClusterError
    naming its label."""
    from distributed import KilledWorker

    window = 2 * max(sum(client.nthreads().values()), 1)  # type: ignore[no-untyped-call]
    pending: deque[tuple[str, Future[Any]]] = deque()

    def settle() -> Any:
        label, future = pending.popleft()
        try:
            value = future.result()
        except KilledWorker:
            raise ClusterError(f"{label}: the workers handling it died") from None
        except Exception as exc:
            raise ClusterError(f"{label}: failed on the cluster ({type(exc).__name__})") from None
        if isinstance(value, Failed):
            error = InputError if value.input_error else ClusterError
            raise error(value.message)
        return value

    for label, function, args in tasks:
        pending.append((label, client.submit(function, *args, pure=False)))
        if len(pending) >= window:
            yield settle()
    while pending:
        yield settle()


def _first_lines(client: Client, parts: Sequence[Partition]) -> list[int]:
    """The number of each partition's first line in its file (1 for a whole file)."""
    ranges = [(p.describe(), count_lines, (p,)) for p in parts if p.end is not None]
    counts = iter(list(in_order(client, ranges)))
    first: list[int] = []
    line = 1
    for part in parts:
        line = 1 if part.end is None or part.start == 0 else line
        first.append(line)
        if part.end is not None:
            line += next(counts)
    return first


def validate_on_cluster(
    scheduler: str,
    inputs: Sequence[str],
    check: CheckOptions = CheckOptions(),
    run: RunOptions = RunOptions(),
    progress: Progress | None = None,
) -> ValidationResult:
    """`validate_paths` on a Dask cluster: the same result, finding for finding; raises
    InputError (ClusterError when the cluster fails)."""
    import time

    started = time.perf_counter()
    paths = list(iter_paths(inputs, run.include, run.exclude))
    parts = partitions(paths, run.input_format, partition_bytes())
    with connect(scheduler) as client:
        first = _first_lines(client, parts)
        tasks = (
            (part.describe(), check_partition, (part, line, check))
            for part, line in zip(parts, first, strict=True)
        )
        results: Iterator[BlockResult] = (r for found in in_order(client, tasks) for r in found)
        return merge_results(results, len(paths), run, progress, started)


# --jobs N on this machine: the same partitions, read and checked by local worker processes.
LOCAL_MIN_PARTITION = 4 * 1024 * 1024  # smaller ranges cost more in tasks than they save
LOCAL_PARTS_PER_JOB = 8  # enough ranges that no worker waits long for the last one

_local_checker: RecordChecker | None = None


def local_partitions(paths: Sequence[str], input_format: InputFormat, jobs: int) -> list[Partition]:
    """Partitions for `jobs` local processes, or [] when the parent must read the inputs itself
    (stdin, a file that is not regular or cannot be seen, a single partition). Ranges are an
    eighth of a process's share of the bytes, from LOCAL_MIN_PARTITION to PARTITION_BYTES (the
    identities of a range's records travel back at once), unless $CCSTD_DASK_PARTITION_BYTES
    says otherwise."""
    sizes = []
    for path in paths:
        try:
            info = Path(path).stat()
        except OSError:
            return []
        if path == STDIN or not stat.S_ISREG(info.st_mode):
            return []
        sizes.append(info.st_size)
    share = sum(sizes) // (jobs * LOCAL_PARTS_PER_JOB)
    size = min(max(LOCAL_MIN_PARTITION, share), PARTITION_BYTES)  # a result is held whole
    if os.environ.get(PARTITION_ENV):
        size = partition_bytes()  # a size asked for (tests, tuning)
    found = partitions(paths, input_format, size)
    return [replace(p, path=p.display) for p in found] if len(found) > 1 else []


def check_in_processes(
    parts: Sequence[Partition], registry: StandardRegistry, check: CheckOptions, jobs: int
) -> Iterator[BlockResult]:
    """The blocks' results of every partition, in input order, each partition read and checked
    by one of `jobs` processes, at most two per process in flight; a partition's workers send
    back only its findings and identity tables."""

    with concurrent.futures.ProcessPoolExecutor(
        jobs, initializer=_init_local, initargs=(registry.schemas_root, check)
    ) as pool:
        ranged = [p for p in parts if p.end is not None]
        counts = iter([_settled(n) for n in pool.map(count_lines, ranged)])
        first, line = [], 1
        for part in parts:
            line = 1 if part.end is None or part.start == 0 else line
            first.append(line)
            if part.end is not None:
                line += next(counts)
        pending: deque[concurrent.futures.Future[list[BlockResult] | Failed]] = deque()
        for part, line in zip(parts, first, strict=True):
            pending.append(pool.submit(_check_local, part, line))
            if len(pending) >= 2 * jobs:
                yield from _settled(pending.popleft().result())
        while pending:
            yield from _settled(pending.popleft().result())


def _settled(value: T | Failed) -> T:
    if isinstance(value, Failed):
        if value.input_error:
            raise InputError(value.message)
        raise RuntimeError(value.message)
    return value


def _init_local(schemas_root: Path, check: CheckOptions) -> None:
    global _local_checker
    _local_checker = RecordChecker(StandardRegistry(schemas_root), check)


def _check_local(part: Partition, first_line: int) -> list[BlockResult] | Failed:
    """In a local worker: the results of a partition's blocks, in order, or why it failed."""
    assert _local_checker is not None
    try:
        return [_local_checker.check_block(block) for block in _blocks(part, first_line)]
    except InputError as exc:
        return Failed(str(exc), input_error=True)
