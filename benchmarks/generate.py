"""Seeded NDJSON of mixed standard records (~1% invalid), from the shipped valid examples."""

from __future__ import annotations

import argparse
import copy
import random
from pathlib import Path
from typing import Any

import orjson

from ccstd.standard.registry import EXAMPLES_ROOT


def templates(version: str = "1.0.0") -> list[dict[str, Any]]:
    """The valid examples of a version: the shapes the generated records take."""
    paths = sorted((EXAMPLES_ROOT / version).glob("*/valid-*.json"))
    return [orjson.loads(p.read_bytes()) for p in paths]


def _vary_personal_values(record: dict[str, Any], n: int) -> None:
    """Distinct phones per record, so caches in the checkers do not flatter the figures."""
    for key in ("phone", "recipientPhone"):
        if isinstance(record.get(key), str):
            record[key] = f"+86139{n % 100_000_000:08d}"


def _break(record: dict[str, Any], rng: random.Random) -> None:
    choice = rng.randrange(3)
    if choice == 0:
        record["meta"]["receivedAt"] = "2024-05-01 09:00:00"
    elif choice == 1:
        record["unknownField"] = True
    else:
        del record["meta"]


def generate(path: Path, count: int, seed: int = 2024, invalid_share: float = 0.01) -> Path:
    """Write `count` records to `path` (unique ids; `invalid_share` of them broken)."""
    rng = random.Random(seed)
    shapes = templates()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".partial")
    with tmp.open("wb") as out:
        for n in range(count):
            record = copy.deepcopy(shapes[n % len(shapes)])
            record["id"] = f"{record['id']}-{n}"
            record["meta"]["receivedAt"] = (
                f"2024-05-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:00+08:00"
            )
            _vary_personal_values(record, n)
            if rng.random() < invalid_share:
                _break(record, rng)
            out.write(orjson.dumps(record) + b"\n")
    tmp.replace(path)
    return path


def dataset(count: int, seed: int = 2024, folder: Path | None = None) -> Path:
    """The cached data set of `count` records for `seed`, generated on first use."""
    folder = folder or Path(__file__).parent / "data"
    path = folder / f"records-{count}-seed{seed}.ndjson"
    return path if path.exists() else generate(path, count, seed)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int)
    parser.add_argument("--seed", type=int, default=2024)
    print(dataset(parser.parse_args().count, parser.parse_args().seed))
