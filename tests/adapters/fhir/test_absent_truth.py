"""The ledger counts a `_x` sibling as mapped only where it reached the record: a data-absent-
reason with a code of its code system standing for an absent value. Beside a value, or holding
only an id or another extension, it is dropped with the reason; a status none stands for is
not invented."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.adapters.fhir.test_real_shapes import (
    convert,
    ledger,
    lines,
    ndjson,
    observation,
    patient,
)

DAR = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
VENDOR = {"extension": [{"url": "http://example.org/fhir/source", "valueString": "v"}]}


def absent(code: str = "unknown") -> dict[str, Any]:
    return {"extension": [{"url": DAR, "valueCode": code}]}


def immunization(**changes: Any) -> dict[str, Any]:
    vaccine = {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "208"}]}
    resource = {"resourceType": "Immunization", "id": "i1", "status": "completed",
                "vaccineCode": vaccine, "patient": {"reference": "Patient/p1"},
                "occurrenceDateTime": "2024-05-01"}  # fmt: skip
    return resource | changes


def run(tmp_path: Path, *resources: dict[str, Any]) -> tuple[int, list[Any], dict[str, Any]]:
    source = tmp_path / "in.ndjson"
    source.write_text(ndjson(*resources))
    result, out = convert(tmp_path, source)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, lines(out / "records.ndjson"), ledger(out)


def only(report: dict[str, Any], verdict: str, fragment: str) -> list[str]:
    return [path for path in report[verdict] if fragment in path]


def test_a_telecom_with_only_an_absent_value_is_dropped_not_mapped(tmp_path: Path) -> None:
    _, [record], report = run(tmp_path, patient(telecom=[{"_value": absent("masked")}]))
    assert "phone" not in record and "contacts" not in record
    assert not only(report, "mapped", "telecom")
    [path] = only(report, "dropped", "telecom")
    assert "data-absent-reason (masked)" in report["dropped"][path]["reason"]


@pytest.mark.parametrize(
    ("sibling", "why"),
    [(absent(), "beside the value"), ({"id": "g"}, None), (VENDOR, None)],
)
def test_a_gender_sibling_that_stands_for_nothing_is_dropped(
    tmp_path: Path, sibling: dict[str, Any], why: str | None
) -> None:
    resident = patient(_gender=sibling) if why else patient(_gender=sibling, gender=None)
    resident = {k: v for k, v in resident.items() if v is not None}
    _, [record], report = run(tmp_path, resident)
    assert record.get("gender") == ("2" if why else None)
    assert not only(report, "mapped", "_gender")
    [path] = only(report, "dropped", "_gender")
    assert (why or "without a data-absent-reason") in report["dropped"][path]["reason"]


@pytest.mark.parametrize("sibling", [VENDOR, absent("not-a-dar-code"), {"id": "s"}])
def test_an_observation_status_none_stands_for_is_not_invented(
    tmp_path: Path, sibling: dict[str, Any]
) -> None:
    resource = {k: v for k, v in observation(_status=sibling).items() if k != "status"}
    code, records, _ = run(tmp_path, patient(), resource)
    assert code == 1
    assert [r["type"] for r in records] == ["Resident"]
    rejects = (tmp_path / "out" / "rejects.ndjson").read_text()
    assert "Observation.status" in rejects  # missing-required (or, with only an id, fhir-invalid)


def test_an_absent_status_with_a_real_reason_is_unknown_and_mapped(tmp_path: Path) -> None:
    resource = {k: v for k, v in observation(_status=absent()).items() if k != "status"}
    _, records, report = run(tmp_path, patient(), resource)
    assert [r["status"] for r in records if r["type"] == "Observation"] == ["unknown"]
    assert only(report, "mapped", "Observation._status")


@pytest.mark.parametrize(
    "resource", [observation(_status=absent()), immunization(_status=absent())], ids=["obs", "imm"]
)
def test_a_status_reason_beside_a_status_is_dropped_alike(
    tmp_path: Path, resource: dict[str, Any]
) -> None:
    kind = resource["resourceType"]
    _, records, report = run(tmp_path, patient(), resource)
    assert [r["status"] for r in records if r["type"] == kind] == [resource["status"]]
    assert report["mapped"][f"{kind}.status"] == 1
    assert not only(report, "mapped", f"{kind}._status")
    assert not only(report, "unknown", f"{kind}._status")
    [path] = only(report, "dropped", f"{kind}._status")
    assert "beside the value" in report["dropped"][path]["reason"]


def test_an_immunization_without_a_status_is_rejected_not_completed(tmp_path: Path) -> None:
    resource = {k: v for k, v in immunization(_status=VENDOR).items() if k != "status"}
    code, records, _ = run(tmp_path, patient(), resource)
    assert code == 1 and [r["type"] for r in records] == ["Resident"]
