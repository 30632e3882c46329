"""The one result model of a validation run, the finding collector that builds it, exit codes."""

from __future__ import annotations

import functools
import hashlib
import os
import re
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

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
    baseline_keys: Mapping[str, int] = field(default_factory=dict)  # key: count, to write one

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
    """Accumulates findings: drops baselined ones (a baseline key hides at most as many findings
    as it counts), counts all, lists up to `max_findings`; with `keyer`, counts the baseline key
    of every finding it takes (to write a baseline)."""

    max_findings: int = 1000
    baseline: frozenset[str] | Baseline = frozenset()
    keyer: BaselineKey | None = None
    listed: list[Finding] = field(default_factory=list)
    counts: Counter[Severity] = field(default_factory=Counter)
    baselined: int = 0
    omitted: int = 0
    keys: Counter[str] = field(default_factory=Counter)
    used: Counter[str] = field(default_factory=Counter)  # findings each baseline key hid

    @property
    def listing(self) -> bool:
        """True while the next finding taken would be listed."""
        return self.max_findings <= 0 or len(self.listed) < self.max_findings

    def add(self, finding: Finding) -> bool:
        """Take one finding; False when the baseline knows it (it is then not counted)."""
        shown = redacted(finding)
        if self.keyer is not None and finding.code != rules.FINDINGS_TRUNCATED.code:
            self.keys[self.keyer(finding)] += 1  # known ones too: a refreshed baseline keeps them
        if self.baseline and self._known(finding, shown):
            self.baselined += 1
            return False
        self.counts[shown.severity] += 1
        if self.listing:
            self.listed.append(shown)
        else:
            self.omitted += 1
        return True

    def _known(self, finding: Finding, shown: Finding) -> bool:
        known = self.baseline
        if isinstance(known, frozenset):
            return shown.fingerprint() in known
        allowed = known.allowance(finding, shown)
        if allowed is None:
            return False
        key, count = allowed
        if self.used[key] >= count:
            return False  # seen more often than when the baseline was written: a new one
        self.used[key] += 1
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
    document = _baseline_json(path)
    _check_header(path, document)
    return frozenset(_fingerprints(path, document))


def _baseline_json(path: Path) -> object:
    try:
        return orjson.loads(read_regular(path, MAX_BASELINE_BYTES))
    except (OSError, orjson.JSONDecodeError) as exc:
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ValueError(f"{path}: not a readable baseline: {detail}") from None


def _fingerprints(path: Path, document: object) -> dict[str, int]:
    """Each key or fingerprint with the number of findings it may hide (UNCOUNTED when the file
    keeps no counts: version 1 and 2 baselines, reports)."""
    prints = document.get("fingerprints") if isinstance(document, dict) else None
    if prints is None and isinstance(document, dict) and isinstance(document.get("findings"), list):
        findings = document["findings"]
        prints = [f.get("fingerprint") if isinstance(f, dict) else 0 for f in findings]
        prints = [f for f in prints if f is not None]
    counted = isinstance(document, dict) and document.get("version") == BASELINE_VERSION
    if isinstance(prints, dict) != counted and (counted or prints is not None):
        what = "counts by key (an object)" if counted else "a list of strings"
        version = document.get("version", "none") if isinstance(document, dict) else "none"
        raise ValueError(
            f"{path}: fingerprints: must be {what} in a baseline of version {version} (counts "
            f"by key are version {BASELINE_VERSION}; a hand-edited file may have lost its version)"
        )
    if isinstance(prints, dict):  # version 3: key -> count
        if not all(type(n) is int and n >= 1 for n in prints.values()):
            raise ValueError(f"{path}: fingerprints: each count must be a whole number, at least 1")
        return dict(prints)
    if not isinstance(prints, list) or not all(isinstance(f, str) for f in prints):
        raise ValueError(
            f"{path}: not a baseline (expected fingerprints: strings, or counts by key; or a "
            "report)"
        )
    return dict.fromkeys(prints, UNCOUNTED)


BaselineKeying = Literal["file", "record"]
BASELINE_KEYINGS: tuple[BaselineKeying, ...] = ("file", "record")
BASELINE_VERSION = 3
BASELINE_VERSIONS = (1, 2, 3)  # what this version reads
UNCOUNTED = sys.maxsize  # a key of a baseline without counts hides every finding it matches
_RECORD_IN_ARRAY = re.compile(r"^/\d+(?=/|$)")


def _check_header(path: Path, document: object) -> None:
    """ValueError naming the field when `version` or `key` is one this ccstd does not know."""
    if not isinstance(document, dict):
        return
    version = document.get("version", 1)
    if type(version) is not int or version not in BASELINE_VERSIONS:
        readable = ", ".join(map(str, BASELINE_VERSIONS))
        raise ValueError(
            f"{path}: version: {_shown(version)} is not a baseline version this ccstd reads "
            f"({readable}); a newer ccstd may have written it"
        )
    key = document.get("key", "file")
    if key not in BASELINE_KEYINGS:
        raise ValueError(f"{path}: key: {_shown(key)} is not one of {', '.join(BASELINE_KEYINGS)}")


