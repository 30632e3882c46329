"""Checking one record: schema by type and version (jsonschema-rs), formats, retired codes."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import jsonschema_rs

from ccstd.standard import divisions, rules
from ccstd.standard.fields import entity_fields, values_at
from ccstd.standard.findings import Finding, Severity, json_pointer
from ccstd.standard.formats import FORMATS
from ccstd.standard.reading import RawItem, parse_json
from ccstd.standard.registry import StandardRegistry, StandardVersion, UnknownVersionError

_COMPARISONS = {
    "minimum": ">=",
    "exclusiveMinimum": ">",
    "maximum": "<=",
    "exclusiveMaximum": "<",
    "minLength": ">=",
    "maxLength": "<=",
    "minItems": ">=",
    "maxItems": "<=",
}
_RANGE_RULES = {
    "minimum": rules.OUT_OF_RANGE,
    "exclusiveMinimum": rules.OUT_OF_RANGE,
    "maximum": rules.OUT_OF_RANGE,
    "exclusiveMaximum": rules.OUT_OF_RANGE,
    "minLength": rules.LENGTH_OUT_OF_RANGE,
    "maxLength": rules.LENGTH_OUT_OF_RANGE,
    "minItems": rules.ITEM_COUNT_OUT_OF_RANGE,
    "maxItems": rules.ITEM_COUNT_OUT_OF_RANGE,
}
_SIMPLE_RULES = {
    "uniqueItems": rules.DUPLICATE_ITEMS,
    "not": rules.CONFLICTING_PROPERTIES,
    "anyOf": rules.NO_MATCHING_ALTERNATIVE,
    "oneOf": rules.NO_MATCHING_ALTERNATIVE,
}
_MAX_LISTED_CODES = 12


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """What the user chose: a version or type forced on every record, and reference checking."""

    standard: str | None = None
    entity_type: str | None = None
    check_references: bool = False


@dataclass(frozen=True, slots=True)
class RecordKey:
    """What the stream needs of a record: its identity and the references it makes."""

    type: str
    id: str
    references: tuple[tuple[str, str, str], ...] = ()  # (type, id, JSON Pointer)


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    """The verdict on one item: its findings, and its key when it is a record with an identity."""

    file: str
    line: int | None
    pointer: str
    findings: tuple[Finding, ...]
    key: RecordKey | None
    is_record: bool

    @property
    def has_error(self) -> bool:
        """True if any finding is an error."""
        return any(f.severity is Severity.ERROR for f in self.findings)


@dataclass(frozen=True)
class _EntityPlan:
    validator: jsonschema_rs.Validator
    division_paths: tuple[tuple[str, ...], ...]
    reference_paths: tuple[tuple[str, ...], ...]


class RecordChecker:
    """Checks items one at a time; holds the compiled validators, nothing about other records."""

    def __init__(self, registry: StandardRegistry, options: CheckOptions = CheckOptions()) -> None:
        self.registry = registry
        self.options = options
        self._plan = functools.cache(self._build_plan)

    def check(self, item: RawItem) -> ItemOutcome:
        """Parse the item if needed, then check it; never raises on bad content."""
        findings = list(item.problems)
        value = item.value
        if item.data is not None:
            parsed = parse_json(item.data, item.location())
            record_id = _record_id(parsed.value)
            findings.extend(
                replace(f, location=replace(f.location, record_id=record_id))
                for f in parsed.duplicate_keys
            )
            if parsed.problem is not None:
                findings.append(parsed.problem)
            value = parsed.value
        is_record = item.data is not None or item.value is not None or not findings
        key = None
        if is_record and not any(f.code in _UNPARSED for f in findings):
            key = self._check_value(value, item, findings)
        return ItemOutcome(item.file, item.line, item.pointer, tuple(findings), key, is_record)

    def _check_value(self, value: Any, item: RawItem, findings: list[Finding]) -> RecordKey | None:
        if not isinstance(value, dict):
            findings.append(rules.NOT_AN_OBJECT.finding(item.location(), found=_json_type(value)))
            return None
        record_id = _record_id(value)
        plan = self._resolve_plan(value, item, record_id, findings)
        if plan is None:
            return None
        schema_findings = (
            f for e in plan.validator.iter_errors(value) for f in _translate(e, item, record_id)
        )
        findings.extend(dict.fromkeys(schema_findings))  # base and entity may both flag one place
        findings.extend(_retired_divisions(value, plan, item, record_id))
        entity = self.options.entity_type or value["type"]
        if record_id is None:
            return None
        refs = _references(value, plan) if self.options.check_references else ()
        return RecordKey(entity, record_id, refs)

    def _resolve_plan(
        self, value: dict[str, Any], item: RawItem, record_id: str | None, findings: list[Finding]
    ) -> _EntityPlan | None:
        where = item.location(record_id=record_id)
        version = self.options.standard or value.get("standardVersion")
        entity = self.options.entity_type or value.get("type")
        if not isinstance(version, str):
            findings.append(rules.STANDARD_VERSION_MISSING.finding(where))
            return None
        if not isinstance(entity, str):
            findings.append(rules.RECORD_TYPE_MISSING.finding(where))
            return None
        try:
            standard = self.registry.get(version)
        except UnknownVersionError as exc:
            findings.append(
                rules.UNKNOWN_STANDARD_VERSION.finding(
                    item.location("/standardVersion", record_id),
                    version=version,
                    known=", ".join(exc.known),
                )
            )
            return None
        if entity not in standard.entity_ids:
            findings.append(
                rules.UNKNOWN_RECORD_TYPE.finding(
                    item.location("/type", record_id), type=entity, version=version
                )
            )
            return None
        return self._plan(version, entity)

    def _build_plan(self, version: str, entity: str) -> _EntityPlan:
        return build_plan(self.registry.get(version), entity)


def build_plan(standard: StandardVersion, entity: str) -> _EntityPlan:
    """Compile an entity's validator (offline, with the standard's formats) and its field paths."""
    validator = jsonschema_rs.validator_for(
        standard.entity_schema(entity),
        registry=compiled_registry(standard),
        formats=FORMATS,
        validate_formats=True,
        ignore_unknown_formats=False,
        offline=True,
    )
    fields = entity_fields(standard, entity)
    return _EntityPlan(
        validator,
        tuple(f.path for f in fields if f.format == "cn-division-code"),
        tuple(f.path for f in fields if f.reference_type is not None),
    )


@functools.cache
def compiled_registry(standard: StandardVersion) -> jsonschema_rs.Registry:
    """jsonschema-rs registry of every document of a version: `$ref`s never leave the package."""
    return jsonschema_rs.Registry(list(standard.resources()))


_UNPARSED = frozenset(
    code
    for code in (
        "malformed-json",
        "invalid-encoding",
        "nesting-too-deep",
        "non-standard-number",
        "record-too-large",
        "empty-input",
    )
)


def _record_id(value: Any) -> str | None:
    record_id = value.get("id") if isinstance(value, dict) else None
    return record_id if isinstance(record_id, str) else None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _translate(
    error: jsonschema_rs.ValidationError, item: RawItem, record_id: str | None
) -> Iterator[Finding]:
    """Findings for one engine error; messages are built from structure, never from values."""
    keyword = error.kind.name
    details = error.kind.as_dict()
    path = list(error.instance_path)

    def at(*extra: str | int) -> Any:
        return item.location(json_pointer([*path, *extra]), record_id)

    if keyword == "required":
        yield rules.REQUIRED_PROPERTY_MISSING.finding(
            at(details["property"]), property=details["property"]
        )
    elif keyword in ("unevaluatedProperties", "additionalProperties"):
        for name in details["unexpected"]:
            yield rules.UNKNOWN_PROPERTY.finding(at(name), property=name)
    elif keyword == "type":
        yield rules.WRONG_TYPE.finding(
            at(), expected=_expected_types(error), found=_json_type(error.instance)
        )
    elif keyword in ("enum", "const"):
        options = details.get("options", [details.get("expected_value")])
        listed = ", ".join(str(o) for o in options[:_MAX_LISTED_CODES])
        more = ", …" if len(options) > _MAX_LISTED_CODES else ""
        yield rules.VALUE_NOT_ALLOWED.finding(at(), allowed=listed + more)
    elif keyword == "format":
        rule = rules.FORMAT_RULES.get(details["format"], rules.SCHEMA_VIOLATION)
        yield rule.finding(at(), keyword="format")
    elif keyword == "pattern":
        yield rules.PATTERN_MISMATCH.finding(at(), pattern=details["pattern"])
    elif keyword in _RANGE_RULES:
        yield _RANGE_RULES[keyword].finding(
            at(), comparison=_COMPARISONS[keyword], limit=details["limit"]
        )
    elif keyword == "minProperties":
        yield rules.EMPTY_OBJECT.finding(at(), limit=details["limit"])
    elif keyword == "propertyNames":
        name = str(details["error"].instance)
        yield rules.INVALID_EXTENSION_NAMESPACE.finding(at(name), name=name)
    elif keyword in _SIMPLE_RULES:
        yield _SIMPLE_RULES[keyword].finding(at())
    else:
        yield rules.SCHEMA_VIOLATION.finding(at(), keyword=keyword)


def _expected_types(error: jsonschema_rs.ValidationError) -> str:
    if "Protected" in error.schema_path:
        return "a string, or an object for a pseudonymised or masked value"
    types: list[str] = error.kind.as_dict()["types"]
    return " or ".join(types)


def _retired_divisions(
    record: dict[str, Any], plan: _EntityPlan, item: RawItem, record_id: str | None
) -> Iterator[Finding]:
    for path in plan.division_paths:
        for concrete, code in values_at(record, path):
            division = divisions.lookup(code) if isinstance(code, str) else None
            if division is not None and division.retired_in is not None:
                where = item.location(json_pointer(concrete), record_id)
                yield rules.RETIRED_DIVISION_CODE.finding(where, year=division.retired_in)


def _references(record: dict[str, Any], plan: _EntityPlan) -> tuple[tuple[str, str, str], ...]:
    found = []
    for path in plan.reference_paths:
        for concrete, ref in values_at(record, path):
            if (
                isinstance(ref, dict)
                and isinstance(ref.get("type"), str)
                and isinstance(ref.get("id"), str)
            ):
                found.append((ref["type"], ref["id"], json_pointer(concrete)))
    return tuple(found)
