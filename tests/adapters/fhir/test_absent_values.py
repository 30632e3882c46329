"""A primitive's `_x` sibling (its id and extensions, a data-absent-reason above all) is valid
FHIR R4 JSON: it converts end to end through `ccstd convert`, the absent value becomes "unknown"
where the standard has it, and is otherwise dropped with the reason, never invented (issue 11).
The R4B Extension model refuses every `_value[x]`; the other elements' `_x` siblings pass."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.adapters.fhir.test_real_shapes import (
    convert,
    ledger,
    lines,
    ndjson,
    observation,
    patient,
)

DAR = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"
BIRTHSEX = f"{US_CORE}us-core-birthsex"
RACE = f"{US_CORE}us-core-race"
OMB = "urn:oid:2.16.840.1.113883.6.238"


def absent(code: str = "unknown") -> dict[str, Any]:
    return {"extension": [{"url": DAR, "valueCode": code}]}


def test_an_extension_whose_value_is_absent_converts_and_is_dropped_with_the_reason(
    tmp_path: Path,
) -> None:
    race = {"url": RACE, "extension": [
        {"url": "ombCategory", "valueCoding": {"system": OMB, "code": "2106-3"}},
        {"url": "text", "_valueString": absent()}]}  # fmt: skip
    sex = {"url": BIRTHSEX, "_valueCode": absent("asked-declined")}
    source = tmp_path / "p.ndjson"
    source.write_text(ndjson(patient(extension=[race, sex])))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    [resident] = lines(out / "records.ndjson")
    us_core = resident["extensions"]["org.hl7.fhir.us-core"]
    assert "birthsex" not in us_core  # no value invented
    assert us_core["race"]["codes"] == ["2106-3"]
    report = ledger(out)
    [why] = [v["reason"] for k, v in report["dropped"].items() if k.endswith("birthsex]")]
    assert "data-absent-reason (asked-declined)" in why
    assert f"Patient.extension[{BIRTHSEX}]" not in report["mapped"]
    assert report["mapped"][f"Patient.extension[{RACE}]"] == 1


def test_an_extension_value_with_its_own_extensions_keeps_the_value(tmp_path: Path) -> None:
    sex = {
        "url": BIRTHSEX,
        "valueCode": "F",
        "_valueCode": {
            "id": "v1",
            "extension": [
                {"url": "http://example.org/fhir/StructureDefinition/source", "valueString": "form"}
            ],
        },
    }
    source = tmp_path / "p.json"
    source.write_text(ndjson(patient(extension=[sex])))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    [resident] = lines(out / "records.ndjson")
    assert resident["extensions"]["org.hl7.fhir.us-core"]["birthsex"] == "F"
    assert ledger(out)["mapped"][f"Patient.extension[{BIRTHSEX}]"] == 1


def test_a_nested_extension_value_absent_does_not_reject_its_element(tmp_path: Path) -> None:
    address = {
        "city": "Springfield",
        "country": "US",
        "extension": [
            {
                "url": "http://example.org/fhir/StructureDefinition/district",
                "_valueString": absent(),
            }
        ],
    }
    source = tmp_path / "p.json"
    source.write_text(ndjson(patient(address=[address])))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    [resident] = lines(out / "records.ndjson")
    assert resident["address"]["city"] == "Springfield"


def test_an_absent_birth_date_is_dropped_with_the_reason(tmp_path: Path) -> None:
    gone = {k: v for k, v in patient(_birthDate=absent()).items() if k != "birthDate"}
    source = tmp_path / "p.json"
    source.write_text(ndjson(gone))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    [resident] = lines(out / "records.ndjson")
    assert "birthDate" not in resident and "birthDatePartial" not in resident
    [(path, entry)] = [(k, v) for k, v in ledger(out)["dropped"].items() if "_birthDate" in k]
    assert path == f"Patient._birthDate.extension[{DAR}]"
    assert "data-absent-reason (unknown)" in entry["reason"]
    assert not ledger(out)["unknown"]


def test_an_absent_status_is_unknown_where_the_standard_has_it(tmp_path: Path) -> None:
    seen = {k: v for k, v in observation(_status=absent()).items() if k != "status"}
    vaccine = {"resourceType": "Immunization", "id": "i1", "_status": absent(),
               "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx",
                                           "code": "140"}]},
               "patient": {"reference": "Patient/p1"},
               "occurrenceDateTime": "2024-01-02"}  # fmt: skip
    source = tmp_path / "b.ndjson"
    source.write_text(ndjson(patient(), seen, vaccine))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 1, result.output
    records = {r["type"]: r for r in lines(out / "records.ndjson")}
    assert records["Observation"]["status"] == "unknown"
    assert "Immunization" not in records  # never "completed" for a status the source withholds
    [reject] = lines(out / "rejects.ndjson")
    assert reject["reason"] == "missing-required" and reject["path"] == "Immunization.status"
    assert ledger(out)["mapped"][f"Observation._status.extension[{DAR}]"] == 1


def test_an_extension_left_without_a_value_is_dropped_not_written_empty(tmp_path: Path) -> None:
    """`_valueCode` holding only an id: once it is folded, the birth sex has no value at all."""
    source = tmp_path / "p.json"
    source.write_text(ndjson(patient(extension=[{"url": BIRTHSEX, "_valueCode": {"id": "v1"}}])))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    [resident] = lines(out / "records.ndjson")
    assert "extensions" not in resident  # never {"codes": [], "text": null}
    assert "no value" in ledger(out)["dropped"][f"Patient.extension[{BIRTHSEX}]"]["reason"]


def test_an_invalid_extension_left_out_is_counted_dropped(tmp_path: Path) -> None:
    """An extension the mapping does not use and FHIR validation refuses is left out: the
    ledger counts it dropped, with the reason, where it counted it unknown before."""
    url = "http://example.org/fhir/StructureDefinition/odd"
    source = tmp_path / "p.json"
    source.write_text(ndjson(patient(extension=[{"url": url, "valueBogus": 1}])))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    report = ledger(out)
    assert "not valid FHIR" in report["dropped"][f"Patient.extension[{url}]"]["reason"]
    assert f"Patient.extension[{url}]" not in report["unknown"]
