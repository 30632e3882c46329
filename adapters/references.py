"""Which references a conversion's own output does not resolve: the records it expects from
elsewhere (residents, communities), so the summary can say what to validate it with.

Only targets are remembered (distinct referenced records, and records of the types referenced),
never every record id; past `LIMIT` distinct targets the tally stops and says so.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ccstd.standard.fields import entity_fields, values_at
from ccstd.standard.registry import StandardRegistry, UnknownVersionError

LIMIT = 200_000


@dataclass
class ReferenceTally:
    """References made and records written during one run."""

    wanted: set[tuple[str, str]] = field(default_factory=set)
    written: set[tuple[str, str]] = field(default_factory=set)
    overflow: bool = False
    _paths: dict[tuple[str, str], list[tuple[str, ...]]] = field(default_factory=dict)
    _target_types: set[str] = field(default_factory=set)

    def add(self, record: dict[str, Any]) -> None:
        """Count one record written: its identity (if of a type referenced) and its references."""
        kind, version = record.get("type"), record.get("standardVersion")
        if not isinstance(kind, str) or not isinstance(version, str):
            return
        paths = self._paths.get((version, kind))
        if paths is None:
            paths = self._paths[(version, kind)] = _reference_paths(version, kind)
            self._target_types.update(_targets(version))
        if kind in self._target_types and isinstance(record.get("id"), str):
            self._remember(self.written, (kind, record["id"]))
        for path in paths:
            targets = (
                [record.get(path[0])] if len(path) == 1 else [v for _, v in values_at(record, path)]
            )
            for target in targets:
                if isinstance(target, dict) and isinstance(target.get("id"), str):
                    self._remember(self.wanted, (str(target.get("type")), target["id"]))

    def _remember(self, into: set[tuple[str, str]], key: tuple[str, str]) -> None:
        if len(into) < LIMIT:
            into.add(key)
        elif key not in into:
            self.overflow = True

    def expected(self) -> dict[str, int]:
        """Referenced records not in the output, counted by type."""
        return dict(sorted(Counter(kind for kind, _ in self.wanted - self.written).items()))


def _reference_paths(version: str, kind: str) -> list[tuple[str, ...]]:
    try:
        standard = StandardRegistry().get(version)
        return [f.path for f in entity_fields(standard, kind) if f.reference_type is not None]
    except (UnknownVersionError, KeyError, LookupError):
        return []


def _targets(version: str) -> set[str]:
    try:
        standard = StandardRegistry().get(version)
    except (UnknownVersionError, LookupError):
        return set()
    return {
        f.reference_type
        for entity in standard.entity_ids
        for f in entity_fields(standard, entity)
        if f.reference_type not in (None, "*")
    }
