"""Free text the mapping copies in clear (an uncoded concept's text, a coding's display, a
medication's reference display: fields with no protected form in standard 1.3.0): a text naming
a person or identifier the export holds (a Patient's or Practitioner's name or identifier) is
left out, with the reason in the ledger, wherever in the run that person was read; other text is
carried. Text with a protected form (a dosage as written, a coded item's text) is pseudonymised
whatever it says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.adapters.fhir.test_clinical import (
    KEY,
    PATIENT,
    convert,
    ledger,
    ndjson,
    protected,
    pseudonym,
    records,
    rejects,
)

PRACTITIONER = {"resourceType": "Practitioner", "id": "dr1",
                "name": [{"family": "Fairweather", "given": ["Ottoline"]}],
                "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi",
                                "value": "9941339108"}]}  # fmt: skip
CHINESE = {"resourceType": "Patient", "id": "p2", "name": [{"text": "张三", "family": "张"}],
           "identifier": [{"system": "urn:mrn", "value": "MRN-88421390"}]}  # fmt: skip


def request(rid: str, subject: str = "Patient/p1", **changes: Any) -> dict[str, Any]:
    resource = {"resourceType": "MedicationRequest", "id": rid, "status": "active",
                "intent": "order", "subject": {"reference": subject},
                "medicationCodeableConcept": {"coding": [{"system": "urn:rx", "code": "1"}],
                                              "text": "lisinopril 10 MG"}}  # fmt: skip
    return resource | changes


def dosage(text: str) -> list[dict[str, Any]]:
    return [{"text": text, "timing": {"code": {"text": text}}}]


def test_texts_naming_people_of_the_export_are_left_out_and_others_kept(tmp_path: Path) -> None:
    folder = tmp_path / "bulk"
    folder.mkdir()  # Bulk Data: the requests sort before the people they name
    (folder / "1.MedicationRequest.ndjson").write_text(ndjson(
        request("r1", dosageInstruction=dosage("one tablet, as Dr. Fairweather advised")),
        request("r2", dosageInstruction=dosage("one tablet twice a day"),
                reasonCode=[{"text": "seen by ottoline"}, {"text": "hypertension"}]),
        request("r3", "Patient/p2", dosageInstruction=dosage("请张三每日三次服用")),
        request("r4", "Patient/p2", dosageInstruction=dosage("每日三次 饭后服用"),
                medicationCodeableConcept={"text": "card MRN-88421390 refill"}),
        request("r5", medicationCodeableConcept=None,
                medicationReference={"display": "Jane Doe's own supply"}),
    ))  # fmt: skip
    (folder / "2.Patient.ndjson").write_text(ndjson(PATIENT, CHINESE))
    (folder / "3.Practitioner.ndjson").write_text(ndjson(PRACTITIONER))
    result = convert(tmp_path, folder)
    assert result.exit_code == 1, result.output  # r4 and r5 have no medicine left
    made = records(tmp_path)
    first, second, chinese = (made[pseudonym(r)] for r in ("r1", "r2", "r3"))
    # a dosage's text and timing text have a protected form: pseudonymised, whatever they say
    named = protected("one tablet, as Dr. Fairweather advised")
    assert first["dosages"][0] == {"textProtected": named, "timing": {"textProtected": named}}
    assert second["dosages"][0]["textProtected"] == protected("one tablet twice a day")
    assert second["reasons"] == [{"text": "hypertension"}]  # a reason's words are in clear
    assert chinese["dosages"][0]["textProtected"] == protected("请张三每日三次服用")
    assert first["textProtected"] == protected("lisinopril 10 MG")
    output = (tmp_path / "out" / "records.ndjson").read_text()
    for secret in ("Fairweather", "ottoline", "张三", "88421390", "Jane Doe"):
        assert secret not in output
    dropped = ledger(tmp_path)["dropped"]
    reason = dropped["MedicationRequest.reasonCode.text"]["reason"]
    assert "names a person" not in reason and "naming a person" in reason
    assert dropped["MedicationRequest.reasonCode.text"]["count"] == 1
    assert "MedicationRequest.dosageInstruction.text" not in dropped
    assert "MedicationRequest.dosageInstruction.timing.code.text" not in dropped
    assert {r["message"] for r in rejects(tmp_path)} == {
        "MedicationRequest: the medication is named only in text that names a person"
    }


def test_a_chinese_family_name_alone_does_not_hide_ordinary_text(tmp_path: Path) -> None:
    source = tmp_path / "meds.ndjson"
    source.write_text(
        ndjson(CHINESE, request("r1", "Patient/p2", reasonCode=[{"text": "张医生 建议"}]))
    )
    result = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    assert records(tmp_path)[pseudonym("r1")]["reasons"] == [{"text": "张医生 建议"}]


def test_a_replayed_item_is_screened_against_the_people_its_run_knew(tmp_path: Path) -> None:
    source = tmp_path / "meds.ndjson"
    broken = request("r1", status="Active", reasonCode=[{"text": "ask Ottoline first"}])
    source.write_text(ndjson(PATIENT, PRACTITIONER, broken))
    assert convert(tmp_path, source).exit_code == 1
    [line] = rejects(tmp_path)
    fixed = json.loads(line["raw"]["text"]) | {"status": "active"}
    (tmp_path / "fix.ndjson").write_text(json.dumps(line | {"raw": {"text": json.dumps(fixed)}}))
    again = tmp_path / "again"
    again.mkdir()
    result = convert(again, Path("--replay"), tmp_path / "fix.ndjson",
                     env={"CCSTD_PSEUDONYM_KEY": KEY})  # fmt: skip
    assert result.exit_code == 0, result.output
    [record] = records(again).values()
    assert "Ottoline" not in json.dumps(record) and "reasons" not in record
