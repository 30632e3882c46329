"""`ccstd convert` end to end on every bundled vendor sample: detect, convert, validate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from tests.conftest import REPO_ROOT

RUNNER = CliRunner()
VENDORS = REPO_ROOT / "examples" / "vendors"
SAMPLES = sorted(p for kind in ("fhir", "access-xml", "orders") for p in (VENDORS / kind).iterdir())
KEY = {"CCSTD_PSEUDONYM_KEY": "cli-convert-test-key-0123"}


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_sample_converts_detected_and_validates(sample: Path, tmp_path: Path) -> None:
    out, rejects = tmp_path / "out.ndjson", tmp_path / "rejects.ndjson"
    converted = RUNNER.invoke(
        app, ["convert", str(sample), "--out", str(out), "--rejects", str(rejects)], env=KEY
    )
    assert converted.exit_code == 1  # every sample carries deliberate bad records
    assert "Traceback" not in converted.output
    lines = rejects.read_text().splitlines()
    assert lines and all(json.loads(line)["reason"] for line in lines)
    validated = RUNNER.invoke(app, ["validate", str(out), "-q", "--format", "json"])
    summary = json.loads(validated.stdout)["summary"]
    assert validated.exit_code == 0 and summary["records"] > 0 and summary["invalid"] == 0


def test_unknown_adapter_and_undetectable_input_exit_2(tmp_path: Path) -> None:
    text = tmp_path / "notes.json"
    text.write_text('{"hello": "world"}')
    assert RUNNER.invoke(app, ["convert", str(text), "--from", "nope"], env=KEY).exit_code == 2
    result = RUNNER.invoke(app, ["convert", str(text)], env=KEY)
    assert result.exit_code == 2 and "no installed adapter recognises" in result.stderr
