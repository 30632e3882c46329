"""Care plans (with Goals), consents, messages, documents and devices → the entities of standard
1.3.0, end to end through `ccstd convert` and `ccstd validate --check-references`. Sources are
built here in FHIR R4's shapes (and R5's `Consent.decision`), never copied from an export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.adapters.fhir.test_clinical import (
    KEY,
    PATIENT,
    SNOMED,
    SUBJECT,
    convert,
    ledger,
    ndjson,
    protected,
    pseudonym,
    records,
    rejects,
    validates,
)

LOINC = "http://loinc.org"
SECRET = "Wilhelmina Quixotebury"  # a name free text may carry: never in clear by default
CONDITION = {
    "resourceType": "Condition",
    "id": "c1",
    "subject": SUBJECT,
    "code": {"coding": [{"system": SNOMED, "code": "44054006"}]},
}
OBSERVATION = {
    "resourceType": "Observation",
    "id": "o1",
    "status": "final",
    "subject": SUBJECT,
    "code": {"coding": [{"system": LOINC, "code": "4548-4"}]},
}


def ref(kind: str, key: str) -> dict[str, str]:
    return {"type": kind, "id": pseudonym(key)}


def care_plan(**changes: Any) -> dict[str, Any]:
    resource = {
        "resourceType": "CarePlan",
        "id": "cp1",
        "status": "active",
        "intent": "plan",
        "subject": SUBJECT,
        "title": f"Plan for {SECRET}",
        "description": f"Call {SECRET}",
        "category": [{"coding": [{"system": SNOMED, "code": "698360004"}]}],
        "period": {"start": "2020-03"},
        "created": "2020-02-01",
        "addresses": [{"reference": "Condition/c1"}],
        "activity": [
            {
                "detail": {
                    "code": {"coding": [{"system": SNOMED, "code": "160670007"}]},
                    "status": "in-progress",
                    "description": f"Walk with {SECRET}",
                    "scheduledPeriod": {"start": "2020-03-01"},
                }
            },
            {"detail": {"status": "scheduled", "kind": "Appointment"}},
        ],
        "goal": [{"reference": "#g1"}],
        "contained": [
            {
                "resourceType": "Goal",
                "id": "g1",
                "lifecycleStatus": "active",
                "subject": SUBJECT,
                "description": {"text": "HbA1c below 7%"},
                "achievementStatus": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/goal-achievement",
                            "code": "improving",
                        }
                    ]
                },
                "startDate": "2020-03-01",
                "target": [
                    {
                        "measure": {"coding": [{"system": LOINC, "code": "4548-4"}]},
                        "detailQuantity": {
                            "value": 7,
                            "unit": "%",
                            "system": "http://unitsofmeasure.org",
                            "code": "%",
                        },
                        "dueDate": "2020-12-31",
                    }
                ],
            }
        ],
        "note": [{"authorString": SECRET, "text": f"{SECRET} agreed"}],
    }
    return resource | changes


def consent(**changes: Any) -> dict[str, Any]:
    resource = {
        "resourceType": "Consent",
        "id": "cs1",
        "status": "active",
        "patient": SUBJECT,
        "scope": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                    "code": "patient-privacy",
                }
            ]
        },
        "category": [{"coding": [{"system": LOINC, "code": "59284-0"}]}],
        "dateTime": "2021-05-04T10:00:00Z",
        "policy": [{"uri": "https://example.org/policy"}],
        "provision": {
            "type": "deny",
            "period": {"start": "2021-05-04", "end": "2022"},
            "purpose": [
                {"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "HMARKT"}
            ],
            "action": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/consentaction",
                            "code": "disclose",
                        }
                    ]
                }
            ],
        },
    }
    return resource | changes


def communication(**changes: Any) -> dict[str, Any]:
    resource = {
        "resourceType": "Communication",
        "id": "m1",
        "status": "completed",
        "subject": SUBJECT,
        "medium": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode",
                        "code": "WRITTEN",
                    }
                ]
            }
        ],
        "sent": "2021-06-01T09:00:00Z",
        "about": [{"reference": "Condition/c1"}],
        "reasonCode": [{"coding": [{"system": SNOMED, "code": "44054006"}]}],
        "payload": [
            {"contentString": f"Dear {SECRET}, your results are ready"},
            {"contentReference": {"reference": "Observation/o1"}},
            {"contentAttachment": {"contentType": "text/plain", "data": "SGVsbG8="}},
        ],
        "note": [{"text": "sent twice"}],
    }
    return resource | changes


def composition(**changes: Any) -> dict[str, Any]:
    resource = {
        "resourceType": "Composition",
        "id": "doc1",
        "status": "final",
        "subject": SUBJECT,
        "type": {"coding": [{"system": LOINC, "code": "60591-5"}]},
        "date": "2022-09-20",
        "author": [{"display": SECRET}],
        "title": f"Summary for {SECRET}",
        "section": [
            {
                "title": "Problems",
                "code": {"coding": [{"system": LOINC, "code": "11450-4"}]},
                "entry": [{"reference": "Condition/c1"}],
                "text": {
                    "status": "generated",
                    "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{SECRET}</div>',
                },
                "section": [
                    {
                        "title": "Results",
                        "entry": [{"reference": "Observation/o1"}],
                        "section": [{"title": "Plans", "entry": [{"reference": "CarePlan/cp1"}]}],
                    }
                ],
            },
            {"title": f"Notes on {SECRET}"},
        ],
    }
    return resource | changes


def document_reference(**changes: Any) -> dict[str, Any]:
    resource = {
        "resourceType": "DocumentReference",
        "id": "dr1",
        "status": "current",
        "subject": SUBJECT,
        "type": {"coding": [{"system": LOINC, "code": "34133-9"}]},
        "date": "2022-09-20T10:00:00Z",
        "description": f"Letter about {SECRET}",
        "content": [
            {
                "attachment": {
                    "contentType": "application/pdf",
                    "url": "https://example.org/docs/1.pdf",
                    "title": SECRET,
                }
            },
            {"attachment": {"contentType": "text/plain", "data": "SGVsbG8="}},
        ],
    }
    return resource | changes


def manifest(**changes: Any) -> dict[str, Any]:
    resource = {
        "resourceType": "DocumentManifest",
        "id": "dm1",
        "status": "current",
        "subject": SUBJECT,
        "created": "2022-09-21T08:00:00Z",
        "content": [{"reference": "DocumentReference/dr1"}, {"reference": "Composition/doc1"}],
    }
    return resource | changes


def device(**changes: Any) -> dict[str, Any]:
    resource = {
        "resourceType": "Device",
        "id": "dev1",
        "status": "active",
        "patient": SUBJECT,
        "udiCarrier": [
            {
                "deviceIdentifier": "09504000059118",
                "issuer": "http://hl7.org/fhir/NamingSystem/gs1-di",
                "carrierHRF": "(01)09504000059118(21)SN-7781",
            }
        ],
        "deviceName": [{"name": f"{SECRET}'s hearing aid", "type": "user-friendly-name"}],
        "serialNumber": "SN-7781",
        "manufacturer": "Example Hearing Co.",
        "modelNumber": "EH-200",
        "type": {"coding": [{"system": SNOMED, "code": "6012004"}]},
        "lotNumber": "L-1",
    }
    return resource | changes


def device_use(**changes: Any) -> dict[str, Any]:
    inner = {k: v for k, v in device(id="dev2").items() if k != "patient"}
    resource = {
        "resourceType": "DeviceUseStatement",
        "id": "dus1",
        "status": "active",
        "subject": SUBJECT,
        "device": {"reference": "#dev2"},
        "contained": [inner],
        "timingPeriod": {"start": "2022-06"},
        "recordedOn": "2022-07-01T00:00:00Z",
        "bodySite": {"coding": [{"system": SNOMED, "code": "25577004"}]},
        "note": [{"text": "worn daily"}],
    }
    return resource | changes


FULL = [
    care_plan(),
    consent(),
    communication(),
    composition(),
    document_reference(),
    manifest(),
    device(),
    device_use(),
]


def _run(tmp_path: Path, *resources: dict[str, Any], raw: bool = False) -> dict[str, Any]:
    source = tmp_path / "care.ndjson"
    source.write_text(ndjson(PATIENT, CONDITION, OBSERVATION, *resources))
    extra = [Path("--raw-identifiers")] if raw else []
    env = {} if raw else {"CCSTD_PSEUDONYM_KEY": KEY}
    result = convert(tmp_path, *extra, source, env=env or {"CCSTD_NOTHING": "1"})
    assert result.exit_code == 0, result.output
    validates(tmp_path)
    return records(tmp_path)


def test_every_new_entity_converts_in_full_and_validates_with_its_references(
    tmp_path: Path,
) -> None:
    made = _run(tmp_path, *FULL)
    assert SECRET not in (tmp_path / "out" / "records.ndjson").read_text()
    assert "SN-7781" not in (tmp_path / "out" / "records.ndjson").read_text()
    plan = made[pseudonym("cp1")]
    assert (plan["type"], plan["status"], plan["intent"]) == ("CarePlan", "active", "plan")
    assert plan["title"] == protected(f"Plan for {SECRET}")
    assert plan["addresses"] == [ref("Condition", "c1")]
    assert plan["activities"] == [
        {
            "code": {"system": SNOMED, "code": "160670007"},
            "status": "in-progress",
            "scheduledPeriod": {"start": "2020-03-01"},
            "description": protected(f"Walk with {SECRET}"),
        },
        {"status": "scheduled"},
    ]
    [goal] = plan["goals"]
    assert goal["description"] == {"text": "HbA1c below 7%"} and goal["startDate"] == "2020-03-01"
    assert goal["lifecycleStatus"] == "active" and goal["achievement"]["code"] == "improving"
    assert goal["targets"][0]["quantity"]["value"] == 7 and goal["targets"][0]["dueDate"]
    assert plan["notes"] == [protected(f"{SECRET} agreed")]
    agreed = made[pseudonym("cs1")]
    assert (agreed["decision"], agreed["period"]) == (
        "deny",
        {"start": "2021-05-04", "end": "2022"},
    )
    assert agreed["purposes"][0]["code"] == "HMARKT" and agreed["policyUri"]
    message = made[pseudonym("m1")]
    assert message["payloads"] == [
        {"text": protected(f"Dear {SECRET}, your results are ready")},
        {"reference": ref("Observation", "o1")},
    ]
    assert message["about"] == [ref("Condition", "c1")] and message["notes"]
    document = made[pseudonym("doc1")]
    assert (document["kind"], document["title"]) == (
        "composition",
        protected(f"Summary for {SECRET}"),
    )
    assert [s.get("entries") for s in document["sections"]] == [
        [ref("Condition", "c1")],
        [ref("Observation", "o1")],
        [ref("CarePlan", "cp1")],
        None,
    ]  # nested sections flattened in document order
    held = made[pseudonym("dr1")]
    assert held["attachments"] == [
        {"url": "https://example.org/docs/1.pdf", "mediaType": "application/pdf"}
    ]
    assert held["description"] == protected(f"Letter about {SECRET}")
    assert made[pseudonym("dm1")]["contents"] == [
        ref("ClinicalDocument", "dr1"),
        ref("ClinicalDocument", "doc1"),
    ]
    worn = made[pseudonym("dev1")]
    assert worn["udi"]["value"] == protected("09504000059118") and worn["model"] == "EH-200"
    assert worn["serialNumber"] == protected("SN-7781")
    used = made[pseudonym("dus1")]
    assert (used["deviceType"]["code"], used["usePeriod"], used["notes"]) == (
        "6012004",
        {"start": "2022-06"},
        [protected("worn daily")],
    )
    dropped = ledger(tmp_path)["dropped"]
    for path in (
        "Communication.payload.contentAttachment.data",  # inline data: not carried
        "DocumentReference.content.attachment.data",
        "Composition.section.text.div",
        "Device.lotNumber",
        "DeviceUseStatement.contained.lotNumber",
    ):
        assert path in dropped and path not in ledger(tmp_path)["mapped"], path


def test_raw_identifiers_put_free_text_back_in_clear(tmp_path: Path) -> None:
    made = _run(tmp_path, care_plan(), communication(), composition(), device_use(), raw=True)
    plan = made["cp1"]
    assert plan["title"] == f"Plan for {SECRET}" and plan["notes"] == [f"{SECRET} agreed"]
    assert made["m1"]["payloads"][0] == {"text": f"Dear {SECRET}, your results are ready"}
    assert made["dus1"]["serialNumber"] == "SN-7781"


MINIMAL = [
    {
        "resourceType": "CarePlan",
        "id": "cp1",
        "status": "draft",
        "intent": "proposal",
        "subject": {"reference": "Patient/p1"},
    },
    {
        "resourceType": "Consent",
        "id": "cs1",
        "status": "proposed",
        "patient": {"reference": "Patient/p1"},
        "scope": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                    "code": "treatment",
                }
            ]
        },
        "category": [{"coding": [{"system": LOINC, "code": "59284-0"}]}],
    },
    {
        "resourceType": "Communication",
        "id": "m1",
        "status": "unknown",
        "subject": {"reference": "Patient/p1"},
    },
    {
        "resourceType": "Composition",
        "id": "doc1",
        "status": "preliminary",
        "subject": {"reference": "Patient/p1"},
        "type": {"text": "note"},
        "date": "2022",
        "author": [{"display": "x"}],
        "title": "t",
    },
    {
        "resourceType": "DocumentReference",
        "id": "dr1",
        "status": "current",
        "subject": {"reference": "Patient/p1"},
        "content": [{"attachment": {"url": "https://example.org/a"}}],
    },
    {
        "resourceType": "DocumentManifest",
        "id": "dm1",
        "status": "current",
        "subject": {"reference": "Patient/p1"},
        "content": [{"reference": "DocumentReference/dr1"}],
    },
    {
        "resourceType": "Device",
        "id": "dev1",
        "patient": {"reference": "Patient/p1"},
        "type": {"coding": [{"system": SNOMED, "code": "6012004"}]},
    },
    {
        "resourceType": "DeviceUseStatement",
        "id": "dus1",
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "device": {"reference": "Device/elsewhere", "display": "glucose meter"},
    },
]


def test_minimal_resources_convert_and_validate(tmp_path: Path) -> None:
    made = _run(tmp_path, *MINIMAL)
    assert {made[pseudonym(r["id"])]["type"] for r in MINIMAL} == {
        "CarePlan",
        "Consent",
        "Communication",
        "ClinicalDocument",
        "MedicalDevice",
    }
    assert "status" not in made[pseudonym("dev1")]  # R4's Device.status is optional
    assert made[pseudonym("dus1")]["deviceName"] == protected("glucose meter")
    assert "attachments" not in made[pseudonym("dr1")]  # a URL without a media type


@pytest.mark.parametrize("resource", [*FULL[:-2], device_use()], ids=lambda r: r["resourceType"])
def test_a_resource_without_its_patient_is_rejected_naming_the_field(
    tmp_path: Path, resource: dict[str, Any]
) -> None:
    name = "patient" if resource["resourceType"] == "Consent" else "subject"
    source = tmp_path / "one.ndjson"
    source.write_text(ndjson(PATIENT, {k: v for k, v in resource.items() if k != name}))
    result = convert(tmp_path, source)
    assert result.exit_code == 1, result.output
    [reject] = rejects(tmp_path)
    assert reject["reason"] in ("missing-required", "fhir-invalid")
    assert name in reject["path"] or name in reject["message"]


def test_a_device_without_a_patient_is_skipped_as_community_equipment(tmp_path: Path) -> None:
    source = tmp_path / "gate.ndjson"
    gate = {k: v for k, v in device().items() if k != "patient"}
    source.write_text(ndjson(PATIENT, gate))
    assert convert(tmp_path, source).exit_code == 0
    assert ledger(tmp_path)["skipped"] == {"Device: not-a-resident-device": 1}


def test_an_r5_consent_decision_is_carried(tmp_path: Path) -> None:
    r5 = {k: v for k, v in consent().items() if k not in ("patient", "provision", "dateTime")}
    r5 |= {
        "subject": SUBJECT,
        "decision": "permit",
        "date": "2021-05-04",
        "period": {"start": "2021-05-04"},
    }
    made = _run(tmp_path, r5)
    agreed = made[pseudonym("cs1")]
    assert (agreed["decision"], agreed["recordedAt"], agreed["period"]) == (
        "permit",
        "2021-05-04",
        {"start": "2021-05-04"},
    )
    assert agreed["subject"] == ref("Resident", "p1")


def test_a_goal_the_plan_names_but_does_not_hold_is_reported(tmp_path: Path) -> None:
    plan = care_plan(goal=[{"reference": "Goal/g9"}], contained=[])
    made = _run(tmp_path, plan)
    assert "goals" not in made[pseudonym("cp1")]
    assert "CarePlan.goal.reference" in ledger(tmp_path)["dropped"]


def test_a_wrong_status_is_rejected_naming_the_source_field(tmp_path: Path) -> None:
    source = tmp_path / "bad.ndjson"
    source.write_text(ndjson(PATIENT, consent(provision={"type": "Permit"})))
    assert convert(tmp_path, source).exit_code == 1
    [reject] = rejects(tmp_path)
    assert reject["reason"] == "invalid-code" and "Consent.provision.type" in reject["message"]


def test_goals_and_devices_given_as_resources_of_their_own_are_carried(tmp_path: Path) -> None:
    """A Goal a plan names by reference, and the Device a statement names, read elsewhere in the
    run (here on later lines): carried inside the plan and the device record."""
    plan = care_plan(goal=[{"reference": "Goal/g1"}], contained=[])
    goal = care_plan()["contained"][0]
    use = device_use(device={"reference": "Device/dev1"}, contained=[])
    made = _run(tmp_path, plan, use, goal, device())
    assert made[pseudonym("cp1")]["goals"][0]["description"] == {"text": "HbA1c below 7%"}
    used = made[pseudonym("dus1")]
    assert used["udi"]["value"] == protected("09504000059118")
    assert used["deviceName"] == protected(f"{SECRET}'s hearing aid")
    assert ledger(tmp_path)["skipped"] == {"Goal: carried-by-referrers": 1}


def test_free_text_with_an_asterisk_is_pseudonymised_not_kept_as_masked(tmp_path: Path) -> None:
    """A masked value (李*, 135****1234) has no spaces; words with an asterisk are free text."""
    made = _run(tmp_path, care_plan(title=f"Call {SECRET} * urgent"))
    assert made[pseudonym("cp1")]["title"] == protected(f"Call {SECRET} * urgent")
    assert SECRET not in (tmp_path / "out" / "records.ndjson").read_text()


def test_attachments_keep_only_absolute_urls_naming_no_one_with_a_media_type(
    tmp_path: Path,
) -> None:
    content = [
        {"attachment": {"contentType": "Application/PDF", "url": "https://example.org/a.pdf"}},
        {"attachment": {"contentType": "application/pdf", "url": "Binary/123"}},
        {"attachment": {"contentType": "application/pdf", "url": "https://portal.example/Doe/1"}},
        {"attachment": {"contentType": "pdf", "url": "https://example.org/b.pdf"}},
    ]
    made = _run(tmp_path, document_reference(content=content))
    assert made[pseudonym("dr1")]["attachments"] == [
        {"url": "https://example.org/a.pdf", "mediaType": "application/pdf"}
    ]
    assert "Doe" not in (tmp_path / "out" / "records.ndjson").read_text()
    assert "DocumentReference.content.attachment.url" in ledger(tmp_path)["dropped"]


def test_a_rejected_plan_replays_with_the_goals_its_run_had_read(tmp_path: Path) -> None:
    """The Goal read elsewhere travels in the reject's replay context, so the fixed plan, replayed
    alone, still carries it."""
    source = tmp_path / "plans.ndjson"
    broken = care_plan(status="Active", goal=[{"reference": "Goal/g1"}], contained=[])
    source.write_text(ndjson(PATIENT, broken, care_plan()["contained"][0]))
    assert convert(tmp_path, source).exit_code == 1
    [line] = rejects(tmp_path)
    assert line["reason"] == "invalid-code" and "CarePlan.status" in line["message"]
    fixed = json.loads(line["raw"]["text"]) | {"status": "active"}
    (tmp_path / "fix.ndjson").write_text(json.dumps(line | {"raw": {"text": json.dumps(fixed)}}))
    again = tmp_path / "again"
    again.mkdir()
    result = convert(again, Path("--replay"), tmp_path / "fix.ndjson")
    assert result.exit_code == 0, result.output
    [record] = records(again).values()
    assert record["goals"][0]["description"] == {"text": "HbA1c below 7%"}
