"""Checks on records beyond their schema: lifecycles, time order, leaks, field coverage."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ccstd.conformance import rules as r
from ccstd.conformance.leaks import identifier_paths, leaks
from ccstd.conformance.ruleset import Lifecycle, OrderedTimes, RuleSet, alternatives
from ccstd.standard.fields import values_at
from ccstd.standard.findings import Finding, Location, Locator
from ccstd.standard.registry import StandardVersion


class RecordRules:
    """The semantic and quality checks that look at one record at a time."""

    def __init__(self, ruleset: RuleSet, standard: StandardVersion) -> None:
        self.ruleset = ruleset
        self.standard = standard
        self._orders: dict[str, list[OrderedTimes]] = {}
        for order in ruleset.ordered_times:
            self._orders.setdefault(order.entity, []).append(order)

    def check(self, record: dict[str, Any], at: Locator) -> Iterator[Finding]:
        """Findings for one record (of a known entity; others are the schema level's business)."""
        entity = record.get("type")
        if not isinstance(entity, str) or entity not in self.standard.entity_ids:
            return
        lifecycle = self.ruleset.lifecycles.get(entity)
        if lifecycle is not None:
            yield from _lifecycle(record, lifecycle, at)
        for order in self._orders.get(entity, ()):
            yield from _ordered(record, order, at)
        for path, kind in leaks(record, identifier_paths(self.standard, entity)):
            yield r.RAW_IDENTIFIER_LEAK.finding(at(*path), kind=kind)


def _lifecycle(record: dict[str, Any], lifecycle: Lifecycle, at: Locator) -> Iterator[Finding]:
    history = record.get(lifecycle.history)
    if not isinstance(history, list) or not history:
        return
    name = lifecycle.history
    before: str | None = None
    before_time: datetime.datetime | None = None
    for index, step in enumerate(history):
        if not isinstance(step, dict):
            return
        status, when = step.get("status"), instant(step.get("at"))
        allowed = lifecycle.transitions.get(before) if before is not None else None
        if allowed is not None and isinstance(status, str) and status not in allowed:
            yield r.ILLEGAL_STATUS_TRANSITION.finding(
                at(name, index, "status"), entity=record["type"], before=before, after=status
            )
        if before_time is not None and when is not None and when < before_time:
            yield r.TIME_NOT_MONOTONIC.finding(
                at(name, index, "at"), earlier=f"{name}/{index - 1}/at", later=f"{name}/{index}/at"
            )
        before = status if isinstance(status, str) else None
        before_time = when or before_time
    current = record.get("status")
    if before is not None and isinstance(current, str) and current != before:
        yield r.STATUS_CONTRADICTS_HISTORY.finding(at("status"), status=current, last=before)


def _ordered(record: dict[str, Any], order: OrderedTimes, at: Locator) -> Iterator[Finding]:
    earlier = next((instant(v) for _, v in values_at(record, order.earlier)), None)
    later = next((instant(v) for _, v in values_at(record, order.later)), None)
    if earlier is not None and later is not None and later < earlier:
        yield r.TIME_NOT_MONOTONIC.finding(
            at(*order.later), earlier="/".join(order.earlier), later="/".join(order.later)
        )


def instant(value: Any) -> datetime.datetime | None:
    """An RFC 3339 date-time as an aware datetime (None if absent, invalid or without offset)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


@dataclass
class FieldCoverage:
    """Counts, per entity, the records and those carrying each field a claimed profile expects.

    An expected entry may name alternatives, `birthDate|birthDatePartial`: a record carrying any
    of them counts as carrying it."""

    expected: dict[str, set[str]]
    records: Counter[str] = field(default_factory=Counter)
    present: Counter[tuple[str, str]] = field(default_factory=Counter)

    @classmethod
    def for_profiles(cls, ruleset: RuleSet, claimed: tuple[str, ...]) -> FieldCoverage:
        """Coverage of the fields the claimed profiles expect."""
        expected: dict[str, set[str]] = {}
        for name in claimed:
            for entity, fields in ruleset.profiles[name].expected.items():
                expected.setdefault(entity, set()).update(fields)
        return cls(expected)

    def add(self, record: dict[str, Any]) -> None:
        """Count one record."""
        entity = record.get("type")
        if not isinstance(entity, str):
            return
        self.records[entity] += 1
        for entry in self.expected.get(entity, ()):
            if any(next(values_at(record, path), None) is not None for path in alternatives(entry)):
                self.present[(entity, entry)] += 1

    def findings(self, threshold: float) -> Iterator[Finding]:
        """One finding per expected field filled in fewer than `threshold` of its records."""
        for entity, entries in sorted(self.expected.items()):
            total = self.records[entity]
            for entry in sorted(entries):
                share = self.present[(entity, entry)] / total if total else 1.0
                if share < threshold:
                    yield r.EXPECTED_FIELD_COVERAGE.finding(
                        Location(record_type=entity),
                        field=entry.replace("|", " or "),
                        share=share,
                        entity=entity,
                        threshold=threshold,
                    )
