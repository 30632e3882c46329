"""Pseudonymisation of direct identifiers, driven by the schema rather than by each adapter.

A field that accepts the standard's protected form (resident ID numbers, phone numbers,
identifier values, names) is a direct identifier. Its value is replaced by a keyed HMAC-SHA-256
pseudonym (the same value always gives the same pseudonym under one key, so records still link);
a value the source had already masked is marked as masked; raw values pass only on request.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ccstd.standard.fields import entity_fields
from ccstd.standard.registry import StandardVersion

KEY_ENV = "CCSTD_PSEUDONYM_KEY"
_MASKED = re.compile(r".*\*.*")  # 135****1234, 李*, ***5678: no real identifier has an asterisk
_MIN_KEY_BYTES = 16


NO_KEY_HELP = (
    "converted records carry direct identifiers (names, ID and card numbers, phone numbers), which "
    f"are pseudonymised with a key: give one with --key-file FILE or ${KEY_ENV} (at least "
    f"{_MIN_KEY_BYTES} bytes), or pass --raw-identifiers to emit them unprotected"
)


class PseudonymKeyError(ValueError):
    """A pseudonymisation key that is missing or cannot be used."""


def load_key(key_file: Path | None) -> bytes | None:
    """The key from `--key-file`, else from $CCSTD_PSEUDONYM_KEY, else None."""
    if key_file is not None:
        try:
            key = key_file.read_bytes().strip()
        except OSError as exc:
            raise PseudonymKeyError(f"{key_file}: cannot read the key: {exc.strerror}") from None
    else:
        key = os.environb.get(KEY_ENV.encode(), b"").strip()
        if not key:
            return None
    if len(key) < _MIN_KEY_BYTES:
        raise PseudonymKeyError(f"the pseudonymisation key must be at least {_MIN_KEY_BYTES} bytes")
    return key


@dataclass
class Protector:
    """Protects direct identifiers in records; counts what it did, never what it saw.

    `key=None` means raw output, which the caller must have been asked for explicitly.
    """

    standard: StandardVersion
    key: bytes | None
    counts: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.key_id = "k-" + hashlib.sha256(self.key or b"").hexdigest()[:12]
        self._paths: dict[str, list[tuple[str, ...]]] = {}

    def protect(self, record: dict[str, Any]) -> dict[str, Any]:
        """The record with every direct identifier pseudonymised (or kept raw without a key)."""
        for path in self._protected_paths(record["type"]):
            _apply(record, path, self._protect_value)
        return record

    def _protected_paths(self, entity: str) -> list[tuple[str, ...]]:
        paths = self._paths.get(entity)
        if paths is None:
            fields = entity_fields(self.standard, entity)
            paths = [f.path[:-1] for f in fields if f.path[-1] == "protection"]
            self._paths[entity] = paths
        return paths

    def _protect_value(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value  # already protected (or not a value this policy handles)
        if _MASKED.fullmatch(value):
            self.counts["masked"] += 1
            return {"protection": "masked", "value": value}
        if self.key is None:
            self.counts["raw"] += 1
            return value
        self.counts["pseudonymised"] += 1
        digest = hmac.new(self.key, value.encode("utf-8"), hashlib.sha256).hexdigest()
        return {
            "protection": "pseudonymised",
            "value": f"hmac-sha256:{digest}",
            "keyId": self.key_id,
        }


def _apply(node: Any, path: tuple[str, ...], change: Callable[[Any], Any]) -> None:
    """Replace the value(s) at `path`; `*` fans out over arrays."""
    if not path:
        return
    head, rest = path[0], path[1:]
    if head == "*":
        if isinstance(node, list):
            for index in range(len(node)):
                _apply_at(node, index, rest, change)
    elif isinstance(node, dict) and head in node:
        _apply_at(node, head, rest, change)


def _apply_at(
    container: Any, key: Any, rest: tuple[str, ...], change: Callable[[Any], Any]
) -> None:
    if rest:
        _apply(container[key], rest, change)
    else:
        container[key] = change(container[key])
