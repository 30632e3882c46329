"""Finding raw resident ID numbers, phone numbers and e-mail addresses where pseudonymisation
cannot reach them."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterator
from typing import Any

import orjson

from ccstd.standard.fields import ANY_ITEM, entity_fields
from ccstd.standard.redaction import (
    is_carrier_tracking_number,
    might_hold_identifier_json,
    raw_identifier_kind,
)
from ccstd.standard.registry import StandardVersion

_IDENTIFIER_FORMATS = frozenset({"cn-resident-id", "phone"})
# Fields that hold a carrier's tracking number: there, a number in a carrier's published format
# with its check digit right (`is_carrier_tracking_number`) is the carrier's, not a person's.
TRACKING_NUMBER_KEYS = frozenset({"trackingNumber"})
IP_ADDRESS_KEYS = frozenset({"ipAddress"})
# An integer holds a number only as all its digits (no separators, no leading zeros): at most 18
# of them. Larger ones are not written out (Python refuses past 4,300 digits).
_NUMBER_LIMIT = 10**18
_FLOAT_LIMIT = 1e16

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


# A trie of allowed paths: each key leads to the subtrie below it, or to ALLOWED where the
# path is allowed (and everything below it with it).
_Trie = dict[str, Any]
ALLOWED: _Trie = {}


@functools.cache
def allowed_trie(allowed: frozenset[Path]) -> _Trie:
    """The trie of the shortest `allowed` paths (those below an allowed one add nothing)."""
    trie: _Trie = {}
    for path in sorted(allowed, key=len):
        node = trie
        for key in path[:-1]:
            node = node.setdefault(key, {})
            if node is ALLOWED:
                break
        else:
            node[path[-1]] = ALLOWED
    return trie


def leaks(record: Any, allowed: frozenset[Path]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(concrete path, kind) of every raw identifier in `record` outside the `allowed` paths."""
    outside = _pruned(record, allowed_trie(allowed)) if allowed else record
    try:  # one scan of the record, allowed values nulled, clears most records
        if not might_hold_identifier_json(orjson.dumps(outside)):
            return
    except orjson.JSONEncodeError:  # a number orjson cannot write: every string is walked
        pass
    yield from _walk(record, (), (), allowed)


def _pruned(node: Any, trie: _Trie) -> Any:
    """`node` with the value at every allowed path nulled (keys kept: they are checked too)."""
    if isinstance(node, dict):
        copy = None
        for key, below in trie.items():
            if key in node:
                copy = dict(node) if copy is None else copy
                copy[key] = _allowed(node[key]) if below is ALLOWED else _pruned(node[key], below)
        return node if copy is None else copy
    if isinstance(node, list):
        below = trie.get(ANY_ITEM)
        if below is None:
            return node
        if below is ALLOWED:
            return [_allowed(v) for v in node]
        return [_pruned(v, below) for v in node]
    return node


def _allowed(node: Any) -> Any:
    """What the scan of a record sees of a value at an allowed path: a masked value's text (a
    "masked" value must hide its number: `{"protection": "masked", "value": "1381234567*"}` leaks),
    nothing of any other."""
    return node.get("value") if _masked_text(node) is not None else None


def _masked_text(node: Any) -> str | None:
    if isinstance(node, dict) and node.get("protection") == "masked":
        value = node.get("value")
        return value if isinstance(value, str) else None
    return None


def _walk(
    node: Any, concrete: tuple[str | int, ...], path: Path, allowed: frozenset[Path]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if path in allowed:
        masked = _masked_text(node)
        kind = raw_identifier_kind(masked) if masked is not None else None
        if kind is not None:
            yield (*concrete, "value"), kind
        return
    if isinstance(node, str):
        kind = raw_identifier_kind(node)
        if kind is not None and not _carriers(path, node):
            yield concrete, kind
    elif (type(node) is int and -_NUMBER_LIMIT < node < _NUMBER_LIMIT) or _whole_float(node):
        kind = raw_identifier_kind(str(int(node)))  # `"doorNo": 13800138000` or `13800138000.0`
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


def _whole_float(node: Any) -> bool:
    """A float written with all its digits (JSON writers print `13800138000.0`; from 10^16 on,
    an exponent, which holds no number)."""
    return type(node) is float and node.is_integer() and -_FLOAT_LIMIT < node < _FLOAT_LIMIT


def _carriers(path: Path, value: str) -> bool:
    """Whether `value` is a carrier's tracking number in a tracking-number field, or a network
    address in an IP-address field (an IPv6 address's groups can look like a grouped number)."""
    if not path:
        return False
    if path[-1] in IP_ADDRESS_KEYS:
        return _is_ip_address(value)
    return path[-1] in TRACKING_NUMBER_KEYS and is_carrier_tracking_number(value)


def _is_ip_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
