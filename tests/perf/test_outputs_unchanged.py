"""Validation reports are what they were before the fast path (issue 13), byte for byte.

tests/perf/golden/validate-reports.json holds the SHA-256 of each JSON report (timings removed)
that `ccstd validate` wrote, before the compiled plan and the new record loop, for a seeded set
made by the benchmark generator (5% of records broken), with repeated ids, a malformed line,
a non-object and a repeated key added; as NDJSON, as a JSON array and gzipped. The same
reports must come out now with --jobs 1 and --jobs 2.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchmarks.generate import generate
from ccstd.cli.app import app

GOLDEN = json.loads((Path(__file__).parent / "golden" / "validate-reports.json").read_text())


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bench-inputs")
    ndjson = generate(folder / "records.ndjson", 4000, seed=2024, invalid_share=0.05)
    lines = ndjson.read_bytes().splitlines()
    repeated_key = b'{"id": "x", "type": "Resident", "id": "y"}'
    lines += [lines[0], lines[10], b'{"broken', b"[]", repeated_key]
    ndjson.write_bytes(b"\n".join(lines) + b"\n")
    items = [line for line in lines if line.startswith(b'{"') and line != b'{"broken']
    (folder / "records.json").write_bytes(b"[\n" + b",\n".join(items) + b"\n]\n")
    (folder / "records.ndjson.gz").write_bytes(gzip.compress(ndjson.read_bytes(), mtime=0))
    return folder


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_report_is_unchanged(
    inputs: Path, name: str, jobs: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(inputs)
    file, _, flag = name.partition("--")
    report = inputs / f"{name}-{jobs}.report.json"
    arguments = ["validate", file, "-q", "--format", "json", "--max-findings", "0"]
    arguments += ["--jobs", jobs, "-o", str(report)] + ([f"--{flag}"] if flag else [])
    outcome = CliRunner().invoke(app, arguments)
    assert outcome.exit_code == 1, outcome.output
    document = json.loads(report.read_text())
    del document["summary"]["seconds"], document["summary"]["recordsPerSecond"]
    assert document["summary"] == GOLDEN[name]["summary"]
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False).encode()
    assert hashlib.sha256(canonical).hexdigest() == GOLDEN[name]["sha256"]
