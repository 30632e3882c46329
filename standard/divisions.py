"""The GB/T 2260 administrative division codes, from the dated snapshot shipped in `data/`."""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

SNAPSHOT = Path(__file__).parent / "data" / "gbt2260.csv"


@dataclass(frozen=True, slots=True)
class Division:
    """One division code: its (current or last) name, and the year it was retired, if it was."""

    code: str
    name: str
    retired_in: int | None

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
                row["code"], row["name"], int(row["retired_in"]) if row["retired_in"] else None
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
