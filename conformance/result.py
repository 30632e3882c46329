"""The one result model of a certification run, read by every report and the certificate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ccstd.standard.findings import Finding, Severity
from ccstd.standard.results import ValidationResult
from ccstd.standard.rules import Level


@dataclass(frozen=True)
class Attributed:
    """A listed finding and the claimed profiles it counts against."""

    finding: Finding
    profiles: tuple[str, ...]


@dataclass(frozen=True)
class InputFile:
    """A file the verdict rests on, as named in the manifest's folder, and its digest."""

    path: str
    role: str  # manifest, records, source, golden
    sha256: str
    size: int


@dataclass(frozen=True)
class ProfileResult:
    """The verdict on one claimed profile."""

    name: str
    title: str
    records: int
    errors: int
    warnings: int
    passed: bool


@dataclass(frozen=True)
class CertificationResult:
    """What certification found for one manifest. Immutable once built."""

    vendor: str
    product: str
    product_version: str | None
    standard: str
    ruleset_revision: int
    ruleset_digest: str
    claimed_profiles: tuple[str, ...]
    claimed_level: Level
    fail_on: Severity
    findings: tuple[Attributed, ...]
    counts: Mapping[Severity, int]
    by_rule: Mapping[str, int]
    profiles: tuple[ProfileResult, ...]
    records: int
    invalid: int
    records_by_type: Mapping[str, int]
    inputs: tuple[InputFile, ...]
    adapter: Mapping[str, Any] | None
    level_reached: Level | None
    started_at: str
    seconds: float
    baselined: int = 0
    omitted: int = 0

    @property
    def passed(self) -> bool:
        """True when no finding is at or above `fail_on` (exit code 0)."""
        return not any(n for s, n in self.counts.items() if s.rank >= self.fail_on.rank)

    @property
    def verdict(self) -> str:
        """`pass` or `fail`."""
        return "pass" if self.passed else "fail"

    def count(self, severity: Severity) -> int:
        """Findings of a severity, listed or not."""
        return self.counts.get(severity, 0)

    def as_validation(self) -> ValidationResult:
        """The same findings as a validation result, for the JUnit and SARIF reporters."""
        return ValidationResult(
            findings=tuple(a.finding for a in self.findings),
            counts=self.counts,
            files=sum(1 for i in self.inputs if i.role in ("records", "source")),
            records=self.records,
            invalid=self.invalid,
            seconds=self.seconds,
            baselined=self.baselined,
            omitted=self.omitted,
        )
