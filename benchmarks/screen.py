"""Micro-benchmark of the personal-number screen's byte pre-filter (`might_hold_identifier_json`):
µs a JSON text over the benchmark records (the validation set's records, and every string of
the FHIR sample, which is what convert's per-value screen is given), ASCII and non-ASCII apart,
median of three rounds. `--against FILE` times a redaction module read from FILE too (e.g. the
one on another branch, `git show main:standard/redaction.py > /tmp/old.py`), in alternating
rounds of the same run, and checks that both pass the same texts."""

from __future__ import annotations

import importlib.util
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

from benchmarks.generate import generate
from ccstd.standard import redaction

SAMPLE = Path(__file__).parent.parent / "examples" / "vendors" / "fhir" / "clinic-export.json"
RECORDS = 4000
ROUNDS = 3
REPEATS = 5
Screen = Callable[[bytes], bool]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def texts() -> dict[str, list[bytes]]:
    """The benchmark's JSON texts by set: validation records and FHIR strings, ASCII or not."""
    with tempfile.TemporaryDirectory() as tmp:
        lines = generate(Path(tmp) / "records.ndjson", RECORDS, seed=11).read_bytes().splitlines()
    fhir = [orjson.dumps(s) for s in _strings(orjson.loads(SAMPLE.read_bytes()))]
    sets: dict[str, list[bytes]] = {}
    for name, items in (("records", lines), ("fhir strings", fhir)):
        sets[f"{name}, ASCII"] = [t for t in items if t.isascii()]
        sets[f"{name}, non-ASCII"] = [t for t in items if not t.isascii()]
    sets["records, full-width punctuation"] = [_punctuated(t) for t in sets["records, non-ASCII"]]
    return sets


def _punctuated(text: bytes) -> bytes:
    """`text` with an ideographic space and a full-width comma after its first non-ASCII
    character (as Chinese text is written), which send the screen past its plain byte path."""
    end = len(text.decode("utf-8").encode("ascii", "ignore"))  # a bound only
    for index, byte in enumerate(text):
        if byte >= 0xC0:
            end = index + len(text[index:].decode("utf-8", "ignore")[:1].encode())
            break
    return text[:end] + "\u3000\uff0c".encode() + text[end:]


def _per_text(screen: Screen, items: list[bytes]) -> float:
    started = time.perf_counter()
    for _ in range(REPEATS):
        for item in items:
            screen(item)
    return (time.perf_counter() - started) / (REPEATS * len(items)) * 1e6


def _load(path: Path) -> Screen:
    spec = importlib.util.spec_from_file_location("ccstd_screen_baseline", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    screen: Screen = module.might_hold_identifier_json
    return screen


def main() -> None:
    screens: dict[str, Screen] = {"this": redaction.might_hold_identifier_json}
    if sys.argv[1:2] == ["--against"]:
        screens["against"] = _load(Path(sys.argv[2]))
    for name, items in texts().items():
        if not items:
            continue
        passed = {label: sum(map(screen, items)) for label, screen in screens.items()}
        if len(set(passed.values())) > 1:
            print(f"{name}: the screens pass different texts: {passed}")
        rounds: dict[str, list[float]] = {label: [] for label in screens}
        for _ in range(ROUNDS):
            for label, screen in screens.items():
                rounds[label].append(_per_text(screen, items))
        figures = ", ".join(f"{label} {statistics.median(r):.2f} µs" for label, r in rounds.items())
        share = passed["this"] / len(items)
        print(f"{name} ({len(items)}, {share:.1%} pass): {figures}")


if __name__ == "__main__":
    main()
