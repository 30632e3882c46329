"""The one result model of a validation run, the finding collector that builds it, exit codes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import orjson

from ccstd.standard import rules
from ccstd.standard.files import read_regular
from ccstd.standard.findings import Finding, Location, Severity
from ccstd.standard.redaction import might_hold_identifier, redact

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


@dataclass(frozen=True)
class ValidationResult:
    """What a run found: the listed findings, exact counts, and what was read. Immutable."""

    findings: tuple[Finding, ...]
    counts: Mapping[Severity, int]
    files: int
    records: int
    invalid: int
    seconds: float
    baselined: int = 0
    omitted: int = 0

    @property
    def valid(self) -> int:
        """Records with no error."""
        return self.records - self.invalid

    @property
    def records_per_second(self) -> float:
        """Throughput of the run."""
        return self.records / self.seconds if self.seconds > 0 else 0.0

    def count(self, severity: Severity) -> int:
        """Findings of a severity, listed or not (baselined ones excluded)."""
        return self.counts.get(severity, 0)


def exit_code(result: ValidationResult, fail_on: Severity) -> int:
    """0 when no finding is at or above `fail_on`, else 1 (architecture §5)."""
    failing = sum(n for sev, n in result.counts.items() if sev.rank >= fail_on.rank)
    return EXIT_FINDINGS if failing else EXIT_OK


@dataclass
class FindingCollector:
    """Accumulates findings: drops baselined ones, counts all, lists up to `max_findings`."""

    max_findings: int = 1000
    baseline: frozenset[str] = frozenset()
    listed: list[Finding] = field(default_factory=list)
    counts: Counter[Severity] = field(default_factory=Counter)
    baselined: int = 0
    omitted: int = 0

    @property
    def listing(self) -> bool:
        """True while the next finding taken would be listed."""
        return self.max_findings <= 0 or len(self.listed) < self.max_findings

    def add(self, finding: Finding) -> bool:
        """Take one finding; False when the baseline knows it (it is then not counted)."""
        finding = redacted(finding)
        if self.baseline and finding.fingerprint() in self.baseline:
            self.baselined += 1
            return False
        self.counts[finding.severity] += 1
        if self.listing:
            self.listed.append(finding)
        else:
            self.omitted += 1
        return True

    def extend(self, findings: Iterable[Finding]) -> None:
        """Take several findings."""
        for finding in findings:
            self.add(finding)

    def listed_findings(self) -> tuple[Finding, ...]:
        """The listed findings, plus a note when some were omitted."""
        if not self.omitted:
            return tuple(self.listed)
        note = rules.FINDINGS_TRUNCATED.finding(
            Location(), omitted=self.omitted, limit=self.max_findings
        )
        return (*self.listed, note)


def redacted(finding: Finding) -> Finding:
    """A finding fit for a report: raw ID and mobile numbers in its file name, record ids, JSON
    Pointers (a number used as a key) and message are replaced by a placeholder.

    Its fingerprint stays the one computed before pointers were redacted, so existing baselines
    still match and two records keyed by different numbers keep different fingerprints.
    """
    where = finding.location
    texts = (finding.message, where.pointer, where.record_id or "", where.file or "")
    if not any(might_hold_identifier(t) for t in texts) and not finding.related:
        return finding  # the common case: nothing that could be a number to hide
    location = _redacted_location(where)
    related = tuple(_redacted_location(r) for r in finding.related)
    message = redact(finding.message)
    if (location, related, message) == (where, finding.related, finding.message):
        return finding
    pinned = replace(finding, location=replace(where, record_id=_fingerprinted_id(where)))
    return replace(
        finding,
        message=message,
        location=location,
        related=related,
        pinned_fingerprint=pinned.fingerprint(),
    )


def _fingerprinted_id(where: Location) -> str | None:
    """The record id as fingerprints see it: without the numbers the strict policy finds."""
    return redact(where.record_id, thorough=False) if where.record_id else where.record_id


def _redacted_location(where: Location) -> Location:
    record_id = redact(where.record_id) if where.record_id else where.record_id
    pointer = redact(where.pointer)
    file = redact(where.file) if where.file else where.file  # exports named after people
    if (record_id, pointer, file) == (where.record_id, where.pointer, where.file):
        return where
    return replace(where, record_id=record_id, pointer=pointer, file=file)


MAX_BASELINE_BYTES = 64 << 20


def load_baseline(path: Path) -> frozenset[str]:
    """Fingerprints of known findings, from a baseline file or a JSON report (ValueError if not:
    a regular file of at most MAX_BASELINE_BYTES holding fingerprints as strings)."""
    try:
        document = orjson.loads(read_regular(path, MAX_BASELINE_BYTES))
    except (OSError, orjson.JSONDecodeError) as exc:
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ValueError(f"{path}: not a readable baseline: {detail}") from None
    prints = document.get("fingerprints") if isinstance(document, dict) else None
    if prints is None and isinstance(document, dict) and isinstance(document.get("findings"), list):
        findings = document["findings"]
        prints = [f.get("fingerprint") if isinstance(f, dict) else 0 for f in findings]
        prints = [f for f in prints if f is not None]
    if not isinstance(prints, list) or not all(isinstance(f, str) for f in prints):
        raise ValueError(f"{path}: not a baseline (expected fingerprints as strings, or a report)")
    return frozenset(prints)


def baseline_document(result: ValidationResult) -> bytes:
    """A baseline file that accepts every finding of `result`."""
    prints = sorted(
        {f.fingerprint() for f in result.findings if f.code != rules.FINDINGS_TRUNCATED.code}
    )
    return orjson.dumps({"version": 1, "fingerprints": prints}, option=orjson.OPT_INDENT_2)
