"""Allergies, medications, procedures and reports (standard 1.3.0), end to end through
`ccstd convert` and `ccstd validate --check-references`; sources built here in FHIR R4's shapes."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from ccstd.cli.app import app
from tests.conftest import REPO_ROOT

KEY = "5f0c9e2a7b41d8e36c1a9f4b2e7d05c8"
RUNNER = CliRunner()
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
PATIENT = {"resourceType": "Patient", "id": "p1", "name": [{"family": "Doe", "given": ["Jane"]}]}
SUBJECT = {"reference": "Patient/p1", "display": "Jane Doe"}
NAME_IN_NOTE = "Wilhelmina Quixotebury"


def pseudonym(value: str) -> str:
    return hmac.new(KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def protected(value: str) -> dict[str, str]:
    """The pseudonymised form (standard 1.3.0) a free-text value takes under KEY."""
    key_id = "k-" + hashlib.sha256(KEY.encode()).hexdigest()[:12]
    return {"protection": "pseudonymised", "value": f"hmac-sha256:{pseudonym(value)}",
            "keyId": key_id}  # fmt: skip


def ndjson(*values: dict[str, Any]) -> str:
    return "".join(json.dumps(v) + "\n" for v in values)


def convert(tmp_path: Path, *inputs: Path, env: dict[str, str] | None = None) -> Result:
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    args = ["convert", *map(str, inputs), "--out", str(out / "records.ndjson"), "--rejects",
            str(out / "rejects.ndjson"), "--ledger", str(out / "ledger.json"), "-q"]  # fmt: skip
    result = RUNNER.invoke(app, args, env=env or {"CCSTD_PSEUDONYM_KEY": KEY})
    assert "Traceback" not in result.output
    return result


def records(tmp_path: Path) -> dict[str, dict[str, Any]]:
    """The records by the FHIR id they were made from (before pseudonymisation: by its HMAC)."""
    text = (tmp_path / "out" / "records.ndjson").read_text()
    return {json.loads(x)["id"]: json.loads(x) for x in text.splitlines()}


def rejects(tmp_path: Path) -> list[dict[str, Any]]:
    text = (tmp_path / "out" / "rejects.ndjson").read_text()
    return [json.loads(x) for x in text.splitlines()]


def ledger(tmp_path: Path) -> dict[str, Any]:
    value: dict[str, Any] = json.loads((tmp_path / "out" / "ledger.json").read_text())
    return value


def validates(tmp_path: Path) -> None:
    """`ccstd validate --check-references` finds nothing in the records."""
    out = str(tmp_path / "out" / "records.ndjson")
    result = RUNNER.invoke(app, ["validate", out, "--check-references", "--format", "json", "-q"])
    assert result.exit_code == 0, result.stdout
    assert json.loads(result.stdout)["findings"] == []


def allergy(**changes: Any) -> dict[str, Any]:
    resource = {
        "resourceType": "AllergyIntolerance", "id": "a1", "patient": SUBJECT,
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "verificationStatus": {"coding": [{"code": "confirmed"}]},
        "type": "allergy", "category": ["medication", "medication"], "criticality": "high",
        "code": {"coding": [{"system": SNOMED, "code": "373270004", "display": "Penicillin"},
                            {"system": RXNORM, "code": "7980"}], "text": "penicillin"},
        "onsetDateTime": "2010", "recordedDate": "2011-02-03T04:05:06Z",
        "reaction": [{"manifestation": [{"coding": [{"system": SNOMED, "code": "247472004"}]},
                                        {"text": "itchy skin"}],
                      "severity": "moderate", "description": f"told by {NAME_IN_NOTE}"}],
        "note": [{"text": f"{NAME_IN_NOTE} says so"}],
    }  # fmt: skip
    return resource | changes


def test_an_allergy_keeps_its_codings_partial_onset_and_reactions(tmp_path: Path) -> None:
    source = tmp_path / "a.ndjson"
    source.write_text(ndjson(PATIENT, allergy()))
    result = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    record = records(tmp_path)[pseudonym("a1")]
    assert record["codings"] == [
        {"system": SNOMED, "code": "373270004", "display": "Penicillin"},
        {"system": RXNORM, "code": "7980"},
    ]
    assert record["code"] == record["codings"][0] and record["textProtected"] == protected(
        "penicillin"
    )
    assert (record["clinicalStatus"], record["verificationStatus"]) == ("active", "confirmed")
    assert (record["kind"], record["categories"], record["criticality"]) == (
        "allergy", ["medication"], "high")  # fmt: skip
    assert record["onsetAt"] == "2010" and record["recordedAt"] == "2011-02-03T04:05:06Z"
    assert record["reactions"] == [
        {
            "manifestations": [{"system": SNOMED, "code": "247472004"}, {"text": "itchy skin"}],
            "severity": "moderate",
        }
    ]
    assert record["subject"] == {"type": "Resident", "id": pseudonym("p1")}
    assert NAME_IN_NOTE not in (tmp_path / "out" / "records.ndjson").read_text()
    dropped = ledger(tmp_path)["dropped"]
    assert "AllergyIntolerance.note.text" not in dropped  # 1.3.0: notes, pseudonymised
    assert record["notes"] == [protected(f"{NAME_IN_NOTE} says so")]
    assert "name a person" in dropped["AllergyIntolerance.reaction.description"]["reason"]
    validates(tmp_path)


@pytest.mark.parametrize(
    ("changes", "path"),
    [({"criticality": "High"}, "AllergyIntolerance.criticality"),
     ({"category": ["Food"]}, "AllergyIntolerance.category"),
     ({"code": None, "patient": SUBJECT}, "code")],
)  # fmt: skip
def test_an_allergy_that_does_not_fit_is_rejected_naming_the_field(
    tmp_path: Path, changes: dict[str, Any], path: str
) -> None:
    source = tmp_path / "a.ndjson"
    bad = {k: v for k, v in allergy(**changes).items() if v is not None}
    source.write_text(ndjson(PATIENT, bad))
    result = convert(tmp_path, source)
    assert result.exit_code == 1
    [line] = rejects(tmp_path)
    assert line["path"] == path


def medication(mid: str = "m1") -> dict[str, Any]:
    first = {"system": RXNORM, "code": "314076", "display": "lisinopril 10 MG"}
    second = {"system": "http://hl7.org/fhir/sid/ndc", "code": "68180-513"}
    return {"resourceType": "Medication", "id": mid, "code": {"coding": [first, second]}}


def request(**changes: Any) -> dict[str, Any]:
    resource = {
        "resourceType": "MedicationRequest", "id": "r1", "status": "active", "intent": "order",
        "subject": SUBJECT, "authoredOn": "2020-01-02",
        "medicationReference": {"reference": "Medication/m1"},
        "dosageInstruction": [{
            "text": "one tablet twice a day", "asNeededBoolean": False,
            "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
            "route": {"coding": [{"system": SNOMED, "code": "26643006", "display": "Oral"}]},
            "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet"}}],
            "patientInstruction": f"ask {NAME_IN_NOTE}",
        }],
    }  # fmt: skip
    return resource | changes


def test_a_prescription_finds_its_medication_on_a_later_line(tmp_path: Path) -> None:
    source = tmp_path / "meds.ndjson"
    source.write_text(ndjson(PATIENT, request(), medication()))
    result = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    record = records(tmp_path)[pseudonym("r1")]
    assert (record["type"], record["kind"], record["intent"], record["status"]) == (
        "MedicationUse", "prescribed", "order", "active")  # fmt: skip
    assert record["code"]["code"] == "314076" and len(record["codings"]) == 2
    assert record["recordedAt"] == "2020-01-02"
    assert record["dosages"] == [{
        "textProtected": protected("one tablet twice a day"),
        "doseQuantity": {"value": 1, "unit": "tablet"},
        "timing": {"frequency": 2, "period": 1, "periodUnit": "d"},
        "route": {"system": SNOMED, "code": "26643006", "display": "Oral"}, "asNeeded": False,
    }]  # fmt: skip
    book = ledger(tmp_path)
    assert book["skipped"] == {"Medication: carried-by-referrers": 1}
    assert "MedicationRequest.dosageInstruction.patientInstruction" in book["dropped"]
    assert NAME_IN_NOTE not in (tmp_path / "out" / "records.ndjson").read_text()
    validates(tmp_path)


def test_a_bulk_export_resolves_medications_from_their_own_file(tmp_path: Path) -> None:
    folder = tmp_path / "bulk"
    folder.mkdir()
    (folder / "Patient.ndjson").write_text(ndjson(PATIENT))
    (folder / "Medication.ndjson").write_text(ndjson(medication()))
    (folder / "MedicationRequest.ndjson").write_text(ndjson(request()))
    result = convert(tmp_path, folder)
    assert result.exit_code == 0, result.output
    assert records(tmp_path)[pseudonym("r1")]["code"]["code"] == "314076"


def test_a_stated_medication_from_a_contained_or_coded_medicine(tmp_path: Path) -> None:
    contained = {"resourceType": "MedicationStatement", "id": "s1", "status": "completed",
                 "subject": SUBJECT, "contained": [medication("inline")],
                 "medicationReference": {"reference": "#inline"},
                 "effectivePeriod": {"start": "2015-03", "end": "2016"},
                 "dateAsserted": "2016-05-01T16:13:03Z",
                 "dosage": [{"doseAndRate": [{"doseQuantity": {"value": 2}}]}]}  # fmt: skip
    coded = {"resourceType": "MedicationStatement", "id": "s2", "status": "active",
             "subject": SUBJECT, "effectiveDateTime": "2019-07",
             "medicationCodeableConcept": {"text": "an herbal tea"}}  # fmt: skip
    source = tmp_path / "s.json"
    source.write_text(json.dumps([PATIENT, contained, coded]))
    result = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    first, second = (records(tmp_path)[pseudonym(k)] for k in ("s1", "s2"))
    assert first["kind"] == "stated" and "intent" not in first
    assert first["code"]["code"] == "314076" and first["period"] == {"start": "2015-03",
                                                                     "end": "2016"}  # fmt: skip
    assert first["dosages"] == [{"doseQuantity": {"value": 2}}]  # no unit is invented
    assert second["text"] == "an herbal tea" and "code" not in second
    assert second["period"] == {"start": "2019-07", "end": "2019-07"}
    validates(tmp_path)


def test_a_medication_found_nowhere_is_rejected_and_a_named_one_is_text(tmp_path: Path) -> None:
    source = tmp_path / "r.ndjson"
    source.write_text(ndjson(PATIENT, request(medicationReference={"reference": "Medication/x"})))
    result = convert(tmp_path, source)
    assert result.exit_code == 1
    [line] = rejects(tmp_path)
    assert line["reason"] == "unresolved-medication"
    named = request(medicationReference={"reference": "Medication/x", "display": "aspirin"})
    source.write_text(ndjson(PATIENT, named))
    assert convert(tmp_path, source).exit_code == 0
    assert records(tmp_path)[pseudonym("r1")]["text"] == "aspirin"


def test_a_report_refers_to_the_converted_observations(tmp_path: Path) -> None:
    observation = {"resourceType": "Observation", "id": "o1", "status": "final",
                   "code": {"coding": [{"system": "http://loinc.org", "code": "718-7"}]},
                   "subject": {"reference": "urn:uuid:p"},
                   "effectiveDateTime": "2024-05-01T08:00:00Z"}  # fmt: skip
    report = {"resourceType": "DiagnosticReport", "id": "d1", "status": "final",
              "subject": {"reference": "urn:uuid:p"},
              "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074",
                                        "code": "LAB"}]}],
              "code": {"coding": [{"system": "http://loinc.org", "code": "58410-2"}]},
              "effectiveDateTime": "2024-05-01", "issued": "2024-05-02T09:00:00Z",
              "result": [{"reference": "urn:uuid:o"}, {"reference": "urn:uuid:o"}],
              "conclusion": f"reviewed with {NAME_IN_NOTE}"}  # fmt: skip
    entries = [{"fullUrl": "urn:uuid:p", "resource": PATIENT},
               {"fullUrl": "urn:uuid:d", "resource": report},
               {"fullUrl": "urn:uuid:o", "resource": observation}]  # fmt: skip
    source = tmp_path / "b.json"
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    source.write_text(json.dumps(bundle))
    result = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    record = records(tmp_path)[pseudonym("d1")]
    assert record["results"] == [{"type": "Observation", "id": pseudonym("o1")}]
    assert record["effectiveAt"] == "2024-05-01" and record["issuedAt"] == "2024-05-02T09:00:00Z"
    assert record["categories"][0]["code"] == "LAB"
    assert NAME_IN_NOTE not in (tmp_path / "out" / "records.ndjson").read_text()
    validates(tmp_path)


def test_a_procedure_keeps_its_partial_period(tmp_path: Path) -> None:
    procedure = {"resourceType": "Procedure", "id": "x1", "status": "completed",
                 "subject": SUBJECT, "code": {"text": "Alcohol rehabilitation"},
                 "performedPeriod": {"start": "2002-05", "end": "2002-06-23"},
                 "bodySite": [{"coding": [{"system": SNOMED, "code": "368209003"}]}],
                 "note": [{"text": NAME_IN_NOTE}]}  # fmt: skip
    source = tmp_path / "p.ndjson"
    source.write_text(ndjson(PATIENT, procedure))
    result = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    record = records(tmp_path)[pseudonym("x1")]
    assert record["text"] == "Alcohol rehabilitation" and "code" not in record
    assert record["performedPeriod"] == {"start": "2002-05", "end": "2002-06-23"}
    assert record["bodySites"] == [{"system": SNOMED, "code": "368209003"}]
    validates(tmp_path)


def test_a_replayed_prescription_still_knows_its_medication(tmp_path: Path) -> None:
    source = tmp_path / "r.ndjson"
    source.write_text(ndjson(PATIENT, medication(), request(status="Active")))
    assert convert(tmp_path, source).exit_code == 1
    [line] = rejects(tmp_path)
    assert line["reason"] == "invalid-code" and line["context"]["medication"]
    fixed = json.loads(line["raw"]["text"]) | {"status": "active"}
    (tmp_path / "fix.ndjson").write_text(json.dumps(line | {"raw": {"text": json.dumps(fixed)}}))
    out = tmp_path / "again.ndjson"
    args = ["convert", "--replay", str(tmp_path / "fix.ndjson"), "--out", str(out), "-q"]
    result = RUNNER.invoke(app, args, env={"CCSTD_PSEUDONYM_KEY": KEY})
    assert result.exit_code == 0, result.output
    [record] = [json.loads(x) for x in out.read_text().splitlines()]
    assert record["code"]["code"] == "314076"
    line["context"]["medication"] = "not an object"
    (tmp_path / "bad.ndjson").write_text(json.dumps(line))
    args = ["convert", "--replay", str(tmp_path / "bad.ndjson"), "--out", str(out), "-q"]
    assert RUNNER.invoke(app, args, env={"CCSTD_PSEUDONYM_KEY": KEY}).exit_code == 1


def test_at_most_a_tenth_of_the_sample_clinical_resources_is_skipped(tmp_path: Path) -> None:
    result = convert(tmp_path, REPO_ROOT / "examples" / "vendors" / "fhir")
    assert result.exit_code == 1, result.output  # the sample holds two broken resources
    skipped = ledger(tmp_path)["skipped"]
    others = sum(n for key, n in skipped.items() if ": administrative:" not in key)
    clinical = len(records(tmp_path)) + len(rejects(tmp_path)) + others
    ratio = others / clinical
    print(f"sample clinical resources skipped: {others} of {clinical} ({ratio:.1%})")
    assert clinical > 100 and ratio <= 0.10


def test_dosage_parts_that_do_not_fit_are_dropped_with_the_reason(tmp_path: Path) -> None:
    odd = [{"timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "Day"}}},
           {"doseAndRate": [{"doseQuantity": {"value": -1, "unit": "mg"}}]}]  # fmt: skip
    source = tmp_path / "r.ndjson"
    source.write_text(ndjson(PATIENT, request(dosageInstruction=odd), medication()))
    assert convert(tmp_path, source).exit_code == 0
    assert records(tmp_path)[pseudonym("r1")]["dosages"] == [{"timing": {"frequency": 2}}]
    dropped = ledger(tmp_path)["dropped"]
    reason = dropped["MedicationRequest.dosageInstruction.timing.repeat.periodUnit"]["reason"]
    assert "unit of s, min, h, d, wk, mo or a" in reason
    assert "MedicationRequest.dosageInstruction.doseAndRate.doseQuantity.value" in dropped


def test_a_report_with_many_results_refers_to_each_once(tmp_path: Path) -> None:
    results = [{"reference": f"Observation/o{i % 5000}"} for i in range(10000)]
    report = {"resourceType": "DiagnosticReport", "id": "d1", "status": "final",
              "subject": SUBJECT, "code": {"text": "panel"}, "result": results}  # fmt: skip
    source = tmp_path / "d.ndjson"
    source.write_text(ndjson(PATIENT, report))
    assert convert(tmp_path, source).exit_code == 0
    found = records(tmp_path)[pseudonym("d1")]["results"]
    assert [r["id"] for r in found] == [pseudonym(f"o{i}") for i in range(5000)]
