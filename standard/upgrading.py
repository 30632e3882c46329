"""Upgrading records to a later release of the standard (docs/upgrade.md).

Records move one release at a time along the installed releases, from the version each claims
to the target. Between releases of one major version a record needs nothing but its new
`standardVersion`: a minor or patch release accepts every record the previous one did
(`ccstd diff` enforces that on release). A step that has a mapping file
(`upgrades/<from>-to-<to>.toml`, see upgrade_mapping.py) applies it; a step across a major
version without one is refused. Nothing is invented: fields a later release added stay absent.

Every record read is upgraded, already at the target, or refused with a reason (never a value
from the record); the record must be valid under the version it claims before, and under the
target after. read = upgraded + current + refused holds for every run.
"""

from __future__ import annotations

import enum
import itertools
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ccstd.standard import rules
from ccstd.standard.checker import RecordChecker
from ccstd.standard.findings import Finding, Location, Severity
from ccstd.standard.reading import RawItem
from ccstd.standard.redaction import redact
from ccstd.standard.registry import StandardRegistry, UnknownVersionError, version_key
from ccstd.standard.upgrade_mapping import (
    ChangeConflictError,
    UpgradeMapping,
    apply,
    load_mapping,
    mapping_path,
)

UPGRADES_ROOT = Path(__file__).parent / "upgrades"


class Reason(enum.Enum):
    """Why a record was not upgraded; the value is the stable code written to rejects."""

    UNREADABLE = "unreadable"
    NOT_AN_OBJECT = "not-an-object"
    NO_VERSION = "no-version"
    UNKNOWN_VERSION = "unknown-version"
    NEWER_THAN_TARGET = "newer-than-target"
    INVALID = "invalid-under-declared-version"
    NO_UPGRADE_PATH = "no-upgrade-path"
    CONFLICT = "mapping-conflict"
    INVALID_AFTER = "invalid-under-target"


class Status(enum.Enum):
    """What became of one record."""

    UPGRADED = "upgraded"
    CURRENT = "current"
    REFUSED = "refused"


@dataclass(frozen=True)
class Outcome:
    """One record's fate: the record to write (upgraded or current), or why not."""

    status: Status
    location: Location
    record: dict[str, Any] | None = None
    reason: Reason | None = None
    detail: str = ""

    def reject(self) -> dict[str, Any]:
        """The rejects-file line: where, what and why, with no value from the record."""
        where = self.location
        record_id = redact(where.record_id) if where.record_id is not None else None
        return {
            "file": redact(where.file) if where.file else where.file,  # named after people
            "line": where.line,
            "pointer": where.pointer or None,
            "recordId": record_id,
            "type": where.record_type,
            "reason": self.reason.value if self.reason else None,
            "message": redact(self.detail),
        }


@dataclass
class UpgradeCounts:
    """Counts of a run: read = upgraded + current + refused, refusals by reason."""

    upgraded: int = 0
    current: int = 0
    refused: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def read(self) -> int:
        """Records read."""
        return self.upgraded + self.current + self.refused

    def add(self, outcome: Outcome) -> None:
        """Count one outcome."""
        if outcome.status is Status.UPGRADED:
            self.upgraded += 1
        elif outcome.status is Status.CURRENT:
            self.current += 1
        else:
            self.refused += 1
            self.reasons[outcome.reason.value if outcome.reason else "?"] += 1


@dataclass(frozen=True)
class _NoPath:
    """A step that no record can take: a major version without a mapping."""

    why: str


