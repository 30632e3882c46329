"""Checking records: schema by type and version (jsonschema-rs), formats, retired codes."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import jsonschema_rs
import orjson

from ccstd.standard import divisions, rules
from ccstd.standard.fields import ANY_ITEM, entity_fields, values_at
from ccstd.standard.findings import (
    Finding,
    Location,
    Locator,
    Severity,
    json_pointer,
    record_digest,
)
from ccstd.standard.formats import DOMAIN_FORMATS
from ccstd.standard.plan import FastPlan, compile_plan
from ccstd.standard.raw_ids import place_findings, raw_id_places
from ccstd.standard.reading import (
    NESTING_LIMIT,
    Block,
    RawItem,
    duplicate_key_findings,
    explain_parse_error,
    may_repeat_keys,
    record_id,
    serialised,
)
from ccstd.standard.redaction import redact
from ccstd.standard.registry import StandardRegistry, StandardVersion, UnknownVersionError

_COMPARISONS = {
    "minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<",
    "minLength": ">=", "maxLength": "<=", "minItems": ">=", "maxItems": "<=",
}  # fmt: skip
_RANGE_RULES = {
    "minimum": rules.OUT_OF_RANGE, "exclusiveMinimum": rules.OUT_OF_RANGE,
    "maximum": rules.OUT_OF_RANGE, "exclusiveMaximum": rules.OUT_OF_RANGE,
    "minLength": rules.LENGTH_OUT_OF_RANGE, "maxLength": rules.LENGTH_OUT_OF_RANGE,
    "minItems": rules.ITEM_COUNT_OUT_OF_RANGE, "maxItems": rules.ITEM_COUNT_OUT_OF_RANGE,
}  # fmt: skip
_SIMPLE_RULES = {
    "uniqueItems": rules.DUPLICATE_ITEMS, "not": rules.CONFLICTING_PROPERTIES,
}  # fmt: skip
_MAX_LISTED_CODES = 12

Reference = tuple[str, str, str]  # (type, id, JSON Pointer within the record)
RecordVisitor = Callable[[dict[str, Any], Locator], None]


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """What the user chose: a version or type forced on every record, and reference checking."""

    standard: str | None = None
    entity_type: str | None = None
    check_references: bool = False


@dataclass(slots=True)
class BlockResult:
    """The verdict on a block: counts, findings, and the identities the stream index needs.

    `keys` holds (type, id, line, pointer, valid) per record with an identity; `refs` holds
    (index into keys, type, id, pointer) per reference made.
    """

    file: str
    records: int = 0
    invalid: int = 0
    findings: list[Finding] = field(default_factory=list)
    keys: list[tuple[str, str, int | None, str, bool]] = field(default_factory=list)
    refs: list[tuple[int, str, str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _EntityPlan:
    validator: jsonschema_rs.Validator  # the canonical schema: the truth, and every finding
    division_paths: tuple[tuple[str, ...], ...]
    reference_paths: tuple[tuple[str, ...], ...]
    is_valid: Callable[[Any], bool]  # the fast plan's verdict (standard/plan.py), same as canonical
    entity: str  # the record type it checks, interned


class RecordChecker:
    """Checks records one block at a time; knows nothing of other blocks (see StreamIndex)."""

    def __init__(
        self,
        registry: StandardRegistry,
        options: CheckOptions = CheckOptions(),
        visit: RecordVisitor | None = None,
        fast: bool = True,
    ) -> None:
        self.registry = registry
        self.options = options
        self.visit = visit  # sees every record that is an object, parsed once, with its locator
        self.fast = fast  # the compiled plan decides validity (False: the canonical schema does)
        self._plans: dict[tuple[str, str], _EntityPlan] = {}

    def check_block(self, block: Block) -> BlockResult:
        """Check every line and item of a block; never raises on bad content."""
        result = BlockResult(block.file)
        line_no = block.first_line - 1
        findings = result.findings
        record = self._record
        loads, dumps = orjson.loads, orjson.dumps
        for data in block.lines:
            line_no += 1
            text = data.strip()
            if not text:
                continue
            start = len(findings)
            try:
                value = loads(text)
            except orjson.JSONDecodeError as exc:
                findings.append(explain_parse_error(text, exc, Location(result.file, line_no)))
                result.records += 1
                result.invalid += 1
                _identify_content(findings, start, text)
                continue
            try:  # the hot path: an object whose text is orjson's own rendering (no repeated
                plain = type(value) is dict and dumps(value) == text  # key, nesting bounded)
            except orjson.JSONEncodeError:
                plain = False
            if plain:
                result.records += 1
                record(result, value, line_no, "", findings, start)
            else:
                self._check_line(result, line_no, text, value)
            if len(findings) > start:
                _identify_content(findings, start, text)
        for item in block.items:
            start = len(findings)
            self._check_one(result, item.line, item.pointer, item.data, item.value, item.problems)
            _identify_content(findings, start, item.data, item.value)
        return result

    def check(self, item: RawItem) -> BlockResult:
        """Check a single item (an NDJSON line or a parsed value)."""
        result = BlockResult(item.file)
        data = item.data.strip() if item.data is not None else None
        self._check_one(result, item.line, item.pointer, data, item.value, item.problems)
        _identify_content(result.findings, 0, data, item.value)
        return result

    def _check_line(self, result: BlockResult, line: int, text: bytes, value: Any) -> None:
        """One NDJSON line parsed to `value` that is not an object in orjson's own rendering:
        nesting bounded and repeated keys found before the checks."""
        findings = result.findings
        start = len(findings)
        result.records += 1
        problem = _inspect_parsed(text, value, Location(result.file, line), findings)
        if problem is not None:
            findings.append(problem)
            result.invalid += 1
            return
        self._record(result, value, line, "", findings, start)

    def _check_one(  # any item: one record, its findings appended to the block's
        self,
        result: BlockResult,
        line: int | None,
        pointer: str,
        data: bytes | None,
        value: Any,
        problems: list[Finding] | tuple[()],
    ) -> None:
        findings = result.findings
        start = len(findings)
        findings.extend(problems)
        if data is not None:
            problem, value = _parse_record(data, Location(result.file, line, pointer), findings)
            if problem is not None:
                findings.append(problem)
                result.records += 1
                result.invalid += 1
                return
        elif value is None and problems:
            if any(p.severity is Severity.ERROR for p in problems):  # a record that cannot be read
                result.records += 1
                result.invalid += 1
            return  # otherwise a remark on the input itself (a byte order mark, no records)
        result.records += 1
        self._record(result, value, line, pointer, findings, start)

    def _record(
        self,
        result: BlockResult,
        value: Any,
        line: int | None,
        pointer: str,
        findings: list[Finding],
        start: int,
    ) -> None:
        """The hot path of a record: a valid one costs its plan's verdict and the few checks
        beyond the schema, and allocates only its identity (a locator is built only when a
        visitor or a finding needs one); counted invalid when a finding from `start` on is an
        error."""
        if not isinstance(value, dict):
            where = Location(result.file, line, pointer)
            findings.append(rules.NOT_AN_OBJECT.finding(where, found=_json_type(value)))
            result.invalid += 1
            return
        file = result.file
        identity = value.get("id")
        if type(identity) is not str:
            identity = None
        options = self.options
        record_type = options.entity_type or value.get("type")
        at = None
        if self.visit is not None:
            at = Locator(file, line, pointer, identity, _text_or_none(record_type))
            self.visit(value, at)
        version = options.standard or value.get("standardVersion")
        plan = None
        if type(version) is str and type(record_type) is str:
            plan = self._plans.get((version, record_type))
        if plan is None:
            at = at or Locator(file, line, pointer, identity, _text_or_none(record_type))
            plan = self._resolve_plan(value, at, findings)
            if plan is None:
                result.invalid += not _passes(findings, start)
                return
        if not (plan.is_valid(value) if self.fast else plan.validator.is_valid(value)):
            at = at or Locator(file, line, pointer, identity, _text_or_none(record_type))
            errors = plan.validator.iter_errors(value)  # findings come from the canonical schema
            findings.extend(dict.fromkeys(f for e in errors for f in _translate(e, at)))
        if plan.division_paths and (retired := _retired_divisions(value, plan)):
            at = at or Locator(file, line, pointer, identity, _text_or_none(record_type))
            findings.extend(_retired_findings(retired, at))
        if record_type == "Order":
            at = at or Locator(file, line, pointer, identity, _text_or_none(record_type))
            findings.extend(_order_findings(value, at))
        if places := raw_id_places(value, plan.reference_paths):
            at = at or Locator(file, line, pointer, identity, _text_or_none(record_type))
            findings.extend(place_findings(places, at))
        valid = len(findings) == start or _passes(findings, start)
        result.invalid += not valid
        if identity is None:
            return
        if options.check_references and (refs := _references(value, plan)):
            index = len(result.keys)
            result.refs.extend((index, *ref) for ref in refs)
        # the plan's entity name, one object per type: a block's identities pickle compactly
        result.keys.append((plan.entity, identity, line, pointer, valid))

    def _resolve_plan(
        self, value: dict[str, Any], at: Locator, findings: list[Finding]
    ) -> _EntityPlan | None:
        version = self.options.standard or value.get("standardVersion")
        entity = self.options.entity_type or value.get("type")
        if not isinstance(version, str):
            findings.append(rules.STANDARD_VERSION_MISSING.finding(at()))
            return None
        if not isinstance(entity, str):  # also never a list or object: those are unhashable
            findings.append(rules.RECORD_TYPE_MISSING.finding(at()))
            return None
        plan = self._plans.get((version, entity))
        if plan is not None:
            return plan
        try:
            standard = self.registry.get(version)
        except UnknownVersionError as exc:
            known = ", ".join(exc.known)
            where = at("standardVersion")
            findings.append(
                rules.UNKNOWN_STANDARD_VERSION.finding(where, version=version, known=known)
            )
            return None
        if entity not in standard.entity_ids:
            where = at("type")
            findings.append(rules.UNKNOWN_RECORD_TYPE.finding(where, type=entity, version=version))
            return None
        plan = self._plans[(version, entity)] = build_plan(standard, entity)
        return plan


@functools.cache
def _compiled_registry(standard: StandardVersion) -> jsonschema_rs.Registry:
    return jsonschema_rs.Registry(list(standard.resources()))


@functools.cache
def build_plan(standard: StandardVersion, entity: str) -> _EntityPlan:
    """Compile an entity's validator (offline, with the standard's formats) and its field paths;
    once per process."""
    registry = _compiled_registry(standard)
    validator = jsonschema_rs.validator_for(
        standard.entity_schema(entity),
        registry=registry,
        formats=DOMAIN_FORMATS,
        validate_formats=True,
        ignore_unknown_formats=False,
        offline=True,
    )
    fields = entity_fields(standard, entity)
    fast = compile_plan(standard, entity)
    return _EntityPlan(
        validator,
        tuple(f.path for f in fields if f.format == "cn-division-code"),
        tuple(f.path for f in fields if f.reference_type is not None),
        _verdict(validator, fast),
        sys.intern(entity),
    )


def _verdict(validator: jsonschema_rs.Validator, fast: FastPlan | None) -> Callable[[Any], bool]:
    """The fast plan's verdict; the engine's own method when the plan has no second pass (no
    Python call around it per record)."""
    if fast is None:
        return validator.is_valid
    return fast.is_valid if fast.formats else fast.validator.is_valid


def _identify_content(
    findings: list[Finding], start: int, raw: bytes | None, value: Any = None
) -> None:
    """Give the findings from `start` on that name no record id, or one holding a resident ID
    number, the digest of the record's content (baselines tell broken records apart by it)."""
    digest: str | None = None
    for n in range(start, len(findings)):
        where = findings[n].location
        if where.content is None and where.file is not None and _anonymous(where.record_id):
            digest = digest or record_digest(raw, value)
            if digest is None:
                return
            findings[n] = replace(findings[n], location=replace(where, content=digest))


