"""Each reading, schema and stream rule fires on a crafted input and stays quiet on a clean one."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema_rs
import orjson
import pytest

from ccstd.standard import checker, reading
from ccstd.standard.checker import CheckOptions
from ccstd.standard.findings import Locator
from ccstd.standard.runner import RunOptions, validate_paths
from tests.conftest import proves, valid_record

Edit = Callable[[dict[str, Any]], None]


def _line(record: dict[str, Any]) -> bytes:
    return orjson.dumps(record) + b"\n"


def _edited(entity: str, edit: Edit) -> bytes:
    record = copy.deepcopy(valid_record(entity))
    edit(record)
    return _line(record)


def _set(path: tuple[str | int, ...], value: Any) -> Edit:
    def edit(record: dict[str, Any]) -> None:
        node: Any = record
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return edit


def _drop(key: str) -> Edit:
    return lambda record: record.pop(key)


RESIDENT = _line(valid_record("Resident"))
COMMUNITY = _line(valid_record("Community"))  # refers to nothing
CASES = [
    pytest.param(b"\xef\xbb\xbf" + RESIDENT, "byte-order-mark", marks=proves("byte-order-mark")),
    pytest.param(COMMUNITY + COMMUNITY, "duplicate-id", marks=proves("duplicate-id")),
    pytest.param(
        _edited("Facility", _set(("openingHours", 0, "days"), ["mo", "mo"])),
        "duplicate-items",
        marks=proves("duplicate-items"),
    ),
    pytest.param(
        RESIDENT[:-2] + b', "id": "again"}\n', "duplicate-key", marks=proves("duplicate-key")
    ),
    pytest.param(b"  \n", "empty-input", marks=proves("empty-input")),
    pytest.param(b'{"id": "\xff"}\n', "invalid-encoding", marks=proves("invalid-encoding")),
    pytest.param(
        _edited("Resident", _set(("address", "country"), "ZZ")),
        "invalid-iso3166-alpha2",
        marks=proves("invalid-iso3166-alpha2"),
    ),
    pytest.param(
        _edited("Facility", _set(("name",), "")),
        "length-out-of-range",
        marks=proves("length-out-of-range"),
    ),
    pytest.param(b'{"id": \n', "malformed-json", marks=proves("malformed-json")),
    pytest.param(
        b"[" * 5000 + b"]" * 5000 + b"\n", "nesting-too-deep", marks=proves("nesting-too-deep")
    ),
    pytest.param(b'{"id": NaN}\n', "non-standard-number", marks=proves("non-standard-number")),
    pytest.param(b"42\n", "not-an-object", marks=proves("not-an-object")),
    pytest.param(
        _edited("Resident", _drop("type")),
        "record-type-missing",
        marks=proves("record-type-missing"),
    ),
    pytest.param(
        _edited("Resident", _drop("standardVersion")),
        "standard-version-missing",
        marks=proves("standard-version-missing"),
    ),
    pytest.param(
        _edited("Resident", _set(("type",), "Spaceship")),
        "unknown-record-type",
        marks=proves("unknown-record-type"),
    ),
    pytest.param(
        _edited("Resident", _set(("standardVersion",), "0.0.1")),
        "unknown-standard-version",
        marks=proves("unknown-standard-version"),
    ),
    pytest.param(
        _line(valid_record("Condition")),
        "unresolved-reference",
        marks=proves("unresolved-reference"),
    ),
]


def _codes(tmp_path: Path, data: bytes, **run: Any) -> set[str]:
    source = tmp_path / "input.ndjson"
    source.write_bytes(data)
    result = validate_paths([str(source)], CheckOptions(check_references=True), RunOptions(**run))
    return {f.code for f in result.findings}


@pytest.mark.parametrize(("data", "code"), CASES)
def test_rule_fires_on_crafted_input(tmp_path: Path, data: bytes, code: str) -> None:
    assert code in _codes(tmp_path, data)


def test_a_clean_record_raises_none_of_them(tmp_path: Path) -> None:
    assert _codes(tmp_path, COMMUNITY) == set()


@proves("record-too-large")
def test_record_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_RECORD_BYTES", 100)
    assert "record-too-large" in _codes(tmp_path, RESIDENT)


@proves("findings-truncated")
def test_findings_truncated(tmp_path: Path) -> None:
    assert "findings-truncated" in _codes(tmp_path, b"1\n2\n3\n", max_findings=1)


@pytest.mark.parametrize(
    ("schema", "value", "code"),
    [
        pytest.param({"multipleOf": 10}, 15, "schema-violation", marks=proves("schema-violation")),
        pytest.param(
            {"anyOf": [{"type": "string", "maxLength": 1}, {"type": "string", "pattern": "^1"}]},
            "abc",
            "no-matching-alternative",
            marks=proves("no-matching-alternative"),
        ),
        pytest.param({"anyOf": [{"type": "string"}, {"type": "integer"}]}, 1.5, "wrong-type"),
        pytest.param(
            {"anyOf": [{"type": "string", "minLength": 5}, {"type": "integer"}]},
            "abc",
            "length-out-of-range",  # the one alternative of the value's type speaks
        ),
    ],
)
def test_keywords_the_1_0_0_schemas_do_not_use_yet(schema: Any, value: Any, code: str) -> None:
    error = next(jsonschema_rs.validator_for(schema).iter_errors(value))
    at = Locator("input.ndjson", 1, "", None, None)
    assert [f.code for f in checker._translate(error, at)] == [code]
