"""Medications as real exports write them: numbers as strings, Medications in another file."""

from __future__ import annotations

from pathlib import Path

from tests.adapters.fhir.test_clinical import (
    PATIENT,
    convert,
    ledger,
    medication,
    ndjson,
    pseudonym,
    records,
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
