"""The schemas of every version are well-formed, annotated, closed and consistent with the code."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema
import jsonschema_rs
import pytest

from ccstd.standard.fields import entity_fields
from ccstd.standard.formats import FORMATS
from ccstd.standard.publishing.conventions import convention_gaps
from ccstd.standard.registry import StandardRegistry, StandardVersion
from ccstd.standard.rules import FORMAT_RULES

VERSIONS = StandardRegistry().versions()
SENSITIVITY_LEVELS = {"public", "personal", "identifier", "health"}


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


def _all_documents() -> list[tuple[str, dict[str, Any]]]:
    registry = StandardRegistry()
    return [(uri, doc) for v in VERSIONS for uri, doc in registry.get(v).documents.items()]


@pytest.mark.parametrize(("uri", "document"), _all_documents(), ids=lambda x: str(x)[-40:])
def test_every_schema_is_valid_draft_2020_12(uri: str, document: dict[str, Any]) -> None:
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(document)
    assert jsonschema_rs.meta.is_valid(document)


@pytest.mark.parametrize("version", VERSIONS)
def test_ids_carry_the_version_and_match_the_file(v1: StandardVersion, version: str) -> None:
    standard = StandardRegistry().get(version)
    for path in standard.root.rglob("*.json"):
        relative = path.relative_to(standard.root).as_posix()
        assert f"https://ccstd.org/schemas/{version}/{relative}" in standard.documents


def test_entities_are_the_sixteen_of_the_standard(v1: StandardVersion) -> None:
    assert v1.entities == sorted(
        [
            "AccessEvent",
            "Building",
            "CareVisit",
            "Community",
            "Condition",
            "Delivery",
            "Device",
            "Dwelling",
            "Encounter",
            "Facility",
            "Household",
            "Immunization",
            "Observation",
            "Order",
            "Resident",
            "ServiceRequest",
        ]
    )


def test_every_entity_is_closed_and_names_itself(v1: StandardVersion) -> None:
    for entity in v1.entities:
        schema = v1.entity_schema(entity)
        assert schema["unevaluatedProperties"] is False, entity
        assert {"id", "type", "standardVersion", "meta"} <= set(schema["required"]), entity
        assert schema["properties"]["type"] == {**schema["properties"]["type"], "const": entity}


@pytest.mark.parametrize("version", StandardRegistry().versions(include_draft=True))
def test_every_version_keeps_the_conventions(version: str) -> None:
    """Titles in English and Chinese on every document, field and code, a description on every
    entity, a sensitivity on every personal field: the check `ccstd release` makes."""
    gaps = convention_gaps(StandardRegistry().get(version))
    assert not gaps, "\n".join(map(str, gaps))


def test_sensitivity_annotations_use_the_code_list(v1: StandardVersion) -> None:
    levels = set(v1.code_lists()["sensitivity"]["enum"])
    assert levels == SENSITIVITY_LEVELS
    for uri, document in v1.documents.items():
        for node in _nodes(document):
            if "x-ccstd-sensitivity" in node:
                assert node["x-ccstd-sensitivity"] in levels, uri


@pytest.mark.parametrize("version", VERSIONS)
def test_personal_fields_are_annotated(version: str) -> None:
    """Identity numbers, names, phones and health values never default to public."""
    standard = StandardRegistry().get(version)
    for entity in standard.entities:
        for field in entity_fields(standard, entity):
            if entity == "Resident" and field.path[0] in (
                "nationalId",
                "name",
                "phone",
                "birthDate",
            ):
                assert field.sensitivity in ("personal", "identifier"), field.dotted
            if field.format == "cn-resident-id" or field.path[-1] in (
                "recipientPhone",
                "recipientName",
            ):
                assert field.sensitivity in ("personal", "identifier"), f"{entity}.{field.dotted}"
            if entity == "Observation" and field.path[0].startswith("value"):
                # a value in words may name someone: its protected form (1.3.0) is personal
                protected = field.path[0].endswith("Protected")
                assert field.sensitivity == ("personal" if protected else "health"), field.dotted


@pytest.mark.parametrize("version", VERSIONS)
def test_code_lists_declare_a_title_for_every_code(version: str) -> None:
    for name, code_list in StandardRegistry().get(version).code_lists().items():
        assert list(code_list["x-ccstd-codes"]) == code_list["enum"], name
        for code, titles in code_list["x-ccstd-codes"].items():
            assert titles["title"] and titles["x-ccstd-title-zh"], f"{name}: {code}"


def test_entity_type_code_list_matches_the_entities(v1: StandardVersion) -> None:
    assert sorted(v1.code_lists()["entity-type"]["enum"]) == v1.entities


def test_every_format_used_has_a_checker_and_a_rule(v1: StandardVersion) -> None:
    used = {
        node["format"]
        for _, doc in v1.documents.items()
        for node in _nodes(doc)
        if "format" in node
    }
    assert used <= set(FORMATS)
    assert set(FORMATS) == set(FORMAT_RULES)


def test_units_are_declared_where_numbers_have_them(v1: StandardVersion) -> None:
    units = {f"{e}.{f.dotted}": f.unit for e in v1.entities for f in entity_fields(v1, e) if f.unit}
    assert units["Dwelling.floorAreaM2"] == "m2"
    assert units["Delivery.weightG"] == "g"
    assert units["Facility.location.lat"] == "deg"
