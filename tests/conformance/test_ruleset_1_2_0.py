"""The 1.2.0 rule set through `ccstd certify`: the health profile covers the new clinical
entities, and an expectation met by a field 1.2.0 added beside an old one accepts either form."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from ccstd.cli.app import app
from ccstd.conformance import ruleset
from ccstd.standard.registry import EXAMPLES_ROOT, StandardRegistry

RUNNER = CliRunner()
VERSION = "1.2.0"
NEW_HEALTH = {"AllergyIntolerance", "MedicationUse", "Procedure", "DiagnosticReport"}
RULES = ruleset.load(VERSION)
HEALTH = RULES.profiles["health"]


def _examples(entity: str) -> list[dict[str, Any]]:
    paths = sorted((EXAMPLES_ROOT / VERSION / entity).glob("valid-*.json"))
    return [json.loads(p.read_text(encoding="utf-8")) for p in paths]


def _carries(record: dict[str, Any], entry: str) -> bool:
    return any(_at(record, path) is not None for path in ruleset.alternatives(entry))


def _at(record: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        record = record.get(key) if isinstance(record, dict) else None
    return record


def _complete_records() -> list[dict[str, Any]]:
    """Valid examples of every health entity that carry every field the profile expects, and
    the records they refer to."""
    records = []
    for entity in HEALTH.entities:
        complete = [
            r
            for r in _examples(entity)
            if all(_carries(r, e) for e in HEALTH.expected.get(entity, ()))
        ]
        assert complete, f"no {entity} example carries {HEALTH.expected.get(entity)}"
        records += complete
    ids = {(r["type"], r["id"]) for r in records}
    for record in list(records):  # referenced records, e.g. the observations of a report
        for ref in record.get("results", []):
            if (ref["type"], ref["id"]) not in ids:
                base = _examples(ref["type"])[0]
                records.append({**base, "id": ref["id"]})
                ids.add((ref["type"], ref["id"]))
    return records


def _certify(tmp_path: Path, records: list[dict[str, Any]]) -> dict[str, Any]:
    (tmp_path / "records").mkdir()
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    (tmp_path / "records" / "health.ndjson").write_text(lines, encoding="utf-8")
    (tmp_path / "ccstd-vendor.toml").write_text(
        '[vendor]\nname = "Clinic"\nproduct = "Clinic export"\n\n'
        f'[claim]\nstandard = "{VERSION}"\nprofiles = ["health"]\nlevel = "quality"\n\n'
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


def test_the_rule_set_fits_the_version_and_covers_the_new_entities() -> None:
    text = (ruleset.FOLDER / f"{VERSION}.toml").read_text(encoding="utf-8")
    assert ruleset.problems(text, VERSION, StandardRegistry().get(VERSION)) == []
    assert set(HEALTH.entities) >= NEW_HEALTH
    assert set(HEALTH.expected) >= NEW_HEALTH
    broken = text.replace('"birthDate|birthDatePartial"', '"birthDate|birthDateish"', 1)
    assert ruleset.problems(broken, VERSION, StandardRegistry().get(VERSION)) == [
        "profile core: expected Resident.birthDateish: no such field"
    ]


def test_health_records_with_every_expected_field_pass(tmp_path: Path) -> None:
    report = _certify(tmp_path, _complete_records())
    assert _coverage(report) == []
    assert (report["verdict"], report["levelReached"]) == ("pass", "quality"), report["summary"]


def test_partial_dates_meet_the_expectations_of_full_ones(tmp_path: Path) -> None:
    records = _complete_records()
    for record in records:
        if record["type"] == "Resident":
            record.pop("birthDate", None)
            record["birthDatePartial"] = "1950"
        if record["type"] == "Observation":
            record.pop("effectiveAt", None)
            record["effectiveDate"] = "2024-05"
    report = _certify(tmp_path, records)
    assert _coverage(report) == [], report["findings"]
    assert report["verdict"] == "pass"


def test_a_missing_expected_field_of_a_new_entity_is_found(tmp_path: Path) -> None:
    records = _complete_records()
    for record in records:
        if record["type"] == "Procedure":
            record.pop("performedAt", None)
            record.pop("performedPeriod", None)
        if record["type"] == "Resident":
            record.pop("birthDate", None)
            record.pop("birthDatePartial", None)
    report = _certify(tmp_path, records)
    assert _coverage(report) == [
        "'birthDate or birthDatePartial' is present in 0% of Resident records (expected at "
        "least 80%)",
        "'performedAt or performedPeriod' is present in 0% of Procedure records (expected at "
        "least 80%)",
    ]
