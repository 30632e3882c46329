"""A validation plan compiled for speed from a released entity schema (issue 13).

The published schemas are written for people: a `$ref`'d base under `unevaluatedProperties`,
unions of a string and a protected-value object, domain formats checked by Python callbacks.
Those are the engine's slowest paths. The plan is the same schema rewritten so that the engine
takes its fast paths, without changing which records it accepts:

- every `$ref` is inlined and annotations are dropped;
- a subschema applied in place (`$ref`, `allOf`) is merged into its parent where the merge keeps
  the meaning of every keyword, so a closed object (`unevaluatedProperties: false`) whose
  properties are all declared on itself becomes `additionalProperties: false`;
- a union (`anyOf`, `oneOf`) whose branches each accept one distinct JSON type and constrain only
  that type becomes one schema with a list of types;
- a domain format (`cn-resident-id`, `phone`, ...) at a field path known from the schema is taken
  out of the schema and checked in a second pass over only the values at that path.

Whatever the rewriting does not prove safe is left as written. The plan decides validity only:
findings for a record it refuses come from the canonical schema (`standard/checker.py`), and a
differential test holds both to the same verdict over every example and benchmark record and a
generated corpus (tests/standard/test_plan*.py).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

from ccstd.standard.fields import ANY_ITEM
from ccstd.standard.formats import DOMAIN_FORMATS, FormatCheck
from ccstd.standard.registry import StandardVersion

Path = tuple[str, ...]

_ANNOTATIONS = frozenset(
    {"title", "description", "$comment", "examples", "default", "deprecated", "readOnly"}
    | {"writeOnly", "$schema", "$id", "$defs", "$anchor", "contentMediaType", "contentEncoding"}
)
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_VALUES = ("not", "if", "then", "else", "items", "contains", "additionalProperties")
_SCHEMA_VALUES_MORE = ("propertyNames", "unevaluatedProperties", "unevaluatedItems")
_SCHEMA_MAPS = ("properties", "patternProperties", "dependentSchemas")
_PLAIN = frozenset(
    {"type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum"}
    | {"exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems"}
    | {"uniqueItems", "maxContains", "minContains", "maxProperties", "minProperties"}
    | {"required", "dependentRequired", "format"}
)
_KNOWN = frozenset(
    {*_PLAIN, *_SCHEMA_LISTS, *_SCHEMA_VALUES, *_SCHEMA_VALUES_MORE, *_SCHEMA_MAPS, "$ref"}
)
# keywords that constrain only one JSON type: an instance of any other type passes them
_ONLY = {
    "string": frozenset({"minLength", "maxLength", "pattern", "format"}),
    "object": frozenset(
        {"properties", "patternProperties", "additionalProperties", "required", "propertyNames"}
        | {"minProperties", "maxProperties", "dependentRequired", "dependentSchemas"}
        | {"unevaluatedProperties"}
    ),
    "array": frozenset(
        {"items", "prefixItems", "contains", "minContains", "maxContains", "minItems"}
        | {"maxItems", "uniqueItems", "unevaluatedItems"}
    ),
    "number": frozenset(
        {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
    ),
}
_VACUOUS = ("allOf", "anyOf", "if", "then", "else")  # true when all their subschemas are
# pairs whose meaning depends on each other: never merged from two sides
_ENTANGLED = (
    frozenset({"additionalProperties", "properties", "patternProperties"}),
    frozenset({"items", "prefixItems"}),
    frozenset({"if", "then", "else"}),
    frozenset({"contains", "minContains", "maxContains"}),
)
_UNEVALUATED = ("unevaluatedProperties", "unevaluatedItems")
_IN_PLACE = ("allOf", "anyOf", "oneOf", "not", "if", "then", "else")


class _UnsupportedError(Exception):
    """A schema construct the rewriting does not handle: no plan, the canonical schema runs."""


@dataclass(frozen=True)
class FastPlan:
    """A compiled plan: the engine's verdict on the rewritten schema, then the domain formats
    at their field paths."""

    validator: jsonschema_rs.Validator
    formats: tuple[tuple[Path, FormatCheck], ...]
    schema: dict[str, Any]

    def is_valid(self, record: Any) -> bool:
        """Whether the canonical schema accepts the record (findings come from it)."""
        if not self.validator.is_valid(record):
            return False
        for path, check in self.formats:  # noqa: SIM110 (a loop: no generator per record)
            if not _holds(record, path, check):
                return False
        return True


_MISSING = object()


def _holds(node: Any, path: Path, check: FormatCheck) -> bool:
    """Every string at `path` (items of arrays at `*`) passes `check`; what is absent or of
    another type is the schema's business. Walked in a loop: no generator per record."""
    for depth, key in enumerate(path):
        if key == ANY_ITEM:
            if not isinstance(node, list):
                return True
            rest = path[depth + 1 :]
            for item in node:  # noqa: SIM110
                if not _holds(item, rest, check):
                    return False
            return True
        if not isinstance(node, dict):
            return True
        node = node.get(key, _MISSING)
    return not isinstance(node, str) or check(node)