class _RefusedError(Exception):
    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class Upgrader:
    """Upgrades records, one at a time, to `target`; mappings come from `upgrades`.

    Raises UnknownVersionError for a target that is not an installed release, and MappingError
    (naming file and key) when a mapping on the way cannot be used.
    """

    def __init__(
        self, registry: StandardRegistry, target: str, upgrades: Path = UPGRADES_ROOT
    ) -> None:
        self.registry = registry
        self.releases = registry.versions()
        if target not in self.releases:
            raise UnknownVersionError(target, self.releases)
        self.target = target
        self.upgrades = upgrades
        # Every mapping on the way is loaded and checked now, before any record is read.
        way = itertools.pairwise(self.releases[: self.releases.index(target) + 1])
        self._steps = [self._step_for(old, new) for old, new in way]
        self._seen: Any = None
        self._checker = RecordChecker(registry, visit=self._remember)

    def _remember(self, value: dict[str, Any], _at: Any) -> None:
        self._seen = value

    def upgrade(self, item: RawItem) -> Outcome:
        """The outcome for one item read by standard/reading.py; never raises on content."""
        self._seen = None
        findings = self._checker.check(item).findings
        record = self._seen
        where = _location(item, record)
        try:
            version = self._declared(record, findings)
            if version == self.target:
                return Outcome(Status.CURRENT, where, record)
            for step in self._path(version):
                self._step(record, step)
            self._check_target(item, record)
        except _RefusedError as refused:
            return Outcome(Status.REFUSED, where, reason=refused.reason, detail=refused.detail)
        return Outcome(Status.UPGRADED, where, record)

    def upgrade_all(self, items: Iterator[RawItem]) -> Iterator[Outcome]:
        """Outcomes for every item, in order."""
        for item in items:
            if _is_remark(item):
                continue
            yield self.upgrade(item)

    def _declared(self, record: Any, findings: list[Finding]) -> str:
        """The version the record claims, once it is known to be a valid record of it."""
        if record is None:
            errors = _errors(findings)
            if errors and errors[0].code == rules.NOT_AN_OBJECT.code:
                raise _RefusedError(Reason.NOT_AN_OBJECT, errors[0].message)
            raise _RefusedError(Reason.UNREADABLE, _summary(errors) or "not a JSON record")
        version = record.get("standardVersion")
        if version is None:
            raise _RefusedError(Reason.NO_VERSION, "the record names no standardVersion")
        if not isinstance(version, str):
            raise _RefusedError(Reason.UNKNOWN_VERSION, "standardVersion is not a string")
        if version not in self.releases:
            known = ", ".join(self.releases)
            raise _RefusedError(Reason.UNKNOWN_VERSION, f"not a released version (known: {known})")
        if version_key(version) > version_key(self.target):
            raise _RefusedError(
                Reason.NEWER_THAN_TARGET, f"it claims {version}, newer than {self.target}"
            )
        errors = _errors(findings)
        if errors:
            raise _RefusedError(Reason.INVALID, f"not valid under {version}: {_summary(errors)}")
        return version

    def _path(self, version: str) -> list[UpgradeMapping | str]:
        """The steps from `version` to the target: a mapping, or the next version's number."""
        steps = self._steps[self.releases.index(version) :]
        for step in steps:
            if isinstance(step, _NoPath):
                raise _RefusedError(Reason.NO_UPGRADE_PATH, step.why)
        return [s for s in steps if not isinstance(s, _NoPath)]

    def _step_for(self, old: str, new: str) -> UpgradeMapping | str | _NoPath:
        path = mapping_path(self.upgrades, old, new)
        if path.exists() or path.is_symlink():  # anything there is read (or refused) as a mapping
            return load_mapping(path, self.registry)
        if version_key(old)[0] == version_key(new)[0]:
            return new
        return _NoPath(
            f"{new} is a new major version and the standard ships no mapping from {old}"
            f" (upgrades/{path.name})"
        )

    def _step(self, record: dict[str, Any], step: UpgradeMapping | str) -> None:
        if isinstance(step, str):
            record["standardVersion"] = step
            return
        record["standardVersion"] = step.target
        entity = record.get("type")
        for change in step.changes:
            if change.applies_to(entity):
                try:
                    apply(change, record)
                except ChangeConflictError as exc:
                    mapping = step.path.name
                    raise _RefusedError(Reason.CONFLICT, f"{mapping}: {exc}") from None

    def _check_target(self, item: RawItem, record: dict[str, Any]) -> None:
        after = RawItem(item.file, item.line, item.pointer, value=record)
        errors = _errors(self._checker.check(after).findings)
        if errors:
            raise _RefusedError(
                Reason.INVALID_AFTER, f"not valid under {self.target}: " + _summary(errors)
            )


def _is_remark(item: RawItem) -> bool:
    """A note on the input itself (a byte order mark), not a record."""
    return (
        item.data is None
        and item.value is None
        and bool(item.problems)
        and all(p.severity is not Severity.ERROR for p in item.problems)
    )


def _errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.ERROR]


def _summary(errors: list[Finding]) -> str:
    """The first error (code, place in the record, message) and how many more."""
    if not errors:
        return ""
    first = errors[0]
    pointer = _named_only(first.location.pointer)
    where = f" at {pointer}" if pointer else ""
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    message = _QUOTED.sub(lambda m: f"'{_shown_name(m.group(1))}'", first.message)
    return f"{first.code}{where}: {message}{more}"


def _named_only(pointer: str) -> str:
    """A JSON Pointer whose keys that are no well-formed field name (a record may use a person's
    name or number as a key) are shown as `…`; array indexes stay."""
    return (
        "/".join(s if s.isdecimal() else _shown_name(s) for s in pointer.split("/"))
        if pointer
        else ""
    )


def _shown_name(text: str) -> str:
    """`text` if it is a field name or only punctuation (the parser's `','`), else `…`."""
    shown = _NAME.fullmatch(text) or not any(c.isalnum() for c in text)
    return text if shown else "…"


def _location(item: RawItem, record: Any) -> Location:
    """Where the record is; its id and type only when they are well-formed names (an id that
    fails the standard's Id pattern may be anything, a person's name included)."""
    if not isinstance(record, dict):
        return Location(item.file, item.line, item.pointer)
    record_id, entity = record.get("id"), record.get("type")
    return Location(
        item.file,
        item.line,
        item.pointer,
        record_id if isinstance(record_id, str) and _ID.fullmatch(record_id) else None,
        entity if isinstance(entity, str) and _TYPE.fullmatch(entity) else None,
    )


_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")  # common.json#/$defs/Id
_TYPE = re.compile(r"[A-Z][A-Za-z]{0,63}")
_NAME = re.compile(r"[A-Za-z$_][A-Za-z0-9._:$-]{0,127}")  # a field name, code or namespace
_QUOTED = re.compile(r"'([^']*)'")  # what a finding's message quotes: a key, a type
