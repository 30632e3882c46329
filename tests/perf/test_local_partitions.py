"""--jobs 2 reads byte ranges of the files in its workers (issue 13): the reports stay those
pinned in golden/validate-reports.json, whatever the ranges."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from ccstd.standard import scale
from tests.perf.test_outputs_unchanged import GOLDEN, inputs  # noqa: F401  (a fixture)


@pytest.mark.parametrize("size", ["50000", "333333"])
@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_reports_are_unchanged_when_workers_read_ranges(
    inputs: Path,  # noqa: F811
    name: str,
    size: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(inputs)
    monkeypatch.setenv(scale.PARTITION_ENV, size)
    file, _, flag = name.partition("--")
    report = inputs / f"{name}-{size}.ranges.json"
    arguments = ["validate", file, "-q", "--format", "json", "--max-findings", "0"]
    arguments += ["--jobs", "2", "-o", str(report)] + (f"--{flag}".split() if flag else [])
    outcome = CliRunner().invoke(app, arguments)
    assert outcome.exit_code == 1, outcome.output
    document = json.loads(report.read_text())
    del document["summary"]["seconds"], document["summary"]["recordsPerSecond"]
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False).encode()
    assert hashlib.sha256(canonical).hexdigest() == GOLDEN[name]["sha256"]


def test_plain_ndjson_is_cut_into_ranges_and_a_stream_is_not(
    inputs: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(scale.PARTITION_ENV, "50000")
    ndjson = str(inputs / "records.ndjson")
    assert len(scale.local_partitions([ndjson], "auto", 2)) > 10
    gzipped = str(inputs / "records.ndjson.gz")
    assert [p.end for p in scale.local_partitions([ndjson, gzipped], "auto", 2)][-1] is None
    assert scale.local_partitions(["-"], "auto", 2) == []
    assert scale.local_partitions([str(inputs / "records.json")], "auto", 2) == []
