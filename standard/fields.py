"""A catalogue of each entity's fields, read off its schema: paths, titles, formats, sensitivity."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urljoin

from ccstd.standard.registry import Schema, StandardVersion

ANY_ITEM = "*"
_COMBINATORS = ("allOf", "anyOf", "oneOf")
_BRANCHES = ("if", "then", "else")
_REFERENCE_DEF = "common.json#/$defs/Reference"


@dataclass(frozen=True, slots=True)
class Field:
    """One field of an entity, found at `path` (keys; `*` stands for any array index)."""

    path: tuple[str, ...]
    title: str | None = None
    title_zh: str | None = None
    sensitivity: str | None = None
    format: str | None = None
    reference_type: str | None = None
    code_list: str | None = None
    unit: str | None = None
    required: str | None = None  # "yes" (where its parent is), "conditional" (in some cases)

    @property
    def dotted(self) -> str:
        """The path as people write it: `members.*.resident`."""
        return ".".join(self.path)


def _annotate(field: Field, node: Schema, uri: str) -> Field:
    updates: dict[str, Any] = {}
    for key, attr in (
        ("title", "title"),
        ("x-ccstd-title-zh", "title_zh"),
        ("x-ccstd-sensitivity", "sensitivity"),
        ("format", "format"),
        ("x-ccstd-unit", "unit"),
    ):
        if key in node and getattr(field, attr) is None:
            updates[attr] = node[key]
    if "/codelists/" in uri and field.code_list is None:
        updates["code_list"] = uri.rsplit("/", 1)[-1].removesuffix(".json")
    return replace(field, **updates) if updates else field


class _Walker:
    def __init__(self, version: StandardVersion) -> None:
        self.version = version
        self.fields: dict[tuple[str, ...], Field] = {}
        self.required: dict[tuple[str, ...], str] = {}

    def walk(self, node: Schema, uri: str, path: tuple[str, ...], inherited: str | None) -> None:
        if not isinstance(node, dict):  # a boolean schema: a field with nothing to say
            self.fields.setdefault(path, Field(path, sensitivity=inherited))
            return
        field = self.fields.get(path, Field(path))
        field = self._merge(field, node, uri)
        if field.sensitivity is None and inherited is not None:
            field = replace(field, sensitivity=inherited)
        self.fields[path] = field
        self._descend(node, uri, path, field.sensitivity)

    def _merge(self, field: Field, node: Schema, uri: str) -> Field:
        field = _annotate(field, node, uri)
        if "$ref" in node:
            target_uri, target = self.version.resolve(uri, node["$ref"])
            if _is_reference(uri, node):
                const = node.get("properties", {}).get("type", {}).get("const", "*")
                field = replace(field, reference_type=const)
            field = self._merge(field, target, target_uri)
        return field

    def _descend(
        self, node: Schema, uri: str, path: tuple[str, ...], sens: str | None, when: bool = False
    ) -> None:
        """`when`: `node` applies only in some cases (a branch of anyOf, oneOf, then, else)."""
        if "$ref" in node:
            if _is_reference(uri, node):
                return
            target_uri, target = self.version.resolve(uri, node["$ref"])
            self._descend(target, target_uri, path, sens, when)
        self._mark_required(node, path, when)
        for name, child in node.get("properties", {}).items():
            self.walk(child, uri, (*path, name), sens)
        if isinstance(node.get("items"), dict):
            self.walk(node["items"], uri, (*path, ANY_ITEM), sens)
        branches = [
            (b, when or key != "allOf")
            for key in _COMBINATORS
            for b in node.get(key, ())
            if isinstance(b, dict)
        ]
        branches += [(node[key], True) for key in _BRANCHES if isinstance(node.get(key), dict)]
        for branch, conditional in branches:
            if path:
                self.fields[path] = self._merge(self.fields[path], branch, uri)
            if branch is not node.get("if"):  # a condition's `required` tests, it does not ask
                self._descend(branch, uri, path, sens, conditional)

    def _mark_required(self, node: Schema, path: tuple[str, ...], when: bool) -> None:
        names = node.get("required", ())
        for name in names if isinstance(names, list) else ():
            key = (*path, str(name))
            if self.required.get(key) != "yes":
                self.required[key] = "conditional" if when else "yes"


def _is_reference(uri: str, node: Schema) -> bool:
    return urljoin(uri, str(node["$ref"])).endswith(_REFERENCE_DEF)


@functools.cache
def _catalogue(version: StandardVersion, entity: str) -> tuple[Field, ...]:
    walker = _Walker(version)
    schema = version.entity_schema(entity)
    walker.walk(schema, schema["$id"], (), None)
    return tuple(
        replace(f, required=walker.required.get(path))
        for path, f in sorted(walker.fields.items())
        if path
    )


def entity_fields(version: StandardVersion, entity: str) -> tuple[Field, ...]:
    """Every field of an entity, sorted by path."""
    return _catalogue(version, entity)


def values_at(record: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """(concrete path, value) for every value of `record` at a field path (`*` fans out)."""
    if not path:
        yield (), record
        return
    head, rest = path[0], path[1:]
    if head == ANY_ITEM:
        if isinstance(record, list):
            for index, item in enumerate(record):
                for sub, value in values_at(item, rest):
                    yield (index, *sub), value
    elif isinstance(record, dict) and head in record:
        for sub, value in values_at(record[head], rest):
            yield (head, *sub), value
