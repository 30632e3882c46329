"""Validation benchmark: ccstd against its floor and reference, all measured in one run.

Figures are ratios against baselines measured here and now (machines are noisy):
  floor       a child process reading the whole file and running orjson.loads on each line
              (no validation at all): the parse floor, measured as the CLI is
  cli         `ccstd validate FILE --format json` end to end, --jobs 1 and --jobs 2
  engine      a bare loop of orjson.loads + is_valid: the canonical schemas, and the compiled plan
              (standard/plan.py) with its second pass of domain formats (info)
  reference   python-jsonschema Draft202012Validator.iter_errors (same schemas, same formats)
  library     ccstd.standard.runner.validate_paths (one process)
The floor and the CLI runs are whole processes on the same file, run back to back in alternating
rounds; each figure is the median of its rounds (the spread, worst over best round, says how
noisy the machine was). The engine loops run in this process over the first 40,000 lines held in
memory, alternating in rounds too.
  memory      peak RSS of the CLI at 20k and at 400k records
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from benchmarks.generate import dataset
from ccstd.standard import formats
from ccstd.standard.checker import build_plan
from ccstd.standard.plan import compile_plan
from ccstd.standard.publishing.reference import reference_validators
from ccstd.standard.registry import StandardRegistry
from ccstd.standard.runner import validate_paths

RESULTS = Path(__file__).parent / "results"
REFERENCE_SAMPLE = 3000
SAMPLE = 40_000  # lines for the bare loops (floor, engine), held in memory


def sample(path: Path, count: int = SAMPLE) -> list[bytes]:
    """The first `count` lines, held in memory for the bare loops."""
    with path.open("rb") as handle:
        return list(itertools.islice(handle, count))


_FLOOR = """
import sys, orjson
with open(sys.argv[1], "rb") as handle:
    for line in handle:
        orjson.loads(line)
"""


def floor(path: Path) -> float:
    """Records per second of parsing alone: a whole process, as the CLI is measured."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", _FLOOR, str(path)], check=True)
    return _count_lines(path) / (time.perf_counter() - started)


def engine(lines: list[bytes], compiled: bool) -> float:
    """Records per second of a bare loop of orjson.loads and the verdict alone (caches of the
    format checks emptied first, as for a fresh data set)."""
    standard = StandardRegistry().get("1.0.0")
    verdicts = {}
    for entity in standard.entities:
        plan = compile_plan(standard, entity) if compiled else None
        verdicts[entity] = (plan or build_plan(standard, entity).validator).is_valid
    formats.is_phone.cache_clear()
    formats.is_uscc.cache_clear()
    started = time.perf_counter()
    for line in lines:
        record = orjson.loads(line)
        verdicts[record["type"]](record)
    return len(lines) / (time.perf_counter() - started)


def reference(path: Path) -> float:
    """Records per second of python-jsonschema on the first REFERENCE_SAMPLE records."""
    validators = reference_validators(StandardRegistry().get("1.0.0"))
    with path.open("rb") as handle:
        records = [orjson.loads(line) for line in itertools.islice(handle, REFERENCE_SAMPLE)]
    started = time.perf_counter()
    for record in records:
        for _error in validators[record["type"]].iter_errors(record):
            pass
    return len(records) / (time.perf_counter() - started)


def library(path: Path) -> float:
    """Records per second of the library call, one process."""
    result = validate_paths([str(path)])
    return result.records / result.seconds


def cli(path: Path, jobs: int) -> tuple[float, int]:
    """(records per second, peak RSS in KiB) of the CLI end to end, measured on the child."""
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
        "--jobs",
        str(jobs),
    ]
    started = time.perf_counter()
    process = subprocess.Popen(command)
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"ccstd validate failed on {path}")
    return _count_lines(path) / elapsed, usage.ru_maxrss


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--no-memory", action="store_true", help="skip the memory runs")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; medians kept")
    args = parser.parse_args()

    data = dataset(args.records, args.seed)
    size = data.stat().st_size / 1e6
    print(f"data: {data.name} ({size:.0f} MB, {args.records:,} records, ~1% invalid)")
    figures: dict[str, Any] = {"records": args.records, "seed": args.seed, "cpus": os.cpu_count()}
    lines = sample(data)
    samples: dict[str, list[float]] = {}
    rss: dict[int, int] = {}

    def keep(name: str, rps: float) -> None:
        samples.setdefault(name, []).append(rps)

    for _ in range(args.rounds):  # back to back, alternating: each round under the same load
        keep("floor_rps", floor(data))
        for jobs in (1, 2):
            rps, rss[jobs] = cli(data, jobs)
            keep(f"cli_jobs{jobs}_rps", rps)
        keep("engine_canonical_rps", engine(lines, compiled=False))
        keep("engine_plan_rps", engine(lines, compiled=True))
    figures |= {name: statistics.median(values) for name, values in samples.items()}
    figures["spread"] = {name: round(max(v) / min(v), 2) for name, v in samples.items()}
    figures["cli_jobs1_rss_kib"] = rss[1]
    figures["reference_rps"] = reference(data)
    figures["library_rps"] = library(data)
    floor_rps = figures["floor_rps"]
    ratios = {
        "engine, canonical schemas / floor": (
            figures["engine_canonical_rps"] / floor_rps,
            "(info)",
        ),
        "engine, compiled plan / floor": (figures["engine_plan_rps"] / floor_rps, "(info)"),
        "end to end (--jobs 1) / floor": (figures["cli_jobs1_rps"] / floor_rps, ">= 0.30"),
        "end to end (--jobs 2) / floor": (figures["cli_jobs2_rps"] / floor_rps, ">= 0.50"),
        "--jobs 2 / --jobs 1": (figures["cli_jobs2_rps"] / figures["cli_jobs1_rps"], ">= 1.8"),
        "library / python-jsonschema": (figures["library_rps"] / figures["reference_rps"], ">= 50"),
    }
    if not args.no_memory:
        _, small = cli(dataset(20_000, args.seed), 1)
        _, large = cli(dataset(400_000, args.seed), 1)
        figures["rss_20k_kib"], figures["rss_400k_kib"] = small, large
        ratios["peak RSS 400k / 20k records"] = (large / small, "<= 1.3")
    figures["ratios"] = {name: round(value, 3) for name, (value, _target) in ratios.items()}

    print(f"{'measure (median of rounds)':<40} {'records/s':>12}  spread (best/worst round)")
    for key in (
        "floor_rps", "engine_canonical_rps", "engine_plan_rps", "reference_rps", "library_rps",
        "cli_jobs1_rps", "cli_jobs2_rps",
    ):  # fmt: skip
        spread = figures["spread"].get(key)
        print(f"{key:<40} {figures[key]:>12,.0f}  {'' if spread is None else f'{spread:.2f}x'}")
    if "rss_400k_kib" in figures:
        small_mib, large_mib = figures["rss_20k_kib"] / 1024, figures["rss_400k_kib"] / 1024
        print(f"{'peak RSS 20k / 400k records (MiB)':<40} {small_mib:>6.0f} / {large_mib:.0f}")
    print(f"\n{'ratio':<40} {'value':>8}  target")
    for name, (value, target) in ratios.items():
        print(f"{name:<40} {value:>8.2f}  {target}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_bytes(orjson.dumps(figures, option=orjson.OPT_INDENT_2))


if __name__ == "__main__":
    main()
