"""No adapter writes a field the standard marks identifying or personal in a form that exposes it.

For every released version, every field of every entity annotated `x-ccstd-sensitivity`
`identifier` or `personal` (read off the schemas) has one expected form in adapter output:

- protected: the schema offers the protected form, so the value must be pseudonymised or masked;
- absent: free text that carries a street address line or a name and has no protected form;
- pseudonymous reference: a reference to a person, whose id must be a pseudonym;
- pseudonymous id: a record id that can embed an identifier (a Resident's), written as a pseudonym;
- as is: a quasi-identifier the schema gives no protected form (a code, a date, a city), or a
  container or descriptor of the above.

The outputs are every built-in adapter's conversion (`ccstd convert`, end to end) of the bundled
vendor samples and of the shared acceptance exports.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from ccstd.standard.fields import Field, entity_fields, values_at
from ccstd.standard.registry import StandardRegistry, StandardVersion
from tests.conftest import ACCEPTANCE, REPO_ROOT

VENDORS = REPO_ROOT / "examples" / "vendors"
SOURCES = [
    *(p for kind in ("fhir", "access-xml", "orders") for p in sorted((VENDORS / kind).iterdir())),
    *sorted((VENDORS / "linli-market" / "sources").iterdir()),
    *([ACCEPTANCE / "fhir"] if (ACCEPTANCE / "fhir").is_dir() else []),
]
KEY = {"CCSTD_PSEUDONYM_KEY": "sensitive-fields-test-key-0123"}
REGISTRY = StandardRegistry()
SENSITIVE = ("identifier", "personal")
PSEUDONYM = re.compile(r"[0-9a-f]{64}")
# Free text that carries a street address line or a name; the schemas give it no protected form.
ABSENT = {"line", "building", "unit", "room", "description", "note"}
# Quasi-identifiers with no protected form in the schemas, and the parts that describe or hold
# protected values: written as they are.
AS_IS = {
    "gender": "a code", "birthDate": "a date (--generalise birthDate=year leaves it out)",
    "livesAlone": "a flag", "province": "a region", "city": "a region", "district": "a region",
    "street": "a subdistrict", "divisionCode": "a region code", "communityCode": "a region code",
    "postalCode": "a region code", "country": "a country", "system": "an issuing system",
    "kind": "a kind of identifier", "code": "a kind of identifier", "display": "its name",
    "use": "a kind of contact", "name": "holds protected parts", "address": "holds regions",
    "contacts": "holds protected values", "identifiers": "holds protected values",
    "*": "an item of the above", "credential": "holds protected values",
    "caregiver": "holds a protected value", "destination": "holds regions",
    "shippingAddress": "holds regions", "birthDatePartial": "a partial date",
    "deceased": "a flag", "deceasedDate": "a partial date",
    "udi": "holds a protected value",  # MedicalDevice, since the draft of 1.3.0
}  # fmt: skip


def expected_form(field: Field, catalogue: dict[tuple[str, ...], Field]) -> str:
    """How an annotated field may appear in adapter output (see the module docstring)."""
    if (*field.path, "protection") in catalogue:
        return "protected"
    if field.path[:-1] and (*field.path[:-1], "protection") in catalogue:
        return "part of a protected value"
    if field.reference_type is not None:
        return "pseudonymous reference"
    if field.path == ("id",):
        return "pseudonymous id"
    if field.path[-1] in ABSENT:
        return "absent"
    if field.path[-1] in AS_IS:
        return "as is"
    return "unclassified"


def annotated(version: StandardVersion, entity: str) -> list[tuple[Field, str]]:
    catalogue = {f.path: f for f in entity_fields(version, entity)}
    return [
        (f, expected_form(f, catalogue)) for f in catalogue.values() if f.sensitivity in SENSITIVE
    ]


@pytest.mark.parametrize("version", REGISTRY.versions(include_draft=True))
def test_every_annotated_field_has_an_expected_form(version: str) -> None:
    standard = REGISTRY.get(version)
    unclassified = [
        f"{entity}.{field.dotted}"
        for entity in standard.entities
        for field, form in annotated(standard, entity)
        if form == "unclassified"
    ]
    assert not unclassified, "say how adapters must write these fields"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """Every record every built-in adapter makes of the samples and acceptance exports."""
    runner, found = CliRunner(), []
    for index, source in enumerate(SOURCES):
        out = tmp_path_factory.mktemp("out") / f"{index}.ndjson"
        result = runner.invoke(app, ["convert", str(source), "--out", str(out), "-q"], env=KEY)
        assert result.exit_code in (0, 1), (source.name, result.output)
        found += [json.loads(line) for line in out.read_text().splitlines()]
    assert {r["type"] for r in found} >= {"Resident", "Order", "Delivery", "AccessEvent"}
    return found


@pytest.mark.parametrize("version", REGISTRY.versions(include_draft=True))
def test_adapter_output_never_carries_an_annotated_field_unprotected(
    version: str, outputs: list[dict[str, Any]]
) -> None:
    standard, exposed, checked = REGISTRY.get(version), [], Counter[str]()
    for record in outputs:
        if record["type"] not in standard.entities:
            continue  # an entity new in a later version: checked under that version
        for field, form in annotated(standard, record["type"]):
            for where, value in values_at(record, field.path):
                checked[form] += 1
                if not _in_form(form, value):
                    exposed.append((record["type"], "/".join(map(str, where)), form))
    assert not exposed
    assert checked["protected"] > 100 and checked["as is"] > 100


def _in_form(form: str, value: Any) -> bool:
    if form == "protected":
        return isinstance(value, dict) and value.get("protection") in ("pseudonymised", "masked")
    if form == "pseudonymous reference":
        return isinstance(value, dict) and bool(PSEUDONYM.fullmatch(str(value.get("id"))))
    if form == "pseudonymous id":
        return bool(PSEUDONYM.fullmatch(str(value)))
    return form != "absent"


def test_the_check_finds_what_it_looks_for() -> None:
    """A raw name, a street line and a raw reference id are each caught."""
    standard = REGISTRY.get("1.0.0")
    forms = {f.dotted: form for f, form in annotated(standard, "Resident")}
    assert forms["name.text"] == "protected" and not _in_form("protected", "Li Lei")
    assert forms["address.line"] == "absent" and not _in_form("absent", "1 Main St")
    assert forms["household"] == "pseudonymous reference"
    assert not _in_form("pseudonymous reference", {"type": "Household", "id": "MBR-1"})


def test_the_check_reads_the_annotations_new_in_1_2() -> None:
    """A Resident's raw record id, a protected street line and free-text notes are classified."""
    standard = REGISTRY.get(REGISTRY.versions(include_draft=True)[-1])  # 1.2.0 or its draft
    forms = {f.dotted: form for f, form in annotated(standard, "Resident")}
    assert forms["id"] == "pseudonymous id" and not _in_form("pseudonymous id", "MBR-1")
    assert forms["address.lineProtected"] == "protected"
    notes = {f.dotted: form for f, form in annotated(standard, "ServiceRequest")}
    assert notes["description"] == "absent" and notes["statusHistory.*.note"] == "absent"
