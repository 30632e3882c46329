"""The claims of the next standard version (the draft of 1.3.0, until it is released), end to end.

- `ccstd diff 1.2.0 draft --version 1.3.0` finds only minor changes and accepts the number;
- clinical free text has a protected sibling that never appears beside its clear twin (FHIR
  notes a new `notes` field whose items are either form), and the
  privacy machinery, reading nothing but the schemas, pseudonymises it (or, for raw output,
  moves it back to the clear field);
- the new entities (CarePlan, Consent, Communication, ClinicalDocument, MedicalDevice) keep the
  conventions, their examples behave as labelled through `ccstd validate`, and their free text
  and device identifiers are protected like names;
- `ccstd codegen` writes models of the draft that import and accept every valid example.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import orjson
import pytest
from typer.testing import CliRunner

from ccstd.adapters.privacy import Protector
from ccstd.cli.app import app
from ccstd.standard.fields import entity_fields
from ccstd.standard.registry import EXAMPLES_ROOT, StandardRegistry, StandardVersion
from tests.conftest import load_examples
from tests.standard.generated import codegen_models

REGISTRY = StandardRegistry()
_INSTALLED = REGISTRY.versions(include_draft=True)
VERSION = "draft" if "draft" in _INSTALLED else "1.3.0"
pytestmark = pytest.mark.skipif(
    VERSION not in _INSTALLED, reason="neither the draft of 1.3.0 nor 1.3.0 is installed"
)
PREVIOUS = "1.2.0"
NEW_ENTITIES = ("CarePlan", "Consent", "Communication", "ClinicalDocument", "MedicalDevice")
MINOR_KINDS = {
    "entity-added",
    "property-added",
    "definition-added",
    "exclusion-added",
    "enum-value-added",
    "constraint-relaxed",
    "property-deprecated",
    "annotation-changed",
}
# (entity, path of the clear field): each gains `<name>Protected` beside it.
SIBLINGS = [
    ("MedicationUse", ("text",)),
    ("MedicationUse", ("dosages", "0", "text")),
    ("MedicationUse", ("dosages", "0", "timing", "text")),
    ("AllergyIntolerance", ("text",)),
    ("Procedure", ("text",)),
    ("DiagnosticReport", ("text",)),
    ("DiagnosticReport", ("conclusion",)),
    ("Observation", ("valueString",)),
    ("CareVisit", ("notes",)),
]
# What the new entities protect: free text that can carry a name, and device identifiers.
PROTECTED = {
    "CarePlan": {("title",), ("description",), ("activities", "*", "description"), ("notes", "*")},
    "Consent": set(),
    "Communication": {("payloads", "*", "text"), ("notes", "*")},
    "ClinicalDocument": {("title",), ("description",), ("sections", "*", "title")},
    "MedicalDevice": {("deviceName",), ("udi", "value"), ("serialNumber",), ("notes", "*")},
}
KEY = b"draft-1.3-test-key-0123456789abcdef"
RUNNER = CliRunner()


@pytest.fixture(scope="module")
def standard() -> StandardVersion:
    return REGISTRY.get(VERSION)


def _record(entity: str, name: str = "valid-1.json") -> dict[str, Any]:
    record: dict[str, Any] = orjson.loads((EXAMPLES_ROOT / VERSION / entity / name).read_bytes())
    return record


def _validate(tmp_path: Path, record: Any) -> tuple[int, list[tuple[str, str]]]:
    """`ccstd validate --standard VERSION` on one record: exit code, (code, pointer) found."""
    source, report = tmp_path / "record.json", tmp_path / "report.json"
    source.write_bytes(orjson.dumps(record))
    arguments = ["validate", str(source), "--standard", VERSION, "--format", "json", "-o"]
    result = RUNNER.invoke(app, [*arguments, str(report)])
    assert result.exit_code in (0, 1), result.output
    findings = json.loads(report.read_text())["findings"]
    return result.exit_code, [(f["code"], f["pointer"]) for f in findings]


def _parent(record: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    node: Any = record
    for part in path[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    assert isinstance(node, dict)
    return node


def _pseudonym(value: str) -> dict[str, str]:
    protector = Protector(REGISTRY.get(VERSION), KEY)
    digest = protector.pseudonym(value)
    return {"protection": "pseudonymised", "value": f"hmac-sha256:{digest}", "keyId": "k-1"}


# The diff ------------------------------------------------------------------------------------


def test_diff_from_the_latest_release_is_minor_and_accepts_1_3_0() -> None:
    arguments = ["diff", PREVIOUS, VERSION, "--version", "1.3.0", "--format", "json"]
    result = RUNNER.invoke(app, arguments)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    kinds = {change["kind"] for change in report["changes"]}
    assert kinds <= MINOR_KINDS, sorted(kinds - MINOR_KINDS)
    assert (report["requiredBump"], report["honest"]) == ("minor", True)
    added = {c["entity"] for c in report["changes"] if c["kind"] == "entity-added"}
    assert added == set(NEW_ENTITIES)
    properties = {f"{c['entity']}.{c['path']}" for c in report["changes"]}
    for entity, path in SIBLINGS:
        dotted = ".".join("*" if part.isdigit() else part for part in path)
        assert f"{entity}.{dotted}Protected" in properties, (entity, path)


# Protectable free text -----------------------------------------------------------------------


def _id(value: Any) -> str:
    return ".".join(value) if isinstance(value, tuple) else str(value)


@pytest.mark.parametrize(("entity", "path"), SIBLINGS, ids=_id)
def test_the_protected_form_stands_in_for_the_clear_one_never_beside_it(
    tmp_path: Path, entity: str, path: tuple[str, ...]
) -> None:
    record = _record(entity)
    parent, name = _parent(record, path), path[-1]
    parent.pop(name, None)
    parent[f"{name}Protected"] = _pseudonym("seen by Dr Wang with her daughter Li Hua")
    assert _validate(tmp_path, record) == (0, [])
    parent[f"{name}Protected"] = {"protection": "masked", "value": "王**"}
    assert _validate(tmp_path, record) == (0, [])
    parent[name] = "seen by Dr Wang"
    pointer = "".join(f"/{part}" for part in path[:-1])
    assert _validate(tmp_path, record) == (1, [("conflicting-properties", pointer)])


@pytest.mark.parametrize("entity", ["MedicationUse", "AllergyIntolerance", "Procedure"])
def test_notes_are_carried_each_in_clear_or_protected(tmp_path: Path, entity: str) -> None:
    record = _record(entity)
    record["notes"] = ["Uneventful", _pseudonym("Seen with her son Wang Lei")]
    assert _validate(tmp_path, record) == (0, [])
    record["notes"] = ["Uneventful", 7]
    assert _validate(tmp_path, record) == (1, [("wrong-type", "/notes/1")])
    record["notes"] = []
    assert _validate(tmp_path, record)[0] == 1


def test_an_uncoded_medication_keeps_its_wording_in_clear(tmp_path: Path) -> None:
    """Letting the protected form replace the required wording is a major change: not in 1.x."""
    record = _record("MedicationUse")
    del record["code"], record["codings"]
    record["textProtected"] = _pseudonym("Grandma Li's herbal tea")
    assert _validate(tmp_path, record) == (1, [("required-property-missing", "/text")])


def test_the_privacy_machinery_protects_what_the_schemas_say(standard: StandardVersion) -> None:
    """An adapter writes the source's text where the protected form goes; the Protector,
    reading only the schemas, pseudonymises it; for raw output it moves to the clear field."""

    def dosage(record: dict[str, Any]) -> None:
        del record["dosages"][0]["text"]
        record["dosages"][0]["textProtected"] = "5 mg daily, Mrs Zhang Xiuying checks"
        record["notes"] = ["Refills collected by Zhang Wei"]

    written = {
        "MedicationUse": dosage,
        "ClinicalDocument": lambda r: r.update(title="Discharge summary of Zhang Xiuying"),
        "Communication": lambda r: r["payloads"][0].update(text="Dear Mrs Zhang Xiuying"),
        "MedicalDevice": lambda r: r.update(serialNumber="SN-ZX-0001"),
        "CarePlan": lambda r: r.update(title="Plan for Zhang Xiuying"),
    }
    for entity, write in written.items():
        record = _record(entity)
        write(record)
        protected = Protector(standard, KEY).protect(copy.deepcopy(record))
        text = orjson.dumps(protected).decode()
        assert "Zhang" not in text and "SN-ZX" not in text, entity
        schema = standard.entity_schema(entity)
        jsonschema.validate(protected, schema, registry=standard.referencing_registry())
    unprotected = _record("MedicationUse")
    for item in unprotected["dosages"]:
        item["textProtected"] = item.pop("text")
        item["timing"]["textProtected"] = item["timing"].pop("text")
    kept = Protector(standard, None).protect(unprotected)
    assert kept == _record("MedicationUse")  # raw output: back in the clear fields


# The new entities ----------------------------------------------------------------------------


@pytest.mark.parametrize("entity", NEW_ENTITIES)
def test_new_entity_examples_behave_as_labelled_through_the_cli(
    entity: str, tmp_path: Path
) -> None:
    examples = [e for e in load_examples(VERSION) if e.path.parent.name == entity]
    assert sum(e.expected_code is None for e in examples) >= 2
    assert sum(e.expected_code is not None for e in examples) >= 3
    for example in examples:
        found = _validate(tmp_path, orjson.loads(example.path.read_bytes()))
        if example.expected_code is None:
            assert found == (0, []), example.id
        else:
            assert found == (1, [(example.expected_code, example.expected_pointer)]), example.id


@pytest.mark.parametrize("entity", NEW_ENTITIES)
def test_new_entities_follow_the_conventions(standard: StandardVersion, entity: str) -> None:
    schema = standard.entity_schema(entity)
    assert schema["description"] and schema["title"] and schema["x-ccstd-title-zh"]
    required = {"id", "type", "standardVersion", "meta", "subject", "status"}
    if entity == "MedicalDevice":  # FHIR R4's Device.status is optional
        required.remove("status")
    assert required <= set(schema["required"])
    assert schema["properties"]["subject"]["properties"]["type"] == {"const": "Resident"}
    status = standard.code_lists()[schema["properties"]["status"]["$ref"].split("/")[-1][:-5]]
    for code in status["enum"]:
        titles = status["x-ccstd-codes"][code]
        assert titles["title"] and titles["x-ccstd-title-zh"], code
    assert entity in standard.code_lists()["entity-type"]["enum"]
    catalogue = {f.path: f for f in entity_fields(standard, entity)}
    protected = {path[:-1] for path in catalogue if path[-1] == "protection"}
    assert protected == PROTECTED[entity]
    for path in protected:
        assert catalogue[path].sensitivity in ("personal", "identifier"), (entity, path)


def test_a_medical_device_is_a_residents_and_its_identifiers_are_protected(
    standard: StandardVersion,
) -> None:
    catalogue = {f.path: f for f in entity_fields(standard, "MedicalDevice")}
    assert catalogue[("udi", "value")].sensitivity == "identifier"
    assert ("udi", "value", "protection") in catalogue
    assert ("serialNumber", "protection") in catalogue
    community = standard.entity_schema("Device")
    assert "community" in community["required"]  # infrastructure stays Device


# Generated models ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The pydantic models `ccstd codegen` writes for the draft, imported."""
    yield from codegen_models(
        VERSION, tmp_path_factory.mktemp("models") / "ccstd_models_draft13_test.py"
    )


def test_generated_models_accept_every_valid_example(models: ModuleType) -> None:
    valid = [e for e in load_examples(VERSION) if e.expected_code is None]
    assert {orjson.loads(e.path.read_bytes())["type"] for e in valid} >= set(NEW_ENTITIES)
    for example in valid:
        record = orjson.loads(example.path.read_bytes())
        getattr(models, record["type"]).model_validate(record)


@pytest.mark.parametrize("value", [7, ["a"], {"protection": "hidden", "value": "x"}])
def test_generated_models_type_protectable_text(models: ModuleType, value: Any) -> None:
    record = _record("ClinicalDocument")
    record["title"] = value
    with pytest.raises(ValueError, match="title"):
        models.ClinicalDocument.model_validate(record)
    record["title"] = "Patient summary"
    models.ClinicalDocument.model_validate(record)
    record = _record("MedicationUse", "valid-3.json")
    record["textProtected"] = value
    with pytest.raises(ValueError, match="textProtected"):
        models.MedicationUse.model_validate(record)
