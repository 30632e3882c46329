"""Finding raw resident ID numbers and mobile numbers where pseudonymisation cannot reach them."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import orjson

from ccstd.standard.fields import ANY_ITEM, entity_fields
from ccstd.standard.redaction import raw_identifier_kind
from ccstd.standard.registry import StandardVersion

_IDENTIFIER_FORMATS = frozenset({"cn-resident-id", "phone"})

Path = tuple[str, ...]


@functools.cache
def identifier_paths(standard: StandardVersion, entity: str) -> frozenset[Path]:
    """Field paths of an entity meant to carry identifiers or phone numbers (`*` for items).

    A record id is never one: the standard marks a Resident's id identifying because a source's id
    can embed a number, which is a reason to pseudonymise it, not to carry one raw."""
    return frozenset(
        f.path
        for f in entity_fields(standard, entity)
        if (f.format in _IDENTIFIER_FORMATS or f.sensitivity == "identifier") and f.path != ("id",)
    )


def leaks(record: Any, allowed: frozenset[Path]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(concrete path, kind) of every raw identifier in `record` outside the `allowed` paths."""
    if raw_identifier_kind(orjson.dumps(record).decode("utf-8")) is None:
        return  # one regex pass over the serialised record clears most records
    yield from _walk(record, (), (), allowed)


def _walk(
    node: Any, concrete: tuple[str | int, ...], path: Path, allowed: frozenset[Path]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if path in allowed:
        return
    if isinstance(node, str):
        kind = raw_identifier_kind(node)
        if kind is not None:
            yield concrete, kind
    elif isinstance(node, dict):
        for key, value in node.items():
            key_kind = raw_identifier_kind(key)
            if key_kind is not None:  # e.g. extensions keyed by ID number
                yield (*concrete, key), key_kind
            yield from _walk(value, (*concrete, key), (*path, key), allowed)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*concrete, index), (*path, ANY_ITEM), allowed)
