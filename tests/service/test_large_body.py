"""A large body streams through the service: peak memory does not grow with its size (slow)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from benchmarks.generate import generate
from tests.service.conftest import child_service


def peak_kib(pid: int) -> int:
    found = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text("ascii"))
    assert found
    return int(found.group(1))


def chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            yield chunk


@pytest.mark.slow
def test_peak_memory_does_not_grow_with_the_body(tmp_path: Path) -> None:
    small = generate(tmp_path / "small.ndjson", 10_000)
    large = generate(tmp_path / "large.ndjson", 200_000)  # about 105 MB
    with (
        child_service("--workers", "1", log=tmp_path / "log") as service,
        httpx.Client(base_url=service.url, timeout=600) as client,
    ):
        first = client.post("/v1/validate", content=chunks(small))
        after_small = peak_kib(service.process.pid)
        second = client.post("/v1/validate", content=chunks(large))
        after_large = peak_kib(service.process.pid)
    assert first.json()["summary"]["records"] == 10_000
    assert second.json()["summary"]["records"] == 200_000
    assert after_large <= 1.3 * after_small, (after_small, after_large)
