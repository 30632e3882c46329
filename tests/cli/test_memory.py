"""Memory stays flat with input size (slow: generates and validates 400k records)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.generate import generate
from benchmarks.run import cli


@pytest.mark.slow
def test_peak_memory_does_not_grow_with_records(tmp_path: Path) -> None:
    _, small = cli(generate(tmp_path / "small.ndjson", 10_000), jobs=1)
    _, large = cli(generate(tmp_path / "large.ndjson", 400_000), jobs=1)
    assert large <= 1.3 * small, (small, large)