@functools.cache
def compile_plan(standard: StandardVersion, entity: str) -> FastPlan | None:
    """The fast plan of an entity, or None when its schema uses what the rewriting cannot prove
    equivalent (then the canonical schema alone runs)."""
    document = standard.entity_schema(entity)
    try:
        formats: list[tuple[Path, str]] = []
        schema = _Flattener(standard, formats).flat(document, document["$id"], ())
    except _UnsupportedError:
        return None
    if not isinstance(schema, dict):
        return None
    try:  # formats left in place (not at a known path) still run as callbacks
        validator = jsonschema_rs.Draft202012Validator(
            schema, formats=DOMAIN_FORMATS, validate_formats=True, ignore_unknown_formats=False
        )
    except (ValueError, jsonschema_rs.ValidationError):  # a rewrite the engine refuses: none
        return None
    second_pass = tuple((p, DOMAIN_FORMATS[f]) for p, f in dict.fromkeys(formats))
    return FastPlan(validator, second_pass, schema)


class _Flattener:
    def __init__(self, standard: StandardVersion, formats: list[tuple[Path, str]]) -> None:
        self.standard = standard
        self.formats = formats  # (field path, domain format) taken out of the schema
        self._stack: list[str] = []

    def flat(self, node: Any, uri: str, path: Path | None) -> Any:
        """The rewritten node; `path` is its field path when every value there meets it."""
        if isinstance(node, bool):
            return node
        if not isinstance(node, dict) or not set(node) - _ANNOTATIONS <= _KNOWN | _extra(node):
            raise _UnsupportedError(str(node)[:80])
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _ANNOTATIONS or key.startswith("x-") or key == "$ref":
                continue
            fans_out = key == "items" and "prefixItems" not in node
            out[key] = self._child(key, value, uri, path if fans_out or key != "items" else None)
        if "$ref" in node:
            out = _merge_or_all_of(out, self._ref(uri, node["$ref"], path))
        out = self._absorb_all_of(out)
        out = _union_by_type(out)
        out = _close(out)
        if path is not None and out.get("format") in DOMAIN_FORMATS:
            self.formats.append((path, out.pop("format")))
        return out

    def _child(self, key: str, value: Any, uri: str, path: Path | None) -> Any:
        if key in _SCHEMA_LISTS:
            here = path if key == "allOf" else None
            return [self.flat(v, uri, here) for v in value]
        if key in _SCHEMA_MAPS:
            if key == "properties":  # a property named like the wildcard gets no path
                return {
                    n: self.flat(v, uri, None if n == ANY_ITEM else _step(path, n))
                    for n, v in value.items()
                }
            return {n: self.flat(v, uri, None) for n, v in value.items()}
        if key in _SCHEMA_VALUES or key in _SCHEMA_VALUES_MORE:
            return self.flat(value, uri, _step(path, ANY_ITEM) if key == "items" else None)
        return value

    def _ref(self, uri: str, ref: str, path: Path | None) -> Any:
        target_uri, target = self.standard.resolve(uri, ref)
        key = f"{target_uri}#{ref}" if ref.startswith("#") else target_uri + ref
        if key in self._stack:
            raise _UnsupportedError(f"recursive $ref {ref}")
        self._stack.append(key)
        try:
            return self.flat(target, target_uri, path)
        finally:
            self._stack.pop()

    def _absorb_all_of(self, node: dict[str, Any]) -> dict[str, Any]:
        branches = node.pop("allOf", None)
        if branches is None:
            return node
        kept = []
        for branch in branches:
            merged = _merge(node, branch)
            if merged is None:
                kept.append(branch)
            else:
                node = merged
        if kept:
            node["allOf"] = node.get("allOf", []) + kept
        return node


def _extra(node: dict[str, Any]) -> set[str]:
    return {k for k in node if k.startswith("x-")}


def _step(path: Path | None, name: str) -> Path | None:
    return None if path is None else (*path, name)


def _merge_or_all_of(node: dict[str, Any], other: Any, in_place: bool = True) -> Any:
    if not node:
        return other
    merged = _merge(node, other, in_place)
    return merged if merged is not None else {"allOf": [node, other]}


def _merge(a: dict[str, Any], b: Any, in_place: bool = True) -> dict[str, Any] | None:
    """One schema that accepts what both accept, or None. `in_place`: b is applied in place by a
    (`$ref`, `allOf`), so a's unevaluated* already saw b's annotations; otherwise they are two
    siblings and neither may hold an unevaluated* keyword."""
    if b is True:
        return dict(a)
    if not isinstance(b, dict) or any(k in b for k in _UNEVALUATED):
        return None
    if not in_place and any(k in a for k in _UNEVALUATED):
        return None
    if any(g & a.keys() and g & b.keys() for g in _ENTANGLED[1:]):
        return None
    if _ENTANGLED[0] & a.keys() and _ENTANGLED[0] & b.keys() and not _properties_mergeable(a, b):
        return None
    out = dict(a)
    for key, value in b.items():
        if key not in out:
            out[key] = value
        elif key == "properties":
            out[key] = {**out[key]}
            for name, sub in value.items():
                known = out[key].get(name)
                out[key][name] = sub if known is None else _merge_or_all_of(known, sub, False)
        elif key == "required":
            out[key] = list(dict.fromkeys([*out[key], *value]))
        elif key == "allOf":
            out[key] = [*out[key], *value]
        elif key == "type":
            both = [t for t in _types(out[key]) if t in _types(value)]
            if not both:
                return None
            out[key] = both[0] if len(both) == 1 else both
        elif out[key] != value:
            return None
    return out


