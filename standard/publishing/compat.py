"""Compatibility between two versions of the standard: what changed, who it breaks, which bump.

A documented rule table (CHANGE_RULES, rendered to docs/reference/compatibility.md) classifies
every kind of change for producers (data valid under OLD must stay valid under NEW) and
consumers (code generated from OLD keeps working on NEW data). Each change that can be shown by
a record comes with one, checked by validating it against both versions.
"""

from __future__ import annotations

import copy
import enum
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from ccstd.standard.checker import build_plan
from ccstd.standard.fields import ANY_ITEM
from ccstd.standard.publishing.bundling import inline_entity
from ccstd.standard.publishing.examples_check import valid_records
from ccstd.standard.registry import StandardVersion, version_key

Path = tuple[str, ...]
_VERSION_CLAIM: Path = ("standardVersion",)


class Bump(enum.IntEnum):
    """The semantic-version bump a change needs."""

    NONE = 0
    PATCH = 1
    MINOR = 2
    MAJOR = 3

    @property
    def label(self) -> str:
        """`major`, `minor`, `patch` or `none`."""
        return self.name.lower()


BREAKING, COMPATIBLE = "breaking", "compatible"


@dataclass(frozen=True)
class ChangeRule:
    """A kind of change, what it means for producers and consumers, and the bump it needs."""

    kind: str
    title: str
    producers: str
    consumers: str
    bump: Bump
    shown_by: str  # "old" = a record valid under OLD, invalid under NEW; "new" = the reverse
    description: str


CHANGE_RULES: dict[str, ChangeRule] = {}


def _change_rule(*args: Any) -> ChangeRule:
    rule = ChangeRule(*args)
    CHANGE_RULES[rule.kind] = rule
    return rule


