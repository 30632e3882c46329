"""FHIR clinical resources as real exports write them: numbers as strings, Medications in
another file or twice, doses given as bounds, payer ids in rejected items."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from tests.adapters.fhir.test_clinical import (
    PATIENT,
    RXNORM,
    convert,
    ledger,
    medication,
    ndjson,
    protected,
    pseudonym,
    records,
    rejects,
    request,
    validates,
)


def test_a_dose_and_timing_written_as_strings_keep_their_values(tmp_path: Path) -> None:
    dosage = {
        "doseAndRate": [{"doseQuantity": {"value": "2.5", "unit": "mg"}}],
        "timing": {"repeat": {"frequency": "2", "period": "1", "periodUnit": "d"}},
    }
    source = tmp_path / "meds.ndjson"
    source.write_text(ndjson(PATIENT, medication(), request(dosageInstruction=[dosage])))
    result = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    record = records(tmp_path)[pseudonym("r1")]
    assert record["dosages"] == [
        {
            "doseQuantity": {"value": 2.5, "unit": "mg"},
            "timing": {"frequency": 2, "period": 1, "periodUnit": "d"},
        }
    ]
    dropped = ledger(tmp_path)["dropped"]
    assert not [path for path in dropped if "doseQuantity" in path or "repeat" in path]
    validates(tmp_path)


def test_a_medication_in_a_file_read_later_is_found(tmp_path: Path) -> None:
    """A Bulk Data client names files in the manifest's order (`1.MedicationRequest.ndjson`,
    `2.Medication.ndjson`): the Medication comes in a file read after its referrers."""
    folder = tmp_path / "bulk"
    folder.mkdir()
    (folder / "0.Patient.ndjson").write_text(ndjson(PATIENT))
    (folder / "1.MedicationRequest.ndjson").write_text(ndjson(request()))
    (folder / "2.Medication.ndjson").write_text(ndjson(medication()))
    result = convert(tmp_path, folder)
    assert result.exit_code == 0, result.output
    record = records(tmp_path)[pseudonym("r1")]
    assert record["code"]["code"] == "314076" and len(record["codings"]) == 2
    assert ledger(tmp_path)["skipped"] == {"Medication: carried-by-referrers": 1}
    validates(tmp_path)


def test_a_medication_in_a_later_gzipped_bundle_is_found(tmp_path: Path) -> None:
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"fullUrl": "urn:uuid:m1", "resource": medication()}]}  # fmt: skip
    later = tmp_path / "z-medications.json.gz"
    later.write_bytes(gzip.compress(json.dumps(bundle, indent=2).encode()))
    first = tmp_path / "a-requests.ndjson"
    first.write_text(ndjson(PATIENT, request()))
    result = convert(tmp_path, first, later)
    assert result.exit_code == 0, result.output
    assert records(tmp_path)[pseudonym("r1")]["code"]["code"] == "314076"


def test_redacted_rejects_carry_no_source_id_nor_medication_text(tmp_path: Path) -> None:
    """A payer's ids embed the member number and its references are full URLs: a rejected
    prescription's replay context (the fullUrls it refers to, the Medication's text) is
    personal and of no use in a line that cannot be replayed."""
    base = "https://payer.example/fhir/"
    member = "MBR-778812345"
    patient = PATIENT | {"id": member}
    prescription = request(intent="Order", subject={"reference": f"{base}Patient/{member}"})
    drug = {"resourceType": "Medication", "id": "m1", "code": {"text": "Dr Quixotebury's mix"}}
    entries = [
        {"fullUrl": f"{base}{r['resourceType']}/{r['id']}", "resource": r}
        for r in (patient, prescription, drug)
    ]
    source = tmp_path / "payer.json"
    source.write_text(json.dumps({"resourceType": "Bundle", "type": "searchset", "entry": entries}))
    shared = tmp_path / "out" / "shared.ndjson"
    result = convert(tmp_path, source, "--rejects-redacted", str(shared))
    assert result.exit_code == 1, result.output
    text = shared.read_text()
    assert json.loads(text)["reason"] == "invalid-code"
    assert member not in text and "Quixotebury" not in text


def test_a_dose_with_a_comparator_is_not_carried_as_an_exact_dose(tmp_path: Path) -> None:
    """`< 5 mg` is a bound, not a dose of 5 mg: the record's dose has no comparator, so the
    dose is dropped with the reason rather than stated wrongly."""
    bound = {"value": 5, "comparator": "<", "unit": "mg"}
    dosage = {"text": "under 5 mg", "doseAndRate": [{"doseQuantity": bound}]}
    source = tmp_path / "meds.ndjson"
    source.write_text(ndjson(PATIENT, medication(), request(dosageInstruction=[dosage])))
    result = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    assert records(tmp_path)[pseudonym("r1")]["dosages"] == [
        {"textProtected": protected("under 5 mg")}
    ]
    book = ledger(tmp_path)
    path = "MedicationRequest.dosageInstruction.doseAndRate.doseQuantity"
    assert f"{path}.comparator" not in book["mapped"] and f"{path}.value" not in book["mapped"]
    assert "comparator" in book["dropped"][f"{path}.value"]["reason"]


def test_the_first_of_two_copies_of_a_medication_is_the_one_used(tmp_path: Path) -> None:
    """The same Medication in two sources converts at its first reading: its referrers take
    the first copy's code, wherever they are read; a second copy that differs is rejected as a
    conflicting duplicate (exit 1), never dropped silently."""
    other = medication() | {"code": {"coding": [{"system": RXNORM, "code": "999"}]}}
    first, second = tmp_path / "a.ndjson", tmp_path / "b.ndjson"
    first.write_text(ndjson(PATIENT, request(), medication()))
    second.write_text(ndjson(other, request(id="r2")))
    result = convert(tmp_path, first, second)
    assert result.exit_code == 1, result.output
    assert [r["reason"] for r in rejects(tmp_path)] == ["conflicting-duplicate"]
    found = records(tmp_path)
    assert found[pseudonym("r1")]["code"]["code"] == "314076"
    assert found[pseudonym("r2")]["code"]["code"] == "314076"


def test_a_prescription_that_forbids_the_medicine_is_rejected_not_prescribed(
    tmp_path: Path,
) -> None:
    """`doNotPerform: true` (do not give penicillin) became an active order for penicillin;
    the standard cannot say "do not", so it is rejected naming the field."""
    forbidden = request(doNotPerform=True)
    allowed = request(id="r2", doNotPerform=False)
    source = tmp_path / "meds.ndjson"
    source.write_text(ndjson(PATIENT, medication(), forbidden, allowed))
    result = convert(tmp_path, source)
    assert result.exit_code == 1, result.output
    assert pseudonym("r1") not in records(tmp_path) and pseudonym("r2") in records(tmp_path)
    [line] = rejects(tmp_path)
    assert line["path"] == "doNotPerform" and "doNotPerform" in line["message"]
    assert "MedicationRequest.doNotPerform" not in ledger(tmp_path)["unknown"]
    validates(tmp_path)


def test_results_contained_in_a_report_become_observations(tmp_path: Path) -> None:
    """C-CDA converters put a report's results inside it (`contained`, `result: #o1`): the lab
    values were lost with a success exit. Each becomes an Observation of the report's subject."""
    result = {"resourceType": "Observation", "id": "o1", "status": "final",
              "code": {"coding": [{"system": "http://loinc.org", "code": "718-7"}]},
              "valueQuantity": {"value": 13.2, "unit": "g/dL"}}  # fmt: skip
    stray = result | {"id": "o2"}
    report = {"resourceType": "DiagnosticReport", "id": "d1", "status": "final",
              "subject": {"reference": "Patient/p1"}, "code": {"text": "CBC"},
              "contained": [result, stray], "result": [{"reference": "#o1"}]}  # fmt: skip
    source = tmp_path / "report.ndjson"
    source.write_text(ndjson(PATIENT, report))
    outcome = convert(tmp_path, source)
    assert outcome.exit_code == 0, outcome.output
    found = records(tmp_path)
    [lab] = [r for r in found.values() if r["type"] == "Observation"]
    assert lab["valueQuantity"] == {"value": 13.2, "unit": "g/dL"}
    assert lab["subject"] == {"type": "Resident", "id": pseudonym("p1")}
    assert found[pseudonym("d1")]["results"] == [{"type": "Observation", "id": lab["id"]}]
    book = ledger(tmp_path)
    assert not [path for path in book["unknown"] if path.startswith("DiagnosticReport.")]
    assert "DiagnosticReport.contained.id" in book["dropped"]  # the one no result names
    validates(tmp_path)
