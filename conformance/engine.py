"""A certification run: gather the evidence a manifest names, check every level, decide."""

from __future__ import annotations

import datetime
import itertools
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ccstd.conformance import rules as r
from ccstd.conformance import ruleset as rulesets
from ccstd.conformance.adapter_checks import (
    AdapterChecks,
    open_adapter,
    sandbox_finding,
    temporary_workdir,
    unknown_field_share,
)
from ccstd.conformance.checks import FieldCoverage, RecordRules
from ccstd.conformance.manifest import Manifest
from ccstd.conformance.result import Attributed, CertificationResult, InputFile, ProfileResult
from ccstd.conformance.sandbox import SandboxOptions
from ccstd.conformance.sandbox_protocol import SandboxError
from ccstd.conformance.vendor_code import code_files, file_digest, folder_digest
from ccstd.standard.checker import CheckOptions
from ccstd.standard.findings import Finding, Location, Locator, Severity
from ccstd.standard.reading import read_blocks
from ccstd.standard.redaction import redact
from ccstd.standard.registry import StandardRegistry, StandardVersion
from ccstd.standard.results import FindingCollector
from ccstd.standard.rules import RULES, Level
from ccstd.standard.runner import record_pass

ADAPTER_OUTPUT = "adapter-output.ndjson"


@dataclass(frozen=True)
class CertifyOptions:
    """How to decide: the severity that fails, known findings to ignore, how many to list."""

    fail_on: Severity = Severity.ERROR
    baseline: frozenset[str] = field(default_factory=frozenset)
    max_findings: int = 5000
    sandbox: SandboxOptions = field(default_factory=SandboxOptions)


def certify(manifest: Manifest, options: CertifyOptions = CertifyOptions()) -> CertificationResult:
    """Certify a vendor's submission against the standard version and profiles it claims."""
    started, clock = _now(), time.perf_counter()
    ruleset = rulesets.load(manifest.standard)
    tally = _Tally(manifest, ruleset, options)
    adapter_summary: dict[str, Any] | None = None
    with temporary_workdir() as work:
        record_files = {str(p): manifest.relative(p) for p in manifest.records}
        if manifest.adapter is not None:
            output, adapter_summary = _adapter_level(
                manifest, ruleset, Path(work), tally, options.sandbox
            )
            if output is not None:
                record_files[str(output)] = ADAPTER_OUTPUT
        stream = _check_records(record_files, manifest, ruleset, tally)
    by_type = stream.records_by_type
    for finding, profiles in _profile_findings(manifest, ruleset, by_type):
        tally.add(finding, profiles)
    return CertificationResult(
        vendor=manifest.vendor,
        product=manifest.product,
        product_version=manifest.product_version,
        standard=manifest.standard,
        ruleset_revision=ruleset.revision,
        ruleset_digest=ruleset.digest,
        claimed_profiles=manifest.profiles,
        claimed_level=manifest.level,
        fail_on=options.fail_on,
        findings=tally.listed(),
        counts=dict(tally.collector.counts),
        by_rule=dict(tally.by_rule),
        profiles=tally.profile_results(by_type),
        records=stream.records,
        invalid=stream.invalid,
        records_by_type=dict(by_type),
        inputs=tuple(_inputs(manifest)),
        adapter=adapter_summary,
        level_reached=_level_reached(tally.by_rule, manifest.level, options.fail_on),
        started_at=started,
        seconds=time.perf_counter() - clock,
        baselined=tally.collector.baselined,
        omitted=tally.collector.omitted,
    )