def _properties_mergeable(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two sides with properties merge when neither has patternProperties, and a side closed by
    additionalProperties declares every property the other side names (the other not closed)."""
    if "patternProperties" in a or "patternProperties" in b:
        return False
    if "additionalProperties" in a and "additionalProperties" in b:
        return False
    for closed, other in ((a, b), (b, a)):
        declared = set(closed.get("properties", {}))
        if "additionalProperties" in closed and not set(other.get("properties", {})) <= declared:
            return False
    return True


def _types(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _union_by_type(node: dict[str, Any]) -> dict[str, Any]:
    """anyOf/oneOf of branches that each take one distinct JSON type, or if {type: T} then (only
    T) else (only another type): one schema with a list of types."""
    node = _condition_by_type(node)
    for key in ("anyOf", "oneOf"):
        branches = node.get(key)
        if not branches or len(branches) < 2:
            continue
        typed = [_sole_type(b) for b in branches]
        if None in typed or len(set(typed)) != len(typed):
            continue
        union: dict[str, Any] = {"type": list(typed)}
        for branch in branches:
            rest = {k: v for k, v in branch.items() if k != "type"}
            if rest.keys() & union.keys():
                break
            union.update(rest)
        else:
            rest_node = {k: v for k, v in node.items() if k != key}
            merged = _merge(rest_node, union) if rest_node else union
            if merged is not None:
                return merged
    return node


def _condition_by_type(node: dict[str, Any]) -> dict[str, Any]:
    condition, then, otherwise = node.get("if"), node.get("then"), node.get("else")
    if not isinstance(condition, dict) or condition.keys() != {"type"}:
        return node
    kind = condition["type"]
    if kind not in _ONLY or not isinstance(then, dict) or then.get("type", kind) != kind:
        return node
    other = _sole_type(otherwise)
    if other is None or other == kind or not _only_constrains(then, kind):
        return node
    if not isinstance(otherwise, dict):
        return node
    rest = {k: v for k, v in then.items() if k != "type"}
    alternative = {k: v for k, v in otherwise.items() if k != "type"}
    if rest.keys() & alternative.keys():
        return node
    union = {"type": [kind, other], **rest, **alternative}
    rest_node = {k: v for k, v in node.items() if k not in ("if", "then", "else")}
    merged = _merge(rest_node, union) if rest_node else union
    return merged if merged is not None else node


def _sole_type(branch: Any) -> str | None:
    """The one JSON type a branch accepts when all its other keywords constrain only that type."""
    if not isinstance(branch, dict) or not isinstance(branch.get("type"), str):
        return None
    kind: str = branch["type"]
    if kind not in _ONLY:
        return None
    return kind if _only_constrains(branch, kind) else None


def _only_constrains(node: Any, kind: str) -> bool:
    if isinstance(node, bool):
        return node
    for key, value in node.items():
        if key == "type" and value == kind:
            continue
        if key in _VACUOUS:
            subs = value if isinstance(value, list) else [value]
            if not subs or not all(_only_constrains(s, kind) for s in subs):
                return False
        elif key not in _ONLY[kind]:
            return False
    return True


def _close(node: dict[str, Any]) -> dict[str, Any]:
    """`unevaluatedProperties: false` as `additionalProperties: false` when every property any
    in-place subschema evaluates is declared on the node itself."""
    if node.get("unevaluatedProperties") is not False:
        return node
    if "additionalProperties" in node or "patternProperties" in node:
        return node
    declared = set(node.get("properties", {}))
    for key in (*_IN_PLACE, "dependentSchemas"):
        if key in node and not _evaluates_within(node[key], declared):
            return node
    out = {k: v for k, v in node.items() if k != "unevaluatedProperties"}
    out["additionalProperties"] = False
    return out


def _evaluates_within(value: Any, declared: set[str]) -> bool:
    subs: list[Any]
    if isinstance(value, list):
        subs = value
    elif isinstance(value, dict) and not _is_schema(value):
        subs = list(value.values())  # dependentSchemas
    else:
        subs = [value]
    for sub in subs:
        if isinstance(sub, bool):
            continue
        if {"patternProperties", "additionalProperties", *_UNEVALUATED} & sub.keys():
            return False
        if not set(sub.get("properties", {})) <= declared:
            return False
        for key in (*_IN_PLACE, "dependentSchemas"):
            if key in sub and not _evaluates_within(sub[key], declared):
                return False
    return True


def _is_schema(value: dict[str, Any]) -> bool:
    return bool(value.keys() & _KNOWN)


def plans(standard: StandardVersion) -> dict[str, FastPlan | None]:
    """Every entity's plan (for tests and the benchmark)."""
    return {entity: compile_plan(standard, entity) for entity in standard.entities}
