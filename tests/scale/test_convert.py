"""`ccstd convert --dask`: the same records, rejects and ledger, byte for byte, as a local run."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from tests.adapters.test_jobs_shared_records import conflict_inputs
from tests.conftest import REPO_ROOT

RUNNER = CliRunner()
EXAMPLES = REPO_ROOT / "examples"
ENV = {"CCSTD_PSEUDONYM_KEY": "scale-convert-test-key-0123", "SOURCE_DATE_EPOCH": "1700000000"}
SOURCES = {
    "fhir": [str(EXAMPLES / "vendors" / "fhir" / "clinic-export.json")],
    "orders": [str(EXAMPLES / "vendors" / "orders" / "taobao-trades.ndjson")],
    "xml-dialect": [
        "--dialect",
        str(EXAMPLES / "dialects" / "shencheng-gates.toml"),
        str(EXAMPLES / "dialects" / "shencheng-gates.xml"),
    ],
}
OUTPUTS = ("out.ndjson", "rejects.ndjson", "redacted.ndjson", "ledger.json")


def _convert(args: list[str], folder: Path) -> tuple[int, dict[str, bytes]]:
    folder.mkdir()
    named = ["--out", "--rejects", "--rejects-redacted", "--ledger"]
    outputs = [part for option, name in zip(named, OUTPUTS, strict=True)
               for part in (option, str(folder / name))]  # fmt: skip
    result = RUNNER.invoke(app, ["convert", *args, *outputs, "-q"], env=ENV)
    assert "Traceback" not in result.output
    written = {p.name: p.read_bytes() for p in folder.iterdir()}
    return result.exit_code, written


@pytest.mark.parametrize("kind", list(SOURCES))
def test_outputs_are_a_local_runs(kind: str, scheduler: str, tmp_path: Path) -> None:
    local = _convert(SOURCES[kind], tmp_path / "local")
    spread = _convert([*SOURCES[kind], "--dask", scheduler], tmp_path / "dask")
    assert spread == local
    exit_code, written = local
    assert exit_code in (0, 1) and sorted(written) == sorted(OUTPUTS)
    assert written["out.ndjson"].count(b"\n") > 5


def test_several_sources_of_one_adapter_in_order(scheduler: str, tmp_path: Path) -> None:
    fhir = EXAMPLES / "vendors" / "fhir" / "clinic-export.json"
    copy = tmp_path / "again.json"
    copy.write_bytes(fhir.read_bytes())  # every resource read before: skipped as a duplicate
    sources = [str(fhir), str(copy)]
    assert _convert([*sources, "--dask", scheduler], tmp_path / "d") == _convert(
        sources, tmp_path / "l"
    )


def test_repeats_found_across_the_cluster_are_a_local_runs(scheduler: str, tmp_path: Path) -> None:
    """An event read twice with other content (`conflicting-id`) is told on the cluster too, and
    the Device its item made is still written: the outputs are a local run's."""
    inputs = conflict_inputs(tmp_path)
    local = _convert(inputs, tmp_path / "l")
    assert local[0] == 1 and b"conflicting-id" in local[1]["rejects.ndjson"]
    assert _convert([*inputs, "--dask", scheduler], tmp_path / "d") == local