class _Tally:
    """Counts every finding by severity, rule and profile; lists them with their profiles.

    Findings of levels above the claimed one are not checked for; those that arise on the way
    are dropped here.
    """

    def __init__(self, manifest: Manifest, ruleset: rulesets.RuleSet, options: CertifyOptions):
        self.claimed = manifest.profiles
        self.level = manifest.level
        self.fail_on = options.fail_on
        self.collector = FindingCollector(options.max_findings, options.baseline)
        self.by_rule: Counter[str] = Counter()
        self.by_profile: dict[str, Counter[Severity]] = {p: Counter() for p in self.claimed}
        self._attributions: list[tuple[str, ...]] = []
        self._titles = {p: ruleset.profiles[p].title for p in self.claimed}
        self._profiles_of = {
            entity: tuple(p for p in self.claimed if entity in ruleset.profiles[p].entities)
            for entity in ruleset.entities()
        }

    def add(self, finding: Finding, profiles: tuple[str, ...] | None = None) -> None:
        if RULES[finding.code].level.rank > self.level.rank:
            return
        if profiles is None:
            kind = finding.location.record_type
            profiles = self.claimed if kind is None else self._profiles_of.get(kind, ())
        will_list = self.collector.listing
        if not self.collector.add(finding):
            return
        self.by_rule[finding.code] += 1
        for profile in profiles:
            self.by_profile[profile][finding.severity] += 1
        if will_list:
            self._attributions.append(profiles)

    def extend(self, findings: Iterable[Finding]) -> None:
        for finding in findings:
            self.add(finding)

    def listed(self) -> tuple[Attributed, ...]:
        findings = self.collector.listed_findings()
        profiles = [*self._attributions, *([()] * (len(findings) - len(self._attributions)))]
        return tuple(Attributed(f, p) for f, p in zip(findings, profiles, strict=True))

    def profile_results(self, by_type: Counter[str]) -> tuple[ProfileResult, ...]:
        results = []
        for name in self.claimed:
            counts = self.by_profile[name]
            failing = sum(n for s, n in counts.items() if s.rank >= self.fail_on.rank)
            records = sum(n for t, n in by_type.items() if name in self._profiles_of.get(t, ()))
            results.append(
                ProfileResult(
                    name,
                    self._titles[name],
                    records,
                    counts[Severity.ERROR],
                    counts[Severity.WARNING],
                    passed=not failing and records > 0,
                )
            )
        return tuple(results)


def _adapter_level(
    manifest: Manifest,
    ruleset: rulesets.RuleSet,
    work: Path,
    tally: _Tally,
    options: SandboxOptions,
) -> tuple[Path | None, dict[str, Any] | None]:
    """Run the vendor's adapter in its sandbox; every check on what it gave is made here."""
    claim = manifest.adapter
    assert claim is not None
    where = Location(manifest.relative(manifest.path))
    summary: dict[str, Any] = {"name": claim.name}
    sandbox = open_adapter(claim, options)
    try:
        summary["vendorCode"] = _vendor_code(manifest)
        with sandbox as adapter:
            summary |= {"name": adapter.name, "version": adapter.version}
            if summary["vendorCode"] is not None:
                summary["vendorCode"]["isolation"] = sandbox.isolation
            checks = AdapterChecks(manifest, adapter, work)
            first, findings = checks.first_conversion()
            tally.extend(findings)
            if first is None:
                return None, summary
            share = unknown_field_share(first.ledger)
            if share > ruleset.max_unknown_field_share:
                tally.add(
                    r.UNKNOWN_FIELD_SHARE.finding(
                        where, share=share, threshold=ruleset.max_unknown_field_share
                    )
                )
            if manifest.level is Level.ADAPTER:
                tally.extend(checks.level_findings(first))
    except SandboxError as exc:  # the adapter could not be started
        tally.add(sandbox_finding(exc, where))
        return None, summary
    report = first.report.as_json()
    report.pop("seconds", None)
    return first.records, summary | {"unknownFieldShare": round(share, 4)} | report


def _vendor_code(manifest: Manifest) -> dict[str, Any] | None:
    """Whether the adapter is the vendor's own code, and the digest of its whole folder."""
    claim = manifest.adapter
    if claim is None or not claim.is_plugin_code or claim.path is None:
        return {"ran": False} if claim is not None else None
    return {"ran": True, "folderSha256": folder_digest(claim.path)}


@dataclass
class _StreamCounts:
    records: int = 0
    invalid: int = 0
    records_by_type: Counter[str] = field(default_factory=Counter)


class _SemanticChecks:
    """Lifecycles, time order and raw identifiers, one record at a time (checks.RecordRules)."""

    rules = frozenset(
        rule.code
        for rule in (
            r.ILLEGAL_STATUS_TRANSITION,
            r.TIME_NOT_MONOTONIC,
            r.STATUS_CONTRADICTS_HISTORY,
            r.RAW_IDENTIFIER_LEAK,
        )
    )

    def __init__(self, ruleset: rulesets.RuleSet, standard: StandardVersion) -> None:
        self._rules = RecordRules(ruleset, standard)

    def start(self) -> None:
        pass  # each record is judged on its own

    def record(self, record: dict[str, Any], at: Locator) -> Iterator[Finding]:
        return self._rules.check(record, at)

    def end(self) -> tuple[Finding, ...]:
        return ()


