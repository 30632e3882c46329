"""What people and CI logs read: summaries that never wrap off a terminal, the convert table's
items and records counted apart, and the table that ends `make demo`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from tests.conftest import REPO_ROOT, valid_record

ORDERS = REPO_ROOT / "examples" / "vendors" / "orders" / "shopify-orders.json"
KEY = {"CCSTD_PSEUDONYM_KEY": "cli-output-test-key-0123"}
DEMO_OUTPUTS = REPO_ROOT / "scripts" / "demo_outputs.py"
ACCESS_ROW = "an access-control XML log as standard records (dialect detected)"


def _ccstd(*args: str | Path, columns: str = "40", **more: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": columns, **KEY, **more}
    command = [sys.executable, "-m", "ccstd.cli", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize("colour", [{}, {"FORCE_COLOR": "1"}])
def test_summary_line_does_not_wrap_in_a_ci_log(tmp_path: Path, colour: dict[str, str]) -> None:
    folder = tmp_path / "a folder with a rather long name for a community export"
    folder.mkdir()
    bad = valid_record("Resident") | {"gender": "X"}
    for n in range(12):
        (folder / f"export-{n}.ndjson").write_bytes(orjson.dumps(bad | {"id": f"r{n}"}) + b"\n")
    run = _ccstd("validate", folder, "--max-findings", "0", **colour)  # COLUMNS=40: narrow
    assert run.returncode == 1
    assert "\r" not in run.stderr and "\x1b[?25" not in run.stderr  # no spinner, even coloured
    lines = re.sub(r"\x1b\[[0-9;]*m", "", run.stderr).splitlines()  # colour may follow FORCE_COLOR
    assert len(lines) == 1, lines
    assert lines[0].startswith("12 records in 12 file(s) · 0 valid · 12 invalid · 12 errors")
    findings = re.sub(r"\x1b\[[0-9;]*m", "", run.stdout).splitlines()
    assert len(findings) == 12 and all(str(folder) in line for line in findings)


def test_convert_counts_items_and_records_apart_on_one_row(tmp_path: Path) -> None:
    out = tmp_path / "orders.ndjson"
    run = _ccstd("convert", ORDERS, "--out", out, "--rejects", tmp_path / "rejects.ndjson")
    assert run.returncode == 1  # the sample has deliberate bad orders
    rows = [line for line in run.stderr.splitlines() if "converted" in line]
    assert len(rows) == 1 and "198 items → 198 Order, 70 Delivery" in rows[0], rows
    records = out.read_bytes().splitlines()
    types = [orjson.loads(r)["type"] for r in records]
    assert (types.count("Order"), types.count("Delivery")) == (198, 70)


def test_certify_verdict_line_does_not_wrap(tmp_path: Path) -> None:
    sample = REPO_ROOT / "examples" / "vendors" / "linli-market"
    run = _ccstd("certify", sample, "--out", tmp_path / "report")
    verdict = [line for line in run.stderr.splitlines() if " · standard " in line]
    assert len(verdict) == 1 and verdict[0].endswith("certificate.json UNSIGNED (no --signing-key)")
    assert f"reports in {tmp_path / 'report'}" in verdict[0]


def _demo_table(folder: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(DEMO_OUTPUTS), str(folder)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_demo_ends_with_a_table_of_what_it_wrote(tmp_path: Path) -> None:
    (tmp_path / "fhir.ndjson").write_bytes(b'{"a": 1}\n{"a": 2}\n\n')
    (tmp_path / "orders-shop-rejects.ndjson").write_bytes(b'{"reason": "x"}\n')
    (tmp_path / "certify" / "v").mkdir(parents=True)
    (tmp_path / "certify" / "v" / "report.json").write_text("{}")
    (tmp_path / "findings.sarif").write_bytes(b"x" * 2048)
    (tmp_path / "__pycache__").mkdir()
    run = _demo_table(tmp_path)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].split() == ["written", "contents", "what", "it", "is"]
    rows = {line.split()[0]: line for line in lines[2:]}
    assert set(rows) == {"certify/", "fhir.ndjson", "findings.sarif", "orders-shop-rejects.ndjson"}
    assert "2 records" in rows["fhir.ndjson"] and "FHIR" in rows["fhir.ndjson"]
    assert (
        "1 record " in rows["orders-shop-rejects.ndjson"]
        and "rejected" in rows["orders-shop-rejects.ndjson"]
    )
    assert "1 file " in rows["certify/"] and "2.0 KiB" in rows["findings.sarif"]
    assert "drwx" not in run.stdout  # not ls -l
    for n in range(3):  # outputs of one kind share a row
        (tmp_path / f"access-gate{n}.ndjson").write_bytes(b"{}\n" * (n + 1))
    grouped = _demo_table(tmp_path).stdout
    row = next(line for line in grouped.splitlines() if line.startswith("access-"))
    assert row.split() == ["access-*.ndjson", "(3)", "6", "records", *ACCESS_ROW.split()]


def test_demo_table_refuses_to_fall_behind_the_demo(tmp_path: Path) -> None:
    (tmp_path / "surprise.bin").write_bytes(b"?")
    run = _demo_table(tmp_path)
    assert run.returncode == 1 and "(not described)" in run.stdout
    assert "1 entries not described" in run.stderr


def _table_rows(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("│")]


def test_tables_are_neither_cut_nor_wrapped_when_piped(tmp_path: Path) -> None:
    from ccstd.standard.fields import entity_fields
    from ccstd.standard.registry import StandardRegistry

    standard = StandardRegistry().get(StandardRegistry().latest())
    fields = entity_fields(standard, "Resident")
    report = tmp_path / "diff.txt"
    commands = [
        ("schemas", "show", "Resident"),
        ("schemas", "list"),
        ("adapters", "list"),
        ("diff", "1.0.0", "1.2.0"),
        ("diff", "1.0.0", "1.2.0", "--output", str(report)),
    ]
    for args in commands:
        run = _ccstd(*args, columns="80")  # a pipe, even where the environment says 80
        assert run.returncode == 0, (args, run.stderr)
        output = report.read_text() if "--output" in args else run.stdout
        assert not re.search(r"…\s*[│┃]", output), args  # no cell cut short
        rows = _table_rows(output)
        assert rows and all(row[1:].split("│")[0].strip() for row in rows), args  # none wrapped
        if args[:2] == ("schemas", "show"):
            assert len(rows) == len(fields)
            assert {row.split("│")[1].strip() for row in rows} == {f.dotted for f in fields}
