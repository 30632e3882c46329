"""What any per-record conversion engine must spend on its output alone: holding every record
to the standard (the compiled plan, `standard/plan.py`, the fastest verdict ccstd has) and
encoding it as JSON. Added to the parse floor of a benchmark, it bounds the ratio a converter
that validates its output can reach, however little its own Python costs."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import orjson

from ccstd.standard.checker import build_plan
from ccstd.standard.registry import StandardRegistry


def output_seconds(records: Path, rounds: int = 3) -> float:
    """Best-of-`rounds` seconds to validate (compiled plan) and encode every record of a file."""
    values: list[dict[str, Any]] = [
        orjson.loads(line) for line in records.read_bytes().splitlines()
    ]
    registry = StandardRegistry()
    plans = {
        (r["standardVersion"], r["type"]): build_plan(registry.get(r["standardVersion"]), r["type"])
        for r in values
    }
    checks = [(plans[(r["standardVersion"], r["type"])].is_valid, r) for r in values]
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for is_valid, record in checks:
            is_valid(record)
            orjson.dumps(record)
        best = min(best, time.perf_counter() - started)
    return best
