"""The health profile of the 1.2.0 and 1.3.0 rule sets through `ccstd certify`: it covers the
clinical entities each release added, and an expectation met by a field 1.2.0 added beside an
old one accepts either form."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from ccstd.conformance import ruleset
from ccstd.standard.registry import EXAMPLES_ROOT, StandardRegistry

RUNNER = CliRunner()
ADDED_1_2 = {"AllergyIntolerance", "MedicationUse", "Procedure", "DiagnosticReport"}
ADDED_1_3 = {"CarePlan", "Consent", "Communication", "ClinicalDocument", "MedicalDevice"}
NEW_HEALTH = {"1.2.0": ADDED_1_2, "1.3.0": ADDED_1_2 | ADDED_1_3}
VERSIONS = sorted(NEW_HEALTH)


@pytest.fixture(params=VERSIONS)
def version(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _health(version: str) -> ruleset.Profile:
    return ruleset.load(version).profiles["health"]


def _examples(version: str, entity: str) -> list[dict[str, Any]]:
    paths = sorted((EXAMPLES_ROOT / version / entity).glob("valid-*.json"))
    return [json.loads(p.read_text(encoding="utf-8")) for p in paths]


def _carries(record: dict[str, Any], entry: str) -> bool:
    return any(_at(record, path) is not None for path in ruleset.alternatives(entry))


def _at(record: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        record = record.get(key) if isinstance(record, dict) else None
    return record


def _references(value: Any) -> list[tuple[str, str]]:
    """Every typed reference (`{"type", "id"}`) anywhere in a record."""
    if isinstance(value, list):
        return [ref for item in value for ref in _references(item)]
    if not isinstance(value, dict):
        return []
    found = [(value["type"], value["id"])] if set(value) == {"type", "id"} else []
    return found + [ref for key, item in value.items() for ref in _references(item)]


def _complete_records(version: str) -> list[dict[str, Any]]:
    """Valid examples of every health entity that carry every field the profile expects, and
    the records they refer to."""
    health, records = _health(version), []
    for entity in health.entities:
        expected = health.expected.get(entity, ())
        complete = [r for r in _examples(version, entity) if all(_carries(r, e) for e in expected)]
        assert complete, f"no {entity} example of {version} carries {expected}"
        records += complete
    ids = {(r["type"], r["id"]) for r in records}
    for record in list(records):  # referenced records, e.g. the observations of a report
        for kind, ident in _references({k: v for k, v in record.items() if k != "meta"}):
            if kind in health.entities and (kind, ident) not in ids:
                records.append({**_examples(version, kind)[0], "id": ident})
                ids.add((kind, ident))
    return records


def _certify(tmp_path: Path, version: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    (tmp_path / "records").mkdir()
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    (tmp_path / "records" / "health.ndjson").write_text(lines, encoding="utf-8")
    (tmp_path / "ccstd-vendor.toml").write_text(
        '[vendor]\nname = "Clinic"\nproduct = "Clinic export"\n\n'
        f'[claim]\nstandard = "{version}"\nprofiles = ["health"]\nlevel = "quality"\n\n'
        '[data]\nrecords = ["records/*.ndjson"]\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = RUNNER.invoke(app, ["certify", "run", str(tmp_path), "--out", str(out), "-q"])
    assert result.exit_code in (0, 1), result.output
    report: dict[str, Any] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return report


def _coverage(report: dict[str, Any]) -> list[str]:
    found = report["findings"]
    return sorted(f["message"] for f in found if f["code"] == "expected-field-coverage")


def test_the_rule_set_fits_the_version_and_covers_the_new_entities(version: str) -> None:
    text = (ruleset.FOLDER / f"{version}.toml").read_text(encoding="utf-8")
    health = _health(version)
    assert ruleset.problems(text, version, StandardRegistry().get(version)) == []
    assert set(health.entities) >= NEW_HEALTH[version]
    assert set(health.expected) >= NEW_HEALTH[version]
    broken = text.replace('"birthDate|birthDatePartial"', '"birthDate|birthDateish"', 1)
    assert ruleset.problems(broken, version, StandardRegistry().get(version)) == [
        "profile core: expected Resident.birthDateish: no such field"
    ]


def test_health_records_with_every_expected_field_pass(tmp_path: Path, version: str) -> None:
    report = _certify(tmp_path, version, _complete_records(version))
    assert _coverage(report) == []
    assert (report["verdict"], report["levelReached"]) == ("pass", "quality"), report["summary"]


def test_partial_dates_meet_the_expectations_of_full_ones(tmp_path: Path, version: str) -> None:
    records = _complete_records(version)
    for record in records:
        if record["type"] == "Resident":
            record.pop("birthDate", None)
            record["birthDatePartial"] = "1950"
        if record["type"] == "Observation":
            record.pop("effectiveAt", None)
            record["effectiveDate"] = "2024-05"
    report = _certify(tmp_path, version, records)
    assert _coverage(report) == [], report["findings"]
    assert report["verdict"] == "pass"


def test_a_missing_expected_field_of_a_new_entity_is_found(tmp_path: Path, version: str) -> None:
    records = _complete_records(version)
    for record in records:
        if record["type"] == "Procedure":
            record.pop("performedAt", None)
            record.pop("performedPeriod", None)
        if record["type"] in ("Resident", "Consent"):
            for field in ("birthDate", "birthDatePartial", "decision"):
                record.pop(field, None)
    report = _certify(tmp_path, version, records)
    expected = [
        "'birthDate or birthDatePartial' is present in 0% of Resident records (expected at "
        "least 80%)",
        "'performedAt or performedPeriod' is present in 0% of Procedure records (expected at "
        "least 80%)",
    ]
    if version == "1.3.0":
        expected.insert(1, "'decision' is present in 0% of Consent records (expected at least 80%)")
    assert _coverage(report) == expected


def test_a_care_plan_ending_before_it_starts_is_found(tmp_path: Path) -> None:
    records = _complete_records("1.3.0")
    plan = next(r for r in records if r["type"] == "CarePlan" and "period" in r)
    plan["period"] = {"start": "2026-03-01T09:00:00+08:00", "end": "2026-02-01T09:00:00+08:00"}
    report = _certify(tmp_path, "1.3.0", records)
    found = [(f["recordType"], f["pointer"]) for f in report["findings"]]
    assert found == [("CarePlan", "/period/end")], report["findings"]
    assert report["verdict"] == "fail"
