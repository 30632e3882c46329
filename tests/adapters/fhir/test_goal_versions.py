"""Two versions of one Goal (same id, different content) in two sources, each named by a plan:
the version converted first is the one every plan carries, and the other is the rejected
conflicting duplicate; output and rejects agree (no plan carries the version the rejects call
lost). The same for a Medication carried by the requests naming it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.adapters.fhir.test_goal_order import goal
from tests.adapters.fhir.test_real_shapes import convert, lines, ndjson, patient


def _plan(pid: str, *targets: str) -> dict[str, Any]:
    return {"resourceType": "CarePlan", "id": pid, "status": "active", "intent": "plan",
            "subject": {"reference": "Patient/p1"},
            "goal": [{"reference": t} for t in targets]}  # fmt: skip


def _medication(text: str) -> dict[str, Any]:
    return {"resourceType": "Medication", "id": "m1", "code": {"text": text}}


def _request(rid: str, target: str) -> dict[str, Any]:
    return {"resourceType": "MedicationRequest", "id": rid, "status": "active",
            "intent": "order", "subject": {"reference": "Patient/p1"},
            "authoredOn": "2024-05-01T08:00:00Z",
            "medicationReference": {"reference": target}}  # fmt: skip


def _bundle(*entries: tuple[str, dict[str, Any]]) -> str:
    return json.dumps({"resourceType": "Bundle", "type": "collection",
                       "entry": [{"fullUrl": u, "resource": r} for u, r in entries]})  # fmt: skip


def test_every_plan_carries_the_goal_version_converted(tmp_path: Path) -> None:
    other, second = tmp_path / "d_other.ndjson", tmp_path / "c_bundle.json"
    other.write_text(ndjson(patient(), goal("gc", "third v2"), _plan("cp-d", "Goal/gc")))
    second.write_text(_bundle(("urn:uuid:cp-c", _plan("cp-c", "urn:uuid:g-c")),
                              ("urn:uuid:g-c", goal("gc", "third v1"))))  # fmt: skip
    result, out = convert(tmp_path, other, second, extra=("--from", "fhir-r4"))
    assert result.exit_code == 1, result.output
    [rejected] = lines(out / "rejects.ndjson")
    assert rejected["reason"] == "conflicting-duplicate"
    assert "third v1" in rejected["raw"]["text"]
    plans = [r for r in lines(out / "records.ndjson") if r["type"] == "CarePlan"]
    carried = sorted(g["description"]["text"] for p in plans for g in p["goals"])
    assert carried == ["third v2", "third v2"]


def test_every_request_carries_the_medication_version_converted(tmp_path: Path) -> None:
    other, second = tmp_path / "d_other.ndjson", tmp_path / "c_bundle.json"
    other.write_text(ndjson(patient(), _medication("Aspirin v2"), _request("r1", "Medication/m1")))
    second.write_text(_bundle(("urn:uuid:r2", _request("r2", "urn:uuid:m-1")),
                              ("urn:uuid:m-1", _medication("Aspirin v1"))))  # fmt: skip
    result, out = convert(tmp_path, other, second, extra=("--from", "fhir-r4"))
    assert result.exit_code == 1, result.output
    [rejected] = lines(out / "rejects.ndjson")
    assert rejected["reason"] == "conflicting-duplicate"
    uses = [r for r in lines(out / "records.ndjson") if r["type"] == "MedicationUse"]
    assert len(uses) == 2 and "Aspirin v1" not in json.dumps(uses)