_change_rule(
    "entity-added",
    "Entity added",
    COMPATIBLE,
    COMPATIBLE,
    Bump.MINOR,
    "",
    "A new entity type; existing data and code are unaffected.",
)
_change_rule(
    "entity-removed",
    "Entity removed",
    BREAKING,
    BREAKING,
    Bump.MAJOR,
    "",
    "Records of the entity are no longer valid; its generated model disappears.",
)
_change_rule(
    "property-added",
    "Optional property added",
    COMPATIBLE,
    COMPATIBLE,
    Bump.MINOR,
    "new",
    "Old data stays valid. Consumers read the standard as tolerant readers "
    "(§4): a closed OLD model rejects NEW data that uses the property, so consumers "
    "regenerate to read it.",
)
_change_rule(
    "property-removed",
    "Property removed",
    BREAKING,
    BREAKING,
    Bump.MAJOR,
    "old",
    "Objects are closed, so data that carries the property becomes invalid; code that "
    "reads it breaks. Planned when it was deprecated and its removal version arrives.",
)
_change_rule(
    "required-added",
    "Property made required",
    BREAKING,
    COMPATIBLE,
    Bump.MAJOR,
    "old",
    "Data without the property (new or existing) becomes invalid.",
)
_change_rule(
    "required-removed",
    "Property made optional",
    COMPATIBLE,
    BREAKING,
    Bump.MAJOR,
    "new",
    "Data stays valid, but code that relies on the property being present breaks.",
)
_change_rule(
    "type-widened",
    "Type widened",
    COMPATIBLE,
    BREAKING,
    Bump.MAJOR,
    "new",
    "More JSON types are accepted (e.g. integer to number); consumers meet values their "
    "code does not expect.",
)
_change_rule(
    "type-narrowed",
    "Type narrowed",
    BREAKING,
    COMPATIBLE,
    Bump.MAJOR,
    "old",
    "Fewer JSON types are accepted; data of the dropped type becomes invalid.",
)
_change_rule(
    "enum-value-added",
    "Code added",
    COMPATIBLE,
    COMPATIBLE,
    Bump.MINOR,
    "new",
    "A new value in a code list or enum. Consumers must accept codes they do not know "
    "(§4); strict OLD models reject it until regenerated.",
)
_change_rule(
    "enum-value-removed",
    "Code removed",
    BREAKING,
    COMPATIBLE,
    Bump.MAJOR,
    "old",
    "Data using the code becomes invalid.",
)
_change_rule(
    "constraint-tightened",
    "Constraint tightened",
    BREAKING,
    COMPATIBLE,
    Bump.MAJOR,
    "old",
    "A minimum, maximum, length, item count, pattern or format is stricter, or "
    "new; some valid data becomes invalid. A changed pattern or format counts as "
    "tightened unless shown otherwise.",
)
_change_rule(
    "constraint-relaxed",
    "Constraint relaxed",
    COMPATIBLE,
    COMPATIBLE,
    Bump.MINOR,
    "new",
    "A constraint is looser or gone; all old data stays valid.",
)
_change_rule(
    "branch-added",
    "Alternative added",
    COMPATIBLE,
    BREAKING,
    Bump.MAJOR,
    "",
    "A oneOf/anyOf gains a branch: consumers meet a shape their code does not know.",
)
_change_rule(
    "branch-removed",
    "Alternative removed",
    BREAKING,
    COMPATIBLE,
    Bump.MAJOR,
    "",
    "A oneOf/anyOf loses a branch: data of that shape becomes invalid.",
)
_change_rule(
    "id-changed",
    "Schema $id changed",
    COMPATIBLE,
    BREAKING,
    Bump.MAJOR,
    "",
    "Beyond the version segment, an entity's `$id` moved: references to it break.",
)
_change_rule(
    "definition-removed",
    "Definition removed or renamed",
    COMPATIBLE,
    BREAKING,
    Bump.MAJOR,
    "",
    "A shared `$defs` entry or code list file is gone or renamed: "
    "`$ref`s to it and the generated classes named after it break.",
)
_change_rule(
    "definition-added",
    "Definition added",
    COMPATIBLE,
    COMPATIBLE,
    Bump.MINOR,
    "",
    "A new shared definition or code list.",
)
_change_rule(
    "property-deprecated",
    "Property deprecated",
    COMPATIBLE,
    COMPATIBLE,
    Bump.MINOR,
    "",
    "Marked `deprecated` with `x-ccstd-deprecated-since` and `x-ccstd-removal-in`: "
    "producers should stop sending it before the removal version.",
)
_change_rule(
    "annotation-changed",
    "Annotation changed",
    COMPATIBLE,
    COMPATIBLE,
    Bump.PATCH,
    "",
    "Titles, Chinese titles, descriptions, units or sensitivity labels; validation is unchanged.",
)
_change_rule(
    "exclusion-added",
    "Exclusion on a new property added",
    COMPATIBLE,
    COMPATIBLE,
    Bump.MINOR,
    "",
    "A `not` forbids a combination of properties (`not: {required: [a, b]}`) that includes a "
    "new one: no old record has it, so all old data stays valid.",
)
_change_rule("keyword-changed", "Other keyword changed", BREAKING, BREAKING, Bump.MAJOR, "",
             "A keyword the table has no finer rule for (not, if/then/else, ...): treated as "
             "breaking both ways.")  # fmt: skip

_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
_SHAPES = ("pattern", "format", "multipleOf", "uniqueItems")
_ANNOTATIONS = ("title", "x-ccstd-title-zh", "description", "x-ccstd-unit", "x-ccstd-sensitivity")
_OTHER = ("not", "if", "then", "else", "dependentRequired", "contains")
_WALKED = frozenset(
    {"properties", "items", "allOf", "anyOf", "oneOf", "required", "type", "enum", "const",
     "$schema", "$id", "deprecated", "x-ccstd-deprecated-since", "x-ccstd-removal-in",
     "unevaluatedProperties", "additionalProperties", "x-ccstd-codes", "examples",
     "propertyNames", "$defs", *_LOWER_BOUNDS, *_UPPER_BOUNDS, *_SHAPES, *_ANNOTATIONS, *_OTHER}
)  # fmt: skip


@dataclass
class Facts:
    """What the schema says about the values at one path (merged over allOf)."""

    types: set[str] = field(default_factory=set)
    values: set[bytes] | None = None  # enum/const, serialised; None = unrestricted
    required: set[str] = field(default_factory=set)
    constraints: dict[str, Any] = field(default_factory=dict)
    annotations: dict[str, Any] = field(default_factory=dict)
    branches: int = 0
    other: dict[str, bytes] = field(default_factory=dict)
    exclusions: set[bytes] = field(default_factory=set)  # branches of not: {required: [...]}
    deprecated: dict[str, Any] = field(default_factory=dict)


