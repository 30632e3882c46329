"""The adapter level: convert the samples twice, match golden records, face the hostile corpus."""

from __future__ import annotations

import contextlib
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ccstd.adapters.base import Adapter
from ccstd.adapters.ledger import Ledger
from ccstd.adapters.privacy import Protector
from ccstd.adapters.runner import (
    ConversionReport,
    CountMismatchError,
    Outputs,
    convert_paths,
    file_digest,
)
from ccstd.conformance import hostile
from ccstd.conformance import rules as r
from ccstd.conformance.manifest import AdapterClaim, Manifest, ManifestError
from ccstd.conformance.sandbox import RemoteAdapter, Sandbox, SandboxOptions, private_folder
from ccstd.conformance.sandbox_protocol import (
    AdapterLoadError,
    AdapterResourceError,
    AdapterTimeoutError,
    SandboxError,
)
from ccstd.standard.findings import Finding, Location, json_pointer
from ccstd.standard.registry import StandardRegistry

# Certification converts with a published key and time, so golden files can be written ahead
# and two runs must agree byte for byte. Not a secret: samples hold no real personal data.
CERTIFICATION_KEY = b"ccstd-certification-key-v1"
CERTIFICATION_TIME = "2000-01-01T00:00:00Z"


def open_adapter(claim: AdapterClaim, options: SandboxOptions) -> Sandbox:
    """The claimed adapter (installed by name, or the vendor's `module:Class` from its folder),
    run in a confined child process: `with open_adapter(...) as adapter:`."""
    code = claim.path if claim.is_plugin_code else None
    return Sandbox(claim.name, code, options)


@dataclass
class SampleConversion:
    """The certified conversion of the samples: where its records are, and what it counted."""

    records: Path
    report: ConversionReport
    ledger: Ledger


def convert_samples(adapter: Adapter, sources: tuple[Path, ...], out: Path) -> SampleConversion:
    """Convert the sample sources with the certification key and time, leaks kept: the record
    checks report them (`raw-identifier-leak`, the scanner convert's screen uses)."""
    standard = StandardRegistry().get(adapter.standard_version)
    protector = Protector(standard, CERTIFICATION_KEY, screen=False)
    ledger = Ledger(adapter.coverage())
    outputs = Outputs(out, out.with_suffix(".rejects.ndjson"))
    report = convert_paths(
        adapter, list(sources), outputs, protector, ledger, converted_at=CERTIFICATION_TIME
    )
    return SampleConversion(out, report, ledger)


def golden_records(claim: AdapterClaim, options: SandboxOptions) -> list[bytes]:
    """The samples converted as certification converts them, as golden NDJSON lines."""
    with temporary_workdir() as work, open_adapter(claim, options) as adapter:
        converted = convert_samples(adapter, claim.sources, Path(work) / "golden.ndjson").records
        return [
            orjson.dumps(orjson.loads(line), option=orjson.OPT_SORT_KEYS) + b"\n"
            for line in _lines(converted)
        ]


