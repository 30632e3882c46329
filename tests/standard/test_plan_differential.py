"""The compiled validation plan (standard/plan.py) and the published schemas agree.

Same verdict from both on every example of every released version, on every record of a seeded
benchmark set, and on a generated corpus; and the findings ccstd reports (codes, pointers,
messages) are identical whichever decides validity.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.generate import generate
from ccstd.standard.checker import BlockResult, RecordChecker, build_plan
from ccstd.standard.plan import compile_plan
from ccstd.standard.reading import Block, read_blocks
from ccstd.standard.registry import EXAMPLES_ROOT, StandardRegistry
from tests.conftest import Example, load_examples

REGISTRY = StandardRegistry()
VERSIONS = REGISTRY.versions(include_draft=True)  # a draft, when there is one, too
EXAMPLES = [e for v in VERSIONS if (EXAMPLES_ROOT / v).is_dir() for e in load_examples(v)]
_FAST = RecordChecker(REGISTRY)
_CANONICAL = RecordChecker(REGISTRY, fast=False)


def _reported(result: BlockResult) -> list[tuple[Any, ...]]:
    return [
        (f.code, f.severity, f.message, f.location.line, f.location.pointer, f.location.record_id)
        for f in result.findings
    ] + [(result.records, result.invalid, tuple(result.keys))]


def _same_report(lines: list[bytes]) -> None:
    block = Block("records.ndjson", 1, lines)
    assert _reported(_FAST.check_block(block)) == _reported(_CANONICAL.check_block(block))


def _verdicts(version: str, record: Any) -> tuple[bool, bool]:
    standard = REGISTRY.get(version)
    entity = record["type"]
    plan = compile_plan(standard, entity)
    assert plan is not None, f"{version} {entity}: no compiled plan"
    return plan.is_valid(record), build_plan(standard, entity).validator.is_valid(record)


def test_every_released_entity_has_a_plan_without_unevaluated_keywords() -> None:
    for version in VERSIONS:
        standard = REGISTRY.get(version)
        for entity in standard.entities:
            plan = compile_plan(standard, entity)
            assert plan is not None
            assert b"unevaluated" not in orjson.dumps(plan.schema), (version, entity)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.id)
def test_plan_and_schema_agree_on_every_example(example: Example) -> None:
    version = example.record.get("standardVersion")
    if not isinstance(version, str) or version not in VERSIONS or "type" not in example.record:
        pytest.skip("not a record of a released version")
    fast, canonical = _verdicts(version, example.record)
    assert fast == canonical
    _same_report([orjson.dumps(example.record)])


def test_plan_and_schema_agree_on_benchmark_records(tmp_path: Path) -> None:
    data = generate(tmp_path / "records.ndjson", 3000, seed=7, invalid_share=0.2)
    for block in read_blocks(str(data)):
        assert _reported(_FAST.check_block(block)) == _reported(_CANONICAL.check_block(block))


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(
        [
            "110101",
            "110100",
            "999999",
            "2024-05-01T08:00:00+08:00",
            "2024-05-01T08:00:00",
            "CNY",
            "cny",
            "XXX",
            "CN",
            "+8613812345678",
            "13812345678",
            "+861",
            "2024-02-30",
            "11010519491231002X",
            "110105194912310021",
            "91310115MA1H7GQ2X0",
            "1.00",
            "https://a.example/x",
            "",
            "Resident",
            "pseudonymised",
            "masked",
        ]
    ),
    st.sampled_from(
        [
            {"protection": "masked", "value": "138****5678"},
            {"protection": "pseudonymised", "value": "hmac-sha256:" + "a" * 64, "keyId": "k1"},
            {"protection": "pseudonymised", "value": "x"},
            {"protection": "masked", "value": "v", "extra": 1},
            {"type": "Resident", "id": "r-1"},
            {"type": "Nope", "id": "r-1"},
            {},
            [],
            ["a"],
        ]
    ),
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    children: Any = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, child in children:
        found.extend(_paths(child, (*prefix, key)))
    return found


_VALID = [e for e in EXAMPLES if e.expected_code is None and "type" in e.record]


@st.composite
def mutated_records(draw: st.DrawFn) -> dict[str, Any]:
    record = copy.deepcopy(draw(st.sampled_from(_VALID)).record)
    for _ in range(draw(st.integers(0, 3))):
        paths = [p for p in _paths(record) if p not in (("type",), ("standardVersion",))]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = record
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["delete", "replace", "add"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "replace":
            parent[path[-1]] = copy.deepcopy(draw(_SCALARS))
        elif isinstance(parent, dict):
            name = draw(st.sampled_from(["x", "notes", "extra", "com.example", "value", "keyId"]))
            parent[name] = copy.deepcopy(draw(_SCALARS))
    return record


def plan_and_schema_agree(record: dict[str, Any]) -> None:
    fast, canonical = _verdicts(record["standardVersion"], record)
    assert fast == canonical
    _same_report([orjson.dumps(record)])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_records())
def test_plan_and_schema_agree_on_generated_records(record: dict[str, Any]) -> None:
    plan_and_schema_agree(record)


@pytest.mark.slow  # the same property over about four times the records (make test-slow)
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_records())
def test_plan_and_schema_agree_on_thousands_of_generated_records(record: dict[str, Any]) -> None:
    plan_and_schema_agree(record)


def _strings_at(node: Any, path: tuple[str, ...]) -> list[str]:
    """The strings at a field path (`*`: every item of an array), read the obvious way."""
    if not path:
        return [node] if isinstance(node, str) else []
    key, rest = path[0], path[1:]
    if key == "*":
        return (
            [s for item in node for s in _strings_at(item, rest)] if isinstance(node, list) else []
        )
    return _strings_at(node[key], rest) if isinstance(node, dict) and key in node else []


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from(["ok", "bad", ""]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "b", "*"]), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(_JSON, st.lists(st.sampled_from(["a", "b", "*"]), min_size=1, max_size=4))
def test_the_second_pass_reads_the_strings_at_a_path_as_a_walk_would(
    value: Any, path: list[str]
) -> None:
    """The compiled second pass judges exactly the strings found at a field path: through
    arrays at `*`, nothing where a step is missing or of another type (a key named `*` in an
    object is not an array step)."""
    from ccstd.standard.plan import _holds

    seen: list[str] = []

    def check(text: str) -> bool:
        seen.append(text)
        return text != "bad"

    strings = _strings_at(value, tuple(path))
    assert _holds(value, tuple(path), check) == ("bad" not in strings)
    assert seen == strings[: strings.index("bad") + 1] if "bad" in strings else seen == strings
