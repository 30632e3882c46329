"""Resources of a document the run read ahead are validated and mapped in chunks before the
runner asks for them (`FhirAdapter._converted_ahead`): what convert writes is the same as
converting each in turn."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ccstd.adapters.fhir import FhirAdapter
from ccstd.adapters.fhir import adapter as fhir_adapter
from ccstd.adapters.ledger import Ledger
from ccstd.adapters.privacy import Protector
from ccstd.adapters.runner import Outputs, convert_paths
from ccstd.standard.registry import StandardRegistry

PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1970-01-02",
           "name": [{"family": "Wang", "given": ["Fang"]}]}  # fmt: skip


def _observation(n: int) -> dict[str, Any]:
    return {
        "resourceType": "Observation", "id": f"o{n}", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
        "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2024-05-01T10:00:00+08:00",
        "valueQuantity": {"value": 120 + n, "unit": "mm[Hg]"},
    }  # fmt: skip


def _bundle(tmp_path: Path, count: int) -> Path:
    resources = [PATIENT, *(_observation(n) for n in range(count))]
    entries = [{"fullUrl": f"urn:uuid:{n}", "resource": r} for n, r in enumerate(resources)]
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    source = tmp_path / "export.json"
    source.write_text(json.dumps(bundle))
    return source


def _convert(tmp_path: Path, source: Path, jobs: int = 1) -> tuple[dict[str, Any], list[Any]]:
    adapter = FhirAdapter()
    outputs = Outputs(tmp_path / f"out{jobs}.ndjson", tmp_path / f"rejects{jobs}.ndjson")
    protector = Protector(
        StandardRegistry().get(adapter.standard_version), b"ahead-test-key-0123456"
    )
    ledger = Ledger(adapter.coverage())
    at = "2024-05-01T00:00:00Z"
    report = convert_paths(
        adapter, [source], outputs, protector, ledger, jobs=jobs, converted_at=at
    )
    assert outputs.rejects is not None
    rejects = [json.loads(line) for line in outputs.rejects.read_text().splitlines()]
    return report.as_json(), rejects


def test_resources_are_validated_ahead_of_their_conversion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, str]] = []
    validated, convert = fhir_adapter.validated, FhirAdapter.convert

    def counted(kind: str, resource: dict[str, Any], zone: str | None = None) -> Any:
        calls.append(("validated", resource["id"]))
        return validated(kind, resource, zone)

    def converted(self: FhirAdapter, item: Any, context: Any) -> Any:
        calls.append(("converted", item.value["id"]))
        return convert(self, item, context)

    monkeypatch.setattr(fhir_adapter, "validated", counted)
    monkeypatch.setattr(FhirAdapter, "convert", converted)
    report, _ = _convert(tmp_path, _bundle(tmp_path, 150))
    assert report["converted"] == 151
    validations = sorted(key for what, key in calls if what == "validated")
    assert validations == sorted(["p1", *(f"o{n}" for n in range(150))])  # each once
    assert calls.index(("validated", "o100")) < calls.index(("converted", "o99"))


def test_an_error_raised_validating_ahead_costs_only_its_item(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception other than a validation error is raised again when the item is converted:
    that item is rejected (`adapter-error`), the rest of the file is read and converted."""
    validated = fhir_adapter.validated

    def failing(kind: str, resource: dict[str, Any], zone: str | None = None) -> Any:
        if resource["id"] == "o70":
            raise RuntimeError("a validator failed")
        return validated(kind, resource, zone)

    monkeypatch.setattr(fhir_adapter, "validated", failing)
    report, rejects = _convert(tmp_path, _bundle(tmp_path, 150))
    assert (report["read"], report["converted"], report["rejected"]) == (151, 150, 1)
    assert [(r["locator"], r["reason"]) for r in rejects] == [
        ("Bundle.entry[71] Observation", "adapter-error")
    ]


def test_validating_ahead_writes_what_worker_processes_write(tmp_path: Path) -> None:
    source = _bundle(tmp_path, 150)
    alone, _ = _convert(tmp_path, source)
    workers, _ = _convert(tmp_path, source, jobs=2)
    assert (alone["converted"], workers["converted"]) == (151, 151)
    out1 = (tmp_path / "out1.ndjson").read_bytes()
    assert out1 == (tmp_path / "out2.ndjson").read_bytes()
