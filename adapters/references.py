"""Which references a conversion's own output does not resolve: the records it expects from
elsewhere (residents, communities), so the summary can say what to validate it with.

Only targets are remembered (distinct referenced records, and records of the types referenced),
never every record id; past `LIMIT` distinct targets the tally stops and says so.
"""

from __future__ import annotations

import functools
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
    _plans: dict[tuple[str, str], tuple[bool, list[tuple[str, ...]]]] = field(default_factory=dict)

    def add(self, record: dict[str, Any]) -> None:
        """Count one record written: its identity (if of a type referenced) and its references."""
        kind, version = record.get("type"), record.get("standardVersion")
        if not isinstance(kind, str) or not isinstance(version, str):
            return
        plan = self._plans.get((version, kind))
        if plan is None:
            plan = self._plans[(version, kind)] = _plan(version, kind)
        target, paths = plan
        if target and isinstance(record.get("id"), str):
            self._remember(self.written, (kind, record["id"]))
        for path in paths:
            found = record.get(path[0])
            if found is None:
                continue
            targets = [found] if len(path) == 1 else [v for _, v in values_at(record, path)]
            for reference in targets:
                if isinstance(reference, dict) and isinstance(reference.get("id"), str):
                    self._remember(self.wanted, (str(reference.get("type")), reference["id"]))

    def _remember(self, into: set[tuple[str, str]], key: tuple[str, str]) -> None:
        if len(into) < LIMIT:
            into.add(key)
        elif key not in into:
            self.overflow = True

    def expected(self) -> dict[str, int]:
        """Referenced records not in the output, counted by type."""
        return dict(sorted(Counter(kind for kind, _ in self.wanted - self.written).items()))


def _plan(version: str, kind: str) -> tuple[bool, list[tuple[str, ...]]]:
    """Whether records of `kind` are ever referenced, and where they make references."""
    return kind in _targets(version), _reference_paths(version, kind)


def _reference_paths(version: str, kind: str) -> list[tuple[str, ...]]:
    try:
        standard = StandardRegistry().get(version)
        return [f.path for f in entity_fields(standard, kind) if f.reference_type is not None]
    except (UnknownVersionError, KeyError, LookupError):
        return []


@functools.cache
def _targets(version: str) -> frozenset[str]:
    try:
        standard = StandardRegistry().get(version)
    except (UnknownVersionError, LookupError):
        return frozenset()
    found = {
        f.reference_type
        for entity in standard.entity_ids
        for f in entity_fields(standard, entity)
        if f.reference_type is not None
    }
    if "*" in found:  # a reference to a record of any type (a document's section entries)
        return frozenset(standard.entity_ids)
    return frozenset(found)