def field_facts(schema: Any) -> dict[Path, Facts]:
    """What an inlined schema says at each field path (`*` for array items), read off its
    normal form (`normalise`), so that two spellings of one meaning give the same facts."""
    found: dict[Path, Facts] = {}
    _collect(normalise(schema), (), found)
    found.pop(_VERSION_CLAIM, None)  # the const that names the version differs by definition
    return found


def normalise(node: Any) -> Any:
    """The same schema in one spelling of its unions, so that rewriting a union is no change.

    A value that is either a string of some kind or something that is never a string can be
    written `if {type: string} then X else Y`, or as the union `anyOf: [X and string, Y]`; a
    `oneOf` whose alternatives have disjoint types accepts exactly what the `anyOf` of them does.
    Both become the `anyOf`.
    """
    if isinstance(node, list):
        return [normalise(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = _flattened({key: normalise(value) for key, value in node.items()})
    union = _conditional_union(node)
    if union is not None:
        node = {k: v for k, v in node.items() if k not in ("if", "then", "else")}
        node["anyOf"] = union
    if "oneOf" in node and "anyOf" not in node and _disjoint(node["oneOf"]):
        node["anyOf"] = node.pop("oneOf")
    return node


def _flattened(node: dict[str, Any]) -> dict[str, Any]:
    """`{allOf: [X], ...}` as X's keywords beside the others, when no keyword is in both with
    different values (an annotation beside the `allOf` wins, as it does when inlined)."""
    branches = node.get("allOf")
    if not isinstance(branches, list) or len(branches) != 1 or not isinstance(branches[0], dict):
        return node
    rest = {k: v for k, v in node.items() if k != "allOf"}
    inner = {k: v for k, v in branches[0].items() if k not in ("$id", "$schema")}
    if any(inner[k] != rest[k] for k in inner.keys() & rest.keys() if k not in _ANNOTATIONS):
        return node
    return {**inner, **rest}


def _conditional_union(node: dict[str, Any]) -> list[Any] | None:
    """`[then and string, else]` when the node is `if {type: string} then ... else ...` and the
    `else` alternative never accepts a string; None otherwise."""
    then, otherwise = node.get("then"), node.get("else")
    if node.get("if") != {"type": "string"} or "anyOf" in node:
        return None
    if not isinstance(then, dict) or then.get("type", "string") != "string":
        return None
    if not isinstance(otherwise, dict) or "string" in _types(otherwise, {"string"}):
        return None
    return [{**then, "type": "string"}, otherwise]


def _types(node: dict[str, Any], unknown: set[str]) -> set[str]:
    """The JSON types a schema allows at most (`unknown` when it does not say)."""
    declared = node.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list) and all(isinstance(t, str) for t in declared):
        return set(declared)
    narrowing = [_types(b, unknown) for b in node.get("allOf", ()) if isinstance(b, dict)]
    known = [t for t in narrowing if t is not unknown]
    return set.intersection(*known) if known else unknown


def _disjoint(branches: Any) -> bool:
    """True when no two alternatives can accept the same JSON type (integer is a number)."""
    if not isinstance(branches, list) or not all(isinstance(b, dict) for b in branches):
        return False
    everything = {"string", "number", "integer", "boolean", "array", "object", "null"}
    seen: set[str] = set()
    for branch in branches:
        types = _types(branch, everything)
        if "integer" in types or "number" in types:
            types = types | {"integer", "number"}
        if types & seen:
            return False
        seen |= types
    return True


def _collect(node: Any, path: Path, found: dict[Path, Facts]) -> None:
    if not isinstance(node, dict):
        return
    facts = found.setdefault(path, Facts())
    if isinstance(node.get("type"), str):
        facts.types.add(node["type"])
    elif isinstance(node.get("type"), list):
        facts.types.update(node["type"])
    if "enum" in node or "const" in node:
        options = node.get("enum", [node.get("const")])
        values = {orjson.dumps(v, option=orjson.OPT_SORT_KEYS) for v in options}
        facts.values = values if facts.values is None else facts.values & values
    facts.required.update(node.get("required", ()))
    for key in (*_LOWER_BOUNDS, *_UPPER_BOUNDS, *_SHAPES):
        if key in node:
            facts.constraints[key] = node[key]
    for key in _ANNOTATIONS:
        if key in node:
            facts.annotations.setdefault(key, node[key])
    for key in ("deprecated", "x-ccstd-deprecated-since", "x-ccstd-removal-in"):
        if key in node:
            facts.deprecated[key] = node[key]
    exclusions = _exclusions(node.get("not"))
    if exclusions is not None:
        facts.exclusions |= exclusions
    for key in _OTHER:
        if key in node and (key != "not" or exclusions is None):
            facts.other[key] = orjson.dumps(node[key], option=orjson.OPT_SORT_KEYS)
    for key in ("anyOf", "oneOf"):
        facts.branches += len(node.get(key, ()))
        if isinstance(node.get(key), list):
            facts.other[key] = _union(node[key])
    for name, child in node.get("properties", {}).items():
        _collect(child, (*path, name), found)
    if isinstance(node.get("items"), dict):
        _collect(node["items"], (*path, ANY_ITEM), found)
    for branch in node.get("allOf", ()):
        _collect(branch, path, found)
    for key in ("anyOf", "oneOf"):
        for branch in node.get(key, ()):
            _collect_branch(branch, path, found)
    for key in ("then", "else"):
        _collect_branch(node.get(key), path, found)


def _exclusions(node: Any) -> set[bytes] | None:
    """What a `not` forbids, one serialised schema per alternative, when each alternative
    requires properties (`{required: [...], ...}` or an `anyOf` of them); None otherwise."""
    if not isinstance(node, dict):
        return None
    if isinstance(node.get("required"), list) and "anyOf" not in node:
        return {orjson.dumps(node, option=orjson.OPT_SORT_KEYS)}
    if set(node) == {"anyOf"} and isinstance(node["anyOf"], list):
        found: set[bytes] = set()
        for branch in node["anyOf"]:
            one = _exclusions(branch)
            if one is None:
                return None
            found |= one
        return found
    return None


def _union(branches: list[Any]) -> bytes:
    """The alternatives of a union as one comparable value: their order and the annotations on
    them do not change what the union accepts."""
    stripped = [
        {k: v for k, v in b.items() if k not in _ANNOTATIONS} if isinstance(b, dict) else b
        for b in branches
    ]
    return orjson.dumps(
        sorted(orjson.dumps(b, option=orjson.OPT_SORT_KEYS).decode() for b in stripped)
    )


def _collect_branch(node: Any, path: Path, found: dict[Path, Facts]) -> None:
    """Children of a conditional branch are fields too, but its own type is not the field's."""
    if isinstance(node, dict):
        for name, child in node.get("properties", {}).items():
            _collect(child, (*path, name), found)
        for branch in node.get("allOf", ()):
            _collect_branch(branch, path, found)


@dataclass(frozen=True)
class Example:
    """A record that shows a change, and what validating it against both versions gave."""

    record: dict[str, Any]
    valid_under_old: bool
    valid_under_new: bool


@dataclass(frozen=True)
class Change:
    """One change of one entity (or of the version as a whole, entity `*`)."""

    kind: str
    entity: str
    path: str
    detail: str
    planned: bool = False
    example: Example | None = None

    @property
    def rule(self) -> ChangeRule:
        """The row of the rule table that classifies this change."""
        return CHANGE_RULES[self.kind]


@dataclass(frozen=True)
class DiffReport:
    """Every change from OLD to NEW, the bump they need, and whether NEW's number is honest."""

    old: str
    new: str
    changes: tuple[Change, ...]
    new_number: str | None  # the version NEW is (to be) released as, when known
    downgrade: bool = False  # NEW is older than OLD: its changes are not classified

    @property
    def required(self) -> Bump:
        """The smallest honest bump."""
        return max((c.rule.bump for c in self.changes), default=Bump.NONE)

    @property
    def verdict(self) -> str:
        """`downgrade`, or the label of the bump the changes need."""
        return "downgrade" if self.downgrade else self.required.label

    @property
    def chosen(self) -> Bump | None:
        """The bump NEW's number makes over OLD's (None when NEW has no number)."""
        if self.new_number is None:
            return None
        return version_bump(self.old, self.new_number)

    @property
    def honest(self) -> bool:
        """False when NEW's number is a smaller bump than the changes need."""
        chosen = self.chosen
        return self.downgrade or chosen is None or (chosen >= self.required and chosen > Bump.NONE)

    def suggested(self) -> str:
        """The next version number that the changes need."""
        major, minor, patch = version_key(self.old)
        bump = max(self.required, Bump.PATCH)
        if bump is Bump.MAJOR:
            return f"{major + 1}.0.0"
        if bump is Bump.MINOR:
            return f"{major}.{minor + 1}.0"
        return f"{major}.{minor}.{patch + 1}"


def version_bump(old: str, new: str) -> Bump:
    """The bump from one release number to another (NONE if not greater)."""
    a, b = version_key(old), version_key(new)
    if b <= a:
        return Bump.NONE
    if b[0] > a[0]:
        return Bump.MAJOR
    return Bump.MINOR if b[1] > a[1] else Bump.PATCH


def is_downgrade(old: str, new: str) -> bool:
    """True when `new` is an earlier version than `old` (the draft is later than any release)."""

    def order(version: str) -> tuple[float, ...] | None:
        if version == "draft":
            return (float("inf"),)
        try:
            return tuple(float(part) for part in version_key(version))
        except ValueError:
            return None  # a folder not named after a version: no order known

    before, after = order(old), order(new)
    return before is not None and after is not None and after < before


def diff(old: StandardVersion, new: StandardVersion, new_number: str | None = None) -> DiffReport:
    """Compare two versions entity by entity; every example is checked against both."""
    number = new_number or (new.version if new.version != "draft" else None)
    if is_downgrade(old.version, new.version):
        return DiffReport(old.version, new.version, (), number, downgrade=True)
    changes = [*_document_changes(old, new)]
    for entity in sorted(set(old.entities) | set(new.entities)):
        if entity not in new.entity_ids:
            changes.append(Change("entity-removed", entity, "", f"{entity} is gone"))
        elif entity not in old.entity_ids:
            changes.append(Change("entity-added", entity, "", f"new entity {entity}"))
        else:
            found = _entity_changes(old, new, entity, number)
            changes.extend(_with_example(old, new, entity, c) for c in found)
    return DiffReport(old.version, new.version, tuple(changes), number)


def _document_changes(old: StandardVersion, new: StandardVersion) -> Iterator[Change]:
    for entity in sorted(set(old.entity_ids) & set(new.entity_ids)):
        before = old.entity_ids[entity].replace(f"/{old.version}/", "/{v}/")
        after = new.entity_ids[entity].replace(f"/{new.version}/", "/{v}/")
        if before != after:
            yield Change("id-changed", entity, "", f"$id {before} -> {after}")
    before_defs, after_defs = _definitions(old), _definitions(new)
    for name in sorted(before_defs - after_defs):
        yield Change("definition-removed", "*", name, f"{name} is gone or renamed")
    for name in sorted(after_defs - before_defs):
        yield Change("definition-added", "*", name, f"new definition {name}")


def _definitions(version: StandardVersion) -> set[str]:
    names = set(version.code_lists())
    for uri, document in version.documents.items():
        if uri.endswith("/common.json"):
            names.update(document.get("$defs", {}))
    return names


def _entity_changes(
    old: StandardVersion, new: StandardVersion, entity: str, number: str | None
) -> Iterator[Change]:
    before, after = field_facts(inline_entity(old, entity)), field_facts(inline_entity(new, entity))
    for path in sorted(before.keys() - after.keys()):
        if path[:-1] in before.keys() - after.keys():
            continue  # reported at its top-most removed ancestor
        yield _removal(entity, path, before[path], number)
    for path in sorted(after.keys() - before.keys()):
        if path[:-1] in after.keys() - before.keys():
            continue
        required = path[-1] in after[path[:-1]].required if path[:-1] in after else False
        kind = "required-added" if required else "property-added"
        yield Change(kind, entity, _dotted(path), "new property")
    for path in sorted(before.keys() & after.keys()):
        yield from _compare(entity, path, before[path], after[path], before, after)


def _removal(entity: str, path: Path, facts: Facts, number: str | None) -> Change:
    removal = facts.deprecated.get("x-ccstd-removal-in")
    planned = bool(facts.deprecated.get("deprecated")) and (
        removal is not None and number is not None and version_key(number) >= version_key(removal)
    )
    since = facts.deprecated.get("x-ccstd-deprecated-since")
    detail = f"removed as planned (deprecated since {since})" if planned else "removed"
    return Change("property-removed", entity, _dotted(path), detail, planned)


def _compare(
    entity: str,
    path: Path,
    old: Facts,
    new: Facts,
    before: dict[Path, Facts],
    after: dict[Path, Facts],
) -> Iterator[Change]:
    where = _dotted(path)
    if old.types - new.types and new.types:
        yield Change(
            "type-narrowed", entity, where, _listed("types dropped", old.types - new.types)
        )
    if new.types - old.types and old.types:
        yield Change("type-widened", entity, where, _listed("types added", new.types - old.types))
    if old.values is not None or new.values is not None:
        yield from _values(entity, where, old.values, new.values)
    for name in sorted(new.required - old.required):
        if (*path, name) in before:
            yield Change("required-added", entity, _dotted((*path, name)), "now required")
    for name in sorted(old.required - new.required):
        if (*path, name) in after:
            yield Change("required-removed", entity, _dotted((*path, name)), "now optional")
    yield from _constraints(entity, where, old.constraints, new.constraints)
    if new.branches > old.branches:
        yield Change("branch-added", entity, where, f"{old.branches} -> {new.branches} branches")
    elif new.branches < old.branches:
        yield Change("branch-removed", entity, where, f"{old.branches} -> {new.branches} branches")
    for key in sorted(old.other.keys() | new.other.keys()):
        if key in ("anyOf", "oneOf") and old.branches != new.branches:
            continue  # reported as an alternative added or removed
        if old.other.get(key) != new.other.get(key):
            yield Change("keyword-changed", entity, where, f"'{key}' changed")
    yield from _exclusion_changes(entity, path, old.exclusions, new.exclusions, before)
    if new.deprecated.get("deprecated") and not old.deprecated.get("deprecated"):
        detail = ", ".join(f"{k} {v}" for k, v in new.deprecated.items() if k != "deprecated")
        yield Change("property-deprecated", entity, where, detail or "deprecated")
    changed = sorted(k for k in old.annotations.keys() | new.annotations.keys()
                     if old.annotations.get(k) != new.annotations.get(k))  # fmt: skip
    if changed:
        yield Change("annotation-changed", entity, where, ", ".join(changed))


def _exclusion_changes(
    entity: str,
    path: Path,
    old: set[bytes],
    new: set[bytes],
    before: dict[Path, Facts],
) -> Iterator[Change]:
    """A forbidden combination that requires a property OLD lacks rejects no old record."""
    where = _dotted(path)
    for excluded in sorted(new - old):
        names = orjson.loads(excluded)["required"]
        detail = "not together: " + excluded.decode()
        if any((*path, name) not in before for name in names):
            yield Change("exclusion-added", entity, where, detail)
        else:
            yield Change("keyword-changed", entity, where, f"'not' changed: {detail}")
    for excluded in sorted(old - new):
        yield Change("constraint-relaxed", entity, where, "allowed again: " + excluded.decode())


def _values(
    entity: str, where: str, old: set[bytes] | None, new: set[bytes] | None
) -> Iterator[Change]:
    if old is None:
        yield Change("constraint-tightened", entity, where, "now limited to listed values")
        return
    if new is None:
        yield Change("constraint-relaxed", entity, where, "no longer limited to listed values")
        return
    for value in sorted(old - new):
        yield Change("enum-value-removed", entity, where, value.decode())
    for value in sorted(new - old):
        yield Change("enum-value-added", entity, where, value.decode())


def _constraints(
    entity: str, where: str, old: dict[str, Any], new: dict[str, Any]
) -> Iterator[Change]:
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if key in _LOWER_BOUNDS:
            tighter = a is None or (b is not None and b > a)
        elif key in _UPPER_BOUNDS:
            tighter = a is None or (b is not None and b < a)
        else:
            tighter = b is not None
        kind = "constraint-tightened" if tighter else "constraint-relaxed"
        yield Change(kind, entity, where, f"{key}: {_show(a)} -> {_show(b)}")


def _show(value: Any) -> str:
    return "none" if value is None else orjson.dumps(value).decode()


def _listed(what: str, items: set[str]) -> str:
    return f"{what}: {', '.join(sorted(items))}"


def _dotted(path: Path) -> str:
    return ".".join(path)


# Examples ------------------------------------------------------------------------------------


def _with_example(
    old: StandardVersion, new: StandardVersion, entity: str, change: Change
) -> Change:
    shown_by = change.rule.shown_by
    if not shown_by:
        return change
    source = old if shown_by == "old" else new
    path = tuple(change.path.split(".")) if change.path else ()
    for record in _candidates(source, entity, change, path):
        example = _checked(old, new, entity, record)
        if example.valid_under_old != example.valid_under_new and (
            example.valid_under_old == (shown_by == "old")
        ):
            return replace(change, example=example)
    return change


def _candidates(
    version: StandardVersion, entity: str, change: Change, path: Path
) -> Iterator[dict[str, Any]]:
    bases = valid_records(version, entity)
    values = list(_trial_values(version, entity, change, path, bases))
    for base in bases:
        for value in values:
            record = copy.deepcopy(base)
            if _put(record, path, value):
                yield record


_DELETE = object()


def _trial_values(
    version: StandardVersion, entity: str, change: Change, path: Path, bases: list[Any]
) -> Iterator[Any]:
    kind = change.kind
    if kind in ("required-added", "required-removed"):
        yield _DELETE
    elif kind in ("enum-value-removed", "enum-value-added"):
        yield orjson.loads(change.detail)
    elif kind in ("property-removed", "property-added", "type-narrowed", "type-widened"):
        yield from (v for base in bases for v in _values_at(base, path))
        yield from _samples(kind, change.detail)
    elif kind in ("constraint-tightened", "constraint-relaxed"):
        yield from _boundary_values(change.detail)
        yield from (v for base in bases for v in _values_at(base, path))


def _samples(kind: str, detail: str) -> Iterator[Any]:
    by_type = {"string": "sample", "integer": 7, "number": 7.5, "boolean": True,
               "array": [], "object": {}, "null": None}  # fmt: skip
    if kind in ("type-narrowed", "type-widened"):
        for name in detail.split(": ", 1)[-1].split(", "):
            if name in by_type:
                yield by_type[name]
    else:
        yield from (True, "sample", 7, {})


def _boundary_values(detail: str) -> Iterator[Any]:
    """Values at and just beside both limits of a changed bound; validation picks the one that
    shows the change."""
    key, _, limits = detail.partition(": ")
    numbers = [orjson.loads(x) for x in limits.split(" -> ") if x != "none"]
    for limit in (n for n in numbers if isinstance(n, int | float)):
        for candidate in (limit - 1, limit, limit + 1):
            if "Length" in key:
                yield "x" * max(0, int(candidate))
            elif "Items" in key:
                yield [None] * max(0, int(candidate))
            else:
                yield candidate


def _values_at(record: Any, path: Path) -> Iterator[Any]:
    if not path:
        yield record
        return
    head, rest = path[0], path[1:]
    if head == ANY_ITEM and isinstance(record, list):
        for item in record:
            yield from _values_at(item, rest)
    elif isinstance(record, dict) and head in record:
        yield from _values_at(record[head], rest)


def _put(record: Any, path: Path, value: Any) -> bool:
    """Set (or delete, for _DELETE) the value at `path`; False when its parent is absent."""
    node = record
    for part in path[:-1]:
        if part == ANY_ITEM:
            if not isinstance(node, list) or not node:
                return False
            node = node[0]
        elif isinstance(node, dict) and isinstance(node.get(part), dict | list):
            node = node[part]
        else:
            return False
    if not isinstance(node, dict):
        return False
    if value is _DELETE:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = copy.deepcopy(value)
    return True


def _checked(
    old: StandardVersion, new: StandardVersion, entity: str, record: dict[str, Any]
) -> Example:
    def valid(version: StandardVersion) -> bool:
        claimed = {**record, "standardVersion": version.version}
        return bool(build_plan(version, entity).validator.is_valid(claimed))

    return Example(record, valid(old), valid(new))
