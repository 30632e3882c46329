"""Memory stays flat with input size (slow: generates and validates 400k records)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.generate import generate


def _peak_rss_kib(path: Path) -> int:
    command = [
        sys.executable,
        "-m",
        "ccstd.cli",
        "validate",
        str(path),
        "-q",
        "--format",
        "json",
        "--output",
        os.devnull,
    ]
    process = subprocess.Popen(command)
    _pid, status, usage = os.wait4(process.pid, 0)
    assert os.waitstatus_to_exitcode(status) in (0, 1)
    return usage.ru_maxrss


@pytest.mark.slow
def test_peak_memory_does_not_grow_with_records(tmp_path: Path) -> None:
    small = _peak_rss_kib(generate(tmp_path / "small.ndjson", 10_000))
    large = _peak_rss_kib(generate(tmp_path / "large.ndjson", 400_000))
    assert large <= 1.3 * small, (small, large)
