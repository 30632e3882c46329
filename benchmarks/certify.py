"""Certification benchmark: `ccstd certify` against `ccstd validate` on the same records.

Both run end to end as child processes, alternately, three times each; the figure is the ratio
of the medians (target <= 1.4: the semantic and quality levels must not dominate). validate runs
with --check-references, which certify also does. Every profile is claimed, so every semantic
and quality check runs on every record.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from benchmarks.generate import dataset
from ccstd.conformance import ruleset

RESULTS = Path(__file__).parent / "results"


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    finished = subprocess.run(command, check=False)
    if finished.returncode not in (0, 1):
        raise SystemExit(f"failed: {' '.join(command)}")
    return time.perf_counter() - started


def _beside(data: Path, folder: Path) -> Path:
    """The data set in `folder`: a hard link where the file system allows one, else a copy."""
    target = folder / data.name
    try:
        target.hardlink_to(data)
    except OSError:
        shutil.copyfile(data, target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = dataset(args.records, args.seed)
    profiles = list(ruleset.load("1.0.0").profiles)
    with tempfile.TemporaryDirectory() as work:
        manifest = Path(work) / "ccstd-vendor.toml"
        records = _beside(data, Path(work))  # a manifest names only files in its folder
        manifest.write_text(
            '[vendor]\nname = "Benchmark"\nproduct = "Generated records"\n'
            f'[claim]\nstandard = "1.0.0"\nprofiles = {orjson.dumps(profiles).decode()}\n'
            f'level = "quality"\n[data]\nrecords = ["{records.name}"]\n',
            encoding="utf-8",
        )
        cli = [sys.executable, "-m", "ccstd.cli"]
        validate = [*cli, "validate", str(records), "--check-references", "-q", "--format", "json"]
        validate += ["--output", str(Path(work) / "validate.json")]
        certify = [*cli, "certify", "run", str(manifest), "--out", str(Path(work) / "out"), "-q"]
        validate_s, certify_s = [], []
        for _ in range(args.repeat):
            validate_s.append(timed(validate))
            certify_s.append(timed(certify))
    ratio = statistics.median(certify_s) / statistics.median(validate_s)
    print(f"data: {data.name} ({args.records:,} records, every profile claimed, level quality)")
    print(f"ccstd validate --check-references  median {statistics.median(validate_s):6.2f} s")
    print(f"ccstd certify                      median {statistics.median(certify_s):6.2f} s")
    print(f"certify / validate                 {ratio:6.2f}   target <= 1.4")
    RESULTS.mkdir(exist_ok=True)
    figures = {
        "records": args.records,
        "validate_seconds": validate_s,
        "certify_seconds": certify_s,
        "certify_over_validate": round(ratio, 3),
    }
    (RESULTS / "certify-latest.json").write_bytes(orjson.dumps(figures, option=orjson.OPT_INDENT_2))


if __name__ == "__main__":
    main()
