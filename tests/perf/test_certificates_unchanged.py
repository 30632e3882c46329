"""Certification reports are what they were before the shared record pass (issue 13).

tests/perf/golden/certify-reports.json holds the SHA-256 of report.json (start time and
duration removed) and of sarif.json that `ccstd certify run` wrote before the leak check was
made cheap and the record pass was shared with validate: for the example vendors (with their
adapters), and for a seeded benchmark set with hostile lines and records that leak numbers in
every spelling (claiming every profile, level quality). The same reports must come out now.
(One spelling is left out: a number grouped by newlines, which the old check missed unless the
record held another number; tests/conformance/test_leaks.py proves it is now always found.)
Regenerate (only on purpose): `python -m tests.perf.test_certificates_unchanged`.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from benchmarks.generate import generate
from ccstd.cli.app import app
from ccstd.conformance import ruleset
from tests.perf.test_outputs_unchanged import _dumps, _hostile

ROOT = Path(__file__).parents[2]
GOLDEN_PATH = Path(__file__).parent / "golden" / "certify-reports.json"
VENDORS = ("leaky-gate", "linli-market", "swift-courier")
SPELLINGS = [
    "tel 138-1234-5678", "\uff11\uff13\uff18\uff11\uff12\uff13\uff14\uff15"
    "\uff16\uff17\uff18", "id 110102\u300019570113\u30001895", "R110102195701131895",
    "\u201c13812345678\u201d", "13812345678a-41d4", "order-20240501123456789", "a\\13812345678",
]  # fmt: skip


def _leaky(records: list[dict[str, Any]]) -> list[bytes]:
    """Records with a number in a field not meant for one, in a key, in a list, in a note."""
    lines = []
    for n, spelling in enumerate(SPELLINGS):
        record = records[n % len(records)] | {"id": f"leak-{n}"}
        lines.append(_dumps(record | {"extensions": {"com.example": {"note": spelling}}}))
        lines.append(_dumps(record | {"extensions": {"com.example": {spelling: [1, spelling]}}}))
    return lines


def bench_submission(folder: Path) -> Path:
    """A manifest claiming every profile at level quality over a seeded set with odd lines."""
    data = generate(folder / "records.ndjson", 3000, seed=7, invalid_share=0.05)
    lines = data.read_bytes().splitlines()
    lines += _leaky([json.loads(line) for line in lines[:40]])
    data.write_bytes(b"\n".join(lines) + b"\n" + _hostile())
    profiles = json.dumps(list(ruleset.load("1.0.0").profiles))
    manifest = folder / "ccstd-vendor.toml"
    manifest.write_text(
        f'[vendor]\nname = "Bench"\nproduct = "Generated"\n[claim]\nstandard = "1.0.0"\n'
        f'profiles = {profiles}\nlevel = "quality"\n[data]\nrecords = ["records.ndjson"]\n',
        encoding="utf-8",
    )
    return manifest


def digests(manifest: Path, out: Path) -> dict[str, Any]:
    """The exit code and the digests of the reports `ccstd certify run` writes."""
    outcome = CliRunner().invoke(app, ["certify", "run", str(manifest), "--out", str(out), "-q"])
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    del report["startedAt"], report["summary"]["seconds"]
    canonical = json.dumps(report, sort_keys=True, ensure_ascii=False).encode()
    return {
        "exit": outcome.exit_code,
        "report": hashlib.sha256(canonical).hexdigest(),
        "sarif": hashlib.sha256((out / "sarif.json").read_bytes()).hexdigest(),
    }


def _vendor(name: str, folder: Path) -> Path:
    copy = folder / name
    shutil.copytree(ROOT / "examples" / "vendors" / name, copy)
    return copy / "ccstd-vendor.toml"


def _all(folder: Path) -> dict[str, Any]:
    found = {name: digests(_vendor(name, folder), folder / f"{name}-out") for name in VENDORS}
    bench = folder / "bench"
    bench.mkdir()
    found["bench"] = digests(bench_submission(bench), folder / "bench-out")
    return found


@pytest.mark.parametrize("name", [*VENDORS, "bench"])
def test_certificate_reports_are_unchanged(name: str, tmp_path: Path) -> None:
    golden = json.loads(GOLDEN_PATH.read_text())[name]
    manifest = bench_submission(tmp_path) if name == "bench" else _vendor(name, tmp_path)
    assert digests(manifest, tmp_path / "out") == golden


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as work:
        GOLDEN_PATH.write_text(json.dumps(_all(Path(work)), indent=2) + "\n")
    print(GOLDEN_PATH.read_text(), file=sys.stderr)