class _Coverage:
    """Records by type, and the share of them carrying each field a claimed profile expects."""

    rules = frozenset({r.EXPECTED_FIELD_COVERAGE.code})

    def __init__(self, ruleset: rulesets.RuleSet, manifest: Manifest) -> None:
        self._expected = FieldCoverage.for_profiles(ruleset, manifest.profiles).expected
        self._threshold = ruleset.expected_field_coverage
        self.start()

    def start(self) -> None:
        self.by_type: Counter[str] = Counter()
        self._coverage = FieldCoverage(self._expected)

    def record(self, record: dict[str, Any], at: Locator) -> tuple[Finding, ...]:
        self.by_type[str(record.get("type"))] += 1
        self._coverage.add(record)
        return ()

    def end(self) -> Iterator[Finding]:
        return self._coverage.findings(self._threshold)


def _check_records(
    paths: dict[str, str], manifest: Manifest, ruleset: rulesets.RuleSet, tally: _Tally
) -> _StreamCounts:
    """Schema, semantic and quality checks in one pass over the records, memory kept flat: the
    pass `validate` makes (runner.record_pass), with the certification checks as visitors."""
    registry = StandardRegistry()
    coverage = _Coverage(ruleset, manifest)
    visitors = (_SemanticChecks(ruleset, registry.get(manifest.standard)), coverage)
    blocks = itertools.chain.from_iterable(
        read_blocks(path, display=shown) for path, shown in paths.items()
    )
    options = CheckOptions(manifest.standard, check_references=True)
    entities = frozenset(ruleset.entities(manifest.profiles))
    totals = record_pass(blocks, registry, options, tally.extend, visitors, entities)
    return _StreamCounts(totals.records, totals.invalid, coverage.by_type)


def _profile_findings(
    manifest: Manifest, ruleset: rulesets.RuleSet, by_type: Counter[str]
) -> Iterator[tuple[Finding, tuple[str, ...]]]:
    where = Location(manifest.relative(manifest.path))
    for name in manifest.profiles:
        entities = ruleset.profiles[name].entities
        if not any(by_type[e] for e in entities):
            finding = r.PROFILE_WITHOUT_RECORDS.finding(
                where, profile=name, entities=", ".join(entities)
            )
            yield finding, (name,)
    unclaimed = ruleset.entities() - ruleset.entities(manifest.profiles)
    for entity, count in sorted(by_type.items()):
        if entity in unclaimed:
            yield r.ENTITY_OUTSIDE_PROFILES.finding(where, count=count, entity=entity), ()


def _level_reached(by_rule: Counter[str], claimed: Level, fail_on: Severity) -> Level | None:
    failing = {
        RULES[code].level
        for code, n in by_rule.items()
        if n and RULES[code].severity.rank >= fail_on.rank
    }
    reached = None
    for level in Level:
        if level in failing or level.rank > claimed.rank:
            break
        reached = level
    return reached


def input_files(manifest: Manifest) -> Iterator[tuple[Path, str]]:
    """Every file the verdict rests on, with its role (what a certificate's digests cover)."""
    yield manifest.path, "manifest"
    for path in manifest.records:
        yield path, "records"
    if manifest.adapter is not None:
        for path in manifest.adapter.sources:
            yield path, "source"
        if manifest.adapter.golden is not None:
            yield manifest.adapter.golden, "golden"
        if manifest.adapter.is_plugin_code and manifest.adapter.path is not None:
            for code in code_files(manifest.adapter.path):
                yield code, "adapter-code"


def _inputs(manifest: Manifest) -> Iterator[InputFile]:
    for path, role in input_files(manifest):
        yield _input(manifest, path, role)


def _input(manifest: Manifest, path: Path, role: str) -> InputFile:
    """An input's digest; a link in the vendor's code folder by its target, never followed."""
    if role != "adapter-code":
        path = path.resolve()  # manifest entries were checked to resolve inside its folder
    sha256, size = file_digest(path)
    # Reports and the certificate show it: a file named after a person (张三13812345678.ndjson)
    # is named redacted there; `certify verify --inputs` finds it by its redacted name and digest.
    return InputFile(redact(_relative(manifest, path)), role, sha256, size)


def _relative(manifest: Manifest, path: Path) -> str:
    """A path as written below the manifest's folder, without resolving its last link."""
    return (Path(manifest.relative(path.parent)) / path.name).as_posix()


def _now() -> str:
    return (
        datetime.datetime.now(datetime.UTC)
        .replace(microsecond=0)
        .isoformat()
        .replace("+00:00", "Z")
    )
