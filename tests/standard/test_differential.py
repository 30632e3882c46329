"""jsonschema-rs (the verdict) and python-jsonschema (the reference) agree on every record.

Both engines get the same offline registry and the same format checkers; hypothesis mutates the
shipped examples (drop, retype, replace values, add unknown members) to reach a few thousand
records that are valid and invalid in many different ways.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccstd.standard.checker import build_plan
from ccstd.standard.publishing.reference import reference_validators
from ccstd.standard.registry import StandardRegistry
from tests.conftest import Example, load_examples

STANDARD = StandardRegistry().get("1.0.0")
EXAMPLES = load_examples("1.0.0")
_REFERENCE = reference_validators(STANDARD)
_FAST = {entity: build_plan(STANDARD, entity).validator for entity in STANDARD.entities}


def verdicts(entity: str, record: Any) -> tuple[bool, bool]:
    # every error, not the first: each keyword and format check must run on every value
    return _FAST[entity].is_valid(record), not list(_REFERENCE[entity].iter_errors(record))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.id)
def test_engines_agree_on_every_example(example: Example) -> None:
    fast, reference = verdicts(example.record["type"], example.record)
    assert fast == reference == (example.expected_code in (None, "retired-division-code"))


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(
        [
            "110101",
            "2024-05-01T08:00:00+08:00",
            "2024-05-01T08:00:00",
            "CNY",
            "+8613812345678",
            "2024-05-01",
            "final",
            "card",
            "1.00",
            "https://a.example/x",
            "91310115MA1H7GQ2X0",
        ]
    ),
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        children: Any = node.items()
    elif isinstance(node, list):
        children = enumerate(node)
    else:
        children = ()
    for key, child in children:
        found.extend(_paths(child, (*prefix, key)))
    return found


@st.composite
def mutated_records(draw: st.DrawFn) -> tuple[str, Any]:
    example = draw(st.sampled_from([e for e in EXAMPLES if e.expected_code is None]))
    record = copy.deepcopy(example.record)
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(_paths(record)))
        parent = record
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["delete", "replace", "add"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "replace":
            parent[path[-1]] = draw(_SCALARS)
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["x", "notes", "extra", "com.example"]))] = draw(_SCALARS)
    return example.record["type"], record


def engines_agree(case: tuple[str, Any]) -> None:
    entity, record = case
    fast, reference = verdicts(entity, record)
    assert fast == reference


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_records())
def test_engines_agree_on_generated_records(case: tuple[str, Any]) -> None:
    engines_agree(case)


@pytest.mark.slow  # the same property over six times the records (make test-slow)
@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_records())
def test_engines_agree_on_thousands_of_generated_records(case: tuple[str, Any]) -> None:
    engines_agree(case)
