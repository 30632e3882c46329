"""FHIR times with a time of day but no UTC offset (`2015-03-01T10:00:00`, as real converters
write them), end to end: rejected naming the field and --timezone, or given the offset of the zone
the user names, which each record made from them says in `meta.assumedTimeZone`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ccstd.cli.app import app
from tests.adapters.fhir.test_real_shapes import (
    RUNNER,
    bundle,
    convert,
    ledger,
    lines,
    observation,
    patient,
)

LOCAL = "2015-03-01T10:00:00"


def medication(**changes: Any) -> dict[str, Any]:
    resource = {"resourceType": "MedicationRequest", "id": "m1", "status": "active",
                "intent": "order", "subject": {"reference": "Patient/p1"},
                "medicationCodeableConcept": {"coding": [{"system": "urn:x", "code": "a"}]},
                "authoredOn": LOCAL}  # fmt: skip
    return resource | changes


def export(tmp_path: Path) -> Path:
    source = tmp_path / "export.json"
    summer = observation("o2", effectiveDateTime="2015-07-01T10:00", issued="2015-07-01T11:00:00")
    source.write_text(json.dumps(bundle(
        patient(), observation(effectiveDateTime=LOCAL), summer, medication(),
        observation("o3", effectiveDateTime="2015-03-01T10:00:00+01:00"),
    )))  # fmt: skip
    return source


def test_without_a_zone_a_local_time_is_rejected_naming_the_field_and_the_option(
    tmp_path: Path,
) -> None:
    result, out = convert(tmp_path, export(tmp_path))
    assert result.exit_code == 1, result.output
    rejected = {r["locator"]: r for r in lines(out / "rejects.ndjson")}
    assert len(rejected) == 3 and {r["reason"] for r in rejected.values()} == {"missing-offset"}
    first = rejected["Bundle.entry[1] Observation"]
    assert first["path"] == "Observation.effectiveDateTime"
    assert "--timezone" in first["message"] and "Observation.effectiveDateTime" in first["message"]
    assert rejected["Bundle.entry[3] MedicationRequest"]["path"] == "MedicationRequest.authoredOn"
    assert [r["type"] for r in lines(out / "records.ndjson")] == ["Resident", "Observation"]


def test_with_a_zone_local_times_get_its_offset_and_records_say_so(tmp_path: Path) -> None:
    result, out = convert(tmp_path, export(tmp_path), extra=("--timezone", "Europe/Berlin"))
    assert result.exit_code == 0, result.output
    by_type = {r["type"]: r for r in lines(out / "records.ndjson")}
    observations = [r for r in lines(out / "records.ndjson") if r["type"] == "Observation"]
    assert [o["effectiveAt"] for o in observations] == [
        "2015-03-01T10:00:00+01:00",
        "2015-07-01T10:00:00+02:00",
        "2015-03-01T10:00:00+01:00",
    ]
    assert observations[1]["issuedAt"] == "2015-07-01T11:00:00+02:00"  # summer time: +02:00
    assert [o["meta"].get("assumedTimeZone") for o in observations] == [
        "Europe/Berlin",
        "Europe/Berlin",
        None,
    ]  # the third had its own offset
    assert by_type["MedicationUse"]["recordedAt"] == "2015-03-01T10:00:00+01:00"
    assert by_type["MedicationUse"]["meta"]["assumedTimeZone"] == "Europe/Berlin"
    assert "assumedTimeZone" not in by_type["Resident"]["meta"]
    notes = ledger(out)["notes"]
    assert notes["Observation.effectiveDateTime"]["count"] == 2
    assert "Europe/Berlin assumed" in notes["MedicationRequest.authoredOn"]["note"]
    validated = RUNNER.invoke(app, ["validate", str(out / "records.ndjson"), "-q"])
    assert validated.exit_code == 0, validated.output


def test_a_local_time_in_an_element_not_mapped_is_left_out_without_a_zone(tmp_path: Path) -> None:
    source = tmp_path / "p.json"
    source.write_text(json.dumps(patient(meta={"lastUpdated": LOCAL})))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    [record] = lines(out / "records.ndjson")
    assert "assumedTimeZone" not in record["meta"]
    assert "Patient.meta.lastUpdated" in ledger(out)["dropped"]


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus", "../../etc/passwd", "asia/shanghai", "", "A" * 70]
)
def test_a_zone_that_is_not_an_iana_name_is_a_usage_error(tmp_path: Path, zone: str) -> None:
    result, out = convert(tmp_path, export(tmp_path), extra=("--timezone", zone))
    assert result.exit_code == 2 and "--timezone" in result.output
    assert not (out / "records.ndjson").exists()


def test_replay_takes_the_zone_too(tmp_path: Path) -> None:
    _, out = convert(tmp_path, export(tmp_path))
    (tmp_path / "x").mkdir()
    result, again = convert(tmp_path / "x", extra=("--replay", str(out / "rejects.ndjson"),
                                                  "--timezone", "Asia/Shanghai"))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert {r["meta"]["assumedTimeZone"] for r in lines(again / "records.ndjson")} == {
        "Asia/Shanghai"
    }