@dataclass
class AdapterChecks:
    """Runs the adapter level for one manifest; findings are located at the manifest.

    A timeout, a resource limit or a child that died ends the vendor code for the run: its one
    finding is given and later checks are not attempted.
    """

    manifest: Manifest
    adapter: RemoteAdapter
    workdir: Path
    stopped: bool = False

    def _where(self, path: Path | None = None) -> Location:
        return Location(self.manifest.relative(path or self.manifest.path))

    def _attempt(
        self, sources: tuple[Path, ...], out: Path, where: Location
    ) -> tuple[SampleConversion | None, list[Finding]]:
        """Convert `sources`, or the one finding that says why the adapter could not."""
        if self.stopped:
            return None, []
        conversion: SampleConversion | None = None
        error: str | None = None
        try:
            conversion = convert_samples(self.adapter, sources, out)
        except CountMismatchError as exc:
            return None, [r.ADAPTER_COUNTS_MISMATCH.finding(where, detail=str(exc))]
        except Exception as exc:  # the runner met output it could not handle
            error = type(exc).__name__
        failure = self.adapter.take_failure()
        self.stopped = self.adapter.sandbox.stopped
        if failure is not None:
            return None, [sandbox_finding(failure, where)]
        if error is not None:
            return None, [r.ADAPTER_CRASHED.finding(where, error=error)]
        return conversion, []

    def first_conversion(self) -> tuple[SampleConversion | None, list[Finding]]:
        """Convert the samples once: the records to certify, or the finding that stops it."""
        claim = self.manifest.adapter
        assert claim is not None
        conversion, findings = self._attempt(
            claim.sources, self.workdir / "run1.ndjson", self._where()
        )
        report = conversion.report if conversion is not None else None
        if report is not None and report.rejected:
            reasons = ", ".join(f"{k} {n}" for k, n in sorted(report.rejected_by_reason.items()))
            findings.append(
                r.SAMPLE_ITEMS_REJECTED.finding(
                    self._where(), count=report.rejected, reasons=reasons
                )
            )
        if conversion is not None:
            findings += self._unconverted(claim.sources, conversion)
        return conversion, findings

    def _unconverted(
        self, sources: tuple[Path, ...], conversion: SampleConversion
    ) -> Iterator[Finding]:
        """A finding at every sample file that gave no record: each must prove the conversion
        (one converting file must not carry others that convert nothing)."""
        made = _records_by_source(conversion.records)
        rejected = _records_by_source(conversion.records.with_suffix(".rejects.ndjson"), "file")
        repeated = _duplicates_by_source(conversion.ledger)
        for source in dict.fromkeys(sources):
            digest = file_digest(source)
            if digest is None or made[digest] == 0:
                counts = (rejected[digest], repeated[digest]) if digest else (0, 0)
                yield r.SAMPLES_NOT_CONVERTED.finding(self._where(source), why=_why(*counts))

    def level_findings(self, first: SampleConversion) -> Iterator[Finding]:
        """Determinism, golden records, the hostile corpus."""
        yield from self._determinism(first)
        claim = self.manifest.adapter
        if claim is not None and claim.golden is not None:
            yield from self._golden(first.records, claim.golden)
        yield from self._hostile()

    def _determinism(self, first: SampleConversion) -> Iterator[Finding]:
        claim = self.manifest.adapter
        assert claim is not None
        second, findings = self._attempt(claim.sources, self.workdir / "run2.ndjson", self._where())
        yield from findings
        if second is None:
            return
        one = first.records.read_bytes().splitlines()
        two = second.records.read_bytes().splitlines()
        if one != two:
            index = next(
                (n for n, (a, b) in enumerate(zip(one, two, strict=False)) if a != b),
                min(len(one), len(two)),
            )
            yield r.NONDETERMINISTIC_OUTPUT.finding(self._where(), index=index + 1)

    def _golden(self, produced: Path, golden: Path) -> Iterator[Finding]:
        where = self._where(golden)
        try:
            expected = [orjson.loads(line) for line in _lines(golden)]
        except orjson.JSONDecodeError as exc:
            raise ManifestError(f"{golden}: the golden file is not NDJSON ({exc})") from None
        actual = [orjson.loads(line) for line in _lines(produced)]
        if len(actual) != len(expected):
            yield r.GOLDEN_COUNT_MISMATCH.finding(where, actual=len(actual), expected=len(expected))
        for index, (got, want) in enumerate(zip(actual, expected, strict=False), start=1):
            if got != want:
                at = first_difference(got, want)
                yield r.GOLDEN_RECORD_MISMATCH.finding(
                    Location(where.file, index, at, _record_id(want)), index=index, at=at
                )

    def _hostile(self) -> Iterator[Finding]:
        folder = self.workdir / "hostile"
        folder.mkdir(exist_ok=True)
        for name, data in hostile.corpus():
            source = folder / name
            source.write_bytes(data)
            where = Location(f"hostile/{name}")
            conversion, findings = self._attempt((source,), folder / f"{name}.out.ndjson", where)
            yield from findings
            if conversion is None:
                continue
            report = conversion.report
            if report.records or not report.rejected:
                yield r.HOSTILE_INPUT_ACCEPTED.finding(
                    where, case=name, records=report.records, rejected=report.rejected
                )


