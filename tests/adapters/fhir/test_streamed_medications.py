"""A Bundle above the size where the adapter streams it (`STREAM_ABOVE`): the Medications its
MedicationRequests and MedicationStatements refer to are found wherever they are in it, and in a
large Bundle read after the file that refers to them. The threshold is lowered here (the same
code path); one slow test crosses the real 64 MiB."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from ccstd.adapters.base import SourceContext
from ccstd.adapters.fhir import adapter as fhir_adapter
from tests.adapters.fhir.test_clinical import (
    PATIENT,
    convert,
    medication,
    ndjson,
    pseudonym,
    records,
    request,
)

SMALL = 2048


def big_bundle(*resources: dict[str, Any], padding: int = 0) -> bytes:
    """A pretty-printed Bundle (no line is a whole resource), the Medications last."""
    entries = [{"fullUrl": f"urn:uuid:{r['resourceType']}-{r['id']}", "resource": r}
               for r in resources]  # fmt: skip
    if padding:
        filler = {"resourceType": "Binary", "id": "b1", "contentType": "text/plain",
                  "data": "QUFB" * (padding // 4)}  # fmt: skip
        entries.insert(1, {"fullUrl": "urn:uuid:Binary-b1", "resource": filler})
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    return json.dumps(bundle, indent=2).encode()


def statement() -> dict[str, Any]:
    return {"resourceType": "MedicationStatement", "id": "s1", "status": "active",
            "subject": {"reference": "Patient/p1"},
            "medicationReference": {"reference": "urn:uuid:Medication-m2"}}  # fmt: skip


@pytest.fixture
def streamed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fhir_adapter, "STREAM_ABOVE", SMALL)


def test_medications_after_their_referrers_in_a_streamed_bundle_resolve(
    tmp_path: Path, streamed: None
) -> None:
    source = tmp_path / "export.json"
    source.write_bytes(big_bundle(PATIENT, request(), statement(), medication(), medication("m2"),
                                  padding=SMALL))  # fmt: skip
    assert source.stat().st_size > SMALL
    assert (
        fhir_adapter.FhirAdapter().streamed_bundle(source, SourceContext(str(source))) is not None
    )
    result = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    made = records(tmp_path)
    assert made[pseudonym("r1")]["code"]["code"] == "314076"  # by Medication/m1
    assert made[pseudonym("s1")]["code"]["code"] == "314076"  # by its fullUrl
    assert "text" not in made[pseudonym("s1")]


def test_a_medication_in_a_later_large_gzipped_bundle_is_found(
    tmp_path: Path, streamed: None
) -> None:
    later = tmp_path / "z-medications.json.gz"
    later.write_bytes(gzip.compress(big_bundle(medication(), padding=SMALL)))
    first = tmp_path / "a-requests.ndjson"
    first.write_text(ndjson(PATIENT, request()))
    result = convert(tmp_path, first, later)
    assert result.exit_code == 0, result.output
    assert records(tmp_path)[pseudonym("r1")]["code"]["code"] == "314076"


def test_a_large_array_of_resources_finds_a_later_medication(
    tmp_path: Path, streamed: None
) -> None:
    source = tmp_path / "array.json"
    filler = {"resourceType": "Binary", "id": "b1", "data": "QUFB" * SMALL}
    source.write_text(json.dumps([PATIENT, request(), filler, medication()], indent=1))
    result = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    assert records(tmp_path)[pseudonym("r1")]["code"]["code"] == "314076"


@pytest.mark.slow
def test_a_bundle_over_64_mib_resolves_its_medications(tmp_path: Path) -> None:
    source = tmp_path / "export.json"
    source.write_bytes(big_bundle(PATIENT, request(), medication(),
                                  padding=fhir_adapter.STREAM_ABOVE + 1024))  # fmt: skip
    result = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    assert records(tmp_path)[pseudonym("r1")]["code"]["code"] == "314076"
