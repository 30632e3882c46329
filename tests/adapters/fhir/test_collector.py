"""A document the run reads whole is kept out of the cyclic collector's full collections while it
is converted (`adapter._parsed_whole`), and given back after: a conversion leaves nothing frozen,
and never thaws what something else froze."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccstd.adapters import ledger
from ccstd.adapters.fhir import adapter as fhir_adapter
from ccstd.adapters.privacy import Protector
from ccstd.adapters.runner import Outputs, convert_paths
from ccstd.cli.app import app
from ccstd.standard.registry import StandardRegistry

KEY = "collector-test-key-0123456789"


def _large_bundle(tmp_path: Path) -> Path:
    """A Bundle of over a megabyte: parsed apart from the collector."""
    entries = [
        {"fullUrl": f"urn:uuid:p{n}", "resource": {
            "resourceType": "Patient", "id": f"p{n}", "gender": "female",
            "birthDate": "1970-01-02", "name": [{"family": "Wang", "given": ["Fang"]}],
            "extension": [{"url": f"http://example.org/padding/{n}", "valueString": "x" * 4000}],
        }}
        for n in range(300)
    ]  # fmt: skip
    source = tmp_path / "export.json"
    source.write_text(
        json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries})
    )
    assert source.stat().st_size > fhir_adapter._LARGE
    return source


def _convert(tmp_path: Path, source: Path) -> int:
    args = [
        "convert",
        str(source),
        "--from",
        "fhir-r4",
        "--out",
        str(tmp_path / "out.ndjson"),
        "-q",
    ]
    return CliRunner().invoke(app, args, env={"CCSTD_PSEUDONYM_KEY": KEY}).exit_code


@pytest.fixture
def frozen_counts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The number of frozen objects each time the adapter yields an item."""
    counts: list[int] = []
    items = fhir_adapter.FhirAdapter.items

    def spied(self: fhir_adapter.FhirAdapter, *args: object) -> Iterator[object]:
        for item in items(self, *args):  # type: ignore[arg-type]
            counts.append(gc.get_freeze_count())
            yield item

    monkeypatch.setattr(fhir_adapter.FhirAdapter, "items", spied)
    yield counts


# a megabyte document in the suite's large process: 14 s there (3 s alone)
@pytest.mark.slow
def test_a_large_document_is_frozen_while_converted_and_thawed_after(
    tmp_path: Path, frozen_counts: list[int]
) -> None:
    assert gc.get_freeze_count() == 0
    assert _convert(tmp_path, _large_bundle(tmp_path)) == 0
    assert len(frozen_counts) == 300 and min(frozen_counts) > 0
    assert gc.get_freeze_count() == 0
    assert gc.isenabled()
    assert len((tmp_path / "out.ndjson").read_text().splitlines()) == 300


# a megabyte document in the suite's large process: 14 s there (3 s alone)
@pytest.mark.slow
def test_what_something_else_froze_stays_frozen(tmp_path: Path, frozen_counts: list[int]) -> None:
    gc.freeze()
    try:
        assert _convert(tmp_path, _large_bundle(tmp_path)) == 0
        assert gc.get_freeze_count() > 0  # not thawed by the conversion
    finally:
        gc.unfreeze()


def test_a_conversion_that_fails_midway_leaves_nothing_frozen_or_held(tmp_path: Path) -> None:
    class Failing(fhir_adapter.FhirAdapter):
        def items(self, path, context):  # type: ignore[no-untyped-def]
            for item in super().items(path, context):
                yield item
                raise OSError("disk went away")

    adapter = Failing()
    protector = Protector(StandardRegistry().get(adapter.standard_version), KEY.encode())
    outputs = Outputs(tmp_path / "out.ndjson")
    with pytest.raises(OSError, match="disk went away"):
        convert_paths(adapter, [_large_bundle(tmp_path)], outputs, protector)
    assert gc.get_freeze_count() == 0
    assert not ledger._AHEAD
    assert not outputs.records.exists()
