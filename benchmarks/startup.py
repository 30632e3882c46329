"""Start-up benchmark: one small file, whole process, and the imports behind `ccstd --help`.

Measured side by side in this run (machines are noisy; medians of alternating runs):
  small file   `ccstd validate FILE` against `check-jsonschema` on the same file with the same
               entity schema (its `$ref`s resolved from the schema's folder), whole processes
  help         `ccstd --help`: the sum of top-level import times (`python -X importtime`)
check-jsonschema is a benchmark-only dependency: `pip install -e '.[bench]'`.
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

from ccstd.standard.registry import EXAMPLES_ROOT, SCHEMAS_ROOT

RESULTS = Path(__file__).parent / "results"
VERSION = "1.2.0"
ENTITY, SCHEMA_FILE = "Resident", "resident.json"
HELP_IMPORT_TARGET_MS = 150


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    finished = subprocess.run(command, check=False, capture_output=True)
    elapsed = time.perf_counter() - started
    if finished.returncode != 0:
        raise SystemExit(f"failed ({finished.returncode}): {' '.join(command)}")
    return elapsed


def import_ms(arguments: list[str]) -> float:
    """Milliseconds of top-level imports (cumulative column) of `python -X importtime ...`."""
    command = [sys.executable, "-X", "importtime", *arguments]
    finished = subprocess.run(command, check=False, capture_output=True, text=True)
    total = 0
    for line in finished.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit() and not parts[2].startswith("  "):
            total += int(parts[1])  # top level: two spaces of indent after the bar at most one
    return total / 1000


def _check_jsonschema() -> str | None:
    found = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    return found or shutil.which("check-jsonschema")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    example = sorted((EXAMPLES_ROOT / VERSION / ENTITY).glob("valid-*.json"))[0]
    schema_dir = SCHEMAS_ROOT / VERSION
    cjs = _check_jsonschema()
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as work:
        small = Path(work) / "small.json"
        small.write_bytes(example.read_bytes())
        ccstd = [sys.executable, "-m", "ccstd.cli", "validate", str(small), "-q"]
        ours: list[float] = []
        theirs: list[float] = []
        for _ in range(args.repeat):
            ours.append(timed(ccstd))
            if cjs is not None:
                base = ["--base-uri", schema_dir.as_uri() + "/"]
                schema = ["--schemafile", str(schema_dir / SCHEMA_FILE)]
                theirs.append(timed([cjs, *base, *schema, str(small)]))
    help_ms = statistics.median(
        import_ms(["-m", "ccstd.cli", "--help"]) for _ in range(args.repeat)
    )
    validate_ms = statistics.median(
        import_ms(["-m", "ccstd.cli", "validate", str(example), "-q"]) for _ in range(3)
    )
    figures |= {
        "ccstd_validate_s": ours,
        "help_import_ms": help_ms,
        "validate_import_ms": validate_ms,
    }
    print(f"one small file ({ENTITY} {VERSION}), whole process, median of {args.repeat}:")
    print(f"  ccstd validate                     {statistics.median(ours):6.3f} s")
    if theirs:
        ratio = statistics.median(ours) / statistics.median(theirs)
        figures |= {"check_jsonschema_s": theirs, "ccstd_over_check_jsonschema": round(ratio, 3)}
        print(f"  check-jsonschema (same schema)     {statistics.median(theirs):6.3f} s")
        print(f"  ccstd / check-jsonschema           {ratio:6.2f}   target <= 1.0")
    else:
        print("  check-jsonschema not installed (pip install -e '.[bench]'): ratio skipped")
    print(f"ccstd --help: imports {help_ms:6.0f} ms   target < {HELP_IMPORT_TARGET_MS} ms")
    print(f"ccstd validate FILE: imports {validate_ms:6.0f} ms   (info)")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "startup-latest.json").write_bytes(orjson.dumps(figures, option=orjson.OPT_INDENT_2))


if __name__ == "__main__":
    main()
