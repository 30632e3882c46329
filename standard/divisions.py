"""The GB/T 2260 administrative division codes, from the dated snapshot shipped in `data/`."""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

SNAPSHOT = Path(__file__).parent / "data" / "gbt2260.csv"


@dataclass(frozen=True, slots=True)
class Division:
    """One division code: its (current or last) name, the year it was retired, if it was, and
    the code in force that took its place, where the snapshot knows it."""

    code: str
    name: str
    retired_in: int | None
    successor_code: str | None = None

    @property
    def is_current(self) -> bool:
        """True while the code is in force."""
        return self.retired_in is None


@functools.cache
def divisions() -> dict[str, Division]:
    """Every code of the snapshot, current and retired."""
    with SNAPSHOT.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        return {
            row["code"]: Division(
                row["code"],
                row["name"],
                int(row["retired_in"]) if row["retired_in"] else None,
                row["successor"] or None,
            )
            for row in rows
        }


def snapshot_source() -> str:
    """The provenance line recorded at the top of the snapshot."""
    with SNAPSHOT.open(encoding="utf-8") as handle:
        return handle.readline().lstrip("# ").strip()


def lookup(code: str) -> Division | None:
    """The division with this code, or None if GB/T 2260 never had it."""
    return divisions().get(code)


def successor(code: str) -> Division | None:
    """The division in force that replaced retired `code`, or None when the snapshot does not
    know one (see scripts/build_division_snapshot.py for how successors are found)."""
    division = lookup(code)
    if division is None or division.successor_code is None:
        return None
    return lookup(division.successor_code)


def advice(code: str) -> str:
    """What to use instead of retired `code`: `use 110101 (东城区) instead`, or that the
    snapshot names no successor."""
    found = successor(code)
    if found is None:
        return "the code table names no successor"
    return f"use {found.code} ({found.name}) instead"