def sandbox_finding(error: SandboxError, where: Location) -> Finding:
    """The finding a failure of the vendor's process costs."""
    if isinstance(error, AdapterTimeoutError):
        return r.ADAPTER_TIMEOUT.finding(where, detail=str(error))
    if isinstance(error, AdapterResourceError):
        return r.ADAPTER_RESOURCES.finding(where, detail=str(error))
    if isinstance(error, AdapterLoadError):
        return r.ADAPTER_UNAVAILABLE.finding(where, detail=str(error))
    return r.ADAPTER_CRASHED.finding(where, error=str(error))


def unknown_field_share(ledger: Ledger) -> float:
    """Share of source field occurrences that the mapping neither maps nor drops."""
    unknown = sum(ledger.unknown.values())
    total = unknown + sum(ledger.mapped.values()) + sum(ledger.dropped.values())
    return unknown / total if total else 0.0


def first_difference(got: Any, want: Any, path: tuple[str | int, ...] = ()) -> str:
    """JSON Pointer of the first place two values differ."""
    if isinstance(got, dict) and isinstance(want, dict):
        for key in sorted(set(got) | set(want)):
            if got.get(key, _MISSING) != want.get(key, _MISSING):
                return first_difference(got.get(key), want.get(key), (*path, key))
    elif isinstance(got, list) and isinstance(want, list) and len(got) == len(want):
        for index, (a, b) in enumerate(zip(got, want, strict=True)):
            if a != b:
                return first_difference(a, b, (*path, index))
    return json_pointer(path)


_MISSING = object()


def _records_by_source(path: Path, key: str | None = None) -> Counter[str]:
    """How many lines of an NDJSON output (`meta.source`) or rejects file (`key`) name each
    source file's digest."""
    counts: Counter[str] = Counter()
    if not path.is_file():
        return counts
    for line in _lines(path):
        value = orjson.loads(line)
        if not isinstance(value, dict):
            continue
        named = value.get(key) if key else _source_of(value)
        found = _DIGEST.search(named) if isinstance(named, str) else None
        if found is not None:
            counts[found.group()] += 1
    return counts


_SKIPPED_AT = re.compile(r"not at source \d+ (?:.* )?(sha256:[0-9a-f]{64})")


def _duplicates_by_source(ledger: Ledger) -> Counter[str]:
    """How many items of each source file (by digest) were skipped as duplicates of an item
    read before (the same file given twice, an order a page repeats): from the ledger's skip
    messages, which name where each was skipped (the first `MAX_MESSAGES` per kind)."""
    counts: Counter[str] = Counter()
    for key, messages in ledger.messages.items():
        if key.endswith(": duplicate"):
            for message in messages:
                found = _SKIPPED_AT.search(message)
                if found is not None:
                    counts[found.group(1)] += 1
    return counts


def _why(rejected: int, duplicates: int) -> str:
    """Why a sample gave no records, for `samples-not-converted`."""
    if duplicates and not rejected:
        return f"{duplicates} of its items skipped as duplicates of items read before, none new"
    if duplicates:
        return f"{rejected} of its items rejected, {duplicates} skipped as duplicates"
    return f"{rejected} of its items rejected, none converted"


def _source_of(record: dict[str, Any]) -> str | None:
    """The digest a record's provenance names: `meta.source.fileSha256`, or the digest at the
    end of `meta.source.file` (versions before 1.2.0)."""
    meta = record.get("meta")
    source = meta.get("source") if isinstance(meta, dict) else None
    if not isinstance(source, dict):
        return None
    digest, name = source.get("fileSha256"), source.get("file")
    if isinstance(digest, str):
        return "sha256:" + digest
    return name if isinstance(name, str) else None


_DIGEST = re.compile(r"sha256:[0-9a-f]{64}\Z")


def _lines(path: Path) -> list[bytes]:
    return [line for line in path.read_bytes().splitlines() if line.strip()]


def _record_id(record: Any) -> str | None:
    value = record.get("id") if isinstance(record, dict) else None
    return value if isinstance(value, str) else None


@contextlib.contextmanager
def temporary_workdir() -> Iterator[str]:
    """A private folder for the conversions of one certification run, removed on every exit."""
    folder = private_folder("certify")
    try:
        yield str(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
