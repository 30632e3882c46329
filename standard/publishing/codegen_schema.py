"""The schema document handed to datamodel-code-generator: the standard's, said in the forms the
generator translates into pydantic. Same meaning, never a weaker one; the released schemas are
untouched (this works on a copy).

- `if {type: T} then A else B`, where A is of type T and B is not, becomes `anyOf [A, B]`
  (a union the generator types; it would give `Any` for the conditional);
- `if {not: S} then T` (no else) becomes `anyOf [S, T]` (not S implies T: S or T; an `anyOf` S is
  spread into it), which the generator checks as required-property groups;
- `not {anyOf [A, B…]}` becomes `allOf [{not: A}, {not: B}…]` (De Morgan), so that each
  `not {required […]}` is a mutual exclusion the generator checks;
- `if {properties: {p: {const: c}}}` over a property the object requires gains `required [p]`
  (the generator only reads conditions on required properties; a record without p is invalid
  either way);
- `if P then {properties: {v: A}} else {properties: {v: B}}` types v as `anyOf [A, B]` (one
  branch holds, whichever P is) where v was declared by type only; the condition stays, and
  which of A or B is due remains for `ccstd validate`;
- `dependentRequired {a: [b]}` becomes `if {required: [a]} then {required: [b]}`, which the
  generator checks as a conditional required group;
- a string of a domain format (`cn-uscc`, `iso4217`…) carries the syntax the standard's own
  checker (standard/formats.py) demands as a `pattern`: a value the checker accepts always
  matches; a check digit, a division code's existence or a phone number's validity remain for
  `ccstd validate` (docs/codegen.md).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from ccstd.standard import formats

FORMAT_PATTERNS: dict[str, str] = {
    "cn-resident-id": f"^{formats._RESIDENT_ID.pattern}$",
    "cn-division-code": f"^{formats._DIVISION.pattern}$",
    "cn-uscc": f"^{formats._USCC.pattern}$",
    "iso4217": f"^(?:{'|'.join(sorted(formats._currencies()))})$",
    "iso3166-alpha2": f"^(?:{'|'.join(sorted(formats._countries()))})$",
    "phone": r"^[\s\S]{1,32}$",  # is_phone refuses longer text before parsing it
}


_ANNOTATIONS = {"title", "description"} | {"x-ccstd-title-zh", "x-ccstd-sensitivity"}


class SchemaShapeError(ValueError):
    """The schemas hold a form the derivation cannot carry over without changing its meaning."""


def generator_document(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of a bundled definitions document (`#/$defs/...` references), rewritten as above."""
    document = copy.deepcopy(document)
    definitions = document.get("$defs", {})
    for node in list(nodes(document)):
        _type_condition_as_union(node, definitions)
        _negated_condition_as_union(node)
        _condition_on_required(node)
        _negated_union_as_negations(node)
        _dependencies_as_conditions(node)
        _conditional_property_as_union(node)
    for node in list(nodes(document)):
        _format_pattern(node)
    return document


def nodes(value: Any) -> Iterator[dict[str, Any]]:
    """Every object in a JSON document, outermost first."""
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from nodes(child)
    elif isinstance(value, list):
        for child in value:
            yield from nodes(child)


def _type_of(schema: Any, definitions: dict[str, Any]) -> Any:
    for _ in range(len(definitions) + 1):  # a chain of references, never a cycle
        if not isinstance(schema, dict) or "type" in schema or "$ref" not in schema:
            break
        schema = definitions.get(str(schema["$ref"]).removeprefix("#/$defs/"))
    return schema.get("type") if isinstance(schema, dict) else None


def _type_condition_as_union(node: dict[str, Any], definitions: dict[str, Any]) -> None:
    condition = node.get("if")
    if not (isinstance(condition, dict) and condition.keys() == {"type"}):
        return
    kind, then, otherwise = condition["type"], node.get("then"), node.get("else")
    if not (isinstance(kind, str) and isinstance(then, dict) and isinstance(otherwise, dict)):
        return
    if _type_of(then, definitions) is None and "$ref" not in then:
        then = {"type": kind, **then}
    other = _type_of(otherwise, definitions)
    if _type_of(then, definitions) != kind or not isinstance(other, str) or other == kind:
        return
    for keyword in ("if", "then", "else"):
        del node[keyword]
    _add_any_of(node, [then, otherwise])


def _negated_condition_as_union(node: dict[str, Any]) -> None:
    condition = node.get("if")
    if not (isinstance(condition, dict) and condition.keys() == {"not"}) or "else" in node:
        return
    then = node.get("then")
    if not isinstance(then, dict):
        return
    del node["if"], node["then"]
    negated = condition["not"]
    alternatives = negated["anyOf"] if _only(negated, "anyOf") else [negated]
    _add_any_of(node, [*alternatives, then])


def _only(schema: Any, keyword: str) -> bool:
    return isinstance(schema, dict) and schema.keys() == {keyword}


def _negated_union_as_negations(node: dict[str, Any]) -> None:
    negated = node.get("not")
    branches = negated.get("anyOf") if isinstance(negated, dict) and len(negated) == 1 else None
    if not isinstance(branches, list):
        return
    del node["not"]
    node.setdefault("allOf", []).extend({"not": branch} for branch in branches)


def _add_any_of(node: dict[str, Any], branches: list[Any]) -> None:
    if "anyOf" in node:  # two alternatives side by side: both must hold
        node.setdefault("allOf", []).append({"anyOf": branches})
    else:
        node["anyOf"] = branches


def _condition_on_required(node: dict[str, Any]) -> None:
    condition = node.get("if")
    required = node.get("required")
    if not (isinstance(condition, dict) and isinstance(required, list)):
        return
    properties = condition.get("properties")
    if not isinstance(properties, dict) or not properties.keys() <= set(required):
        return
    condition["required"] = sorted(set(condition.get("required", [])) | properties.keys())


def _conditional_property_as_union(node: dict[str, Any]) -> None:
    then, otherwise, properties = node.get("then"), node.get("else"), node.get("properties")
    if not (_only(then, "properties") and _only(otherwise, "properties")):
        return
    if not isinstance(properties, dict):
        return
    assert isinstance(then, dict) and isinstance(otherwise, dict)
    for name in then["properties"].keys() & otherwise["properties"].keys() & properties.keys():
        declared = properties[name]
        branches = [then["properties"][name], otherwise["properties"][name]]
        if isinstance(declared, dict) and declared.keys() <= {"type", *_ANNOTATIONS}:
            annotations = {k: v for k, v in declared.items() if k in _ANNOTATIONS}
            properties[name] = {**annotations, "anyOf": branches}


def _dependencies_as_conditions(node: dict[str, Any]) -> None:
    dependencies = node.get("dependentRequired")
    if not isinstance(dependencies, dict):
        return
    del node["dependentRequired"]
    node.setdefault("allOf", []).extend(
        {"if": {"required": [name]}, "then": {"required": needed}}
        for name, needed in dependencies.items()
    )


def _format_pattern(node: dict[str, Any]) -> None:
    pattern = FORMAT_PATTERNS.get(str(node.get("format", "")))
    if pattern is None:
        return
    if "pattern" in node:
        raise SchemaShapeError(f"format {node['format']} beside a pattern: cannot add its own")
    node["pattern"] = pattern