def _anonymous(record_id: str | None) -> bool:
    """True when a record id cannot key a baseline: none, or one holding an ID-shaped number
    (reports black out a mistyped one too: it is still personal)."""
    return record_id is None or redact(record_id) != record_id


def _order_findings(record: dict[str, Any], at: Locator) -> list[Finding]:
    """An order's totals checked (money loads its currency table on the first order only)."""
    from ccstd.standard.money import order_findings

    return order_findings(record, at)


def _parse_record(
    data: bytes, where: Location, findings: list[Finding]
) -> tuple[Finding | None, Any]:
    """(why the text is no record, None) or (None, the value), its repeated keys noted; nesting is
    bounded before anything recurses into the value."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        return explain_parse_error(data, exc, where), None
    return _inspect_parsed(data, value, where, findings), value


def _inspect_parsed(
    data: bytes, value: Any, where: Location, findings: list[Finding]
) -> Finding | None:
    """Why a parsed text is no record (nested too deep), its repeated keys noted in findings."""
    if isinstance(value, dict | list):
        canonical = serialised(value)
        at = Location(where.file, where.line, where.pointer, record_id(value))
        if canonical is None:
            return rules.NESTING_TOO_DEEP.finding(at, limit=NESTING_LIMIT)
        if may_repeat_keys(data, canonical):
            findings.extend(duplicate_key_findings(data, at))
    return None


def _passes(findings: list[Finding], start: int) -> bool:
    """No finding from `start` on is an error."""
    return all(f.severity is not Severity.ERROR for f in findings[start:])


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


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


def _translate(error: jsonschema_rs.ValidationError, at: Locator) -> Iterator[Finding]:
    """Findings for one engine error; messages are built from structure, never from values."""
    keyword = error.kind.name
    details = error.kind.as_dict()
    path = error.instance_path

    def here(*extra: str | int) -> Location:
        return at(*path, *extra)

    if keyword == "required":
        name = details["property"]
        yield rules.REQUIRED_PROPERTY_MISSING.finding(here(name), property=name)
    elif keyword in ("unevaluatedProperties", "additionalProperties"):
        for name in details["unexpected"]:
            yield rules.UNKNOWN_PROPERTY.finding(here(name), property=name)
    elif keyword == "type":
        found = _json_type(error.instance)
        yield rules.WRONG_TYPE.finding(here(), expected=_expected_types(error), found=found)
    elif keyword in ("enum", "const"):
        options = details.get("options", [details.get("expected_value")])
        listed = ", ".join(str(o) for o in options[:_MAX_LISTED_CODES])
        more = ", …" if len(options) > _MAX_LISTED_CODES else ""
        yield rules.VALUE_NOT_ALLOWED.finding(here(), allowed=listed + more)
    elif keyword == "format":
        rule = rules.FORMAT_RULES.get(details["format"], rules.SCHEMA_VIOLATION)
        yield rule.finding(here(), keyword="format")
    elif keyword == "pattern":
        yield rules.PATTERN_MISMATCH.finding(here(), pattern=details["pattern"])
    elif keyword in _RANGE_RULES:
        comparison, limit = _COMPARISONS[keyword], details["limit"]
        yield _RANGE_RULES[keyword].finding(here(), comparison=comparison, limit=limit)
    elif keyword == "minProperties":
        yield rules.EMPTY_OBJECT.finding(here(), limit=details["limit"])
    elif keyword in ("anyOf", "oneOf"):
        yield from _alternatives(error, at)
    elif keyword == "propertyNames":
        name = str(details["error"].instance)
        yield rules.INVALID_EXTENSION_NAMESPACE.finding(here(name), name=name)
    elif keyword in _SIMPLE_RULES:
        yield _SIMPLE_RULES[keyword].finding(here())
    else:
        yield rules.SCHEMA_VIOLATION.finding(here(), keyword=keyword)


def _expected_types(error: jsonschema_rs.ValidationError) -> str:
    if "Protected" in error.schema_path:  # a string here was refused: the field is protected only
        return _PROTECTED_ONLY if isinstance(error.instance, str) else _PROTECTABLE
    types: list[str] = error.kind.as_dict()["types"]
    return " or ".join(types)


_PROTECTABLE = "a string, or an object for a pseudonymised or masked value"
_PROTECTED_ONLY = "an object for a pseudonymised or masked value"


def _alternatives(error: jsonschema_rs.ValidationError, at: Locator) -> Iterator[Finding]:
    """A union (anyOf/oneOf) the value fits none of: when exactly one alternative has the value's
    JSON type, its own findings (a bad ID number is `invalid-cn-resident-id`, not a failed
    union); when none has, `wrong-type` listing the alternatives' types."""
    branches: list[list[jsonschema_rs.ValidationError]] = error.kind.as_dict().get("context", [])
    here = at(*error.instance_path)

    def mistyped(branch: list[jsonschema_rs.ValidationError]) -> bool:
        return any(e.kind.name == "type" and e.instance_path == error.instance_path for e in branch)

    fitting = [branch for branch in branches if not mistyped(branch)]
    if len(fitting) == 1 and fitting[0]:
        for sub in fitting[0]:
            yield from _translate(sub, at)
    elif branches and not fitting:
        found = _json_type(error.instance)
        yield rules.WRONG_TYPE.finding(here, expected=_union_types(branches), found=found)
    else:
        yield rules.NO_MATCHING_ALTERNATIVE.finding(here)


