"""The privacy proof (issue 11): every shared acceptance export is converted, and no raw name,
address line, identifier value or identifier-bearing id of the source appears in any output:
records, redacted rejects, ledger, or what the terminal shows. The values are collected from the
sources with fhir.resources (each resource parsed by its R4B model), not by guessing at keys."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from pydantic import BaseModel, ValidationError

from tests.adapters.fhir import ACCEPTANCE
from tests.hostile.harness import ccstd

FHIR = ACCEPTANCE / "fhir"
ENV = {"CCSTD_PSEUDONYM_KEY": "9c4e1a7f3b2d8e6051a9c7f3e2b4d6a8"}
PEOPLE = {"Patient", "Person", "RelatedPerson", "Practitioner"}  # their ids name a person
FREE_TEXT = {"Annotation": ("text",), "DiagnosticReport": ("conclusion",),
             "Dosage": ("patientInstruction",), "Observation": ("valueString",),
             "AllergyIntoleranceReaction": ("description",),
             "Procedure": ("performedString",),
             # standard 1.3.0's entities: titles, descriptions, payloads, device identifiers
             "CarePlan": ("title", "description"), "CarePlanActivityDetail": ("description",),
             "CommunicationPayload": ("contentString",), "Composition": ("title",),
             "CompositionSection": ("title",), "DocumentReference": ("description",),
             "DocumentManifest": ("description",), "Device": ("serialNumber", "lotNumber"),
             "DeviceDeviceName": ("name",),
             "DeviceUdiCarrier": ("deviceIdentifier", "carrierHRF")}  # fmt: skip
NEW_IN_1_2 = {"AllergyIntolerance", "MedicationUse", "Procedure", "DiagnosticReport"}
NEW_IN_1_3 = {"CarePlan", "ClinicalDocument"}  # those the shared exports hold with a patient

pytestmark = pytest.mark.skipif(not FHIR.is_dir(), reason="shared acceptance data not present")


def resources(path: Path) -> Iterator[dict[str, Any]]:
    """Every resource of an export: Bundle entries, NDJSON lines (and their entries)."""
    text = path.read_text(encoding="utf-8")
    try:
        values = [json.loads(text)]
    except json.JSONDecodeError:
        values = [json.loads(line) for line in text.splitlines() if line.strip()]
    for value in values:
        if value.get("resourceType") == "Bundle":
            values += [e["resource"] for e in value.get("entry", []) if "resource" in e]
        else:
            yield value


def parsed(resource: dict[str, Any]) -> tuple[BaseModel | None, list[Any]]:
    """The resource's R4B model, and the top-level elements that had to be left out for it to
    validate (some real exports are not valid FHIR); no model when leaving them out makes a
    required element missing (the caller then reads the raw resource)."""
    model_class = get_fhir_model_class(resource["resourceType"])
    invalid: list[Any] = []
    for _ in range(10):
        try:
            return model_class.model_validate(resource), invalid
        except ValidationError as exc:
            names = {e["loc"][0] for e in exc.errors() if e["loc"] and e["loc"][0] in resource}
            if not names:
                return None, [resource]
            invalid += [resource[name] for name in names]
            resource = {k: v for k, v in resource.items() if k not in names}
    return None, [resource]


def _raw_values(node: Any, found: set[str]) -> None:
    """Names, lines and identifier values of elements that did not validate, by their keys."""
    if isinstance(node, list):
        for child in node:
            _raw_values(child, found)
    elif isinstance(node, dict):
        for key in ("family", "line", "given", "value"):
            value = node.get(key)
            if key != "value" or "system" in node:
                found.update(v for v in (value if isinstance(value, list) else [value])
                             if isinstance(v, str))  # fmt: skip
        _raw_values(list(node.values()), found)


def personal_values(resource: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(names, address lines and identifier values; ids) of one resource, read from its model."""
    model, invalid = parsed(resource)
    found: set[str] = set()
    _raw_values(invalid, found)
    ids = {f"{resource['resourceType']}\t{resource.get('id')}"}
    if model is None:
        return found, ids
    for node in _nodes(model):  # contained resources too
        kind = type(node).__name__
        if kind == "HumanName":
            found.update([node.family or "", node.text or "", *(node.given or [])])
        elif kind == "Address":
            found.update([node.text or "", *(node.line or [])])
        elif kind == "Identifier":
            found.add(node.value or "")
        elif kind in FREE_TEXT:  # free text that can name a person: notes above all
            found.update(getattr(node, name) or "" for name in FREE_TEXT[kind])
        if hasattr(node, "resource_type") and isinstance(getattr(node, "id", None), str):
            ids.add(f"{node.get_resource_type()}\t{node.id}")
    return found, ids


def _nodes(model: BaseModel) -> Iterator[Any]:
    stack: list[Any] = [model]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack += node
        elif isinstance(node, BaseModel):
            yield node
            stack += [getattr(node, name) for name in type(node).model_fields]


def _is_resource_type(value: str) -> bool:
    """Whether a value is a FHIR resource type's name: vocabulary every ledger shows."""
    try:
        get_fhir_model_class(value)
    except (KeyError, ValueError, AttributeError, ImportError):
        return False
    return True


def secrets() -> list[str]:
    """Every personal value of the exports, ids that name a person or embed an identifier, and
    the file names (exports are named after the patient)."""
    values: set[str] = set()
    ids: set[str] = set()
    for path in sorted(FHIR.iterdir()):
        values.add(path.stem)
        for resource in resources(path):
            found, typed_ids = personal_values(resource)
            values |= found
            ids |= typed_ids
    values = {v for v in values if len(v) >= 3 and not (v.isdigit() and len(v) < 4)}
    values -= {v for v in values if _is_resource_type(v)}  # a section titled "Medication"
    for kind, key in (typed.split("\t") for typed in ids):
        if kind in PEOPLE or any(v in key for v in values if len(v) >= 4):
            values.add(key)
    return sorted(values)


def test_collection_finds_names_lines_identifiers_and_ids() -> None:
    found = secrets()
    assert len(found) > 50
    assert any(re.fullmatch(r"[0-9a-f-]{36}", s) for s in found)  # Synthea's Patient ids
    assert "The patient is now diagnosed with type 2 diabetes." in found  # a note
    assert "Patient Summary as of December 11, 2017 14:30" in found  # a title (1.3.0)


def test_no_personal_value_of_any_export_reaches_any_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    run = ccstd("convert", FHIR, "--out", out / "records.ndjson", "--ledger", out / "ledger.json",
                "--rejects-redacted", out / "shared.ndjson", "--rejects", out / "rejects.ndjson",
                env=ENV, timeout=300)  # fmt: skip
    assert run.exit_code in (0, 1) and not run.traceback, run.stderr
    texts = {name: (out / name).read_text() for name in ("records.ndjson", "ledger.json")}
    texts["shared.ndjson"] = (out / "shared.ndjson").read_text() if run.exit_code else ""
    texts["terminal"] = run.stdout + run.stderr
    assert "converted" in texts["terminal"]  # the summary was shown
    kinds = {json.loads(line)["type"] for line in texts["records.ndjson"].splitlines()}
    assert kinds >= NEW_IN_1_2 | NEW_IN_1_3  # the new entities are held to the proof too
    found = [
        (name, secret)
        for secret in secrets()
        for name, text in texts.items()
        if re.search(rf"(?<![\w-]){re.escape(secret)}(?![\w-])", text)
    ]
    assert not found
