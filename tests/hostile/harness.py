"""Run `ccstd` as a whole process under limits, and measure what a hostile input cost it."""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any


@dataclass(frozen=True)
class Run:
    """What one `ccstd` process did: exit code, output, wall time and peak memory."""

    exit_code: int
    stdout: str
    stderr: str
    seconds: float
    peak_mib: float

    @property
    def traceback(self) -> bool:
        """True when Python printed a traceback (never acceptable output)."""
        return "Traceback (most recent call last)" in self.stdout + self.stderr

    def assert_clean_failure(self, exit_code: int = 2) -> None:
        """The command gave up as documented: the exit code, one reason, no traceback."""
        assert not self.traceback, self.stderr[-3000:]
        assert self.exit_code == exit_code, (self.exit_code, self.stdout[-2000:], self.stderr)


# A small Python starts the CLI and measures it. The peak RSS the kernel reports for a process
# includes that of the memory it had before exec: for a child of pytest, pytest's own peak (over
# 500 MiB late in a full run). So this Python forks (a process of a few MiB), the fork sets the
# address-space limit and execs the CLI, and the peak reported for it is the CLI's. The figure
# comes back on a pipe; the exit code is the CLI's (128 + N when signal N ended it).
_MEASURE = """
import os, resource, sys
limit, report = int(sys.argv[1]), int(sys.argv[2])
pid = os.fork()
if pid == 0:
    os.close(report)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    os.execv(sys.argv[3], sys.argv[3:])
_, status, usage = os.wait4(pid, 0)
os.write(report, str(usage.ru_maxrss).encode())
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


def ccstd(
    *args: str | Path,
    cwd: Path | None = None,
    timeout: float = 60,
    memory_mib: int = 1536,
    env: dict[str, str] | None = None,
    stdin: bytes | None = None,
    launcher: Sequence[str] = ("-m", "ccstd.cli"),
) -> Run:
    """Run `python -m ccstd.cli ARGS` (or another `launcher` of the CLI) with an address-space
    limit; time and peak RSS measured.

    A run that outlives `timeout` is killed and fails the calling test (a hang is a bug).
    """
    limit = memory_mib << 20
    report_read, report_write = os.pipe()
    started = time.perf_counter()
    measure = [sys.executable, "-c", _MEASURE, str(limit), str(report_write)]
    process = subprocess.Popen(
        [*measure, sys.executable, *launcher, *map(str, args)],
        pass_fds=(report_write,),
        start_new_session=True,  # a hang is killed with its whole group
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    os.close(report_write)
    with ThreadPoolExecutor(3) as pool, os.fdopen(report_read, "rb") as report:
        if stdin is not None and process.stdin is not None:
            pool.submit(_feed, process.stdin, stdin)
        out, err = pool.submit(_drain, process.stdout), pool.submit(_drain, process.stderr)
        status, usage = _wait(process, started + timeout)
        if usage is None:
            os.killpg(process.pid, signal.SIGKILL)
            os.wait4(process.pid, 0)
            raise AssertionError(f"ccstd {' '.join(map(str, args))} hung for {timeout} s")
        process.returncode = os.waitstatus_to_exitcode(status)
        return Run(
            process.returncode,
            out.result().decode("utf-8", "replace"),
            err.result().decode("utf-8", "replace"),
            time.perf_counter() - started,
            int(report.read() or 0) / 1024,
        )


def _wait(process: subprocess.Popen[bytes], deadline: float) -> tuple[int, Any]:
    """(wait status, rusage of that child alone), or (0, None) past the deadline."""
    while time.perf_counter() < deadline:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            return status, usage
        time.sleep(0.01)
    return 0, None


def _drain(stream: IO[bytes] | None) -> bytes:
    return stream.read() if stream is not None else b""


def _feed(stream: IO[bytes], data: bytes) -> None:
    with contextlib.suppress(BrokenPipeError):
        stream.write(data)
    with contextlib.suppress(BrokenPipeError):
        stream.close()


def digests(paths: Iterable[Path]) -> dict[Path, str]:
    """SHA-256 of each file, to prove a command left its inputs unchanged."""
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.is_file()}


def tree(folder: Path) -> dict[Path, str]:
    """SHA-256 of every file under `folder`."""
    return digests(sorted(folder.rglob("*")))


def no_temporaries(folders: Sequence[Path]) -> list[Path]:
    """Temporary files (`.NAME.*.tmp`) left behind in `folders` (should be none)."""
    return [p for f in folders for p in f.glob(".*.tmp")]
