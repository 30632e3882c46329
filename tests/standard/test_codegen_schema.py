"""The schema document codegen hands datamodel-code-generator means what the standard's does.

Each rewrite in codegen_schema.py claims the same meaning; a JSON Schema validator (with the
standard's formats) gives both documents the same verdict on every record of the agreement
corpus: every example of every release and every single-step mutation of the valid ones.
"""

from __future__ import annotations

import functools
from typing import Any

import jsonschema_rs
import pytest

from ccstd.standard.formats import DOMAIN_FORMATS
from ccstd.standard.publishing.bundling import definitions_document
from ccstd.standard.publishing.codegen_schema import (
    SchemaShapeError,
    generator_document,
    nodes,
)
from ccstd.standard.registry import StandardRegistry
from tests.conftest import load_examples
from tests.standard.model_agreement import corpus

VERSIONS = StandardRegistry().versions()


@functools.cache
def _validator(version: str, entity: str, derived: bool) -> jsonschema_rs.Validator:
    document = definitions_document(StandardRegistry().get(version))
    if derived:
        document = generator_document(document)
    return jsonschema_rs.validator_for(
        {**document, "$ref": f"#/$defs/{entity}"},
        formats=DOMAIN_FORMATS,
        validate_formats=True,
        ignore_unknown_formats=False,
    )


@pytest.mark.parametrize("version", VERSIONS)
def test_the_generator_document_gives_every_record_the_same_verdict(version: str) -> None:
    differ: list[tuple[str, Any]] = []
    checked = 0
    for entity, record in corpus(load_examples(version)):
        checked += 1
        original = _validator(version, entity, False).is_valid(record)
        if _validator(version, entity, True).is_valid(record) != original:
            differ.append((entity, record))
    assert checked > 5000 and not differ, differ[:3]


def test_the_rewrites_happen_and_leave_the_standard_alone() -> None:
    version = StandardRegistry().get(VERSIONS[-1])
    document = definitions_document(version)
    before = repr(document)
    derived = generator_document(document)
    assert repr(document) == before  # works on a copy
    kinds = [node for node in nodes(derived) if "if" in node]
    assert not any(n["if"].keys() == {"type"} for n in kinds)  # unions now
    assert not any(n["if"].keys() == {"not"} and "else" not in n for n in kinds)
    assert not any("dependentRequired" in n for n in nodes(derived))
    assert all("pattern" in n for n in nodes(derived) if n.get("format") == "iso4217")


def test_a_format_beside_a_pattern_is_refused_rather_than_weakened() -> None:
    document = {"$defs": {"Code": {"type": "string", "format": "cn-uscc", "pattern": "^9"}}}
    with pytest.raises(SchemaShapeError, match="cn-uscc"):
        generator_document(document)
