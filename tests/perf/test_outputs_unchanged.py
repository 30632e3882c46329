"""Validation reports are what they were before the fast path (issue 13), byte for byte.

tests/perf/golden/validate-reports.json holds the SHA-256 of each JSON report (timings removed)
that `ccstd validate` wrote, before the compiled plan and the new record loop, for a seeded set
made by the benchmark generator (5% of records broken), with repeated ids, a malformed line,
a non-object and a repeated key added; as NDJSON, as a JSON array and gzipped. The same
reports must come out now with --jobs 1 and --jobs 2. `hostile.ndjson` adds lines the fast path
must hand back to the careful one: no type or version, unhashable ones, deep nesting, numbers
past 64 bits, NaN, scalars, repeated keys, spaced-out JSON, odd phone and ID numbers, protected
values, non-string ids, bad extension names, a byte order mark and trailing blank lines.
"""

from __future__ import annotations

import copy
import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from benchmarks.generate import generate
from ccstd.cli.app import app
from ccstd.standard.registry import EXAMPLES_ROOT

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
    (folder / "hostile.ndjson").write_bytes(_hostile())
    return folder


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _hostile() -> bytes:
    firsts: dict[str, dict[str, Any]] = {}
    for version in ("1.0.0", "1.1.0", "1.2.0"):  # released: their examples never change
        for path in sorted((EXAMPLES_ROOT / version).glob("*/valid-*.json")):
            record = json.loads(path.read_bytes())
            firsts.setdefault(f"{version} {record['type']}", record)
    lines = [
        b'{"a":1}', b'{"type":["x"],"standardVersion":"1.0.0"}',
        b'{"type":"Resident","standardVersion":["1.0.0"]}',
        b'{"type":"Resident","standardVersion":"9.9.9","id":"r"}', b"[" * 300 + b"]" * 300,
        b'{"a":' * 300 + b"1" + b"}" * 300, b'{"id": 1180591620717411303424}', b'{"x": NaN}',
        b'"just a string"', b"123", b"null", b"[]", b"[{}]",
        b'{"id" : "a", "id":"b", "type":"Resident"}', b'  {"type":"Resident"}  \r', b"\t",
    ]  # fmt: skip
    resident = firsts["1.0.0 Resident"]
    phones: list[Any] = ["+8613912345678", "+86 139 1234 5678", "+8617912345678"]
    phones += ["+8611012345678", "+861391234567", "+86139123456789", "13912345678"]
    phones += ["+86139\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18", "+8614012345678"]
    phones += ["+8619212345678", "+85291234567", {"protection": "masked", "value": "1****8"}, 5]
    ids: list[Any] = ["11010519491231002X", "110105194912310021", ["a"], None]
    ids += [{"protection": "pseudonymised", "value": "x"}]
    for field, values in (("phone", phones), ("nationalId", ids)):
        for value in values:
            record = copy.deepcopy(resident) | {field: value, "id": f"r-{len(lines)}"}
            lines.append(_dumps(record))
    for _, record in sorted(firsts.items()):
        lines.append(_dumps(record))
        lines.append(_dumps(record | {"id": 5}))
        odd = {"com.example": {"z": 1}, "bad": {}}
        lines.append(_dumps(record | {"extensions": odd}))
        lines.append(json.dumps(record, ensure_ascii=False, separators=(", ", ": ")).encode())
    return b"\xef\xbb\xbf" + b"\n".join(lines) + b"\n\n\n"


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_report_is_unchanged(
    inputs: Path, name: str, jobs: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(inputs)
    file, _, flag = name.partition("--")
    report = inputs / f"{name}-{jobs}.report.json"
    arguments = ["validate", file, "-q", "--format", "json", "--max-findings", "0"]
    arguments += ["--jobs", jobs, "-o", str(report)] + (f"--{flag}".split() if flag else [])
    outcome = CliRunner().invoke(app, arguments)
    assert outcome.exit_code == 1, outcome.output
    document = json.loads(report.read_text())
    del document["summary"]["seconds"], document["summary"]["recordsPerSecond"]
    assert document["summary"] == GOLDEN[name]["summary"]
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False).encode()
    assert hashlib.sha256(canonical).hexdigest() == GOLDEN[name]["sha256"]
