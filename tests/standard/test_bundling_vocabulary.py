"""The `x-ccstd-*` keywords are a published vocabulary: a meta-schema every schema conforms to."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest

from ccstd.standard.publishing.artefacts import vocabulary
from ccstd.standard.publishing.bundling import bundle_entity
from ccstd.standard.registry import SCHEMAS_ROOT, StandardRegistry
from tests.conftest import REPO_ROOT

REGISTRY = StandardRegistry()
META = vocabulary()
VALIDATOR = jsonschema.Draft202012Validator(META)
DECLARED = set(META["properties"])
SOURCES = sorted(
    p for v in REGISTRY.versions(include_draft=True) for p in (SCHEMAS_ROOT / v).rglob("*.json")
)


def _keywords(node: Any) -> Iterator[str]:
    if isinstance(node, list):
        for item in node:
            yield from _keywords(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key.startswith("x-ccstd-"):
                yield key
            yield from _keywords(value)


def test_the_meta_schema_is_a_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(META)
    assert META["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(SCHEMAS_ROOT).as_posix())
def test_every_source_schema_conforms_to_the_vocabulary(path: Path) -> None:
    errors = [
        f"{e.json_path}: {e.message}"
        for e in VALIDATOR.iter_errors(orjson.loads(path.read_bytes()))
    ]
    assert errors == []


@pytest.mark.parametrize("version", REGISTRY.versions(include_draft=True))
def test_every_bundled_schema_conforms_to_the_vocabulary(version: str) -> None:
    standard = REGISTRY.get(version)
    for entity in standard.entities:
        errors = [e.message for e in VALIDATOR.iter_errors(bundle_entity(standard, entity))]
        assert errors == [], entity


def test_the_vocabulary_declares_exactly_the_keywords_the_schemas_use() -> None:
    used = {k for path in SOURCES for k in _keywords(orjson.loads(path.read_bytes()))}
    assert used == DECLARED


RESIDENT = orjson.loads((SCHEMAS_ROOT / REGISTRY.latest() / "resident.json").read_bytes())
GENDER = orjson.loads((SCHEMAS_ROOT / REGISTRY.latest() / "codelists" / "gender.json").read_bytes())


@pytest.mark.parametrize(
    ("document", "path", "value"),
    [
        (RESIDENT, ["properties", "name", "x-ccstd-sensitivity"], "secret"),
        (RESIDENT, ["properties", "name", "x-ccstd-titel-zh"], "姓名"),
        (RESIDENT, ["properties", "name", "x-ccstd-title-zh"], " 姓名"),
        (RESIDENT, ["properties", "name", "x-ccstd-title-zh"], ""),
        (RESIDENT, ["properties", "phone", "x-ccstd-unit"], "per son"),
        (RESIDENT, ["properties", "livesAlone", "deprecated"], False),
        (RESIDENT, ["properties", "livesAlone", "x-ccstd-removal-in"], "v2"),
        (RESIDENT, ["properties", "name", "x-ccstd-deprecated-since"], "1.1.0"),
        (RESIDENT, ["properties", "name", "x-ccstd-removal-in"], "2.0.0"),
        (GENDER, ["x-ccstd-codes", "1", "x-ccstd-title-zh"], None),
        (GENDER, ["x-ccstd-codes", "1", "colour"], "blue"),
        (GENDER, ["x-ccstd-codes"], ["0", "1"]),
    ],
)
def test_a_misused_keyword_is_refused_at_any_depth(
    document: dict[str, Any], path: list[str], value: Any
) -> None:
    broken = copy.deepcopy(document)
    node = broken
    for key in path[:-1]:
        node = node[key]
    if value is None:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    assert VALIDATOR.is_valid(document)
    assert not VALIDATOR.is_valid(broken)


def test_the_vocabulary_page_documents_every_keyword() -> None:
    page = (REPO_ROOT / "docs" / "vocabulary.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(x-ccstd-[a-z-]+)` \|", page, re.MULTILINE))
    assert documented == DECLARED
    assert "addKeyword" in page and META["$id"] in page


@pytest.mark.parametrize("version", REGISTRY.versions(include_draft=True))
def test_the_sensitivity_levels_are_those_of_the_code_list(version: str) -> None:
    levels = REGISTRY.get(version).code_lists()["sensitivity"]["enum"]
    assert META["properties"]["x-ccstd-sensitivity"]["enum"] == levels
