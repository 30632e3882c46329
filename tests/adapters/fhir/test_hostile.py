"""Bad FHIR input becomes rejections with reasons; counts always add up; nothing raw leaks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ccstd.adapters.fhir import FhirAdapter
from ccstd.adapters.ledger import Ledger
from ccstd.adapters.privacy import Protector
from ccstd.adapters.runner import Outputs, convert_paths, replay_rejects
from ccstd.standard.registry import StandardRegistry

PATIENT = {"resourceType": "Patient", "id": "p1", "name": [{"family": "Wang", "given": ["Fang"]}]}


def run(tmp_path: Path, name: str, content: str) -> tuple[dict, list[dict]]:  # type: ignore[type-arg]
    source = tmp_path / name
    source.write_text(content)
    adapter = FhirAdapter()
    outputs = Outputs(tmp_path / "out.ndjson", tmp_path / "rejects.ndjson")
    protector = Protector(StandardRegistry().get("1.0.0"), b"hostile-test-key-0123")
    report = convert_paths(adapter, [source], outputs, protector, Ledger(adapter.coverage()))
    rejects = [json.loads(line) for line in outputs.rejects.read_text().splitlines()]  # type: ignore[union-attr]
    return report.as_json(), rejects


def test_malformed_bundle_is_one_rejected_item(tmp_path: Path) -> None:
    report, rejects = run(tmp_path, "broken.json", '{"resourceType": "Bundle", "entry": [')
    assert (report["read"], report["rejected"]) == (1, 1)
    assert rejects[0]["reason"] == "unreadable-item"


def test_invalid_resource_is_rejected_with_its_fhir_path(tmp_path: Path) -> None:
    bad = {"resourceType": "Observation", "id": "o1", "status": 12, "code": {"text": "x"},
           "subject": {"reference": "Patient/p1"}}  # fmt: skip
    lines = "\n".join(json.dumps(r) for r in (PATIENT, bad, {"resourceType": "Claim", "id": "c"}))
    report, rejects = run(tmp_path, "bulk.ndjson", lines + "\n{not json\n")
    assert (report["read"], report["converted"], report["skipped"], report["rejected"]) == (
        4,
        1,
        1,
        2,
    )
    assert [(r["reason"], r["line"]) for r in rejects] == [
        ("fhir-invalid", 2),
        ("unreadable-item", 4),
    ]
    assert rejects[0]["path"] == "Observation.status"
    assert json.loads(rejects[0]["raw"]["text"])["id"] == "o1"  # replayable: the item itself


def test_entry_without_resource_and_subject_that_is_not_a_resident(tmp_path: Path) -> None:
    group_subject = {"resourceType": "Observation", "id": "o1", "status": "final",
                     "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
                     "subject": {"reference": "Group/g1"}}  # fmt: skip
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"fullUrl": "urn:uuid:1"}, {"resource": group_subject}]}  # fmt: skip
    report, rejects = run(tmp_path, "bundle.json", json.dumps(bundle))
    assert report["read"] == report["rejected"] == 2
    assert [r["reason"] for r in rejects] == ["invalid-entry", "missing-required"]


def test_output_appears_only_when_the_run_completes(tmp_path: Path) -> None:
    source = tmp_path / "in.ndjson"
    source.write_text(json.dumps(PATIENT) + "\n")
    target = tmp_path / "out.ndjson"

    class Exploding(FhirAdapter):
        def items(self, path, context):  # type: ignore[no-untyped-def]
            yield from super().items(path, context)
            raise OSError("disk went away")

    protector = Protector(StandardRegistry().get("1.0.0"), b"hostile-test-key-0123")
    with pytest.raises(OSError, match="disk went away"):
        convert_paths(Exploding(), [source], Outputs(target), protector)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == [source]


def test_codes_fhir_resources_does_not_check_are_caught_by_the_standard(tmp_path: Path) -> None:
    """fhir.resources takes any string as a status; the mapping rejects it, naming the field."""
    encounter = {"resourceType": "Encounter", "id": "e1", "status": "done",
                 "class": {"code": "AMB"}, "subject": {"reference": "Patient/p1"}}  # fmt: skip
    report, rejects = run(tmp_path, "bulk.ndjson", json.dumps(encounter) + "\n")
    assert (report["read"], report["rejected"]) == (1, 1)
    assert rejects[0]["reason"] == "invalid-code" and rejects[0]["path"] == "Encounter.status"
    assert "done" not in rejects[0]["message"]  # codes and pointers, never values


def test_entries_sharing_a_full_url_and_references_to_it_are_rejected(tmp_path: Path) -> None:
    url = "urn:uuid:5d9dc9f8-1818-e811-892f-902bd23f0824"
    other = {**PATIENT, "id": "p2"}
    encounter = {"resourceType": "Encounter", "id": "e1", "status": "finished",
                 "class": {"code": "AMB"}, "subject": {"reference": url}}  # fmt: skip
    entries = [{"fullUrl": url, "resource": PATIENT}, {"fullUrl": "urn:uuid:e1",
               "resource": encounter}, {"fullUrl": url, "resource": other}]  # fmt: skip
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    report, rejects = run(tmp_path, "bundle.json", json.dumps(bundle))
    assert (report["read"], report["converted"], report["rejected"]) == (3, 0, 3)
    assert [(r["locator"], r["reason"]) for r in rejects] == [
        ("Bundle.entry[0] Patient", "duplicate-full-url"),
        ("Bundle.entry[1] Encounter", "duplicate-full-url"),
        ("Bundle.entry[2] Patient", "duplicate-full-url"),
    ]
    assert "entry[0].fullUrl is also the fullUrl of entry 2" in rejects[0]["message"]
    assert "Wang" not in json.dumps([r["message"] for r in rejects])
    assert rejects[1]["context"] == {"sharedFullUrls": [url]}
    assert (tmp_path / "out.ndjson").read_text() == ""  # the Encounter went to neither Patient
    again = Outputs(tmp_path / "again.ndjson", tmp_path / "still.ndjson")
    replayed = replay_rejects(tmp_path / "rejects.ndjson", again, b"hostile-test-key-0123")
    still = [json.loads(line) for line in again.rejects.read_text().splitlines()]  # type: ignore[union-attr]
    assert replayed.rejected >= 1 and "Bundle.entry[1] Encounter" in [r["locator"] for r in still]


def test_a_null_value_quantity_is_no_value_not_a_crash(tmp_path: Path) -> None:
    observation = {"resourceType": "Observation", "id": "o1", "status": "final",
                   "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
                   "subject": {"reference": "Patient/p1"}, "valueQuantity": None}  # fmt: skip
    report, rejects = run(tmp_path, "o.ndjson", json.dumps(observation))
    assert report["read"] == report["converted"] + report["rejected"] == 1
    assert "adapter-error" not in [r["reason"] for r in rejects]
