"""The registry resolves every `$ref` form a schema may use, and serves a draft as it is now."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from ccstd.standard.checker import RecordChecker
from ccstd.standard.fields import entity_fields
from ccstd.standard.publishing import drafting
from ccstd.standard.reading import RawItem
from ccstd.standard.registry import EXAMPLES_ROOT, SCHEMAS_ROOT, StandardRegistry

LATEST = StandardRegistry().latest()
RUNNER = CliRunner()


def _scratch(tmp_path: Path) -> Path:
    """A copy of the latest release as `schemas/<latest>` under tmp_path; returns schemas/."""
    schemas = tmp_path / "schemas"
    shutil.copytree(SCHEMAS_ROOT / LATEST, schemas / LATEST)
    return schemas


def _edit(path: Path, change: Any) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")


def _anchor_the_date(doc: dict[str, Any]) -> None:
    doc["$defs"]["Date"]["$anchor"] = "CalendarDate"


def _birth_date_by_anchor(doc: dict[str, Any]) -> None:
    doc["properties"]["birthDate"]["$ref"] = "common.json#CalendarDate"


def test_a_ref_to_an_anchor_resolves(tmp_path: Path) -> None:
    schemas = _scratch(tmp_path)
    _edit(schemas / LATEST / "common.json", _anchor_the_date)
    _edit(schemas / LATEST / "resident.json", _birth_date_by_anchor)
    standard = StandardRegistry(schemas).get(LATEST)
    base = standard.entity_ids["Resident"]
    uri, node = standard.resolve(base, "common.json#CalendarDate")
    assert uri.endswith("/common.json") and node["$anchor"] == "CalendarDate"
    birth = next(f for f in entity_fields(standard, "Resident") if f.path == ("birthDate",))
    assert birth.format == "date"  # the field catalogue follows the anchor to the definition
    checker = RecordChecker(StandardRegistry(schemas))
    record = json.loads((EXAMPLES_ROOT / LATEST / "Resident" / "valid-1.json").read_text())
    assert checker.check(RawItem("r", 1, value={**record, "birthDate": "1950-02-30"})).invalid


@pytest.mark.parametrize(
    ("ref", "found"),
    [
        ("#/$defs/Date", "Date"),  # a JSON Pointer, as before
        ("#/%24defs/Date", "Date"),  # percent-encoded in the URI fragment
        ("#/$defs/Reference/required/0", "type"),  # an array item by index
    ],
)
def test_pointers_are_read_as_rfc_6901_says(ref: str, found: str) -> None:
    standard = StandardRegistry().get(LATEST)
    common = next(uri for uri in standard.documents if uri.endswith("/common.json"))
    _, node = standard.resolve(common, ref)
    assert (node if isinstance(node, str) else node["title"]) == found


@pytest.mark.parametrize(
    "ref", ["#NoSuchAnchor", "#/$defs/NoSuch", "#/$defs/Reference/required/9", "#/$defs/x/-"]
)
def test_a_ref_to_nothing_is_a_key_error(ref: str) -> None:
    standard = StandardRegistry().get(LATEST)
    common = next(uri for uri in standard.documents if uri.endswith("/common.json"))
    with pytest.raises(KeyError):
        standard.resolve(common, ref)


def test_an_edited_draft_is_read_again_in_the_same_process(tmp_path: Path) -> None:
    root = tmp_path / "standard"
    shutil.copytree(SCHEMAS_ROOT / LATEST, root / "schemas" / LATEST)
    shutil.copytree(EXAMPLES_ROOT / LATEST, root / "examples" / LATEST)
    drafting.start_draft(root, LATEST)
    registry = StandardRegistry(root / "schemas")
    first = registry.get("draft")
    assert registry.get("draft") is first  # unchanged: the same object, nothing re-parsed
    facility = root / "schemas" / "draft" / "facility.json"
    _edit(facility, lambda d: d["properties"].update(seats={"type": "integer", "title": "Seats"}))
    edited = registry.get("draft")
    assert edited is not first
    assert ("seats",) in {f.path for f in entity_fields(edited, "Facility")}
    assert ("seats",) not in {f.path for f in entity_fields(first, "Facility")}
    result = RUNNER.invoke(app, ["diff", LATEST, str(root / "schemas" / "draft")])
    assert "seats" in result.stdout  # the CLI in this process sees the edit too


def test_releases_are_read_once() -> None:
    registry = StandardRegistry()
    assert registry.get(LATEST) is StandardRegistry().get(LATEST)
