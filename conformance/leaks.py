"""Finding raw resident ID numbers and mobile numbers where pseudonymisation cannot reach them."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

import orjson

from ccstd.standard.fields import ANY_ITEM, entity_fields
from ccstd.standard.formats import is_resident_id
from ccstd.standard.registry import StandardVersion

# Alphanumeric boundaries: digit runs inside hex digests or longer codes are not numbers.
_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z+])(?:\+?86[- ]?)?(1[3-9]\d{9})(?![0-9A-Za-z])")
_DIGIT_RUN = re.compile(r"\d{11}")
_IDENTIFIER_FORMATS = frozenset({"cn-resident-id", "phone"})

Path = tuple[str, ...]


@functools.cache
def identifier_paths(standard: StandardVersion, entity: str) -> frozenset[Path]:
    """Field paths of an entity meant to carry identifiers or phone numbers (`*` for items)."""
    return frozenset(
        f.path
        for f in entity_fields(standard, entity)
        if f.format in _IDENTIFIER_FORMATS or f.sensitivity == "identifier"
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


def raw_identifier_kind(text: str) -> str | None:
    """'resident ID number' or 'mobile number' if `text` contains one, else None."""
    if len(text) < 11 or not _DIGIT_RUN.search(text):
        return None  # the common case: no run of eleven digits, nothing to look at
    for match in _RESIDENT_ID.finditer(text):
        if is_resident_id(match.group().upper()):
            return "resident ID number"
    if _MOBILE.search(text):  # the pattern is the test: 1[3-9] and nine digits, standing alone
        return "mobile number"
    return None


def redact(text: str) -> str:
    """`text` with every raw resident ID number and mobile number replaced by a placeholder."""
    if raw_identifier_kind(text) is None:
        return text
    text = _RESIDENT_ID.sub(
        lambda m: "[redacted]" if is_resident_id(m.group().upper()) else m.group(), text
    )
    return _MOBILE.sub("[redacted]", text)
