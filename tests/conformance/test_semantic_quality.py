"""Semantic and quality rules: each fires on a crafted record and stays quiet on a clean one."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ccstd.standard.registry import StandardRegistry
from ccstd.standard.rules import Level
from tests.conformance.conftest import Submit, codes
from tests.conftest import proves, valid_record

# A valid ID number (GB 11643 check character) and a mobile number, both synthetic.
RESIDENT_ID = "110102199003074510"
MOBILE = "13912345678"


def delivery(**changes: Any) -> dict[str, Any]:
    record = copy.deepcopy(valid_record("Delivery"))
    record.pop("order", None)
    record["order"] = {"type": "Order", "id": "ord-1"}
    record["destination"] = {"divisionCode": "310115", "line": "联洋花园 3号楼"}
    record.update(changes)
    return record


def order() -> dict[str, Any]:
    record = copy.deepcopy(valid_record("Order"))
    record["id"] = "ord-1"
    return record


def clean() -> list[dict[str, Any]]:
    return [delivery(), order()]


def test_a_clean_submission_passes_at_the_level_it_claims(submit: Submit) -> None:
    result = submit(clean())
    assert result.passed and result.level_reached is Level.QUALITY
    assert codes(result) == set()


def _history(*steps: tuple[str, str]) -> list[dict[str, str]]:
    return [{"status": s, "at": at} for s, at in steps]


CASES = [
    pytest.param(
        delivery(
            status="in-transit",
            timeline=_history(
                ("delivered", "2024-05-01T10:00:00+08:00"),
                ("in-transit", "2024-05-01T11:00:00+08:00"),
            ),
        ),
        "illegal-status-transition",
        marks=proves("illegal-status-transition"),
    ),
    pytest.param(
        delivery(status="delivered"),  # the history ends in-locker
        "status-contradicts-history",
        marks=proves("status-contradicts-history"),
    ),
    pytest.param(
        delivery(
            status="in-transit",
            timeline=_history(
                ("picked-up", "2024-05-01T10:00:00+08:00"),
                ("in-transit", "2024-05-01T01:59:00Z"),  # 09:59 in +08:00: earlier
            ),
        ),
        "time-not-monotonic",
        marks=proves("time-not-monotonic"),
    ),
    pytest.param(
        delivery(trackingNumber=f"TEL {MOBILE}", carrier={"name": f"顺丰 {RESIDENT_ID}"}),
        "raw-identifier-leak",
        marks=proves("raw-identifier-leak"),
    ),
]


@pytest.mark.parametrize(("record", "code"), CASES)
def test_rule_fires_on_a_crafted_record(submit: Submit, record: dict[str, Any], code: str) -> None:
    result = submit([record, order()])
    assert code in codes(result)
    assert not result.passed


def test_time_order_within_a_record(submit: Submit) -> None:
    visit = copy.deepcopy(valid_record("CareVisit"))
    visit["scheduled"] = {"start": "2024-05-01T10:00:00+08:00", "end": "2024-05-01T09:00:00+08:00"}
    assert "time-not-monotonic" in codes(submit([visit], profiles=("elderly-care",)))


def test_raw_identifiers_are_found_wherever_they_hide_but_never_reported(submit: Submit) -> None:
    leaky = delivery(id=f"dlv-{RESIDENT_ID}", trackingNumber=f"+86 {MOBILE}")
    result = submit([leaky, order()])
    leaks = [a.finding for a in result.findings if a.finding.code == "raw-identifier-leak"]
    assert {f.location.pointer for f in leaks} == {"/id", "/trackingNumber"}
    shown = repr(result.findings)
    assert RESIDENT_ID not in shown and MOBILE not in shown


def test_masked_numbers_and_digests_are_not_leaks(submit: Submit) -> None:
    record = delivery(trackingNumber="139****5678", carrier={"name": "a13912345678b"})
    assert "raw-identifier-leak" not in codes(submit([record, order()]))


def test_a_raw_number_in_its_own_field_is_not_a_leak(submit: Submit) -> None:
    record = delivery(recipientPhone="+8613912345678")
    assert "raw-identifier-leak" not in codes(submit([record, order()]))


@proves("profile-without-records")
def test_a_claimed_profile_needs_records(submit: Submit) -> None:
    result = submit(clean(), profiles=("logistics", "life-circle"))
    assert "profile-without-records" in codes(result)
    verdicts = {p.name: p.passed for p in result.profiles}
    assert verdicts == {"logistics": True, "life-circle": False}


@proves("entity-outside-profiles")
def test_records_outside_the_claimed_profiles_are_pointed_out(submit: Submit) -> None:
    result = submit([*clean(), valid_record("Facility")])
    assert "entity-outside-profiles" in codes(result)
    assert result.passed  # a warning


@proves("expected-field-coverage")
def test_expected_fields_missing_too_often(submit: Submit) -> None:
    bare = delivery()
    del bare["order"]
    result = submit([bare, order()])
    assert "expected-field-coverage" in codes(result)
    assert "expected-field-coverage" not in codes(submit(clean()))


def test_references_to_entities_outside_the_claimed_profiles_are_not_required(
    submit: Submit,
) -> None:
    event = copy.deepcopy(valid_record("AccessEvent"))  # refers to a Resident (core profile)
    device = copy.deepcopy(valid_record("Device"))
    device["id"] = event["device"]["id"]
    result = submit([event, device], profiles=("access-control",))
    refs = [a.finding for a in result.findings if a.finding.code == "unresolved-reference"]
    assert all("Resident" not in f.message for f in refs)


def test_levels_above_the_claim_are_not_checked(submit: Submit) -> None:
    leaky = delivery(id=f"dlv-{RESIDENT_ID}")
    result = submit([leaky, order()], level="semantic")
    assert result.passed and result.level_reached is Level.SEMANTIC


def test_a_semantic_failure_stops_the_level_at_schema(submit: Submit) -> None:
    result = submit([delivery(status="delivered"), order()])
    assert result.level_reached is Level.SCHEMA


def test_records_are_held_to_the_version_claimed(submit: Submit) -> None:
    newer = order()
    newer["standardVersion"] = StandardRegistry().latest()
    assert newer["standardVersion"] != order()["standardVersion"]
    result = submit([delivery(), newer])
    stray = [a.finding for a in result.findings if a.finding.location.pointer == "/standardVersion"]
    assert [f.code for f in stray] == ["value-not-allowed"] and not result.passed
