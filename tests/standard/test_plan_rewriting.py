"""Each rewriting rule of standard/plan.py keeps the verdict, on schemas built to test its edges.

Synthetic entity schemas (a base by `$ref`, `allOf` branches that evaluate extra members, closed
sub-objects overridden by a sibling, unions by type, if/then/else on type, formats at known and
unknown paths) are compiled both ways and run over generated instances.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccstd.standard.formats import DOMAIN_FORMATS
from ccstd.standard.plan import compile_plan
from ccstd.standard.registry import StandardVersion

BASE = "https://example.test/common.json"
_COMMON = {
    "$id": BASE,
    "$defs": {
        "Base": {
            "type": "object",
            "properties": {"id": {"type": "string"}, "type": {"type": "string"}},
            "required": ["id", "type"],
        },
        "Protected": {
            "type": "object",
            "properties": {"protection": {"enum": ["masked"]}, "value": {"type": "string"}},
            "required": ["protection", "value"],
            "unevaluatedProperties": False,
        },
        "Closed": {
            "type": "object",
            "properties": {"kind": {"type": "string"}, "n": {"type": "integer"}},
            "unevaluatedProperties": False,
        },
        "Phone": {"anyOf": [{"type": "string", "format": "phone"}, {"$ref": "#/$defs/Protected"}]},
        "OldPhone": {
            "if": {"type": "string"},
            "then": {"format": "phone"},
            "else": {"$ref": "#/$defs/Protected"},
        },
    },
}


def _entity(name: str, **keywords: Any) -> dict[str, Any]:
    return {
        "$id": f"https://example.test/{name.lower()}.json",
        "type": "object",
        "$ref": "common.json#/$defs/Base",
        "properties": {"type": {"const": name}, **keywords.pop("properties", {})},
        "unevaluatedProperties": False,
        **keywords,
    }


ENTITIES = {
    "Plain": _entity("Plain", properties={"phone": {"$ref": "common.json#/$defs/Phone"}}),
    "Legacy": _entity("Legacy", properties={"phone": {"$ref": "common.json#/$defs/OldPhone"}}),
    "Extra": _entity(  # an allOf branch evaluates a member the entity does not declare
        "Extra", allOf=[{"if": {"required": ["a"]}, "then": {"properties": {"b": {}}}}]
    ),
    "Override": _entity(  # a closed sub-object narrowed by a sibling keyword
        "Override",
        properties={
            "c": {"$ref": "common.json#/$defs/Closed", "properties": {"kind": {"const": "k"}}},
            "d": {"$ref": "common.json#/$defs/Closed", "properties": {"other": {}}},
        },
    ),
    "Nested": _entity(  # formats under items, and under a branch (no known path)
        "Nested",
        properties={
            "list": {"type": "array", "items": {"$ref": "common.json#/$defs/Phone"}},
            "pair": {
                "type": "array",
                "prefixItems": [{"type": "string"}],
                "items": {"format": "phone"},
            },
            "either": {"oneOf": [{"type": "string", "format": "phone"}, {"type": "integer"}]},
            "maybe": {"if": {"minLength": 3}, "then": {"format": "phone"}},
        },
    ),
}
STANDARD = StandardVersion(
    "test",
    Path(),
    {BASE: _COMMON} | {s["$id"]: s for s in ENTITIES.values()},
    {name: s["$id"] for name, s in ENTITIES.items()},
)
REGISTRY = jsonschema_rs.Registry(list(STANDARD.resources()))
CANONICAL = {
    name: jsonschema_rs.validator_for(
        STANDARD.entity_schema(name),
        registry=REGISTRY,
        formats=DOMAIN_FORMATS,
        validate_formats=True,
        ignore_unknown_formats=False,
    )
    for name in ENTITIES
}

_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.integers(-3, 3),
        st.sampled_from(["+8613912345678", "+8612345", "k", "x", "masked", "abc"]),
        st.just({"protection": "masked", "value": "1**8"}),
    ),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["kind", "n", "other", "protection", "value"]), inner, max_size=3
        )
    ),
    max_leaves=6,
)


@st.composite
def instances(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    name = draw(st.sampled_from(sorted(ENTITIES)))
    keys = ["id", "phone", "a", "b", "c", "d", "list", "pair", "either", "maybe", "zz"]
    record = draw(st.dictionaries(st.sampled_from(keys), _VALUES, max_size=5))
    if draw(st.booleans()):
        record |= {"id": "r1", "type": name}
    return name, record


@pytest.mark.parametrize("name", sorted(ENTITIES))
def test_every_synthetic_entity_compiles(name: str) -> None:
    assert compile_plan(STANDARD, name) is not None


def same_verdict(case: tuple[str, dict[str, Any]]) -> None:
    name, record = case
    plan = compile_plan(STANDARD, name)
    assert plan is not None
    assert plan.is_valid(record) == CANONICAL[name].is_valid(record)


@settings(max_examples=500, deadline=None)
@given(instances())
def test_rewriting_keeps_the_verdict(case: tuple[str, dict[str, Any]]) -> None:
    same_verdict(case)


@pytest.mark.slow  # the same property over six times the instances (make test-slow)
@settings(max_examples=3000, deadline=None)
@given(instances())
def test_rewriting_keeps_the_verdict_on_thousands_of_instances(
    case: tuple[str, dict[str, Any]],
) -> None:
    same_verdict(case)
