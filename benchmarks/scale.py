"""Scale-out benchmark: `ccstd validate` and `convert --dask` against local `--jobs`, one run.

Every variant is the CLI end to end as a child process on the same generated NDJSON, run in
turn, `--repeat` times each; figures are medians. `--dask local:N` starts its own LocalCluster
(start-up included); `--dask tcp://…` uses a LocalCluster this benchmark started beforehand (the
way a real cluster is used: already running). Plain NDJSON is cut into ranges of
`--partition-mb`, so that each worker has several partitions. Every variant must produce the
same report (timings aside) or the same output bytes: figures are printed only if they agree.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from benchmarks.generate import dataset
from benchmarks.xml import write_log
from ccstd.standard.scale import PARTITION_ENV

RESULTS = Path(__file__).parent / "results"


def _timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    finished = subprocess.run(command, check=False, env=env)
    if finished.returncode not in (0, 1):
        raise SystemExit(f"failed ({finished.returncode}): {' '.join(command)}")
    return time.perf_counter() - started


def _report(path: Path) -> bytes:
    """A validation report without its timings."""
    document: dict[str, Any] = orjson.loads(path.read_bytes())
    for timing in ("seconds", "recordsPerSecond"):
        document["summary"].pop(timing, None)
    return orjson.dumps(document)


def _outputs(folder: Path) -> bytes:
    """What a conversion wrote, every file's bytes."""
    return b"".join(p.name.encode() + p.read_bytes() for p in sorted(folder.iterdir()))


def _variants(address: str) -> dict[str, list[str]]:
    return {
        "local --jobs 1": ["--jobs", "1"],
        "local --jobs 2": ["--jobs", "2"],
        "--dask local:1": ["--dask", "local:1"],
        "--dask local:2": ["--dask", "local:2"],
        "--dask tcp:// (2 workers running)": ["--dask", address],
    }


def _measure(
    base: list[str], address: str, env: dict[str, str], repeat: int, result: Callable[[], bytes]
) -> dict[str, list[float]]:
    """Seconds of every variant, run in turn `repeat` times; all must give the same result."""
    variants = _variants(address)
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    results: set[bytes] = set()
    for _ in range(repeat):
        for name, extra in variants.items():
            seconds[name].append(_timed([*base, *extra], env))
            results.add(result())
    if len(results) != 1:
        raise SystemExit(f"the variants disagree ({' '.join(base[3:5])}): not a local run's result")
    return seconds


def _print(title: str, seconds: dict[str, list[float]], count: int, unit: str) -> dict[str, Any]:
    print(title)
    one = statistics.median(seconds["local --jobs 1"])
    figures: dict[str, Any] = {}
    for name, runs in seconds.items():
        median = statistics.median(runs)
        rate = count / median
        print(f"  {name:36} {median:7.2f} s  {rate:9,.0f} {unit}/s  {one / median:5.2f}x --jobs 1")
        figures[name] = {"seconds": runs, "median": round(median, 3)}
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--partition-mb", type=float, default=2.0)
    parser.add_argument("--xml-mb", type=int, default=2, help="access log to convert")
    args = parser.parse_args()
    data = dataset(args.records, args.seed)
    env = os.environ | {PARTITION_ENV: str(int(args.partition_mb * 1024 * 1024))}
    env |= {"CCSTD_PSEUDONYM_KEY": "benchmark-key-3f9a1c7e5b2d8f40", "SOURCE_DATE_EPOCH": "0"}
    cli = [sys.executable, "-m", "ccstd.cli"]

    from distributed import LocalCluster

    with (
        tempfile.TemporaryDirectory() as temporary,
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                     dashboard_address="127.0.0.1:0", silence_logs=logging.CRITICAL) as cluster,
    ):  # fmt: skip
        work, address = Path(temporary), cluster.scheduler_address
        report = work / "report.json"
        validate = [*cli, "validate", str(data), "-q", "--format", "json"]
        validate += ["--max-findings", "0", "--output", str(report)]
        checked = _measure(validate, address, env, args.repeat, lambda: _report(report))
        log = write_log(work / "access.xml", args.xml_mb)
        (work / "out").mkdir()
        convert = [*cli, "convert", str(log), "--from", "xml-legacy-accesslog", "-q"]
        for option, name in (("--out", "records.ndjson"), ("--rejects", "rejects.ndjson"),
                             ("--ledger", "ledger.json")):  # fmt: skip
            convert += [option, str(work / "out" / name)]
        converted = _measure(convert, address, env, args.repeat, lambda: _outputs(work / "out"))
        events = log.read_bytes().count(b"<Event ")
    size = data.stat().st_size / 1e6
    print(f"{os.cpu_count()} cores, medians of {args.repeat}; every variant gave the same result")
    figures = {
        "validate": _print(
            f"validate {data.name} ({args.records:,} records, {size:.0f} MB), "
            f"partitions of {args.partition_mb} MiB",
            checked, args.records, "records",
        ),
        "convert": _print(
            f"convert {args.xml_mb} MB legacy access log ({events:,} events)",
            converted, events, "events",
        ),
    }  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "scale-latest.json").write_bytes(orjson.dumps(figures, option=orjson.OPT_INDENT_2))


if __name__ == "__main__":
    main()
