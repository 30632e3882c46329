"""The text of a US Core race or ethnicity is free text copied in clear: it is screened like
every other such text (docs/convert.md "Free text the mapping copies in clear"), and the ledger
names the field it left out, not a placeholder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.adapters.fhir.test_real_shapes import convert, ledger, lines, ndjson, patient

US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"
RACE, ETHNICITY = f"{US_CORE}us-core-race", f"{US_CORE}us-core-ethnicity"
OMB = "urn:oid:2.16.840.1.113883.6.238"


def race(url: str, text: str) -> dict[str, Any]:
    return {"url": url, "extension": [
        {"url": "ombCategory", "valueCoding": {"system": OMB, "code": "2106-3"}},
        {"url": "text", "valueString": text}]}  # fmt: skip


def test_a_race_text_holding_the_patients_mrn_name_or_an_ssn_is_left_out(tmp_path: Path) -> None:
    resident = patient(
        name=[{"family": "Quixotefield", "given": ["Ann"]}],
        identifier=[{"system": "urn:example:mrn", "value": "MRN778899"}],
        extension=[race(RACE, "MRN778899 Quixotefield"), race(ETHNICITY, "SSN 999-12-3456")],
    )
    source = tmp_path / "p.ndjson"
    source.write_text(ndjson(resident))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    [record] = lines(out / "records.ndjson")
    written = json.dumps(record)
    assert "Quixotefield" not in written and "778899" not in written and "3456" not in written
    us_core = record["extensions"]["org.hl7.fhir.us-core"]
    assert us_core["race"]["codes"] == us_core["ethnicity"]["codes"] == ["2106-3"]
    report = ledger(out)
    for url, why in ((RACE, "naming a person"), (ETHNICITY, "an ID number")):
        assert why in report["dropped"][f"Patient.extension[{url}]"]["reason"]
        assert report["mapped"][f"Patient.extension[{url}]"] == 1  # its codes were carried


def test_a_race_text_the_personal_data_screen_drops_is_named_in_the_ledger(
    tmp_path: Path,
) -> None:
    source = tmp_path / "p.ndjson"
    source.write_text(ndjson(patient(extension=[race(RACE, "write to zz@example.com")])))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    [record] = lines(out / "records.ndjson")
    assert "example.com" not in json.dumps(record)
    dropped = ledger(out)["dropped"]
    assert "Patient.=Resident/extensions/org.hl7.fhir.us-core/race/text" in dropped, dropped


def test_a_plain_race_text_is_carried(tmp_path: Path) -> None:
    source = tmp_path / "p.ndjson"
    source.write_text(ndjson(patient(extension=[race(RACE, "White")])))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    [record] = lines(out / "records.ndjson")
    assert record["extensions"]["org.hl7.fhir.us-core"]["race"]["text"] == "White"
    assert not ledger(out)["dropped"]


def test_a_race_of_a_text_alone_naming_the_patient_is_dropped_whole(tmp_path: Path) -> None:
    text_only = {"url": RACE, "extension": [{"url": "text", "valueString": "Jane Doe"}]}
    source = tmp_path / "p.ndjson"
    source.write_text(ndjson(patient(extension=[text_only])))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    [record] = lines(out / "records.ndjson")
    assert "extensions" not in record
    report = ledger(out)
    assert "naming a person" in report["dropped"][f"Patient.extension[{RACE}]"]["reason"]
    assert f"Patient.extension[{RACE}]" not in report["mapped"]


def test_a_race_text_naming_another_person_of_the_export_is_left_out(tmp_path: Path) -> None:
    """Before, only the Patient's own names were looked for: another Patient's name and MRN in
    a race text were written in clear (the run's people pre-scan did not read valueString)."""
    first = patient(
        "p1",
        name=[{"family": "Cornelius", "given": ["Jasper"]}],
        identifier=[{"system": "urn:example:mrn", "value": "MRN778899"}],
    )
    second = patient(
        "p2",
        name=[{"family": "Abernathy", "given": ["Rosalind"]}],
        extension=[race(RACE, "Jasper Cornelius MRN778899")],
    )
    source = tmp_path / "p.ndjson"
    source.write_text(ndjson(first, second))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    written = (out / "records.ndjson").read_text("utf-8")
    assert "Cornelius" not in written and "778899" not in written
    assert "naming a person" in ledger(out)["dropped"][f"Patient.extension[{RACE}]"]["reason"]
