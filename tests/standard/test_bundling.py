"""Bundled entity schemas: self-contained, each document once, and the same verdicts as the sources.

The sources are validated with the reference engine and the offline registry; the bundle with the
same engine and formats but no registry at all, so a `$ref` that leaves the bundle fails loudly.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import jsonschema
import pytest

from ccstd.standard.publishing.bundling import bundle_entity
from ccstd.standard.publishing.reference import reference_validators
from ccstd.standard.registry import StandardRegistry, StandardVersion
from tests.conftest import load_examples

REGISTRY = StandardRegistry()
VERSIONS = REGISTRY.versions(include_draft=True)


def _walk(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from _walk(item, f"{path}/{i}")
    elif isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}/{key}")


def _pointer(document: Any, fragment: str) -> Any:
    node = document
    for part in fragment.lstrip("/").split("/") if fragment else ():
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


@pytest.mark.parametrize("version", VERSIONS)
def test_bundles_are_self_contained_with_each_document_once(version: str) -> None:
    standard = REGISTRY.get(version)
    for entity in standard.entities:
        bundle = bundle_entity(standard, entity)
        assert bundle["$id"] == standard.entity_ids[entity]
        nested = [p for p, node in _walk(bundle) if p and ("$id" in node or "$schema" in node)]
        assert nested == [], f"{entity}: nested $id/$schema at {nested}"
        used: set[str] = set()
        for path, node in _walk(bundle):
            ref = node.get("$ref")
            if isinstance(ref, str):
                assert ref.startswith("#"), f"{entity}{path}: {ref} leaves the bundle"
                _pointer(bundle, ref[1:])  # resolves inside the bundle
                if ref.startswith("#/$defs/"):
                    used.add(ref.split("/")[2])
        assert used == set(bundle.get("$defs", {})), f"{entity}: an embedded document is unused"
        assert "common" in bundle["$defs"]


def test_bundle_keys_name_the_documents_and_bundling_is_stable() -> None:
    standard = REGISTRY.get(REGISTRY.latest())
    first = bundle_entity(standard, "Resident")
    assert bundle_entity(standard, "Resident") == first
    assert {"common", "codelists.gender", "codelists.entity-type"} <= set(first["$defs"])
    gender = standard.documents[
        standard.entity_ids["Resident"].rsplit("/", 1)[0] + "/codelists/gender.json"
    ]
    assert first["$defs"]["codelists.gender"]["enum"] == gender["enum"]
    assert first["properties"]["gender"]["$ref"] == "#/$defs/codelists.gender"


def _cases(version: str) -> list[tuple[str, Any]]:
    """Every example of a version, and each valid one with each top-level member dropped."""
    cases = []
    for example in load_examples(version):
        cases.append((example.id, example.record))
        if example.expected_code is None and isinstance(example.record, dict):
            for member in example.record:
                dropped = copy.deepcopy(example.record)
                del dropped[member]
                cases.append((f"{example.id} without {member}", dropped))
    return cases


def _bundled_validators(standard: StandardVersion) -> dict[str, jsonschema.Draft202012Validator]:
    formats = next(iter(reference_validators(standard).values())).format_checker
    return {
        entity: jsonschema.Draft202012Validator(
            bundle_entity(standard, entity), format_checker=formats
        )
        for entity in standard.entities
    }


def _messages(validator: jsonschema.Draft202012Validator, record: Any) -> tuple[bool, list[str]]:
    """The verdict (valid?) and the errors but those about unevaluated properties: where a
    `$ref` beside other keywords fails, python-jsonschema still counts the properties it
    evaluated, and drops them for the bundle's equivalent `allOf` (as draft 2020-12 says)."""
    messages = sorted(e.message for e in validator.iter_errors(record))
    return not messages, [m for m in messages if "nevaluated" not in m]


@pytest.mark.parametrize("version", VERSIONS)
def test_bundled_schema_gives_the_source_verdict_on_every_example(version: str) -> None:
    standard = REGISTRY.get(version)
    sources, bundles = reference_validators(standard), _bundled_validators(standard)
    cases = _cases(version)
    assert cases, f"{version} has no examples"
    valid = invalid = 0
    for case, record in cases:
        entity = (
            record["type"] if isinstance(record, dict) and record.get("type") in sources else None
        )
        for name in [entity] if entity else standard.entities:
            source = _messages(sources[name], record)
            bundled = _messages(bundles[name], record)
            assert bundled == source, f"{version} {case} as {name}"
            valid += source[0]
            invalid += not source[0]
    assert valid and invalid


def _scratch(documents: dict[str, Any]) -> StandardVersion:
    base = "https://ccstd.org/schemas/9.9.9/"
    docs = {urljoin(base, n): {"$id": urljoin(base, n), **doc} for n, doc in documents.items()}
    return StandardVersion("9.9.9", Path(), docs, {"Thing": base + "thing.json"})


def test_refs_are_rewritten_in_schemas_only_and_may_be_recursive() -> None:
    thing = {
        "properties": {
            "const": {"$ref": "common.json#/$defs/Text"},  # a property named like a keyword
            "self": {"$ref": "#"},
            "tree": {"$ref": "common.json#/$defs/Tree"},
            "kind": {"const": {"$ref": "not-a-schema"}, "examples": [{"$ref": "x"}]},
        }
    }
    common = {
        "$defs": {
            "Text": {"type": "string"},
            "Tree": {
                "type": "object",
                "properties": {"children": {"items": {"$ref": "#/$defs/Tree"}}},
            },
        }
    }
    bundle = bundle_entity(_scratch({"thing.json": thing, "common.json": common}), "Thing")
    props = bundle["properties"]
    assert props["const"] == {"$ref": "#/$defs/common/$defs/Text"}
    assert props["self"] == {"$ref": "#"}
    assert props["kind"] == thing["properties"]["kind"]
    tree = bundle["$defs"]["common"]["$defs"]["Tree"]
    assert tree["properties"]["children"]["items"] == {"$ref": "#/$defs/common/$defs/Tree"}
    validator = jsonschema.Draft202012Validator(bundle)
    assert validator.is_valid({"tree": {"children": [{"children": []}]}, "const": "a"})
    assert not validator.is_valid({"tree": {"children": [{"children": [5]}]}})


@pytest.mark.parametrize(
    ("documents", "message"),
    [
        ({"thing.json": {"$ref": "common.json#Text"}, "common.json": {}}, "JSON Pointer"),
        ({"thing.json": {"$ref": "missing.json"}}, "names no document"),
        ({"thing.json": {"$ref": "../1.0.0/common.json"}, "../1.0.0/common.json": {}}, "outside"),
        (
            {
                "thing.json": {"allOf": [{"$ref": "a/b.json"}, {"$ref": "a.b.json"}]},
                "a/b.json": {},
                "a.b.json": {},
            },
            "both be bundled",
        ),
        ({"thing.json": {"$ref": "a%20b~1.json"}, "a%20b~1.json": {}}, "file name"),
        ({"thing.json": {"$ref": "sub/.json"}, "sub/.json": {}}, "file name"),
    ],
)
def test_a_reference_that_cannot_be_bundled_is_named(
    documents: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        bundle_entity(_scratch(documents), "Thing")
