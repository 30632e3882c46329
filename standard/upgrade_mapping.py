"""Upgrade mappings: how records of one release become records of the next, as data.

A release that changes what a record may hold in a way that old records would not survive (a
major release) ships `upgrades/<from>-to-<to>.toml` beside `schemas/`. Each change renames a
field, moves it elsewhere in the record, maps old code values to new ones, or drops a field (a
deprecated one) with the reason. The file is checked against `upgrades/mapping.schema.json`,
then against both versions of the standard (every entity and field it names must exist), before
any record is touched. docs/upgrade.md describes the format.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import jsonschema_rs
import orjson

from ccstd.standard.fields import ANY_ITEM, entity_fields
from ccstd.standard.files import read_regular
from ccstd.standard.registry import StandardRegistry, StandardVersion, UnknownVersionError

MAPPING_SCHEMA = Path(__file__).parent / "upgrades" / "mapping.schema.json"
MAX_MAPPING_BYTES = 1 << 20
ANY_ENTITY = "*"

Action = Literal["rename", "move", "map-values", "drop"]
FieldPath = tuple[str, ...]


class MappingError(ValueError):
    """A mapping file that cannot be used: `file: key: what is wrong`, one line."""


@dataclass(frozen=True)
class Change:
    """One change of a mapping, applied to records of `entity` (`*`: every entity)."""

    entity: str
    action: Action
    field: FieldPath
    to: FieldPath = ()
    values: tuple[tuple[str, Any], ...] = ()
    reason: str = ""

    def applies_to(self, entity: Any) -> bool:
        """Whether records of this type are concerned."""
        return self.entity in (ANY_ENTITY, entity)


@dataclass(frozen=True)
class UpgradeMapping:
    """A checked mapping file from one release to the next."""

    source: str
    target: str
    description: str
    changes: tuple[Change, ...]
    path: Path


def mapping_path(upgrades: Path, source: str, target: str) -> Path:
    """Where the mapping from `source` to `target` lives."""
    return upgrades / f"{source}-to-{target}.toml"


def load_mapping(path: Path, registry: StandardRegistry) -> UpgradeMapping:
    """Read, check and return a mapping file; MappingError names the file and the key."""
    spec = _read(path)
    problem = _schema_problem(spec)
    if problem is not None:
        raise MappingError(f"{path}: {problem}")
    source, target = spec["from"], spec["to"]
    expected = mapping_path(path.parent, source, target).name
    if path.name != expected:
        raise MappingError(f"{path}: from/to: say {source} to {target}; name the file {expected}")
    old, new = _version(path, registry, source), _version(path, registry, target)
    changes = tuple(_change(item) for item in spec["changes"])
    for index, change in enumerate(changes):
        _check_change(path, index, change, old, new)
    return UpgradeMapping(source, target, spec["description"], changes, path)


def _read(path: Path) -> dict[str, Any]:
    try:
        text = read_regular(path, MAX_MAPPING_BYTES).decode("utf-8")
        return tomllib.loads(text)
    except OSError as exc:
        raise MappingError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise MappingError(f"{path}: not UTF-8 (TOML files are UTF-8)") from None
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise MappingError(f"{path}: not valid TOML: nested too deeply") from None


@functools.cache
def _validator() -> jsonschema_rs.Validator:
    return jsonschema_rs.validator_for(orjson.loads(MAPPING_SCHEMA.read_bytes()))


def _schema_problem(spec: dict[str, Any]) -> str | None:
    """`key.path: message` of the first schema error, or None."""
    for error in _validator().iter_errors(spec):
        where = ".".join(str(p) for p in error.instance_path) or "(top)"
        return f"{where}: {error.message[:200]}"
    return None


def _version(path: Path, registry: StandardRegistry, version: str) -> StandardVersion:
    try:
        return registry.get(version)
    except UnknownVersionError as exc:
        raise MappingError(f"{path}: {exc}") from None


def _change(item: dict[str, Any]) -> Change:
    to = tuple(item["to"].split(".")) if "to" in item else ()
    return Change(
        entity=item["entity"],
        action=item["action"],
        field=tuple(item["field"].split(".")),
        to=to,
        values=tuple(item.get("values", {}).items()),
        reason=item["reason"],
    )


def _check_change(
    path: Path, index: int, change: Change, old: StandardVersion, new: StandardVersion
) -> None:
    """Every entity and field a change names exists where it must: the field in the old
    version, its new place (rename, move) in the new one."""
    where = f"{path}: changes.{index}"
    entities = old.entities if change.entity == ANY_ENTITY else [change.entity]
    if change.entity != ANY_ENTITY and change.entity not in old.entity_ids:
        raise MappingError(f"{where}.entity: {change.entity} is not an entity of {old.version}")
    if not any(change.field in _paths(old, name) for name in entities):
        dotted = ".".join(change.field)
        raise MappingError(f"{where}.field: {dotted} is not a field of it in {old.version}")
    destination = _destination(change)
    if change.action == "rename" and destination == change.field:
        raise MappingError(f"{where}.to: {change.to[0]} is the field itself; nothing to rename")
    if change.action == "move" and destination[: len(change.field)] == change.field:
        dotted, inside = ".".join(destination), ".".join(change.field)
        raise MappingError(
            f"{where}.to: {dotted} is inside {inside}; a field cannot move into itself"
        )
    if destination and not any(
        destination in _paths(new, name) for name in entities if name in new.entity_ids
    ):
        dotted = ".".join(destination)
        raise MappingError(f"{where}.to: {dotted} is not a field of it in {new.version}")


def _destination(change: Change) -> FieldPath:
    if change.action == "rename":
        return (*change.field[:-1], *change.to)
    return change.to if change.action == "move" else ()


@functools.cache
def _paths(version: StandardVersion, entity: str) -> frozenset[FieldPath]:
    return frozenset(f.path for f in entity_fields(version, entity))


class ChangeConflictError(ValueError):
    """A change would overwrite a value the record already holds."""


def apply(change: Change, record: dict[str, Any]) -> None:
    """Apply one change to a record in place; ChangeConflictError if it would overwrite a value."""
    if change.action == "move":
        _move(change, record)
        return
    for parent, key in _holders(record, change.field):
        if change.action == "drop":
            del parent[key]
        elif change.action == "rename":
            new = change.to[0]
            if new in parent:
                raise ChangeConflictError(f"{'.'.join(change.field)} and {new} are both present")
            parent[new] = parent.pop(key)
        else:
            parent[key] = _mapped(parent[key], change.values)


def _mapped(value: Any, values: tuple[tuple[str, Any], ...]) -> Any:
    if isinstance(value, str):
        for old, new in values:
            if value == old:
                return new
    return value


def _move(change: Change, record: dict[str, Any]) -> None:
    holders = list(_holders(record, change.field))
    if not holders:
        return
    parent, key = holders[0]
    value = parent.pop(key)  # taken out first: its new place is never inside itself
    node: dict[str, Any] = record
    for part in change.to[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ChangeConflictError(f"{'.'.join(change.to)}: its parent is not an object")
        node = child
    if change.to[-1] in node:
        both = f"{'.'.join(change.field)} and {'.'.join(change.to)}"
        raise ChangeConflictError(f"{both} are both present")
    node[change.to[-1]] = value


def _holders(node: Any, path: FieldPath) -> list[tuple[dict[str, Any], str]]:
    """(object, key) for every place in `node` where the field at `path` is present."""
    head, rest = path[0], path[1:]
    if head == ANY_ITEM:
        items = node if isinstance(node, list) else []
        return [found for item in items for found in _holders(item, rest)] if rest else []
    if not isinstance(node, dict) or head not in node:
        return []
    return [(node, head)] if not rest else _holders(node[head], rest)