def _union_types(branches: list[list[jsonschema_rs.ValidationError]]) -> str:
    type_errors = [e for branch in branches for e in branch if e.kind.name == "type"]
    if any("Protected" in e.schema_path for e in type_errors):
        return _PROTECTABLE
    names = dict.fromkeys(t for e in type_errors for t in e.kind.as_dict()["types"])
    return " or ".join(names)


def _retired_divisions(
    record: dict[str, Any], plan: _EntityPlan
) -> list[tuple[tuple[str | int, ...], str, int]] | tuple[()]:
    """(concrete path, code, year retired) of each retired division code the record holds; an
    empty tuple, allocating nothing, for nearly every record (plain paths are walked directly)."""
    found: list[tuple[tuple[str | int, ...], str, int]] | tuple[()] = ()
    for path in plan.division_paths:
        if ANY_ITEM not in path:
            node: Any = record
            for key in path:
                if not isinstance(node, dict) or key not in node:
                    break
                node = node[key]
            else:
                division = divisions.lookup(node) if isinstance(node, str) else None
                if division is not None and division.retired_in is not None:
                    found = [*found, (path, node, division.retired_in)]
            continue
        for concrete, code in values_at(record, path):
            division = divisions.lookup(code) if isinstance(code, str) else None
            if division is not None and division.retired_in is not None:
                found = [*found, (concrete, code, division.retired_in)]
    return found


def _retired_findings(
    retired: list[tuple[tuple[str | int, ...], str, int]], at: Locator
) -> Iterator[Finding]:
    for concrete, code, year in retired:
        yield rules.RETIRED_DIVISION_CODE.finding(
            at(*concrete), year=year, successor=divisions.advice(code)
        )


def _references(record: dict[str, Any], plan: _EntityPlan) -> tuple[Reference, ...]:
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
