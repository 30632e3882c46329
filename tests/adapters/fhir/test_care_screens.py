"""What a red-team pass found in the care mappings, driven through `ccstd convert`: free text a
plan's Goals and a document's attachments carry is screened for the run's people, Goals and
Consents are carried or reported truthfully, and a Consent's nested denial is never widened."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ccstd.cli.app import app
from tests.adapters.fhir.test_clinical import (
    KEY,
    RUNNER,
    convert,
    ledger,
    ndjson,
    pseudonym,
    records,
    rejects,
)

NAME = "Eugenia Vandersloot"
PATIENT = {"resourceType": "Patient", "id": "gp", "name": [{"family": "Vandersloot",
           "given": ["Eugenia"]}], "identifier": [{"value": "999-12-3456"}]}  # fmt: skip
SUBJECT = {"reference": "Patient/gp"}
LOINC = "http://loinc.org"


def _plan(**changes: Any) -> dict[str, Any]:
    plan = {"resourceType": "CarePlan", "id": "cp", "status": "active", "intent": "plan",
            "subject": SUBJECT}  # fmt: skip
    return plan | changes


def _goal(key: str, text: str, **changes: Any) -> dict[str, Any]:
    goal = {"resourceType": "Goal", "id": key, "lifecycleStatus": "active",
            "description": {"text": text}, "subject": SUBJECT}  # fmt: skip
    return goal | changes


def _run(tmp_path: Path, *resources: dict[str, Any], code: int = 0) -> str:
    source = tmp_path / "in.ndjson"
    source.write_text(ndjson(PATIENT, *resources))
    result = convert(tmp_path, source, env={"CCSTD_PSEUDONYM_KEY": KEY})
    assert result.exit_code == code, result.output
    return (tmp_path / "out" / "records.ndjson").read_text()


def test_a_goal_read_elsewhere_naming_the_patient_is_dropped_with_the_reason(
    tmp_path: Path,
) -> None:
    target = [{"measure": {"text": "Vandersloot steps"}, "dueDate": "2021-01-01"}]
    written = _run(tmp_path, _plan(goal=[{"reference": "Goal/g1"}, {"reference": "Goal/g2"}]),
                   _goal("g1", f"{NAME} walks daily"),
                   _goal("g2", "Walks daily", target=target))  # fmt: skip
    assert "Vandersloot" not in written and "Eugenia" not in written
    plan = records(tmp_path)[pseudonym("cp")]
    assert plan["goals"] == [{"description": {"text": "Walks daily"}, "lifecycleStatus": "active",
                              "targets": [{"dueDate": "2021-01-01"}]}]  # fmt: skip
    dropped = ledger(tmp_path)["dropped"]
    assert "naming a person" in dropped["CarePlan.goal.description.text"]["reason"]
    assert "naming a person" in dropped["CarePlan.goal.target.measure.text"]["reason"]
    assert "not carried" in dropped["CarePlan.goal.reference"]["reason"]


def test_a_device_maker_naming_the_patient_is_dropped(tmp_path: Path) -> None:
    device = {"resourceType": "Device", "id": "d1", "patient": SUBJECT,
              "deviceName": [{"name": "pump", "type": "user-friendly-name"}],
              "manufacturer": "Vandersloot Medical", "modelNumber": "999-12-3456"}  # fmt: skip
    written = _run(tmp_path, device)
    assert "Vandersloot" not in written and "3456" not in written
    dropped = ledger(tmp_path)["dropped"]
    assert {"Device.manufacturer", "Device.modelNumber"} <= dropped.keys()


def _document(url: str) -> dict[str, Any]:
    return {"resourceType": "DocumentReference", "id": "dr", "status": "current",
            "subject": SUBJECT, "content": [{"attachment": {"contentType": "application/pdf",
                                                             "url": url}}]}  # fmt: skip


def test_an_attachment_url_naming_the_patient_or_a_number_is_dropped_truthfully(
    tmp_path: Path,
) -> None:
    for url in ("https://files.example.org/Eugenia_Vandersloot_999123456.pdf",
                "https://files.example.org/Eugenia%20Vandersloot/scan.pdf",
                "https://files.example.org/scan_13800138000.pdf"):  # fmt: skip
        written = _run(tmp_path, _document(url))
        assert "Vandersloot" not in written and "attachments" not in written, url
        dropped = ledger(tmp_path)["dropped"]
        url_drop = dropped["DocumentReference.content.attachment.url"]["reason"]
        assert "person" in url_drop or "number" in url_drop, url
        assert "nothing the standard holds" not in str(dropped), url


def test_an_attachment_url_carried_is_counted_mapped(tmp_path: Path) -> None:
    _run(tmp_path, _document("https://files.example.org/letter.pdf"))
    [document] = [r for r in records(tmp_path).values() if r["type"] == "ClinicalDocument"]
    assert document["attachments"][0]["url"] == "https://files.example.org/letter.pdf"
    found = ledger(tmp_path)
    assert "DocumentReference.content.attachment.url" in found["mapped"]
    assert "DocumentReference.content.attachment.url" not in found["dropped"]


def test_every_goal_a_plan_names_is_carried_and_what_each_leaves_out_is_reported(
    tmp_path: Path,
) -> None:
    contained = _goal("c1", "Keep blood pressure down")
    named = [{"reference": f"Goal/g{i}"} for i in (1, 2, 3)] + [{"reference": "#c1"}]
    extra = {"note": [{"text": "a note"}], "target": [{"detailString": "below 80kg"}],
             "achievementStatus": {"text": "in progress"}}  # fmt: skip
    _run(tmp_path, _plan(goal=named, contained=[contained]), _goal("g1", "Walks daily"),
         _goal("g2", "Loses weight", **extra), _goal("g3", "Sleeps well"))  # fmt: skip
    goals = records(tmp_path)[pseudonym("cp")]["goals"]
    assert [g["description"]["text"] for g in goals] == [
        "Walks daily", "Loses weight", "Sleeps well", "Keep blood pressure down"]  # fmt: skip
    assert goals[1]["achievement"] == {"text": "in progress"}
    found = ledger(tmp_path)
    assert {"CarePlan.goal.note", "CarePlan.goal.target.detailString"} <= found["dropped"].keys()
    assert "CarePlan.goal.reference" not in found["dropped"]
    assert "CarePlan.contained.description.text" in found["mapped"]
    assert found["skipped"] == {"Goal: carried-by-referrers": 3}


def test_a_goal_no_plan_names_is_skipped_as_such(tmp_path: Path) -> None:
    _run(tmp_path, _goal("g1", "Walks daily"), _plan(goal=[{"reference": "Goal/g2"}]),
         _goal("g2", "Swims"))  # fmt: skip
    skipped = ledger(tmp_path)["skipped"]
    assert skipped == {"Goal: not-named-by-a-plan": 1, "Goal: carried-by-referrers": 1}


def _consent(**changes: Any) -> dict[str, Any]:
    consent = {"resourceType": "Consent", "id": "cs", "status": "active"}
    return consent | changes


def test_an_r5_consent_converts_without_r4_only_elements_invented(tmp_path: Path) -> None:
    """R5 has no `scope` and an optional `category`: the record has neither."""
    r5 = _consent(subject=SUBJECT, date="2023-01-01", decision="deny",
                  period={"start": "2023-01-01"})  # fmt: skip
    _run(tmp_path, r5)
    made = records(tmp_path)[pseudonym("cs")]
    assert (made["decision"], made["recordedAt"], made["period"]) == (
        "deny", "2023-01-01", {"start": "2023-01-01"})  # fmt: skip
    assert "scope" not in made and "categories" not in made
    assert not any(
        k.startswith(("Consent.scope", "Consent.category")) for k in ledger(tmp_path)["mapped"]
    )


def test_a_permit_with_a_nested_denial_is_rejected_naming_it(tmp_path: Path) -> None:
    inner = {"type": "permit", "provision": [{"type": "deny", "action": [{"text": "disclose"}]}]}
    provision = {"type": "permit", "provision": [inner]}
    r4 = _consent(patient=SUBJECT, scope={"text": "privacy"}, category=[{"text": "x"}],
                  provision=provision)  # fmt: skip
    written = _run(tmp_path, r4, code=1)
    assert '"Consent"' not in written
    [reject] = rejects(tmp_path)
    assert reject["reason"] == "unsupported-consent"
    assert "provision.provision[0].provision[0]" in reject["message"]


def test_a_udi_without_its_issuer_is_left_out_not_given_an_invented_system(
    tmp_path: Path,
) -> None:
    device = {"resourceType": "Device", "id": "d1", "patient": SUBJECT,
              "type": {"coding": [{"system": "http://snomed.info/sct", "code": "14106009"}]},
              "udiCarrier": [{"deviceIdentifier": "00844588003288"}]}  # fmt: skip
    _run(tmp_path, device)
    made = records(tmp_path)[pseudonym("d1")]
    assert "udi" not in made and made["deviceType"]["code"] == "14106009"
    reason = ledger(tmp_path)["dropped"]["Device.udiCarrier.deviceIdentifier"]["reason"]
    assert "issuer" in reason


def test_an_inline_attachment_is_reported_as_such(tmp_path: Path) -> None:
    document = _document("https://example.org/x.pdf")
    document["content"] = [{"attachment": {"contentType": "application/pdf", "data": "SGVsbG8="}}]
    _run(tmp_path, document)
    dropped = ledger(tmp_path)["dropped"]
    for path in ("contentType", "data"):
        assert (
            "content is not carried"
            in dropped[f"DocumentReference.content.attachment.{path}"]["reason"]
        )


def test_an_r5_permit_with_exceptions_is_rejected_and_a_deny_with_them_is_carried(
    tmp_path: Path,
) -> None:
    """R5's provisions are exceptions to its decision: to a permit, denials."""
    exception = [{"action": [{"text": "disclose"}]}]
    permit = _consent(subject=SUBJECT, decision="permit", provision=exception)
    deny = _consent(id="cs2", subject=SUBJECT, decision="deny", provision=exception)
    _run(tmp_path, permit, deny, code=1)
    [reject] = rejects(tmp_path)
    assert reject["reason"] == "unsupported-consent" and "provision" in reject["message"]
    assert records(tmp_path)[pseudonym("cs2")]["decision"] == "deny"


def test_a_document_read_first_whose_entries_resolve_says_so(tmp_path: Path) -> None:
    """A Composition's section entries may name a record of any type, written after it."""
    composition = {"resourceType": "Composition", "id": "comp", "status": "final",
                   "type": {"coding": [{"system": LOINC, "code": "60591-5"}]},
                   "subject": SUBJECT, "date": "2020-06-01T00:00:00Z", "author": [SUBJECT],
                   "title": "Summary",
                   "section": [{"entry": [{"reference": "CarePlan/cp"}]}]}  # fmt: skip
    source = tmp_path / "in.ndjson"
    source.write_text(ndjson(composition, PATIENT, _plan()))
    out = tmp_path / "out.ndjson"
    result = RUNNER.invoke(app, ["convert", str(source), "--out", str(out)],
                           env={"CCSTD_PSEUDONYM_KEY": KEY, "COLUMNS": "200"})  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "every reference resolves" in result.output, result.output
