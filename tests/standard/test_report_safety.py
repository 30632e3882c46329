"""Reports are safe to show: control characters escaped, personal numbers redacted everywhere,
fingerprints unchanged by redaction."""

from __future__ import annotations

from xml.etree import ElementTree

from ccstd.standard import rules
from ccstd.standard.findings import Location, Severity, printable
from ccstd.standard.reporting import render_github, render_junit
from ccstd.standard.results import FindingCollector, ValidationResult, redacted

RESIDENT_ID = "110101199003071234"
MOBILE = "13912345678"


def _result(*locations: Location) -> ValidationResult:
    collector = FindingCollector()
    for where in locations:
        collector.add(rules.UNKNOWN_PROPERTY.finding(where, property=where.pointer[1:]))
    return ValidationResult(collector.listed_findings(), dict(collector.counts), 1, 1, 1, 0.1)


def test_printable_escapes_controls_and_keeps_text() -> None:
    assert printable("a\x1b[31mb\r\n\x85\u202ec 王\t") == "a\\x1b[31mb\\r\\n\\x85\\u202ec 王\\t"


def test_junit_and_github_stay_well_formed_with_hostile_names() -> None:
    result = _result(Location("e\x1b[2J\n::error::x.json", 1, "/k\x00,ey", "id\r"))
    ElementTree.fromstring(render_junit(result))  # XML 1.0 forbids most controls
    [line] = render_github(result).decode().splitlines()
    assert line.startswith("::error file=") and "\x1b" not in line and "\x00" not in line


def test_pointers_ids_and_messages_lose_numbers_but_keep_fingerprints() -> None:
    where = Location("a.json", 1, f"/{MOBILE}", f"resident-{RESIDENT_ID}", "Resident")
    raw = rules.UNKNOWN_PROPERTY.finding(where, property=MOBILE)
    shown = redacted(raw)
    assert shown.location.pointer == "/[redacted]"
    assert shown.location.record_id == "resident-[redacted]"
    assert MOBILE not in shown.message
    assert shown.fingerprint() == raw.fingerprint() and shown.severity is Severity.ERROR


def test_records_keyed_by_different_numbers_keep_different_fingerprints() -> None:
    first = redacted(rules.UNKNOWN_PROPERTY.finding(Location("a", 1, "/13912345678"), property="x"))
    second = redacted(
        rules.UNKNOWN_PROPERTY.finding(Location("a", 1, "/13812345678"), property="x")
    )
    assert first.location == second.location and first.fingerprint() != second.fingerprint()


def test_ordinary_digits_are_left_alone() -> None:
    where = Location("a.json", 1, "/items/12", "order-20240501123456789")
    finding = rules.UNKNOWN_PROPERTY.finding(where, property="x")
    assert redacted(finding) is finding