def _shown(value: object, limit: int = 40) -> str:
    """A value from the file, as JSON, cut short."""
    try:
        text = orjson.dumps(value).decode("utf-8")
    except orjson.JSONEncodeError:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class BaselineKey:
    """The key of a finding in a baseline written in (or read from) `folder`.

    `file`: code, file path relative to `folder`, record id (or line) and JSON Pointer (inside
    the record when it has an id: an array item's index is left out, so inserting a record does
    not make the later ones new), so the key does not depend on how the path was spelt or where
    the command ran. `record`: code, record type and id and the pointer inside the record,
    without the file, so date-stamped export names do not matter. A finding without a record id
    is keyed, by record, by the digest of its record's content (`scheme` 3; scheme 2, of
    version-2 files, used its line), so the same broken record stays known and another one is
    new. A record id holding an ID number is keyed by content in both ways (the number left out
    of the id would make records differing only in it one record).
    """

    folder: str
    by: BaselineKeying = "file"
    scheme: int = BASELINE_VERSION

    def __call__(self, finding: Finding) -> str:
        where = finding.location
        record_id = _fingerprinted_id(where)
        numbered = (  # an id holding an ID-shaped number, as reports redact it (any check digit)
            self.scheme >= 3
            and where.content is not None
            and where.record_id is not None
            and redact(where.record_id) != where.record_id
        )
        if numbered:
            record_id = None  # an id holding an ID number: known by content, as id-less records
        inner = _RECORD_IN_ARRAY.sub("", where.pointer) if where.line is None else where.pointer
        if self.by == "record" and record_id is not None:
            parts = ("record", finding.code, where.record_type or "", record_id, inner)
        elif self.by == "record" and where.content is not None and self.scheme >= 3:
            parts = ("content", finding.code, where.record_type or "", where.content, inner)
        elif numbered and where.content is not None:
            parts = ("file-content", finding.code, self._relative(where.file), where.content, inner)
        else:
            file = "" if self.by == "record" else self._relative(where.file)
            anchor = record_id if record_id is not None else str(where.line)
            pointer = inner if record_id is not None and self.scheme >= 3 else where.pointer
            parts = ("file", finding.code, file, anchor, pointer)
        return _digest(parts)

    def earlier(self, finding: Finding) -> str | None:
        """The key an earlier ccstd gave `finding` in a version-3 file keyed by file, when it
        differs and is safe to match: an array item with an id was keyed by its index too."""
        where = finding.location
        record_id = where.record_id
        if self.scheme != 3 or self.by != "file" or record_id is None or where.line is not None:
            return None
        if _fingerprinted_id(where) != record_id or where.pointer == _RECORD_IN_ARRAY.sub(
            "", where.pointer
        ):
            return None
        parts = ("file", finding.code, self._relative(where.file), record_id, where.pointer)
        return _digest(parts)

    def _relative(self, file: str | None) -> str:
        if file is None or file.startswith("<"):  # <stdin>, <input>: not a path
            return file or ""
        return _relative_path(file, self.folder)


def _digest(parts: tuple[str, ...]) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


@functools.lru_cache(maxsize=4096)
def _relative_path(file: str, folder: str) -> str:
    return Path(os.path.relpath(Path(file).resolve(), folder)).as_posix()


def baseline_folder(path: Path) -> str:
    """The folder a baseline's paths are relative to: the one holding it, symlinks resolved."""
    return str(path.resolve().parent)


@dataclass(frozen=True)
class Baseline:
    """Known findings: keys written by a version-2 or later ccstd, each with how many findings
    it may hide, and fingerprints of older baselines and JSON reports (matched as they were
    written: by the path as then given, without a count)."""

    keyer: BaselineKey
    keys: Mapping[str, int] = field(default_factory=dict)
    legacy: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.keys or self.legacy)

    def allowance(self, finding: Finding, shown: Finding) -> tuple[str, int] | None:
        """(key, findings it may hide) when the baseline holds `finding` (`shown` is it
        redacted, as reports have it); None when it does not."""
        if shown.fingerprint() in self.legacy:
            return shown.fingerprint(), UNCOUNTED
        if not self.keys:
            return None
        key = self.keyer(finding)
        count = self.keys.get(key)
        if count is None and (earlier := self.keyer.earlier(finding)) is not None:
            key, count = earlier, self.keys.get(earlier)
        return None if count is None else (key, count)


def read_baseline(path: Path, by: BaselineKeying | None = None) -> Baseline:
    """The baseline in `path` (ValueError if it is none, or of a version or keying this ccstd
    does not know): a version-3 baseline counts each key, relative to its own folder, by file or
    by record as it says; version 2 keys without counts; a version-1 baseline or a JSON report
    is matched by its fingerprints. `by`, when given, must agree with a version-2 or later file."""
    document = _baseline_json(path)
    _check_header(path, document)
    prints = _fingerprints(path, document)
    folder = baseline_folder(path)
    version = document.get("version", 1) if isinstance(document, dict) else 1
    if version < 2 or not isinstance(document, dict) or "version" not in document:
        return Baseline(BaselineKey(folder, by or "file"), legacy=frozenset(prints))
    written = document.get("key", "file")
    if by is not None and by != written:
        raise ValueError(f"{path}: keys findings by {written}, not by {by} (--baseline-key)")
    return Baseline(BaselineKey(folder, written, scheme=version), keys=prints)


def baseline_document(result: ValidationResult, keyer: BaselineKey) -> bytes:
    """A baseline file that accepts every finding of `result` (its `baseline_keys`, which the
    run computed with `keyer`), each key as many times as the run found it."""
    document = {
        "version": BASELINE_VERSION,
        "key": keyer.by,
        "paths": "relative to this file's folder" if keyer.by == "file" else "not used",
        "counts": "each key hides at most this many findings",
        "fingerprints": dict(sorted(result.baseline_keys.items())),
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"
