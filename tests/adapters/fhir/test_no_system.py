"""An identifier or coding without a system (the standard requires one) is carried with the
documented `urn:ccstd:no-system`, noted in the ledger, never an invented URN; the identifier's
value stays pseudonymised (issue 11), end to end through `ccstd convert`."""

from __future__ import annotations

from pathlib import Path

from tests.adapters.fhir.test_real_shapes import (
    convert,
    ledger,
    lines,
    ndjson,
    observation,
    patient,
    pseudonym,
)

NOTE = "no system in the source: carried as urn:ccstd:no-system"


def test_identifier_and_coding_without_a_system(tmp_path: Path) -> None:
    person = patient(identifier=[{"value": "MRN-000123"}])
    seen = observation(code={"coding": [{"code": "HB"}], "text": "Haemoglobin"})
    source = tmp_path / "b.ndjson"
    source.write_text(ndjson(person, seen))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    records = {r["type"]: r for r in lines(out / "records.ndjson")}
    [identifier] = records["Resident"]["identifiers"]
    assert identifier["system"] == "urn:ccstd:no-system"
    assert identifier["value"]["value"] == pseudonym("MRN-000123")
    assert records["Observation"]["code"]["system"] == "urn:ccstd:no-system"
    text = (out / "records.ndjson").read_text()
    assert "urn:unknown" not in text and "MRN-000123" not in text
    notes = ledger(out)["notes"]
    assert NOTE in notes["Patient.identifier.system"]["note"]
    assert NOTE in notes["Observation.code.coding.system"]["note"]
