"""The leak check's quick scan never clears a record the exact walk would flag (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from benchmarks.generate import generate
from ccstd.cli.app import app
from ccstd.conformance.leaks import _walk, identifier_paths, leaks
from ccstd.standard import redaction
from ccstd.standard.redaction import (
    INVISIBLE,
    SEPARATORS,
    SUSPECT_LEADS,
    might_hold_identifier,
    might_hold_identifier_json,
)
from ccstd.standard.registry import StandardRegistry
from tests.conftest import valid_record

STANDARD = StandardRegistry().get("1.0.0")
# Characters that make numbers: ASCII and other digits, every separator, letters, escapes.
_PIECES = st.sampled_from(
    [*"0123456789", "13812345678", "110102195701131895", *"-.:_ \t\n\x1f\"\\", "\u3000", "\xa0",
     "\uff11", "\u0661", "\U0001d7ce", "x", "a", "X", "号", "\u201c", "\uff0c", "+86",
     "/", "(", ")", "\uff0d", "\u2010", "\u2015", "\u2212", "\uff08", "\uff0f", "0086",
     "110102570113189", "1ZW9V7F15901234569", "021", "0571", "6320", "8888", "86", "(0)", "@",
     "a@b.cn", "\uff18\uff16", "\uff10", "\u200b", "\xad", "~", "|", "%2B", "0",
     "一三八", "一二三四", "幺", "\u3007", "○", "零", "壹贰叁", "捌", "陸", "两", "十", "八六",
     "联系电话\uff1a", "%20", "%40", "%2", "%E5%BC%A0", "%E2%80%8B", "%31", "\u2060", "\ufeff",
     "\u200c", "\uff0a", "\u00b7", "\u3001", "\u2026", "\u3002", "qq.com", "洞",
     "拐拐", "勾", "参", "参加", "1 3 8 ", "1 2 3 4 5 ", "12 34 56 78", "138-12", " 一 三",
     "2026-11-27 13:46:10", "1381 2345 ", " - ", "\u2013", "\u2014", "  ", "5 ", "\u3000 ",
     "13 81 23 ", "192.168.10.101", "\u2460\u2462\u2467", "\u00b9\u00b3", "\u2078\u2076", "\u277d",
     "\u2465", "\u2082", "\u2488", "\ufe0f\u20e3", "1\ufe0f\u20e3", "\ufe0e",
     "\u30fc", "\uff70", "\u2500", "\u2043", "\u2796", "\u301c", "\uff5e", "13~81~",
     "\u30ef\u30fc\u30c9"]
)  # fmt: skip
TEXTS = st.lists(_PIECES, max_size=14).map("".join)
NAMES = ["phone", "nationalId", "identifiers", "value", "*", "note", "trackingNumber"]
NUMBERS = [13800138000, -13800138000, 8613800138000, 110102570113189, 138001380001, 1380013800]
KEYS = st.one_of(st.sampled_from(NAMES), TEXTS)
VALUES = st.recursive(
    st.one_of(TEXTS, st.integers(), st.sampled_from(NUMBERS), st.floats(), st.none()),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=20,
)


def exact(record: Any, allowed: frozenset[tuple[str, ...]]) -> list[Any]:
    """Every string walked, no quick scan: the definition the quick one must agree with."""
    return list(_walk(record, (), (), allowed))


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_the_json_scan_holds_wherever_the_text_scan_does(text: str) -> None:
    for document in (text, {"k": text}, {text: 1}, [1, text]):
        if might_hold_identifier(text):
            assert might_hold_identifier_json(orjson.dumps(document))


_PATTERNS = ("_RESIDENT_ID", "_OLD_RESIDENT_ID", "_MOBILE", "_EMAIL")


@settings(max_examples=600, deadline=None)
@given(TEXTS)
def test_the_text_scan_holds_wherever_a_pattern_matches(text: str) -> None:
    """The cheap test may pass text no pattern matches, never the other way round (in any of
    the ways the text is read: Chinese digits as letters, and as digits)."""
    for folded in redaction._foldings(text):
        landlines = redaction._LANDLINE.finditer(folded)
        if (
            any(getattr(redaction, name).search(folded) for name in _PATTERNS)
            or any(redaction._is_landline(folded, m, strict=False) for m in landlines)
            or list(redaction._spread_spans(folded, strict=False))
        ):
            assert might_hold_identifier(text)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.integers(-(1 << 63), (1 << 63) - 1), st.sampled_from(NUMBERS)))
def test_the_json_scan_holds_for_numbers_written_as_json_numbers(number: int) -> None:
    for document in ({"k": number}, [1, number], number):
        if might_hold_identifier(str(number)):
            assert might_hold_identifier_json(orjson.dumps(document))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(STANDARD.entity_ids)), st.dictionaries(KEYS, VALUES, max_size=6))
def test_leaks_agree_with_the_exact_walk(entity: str, extra: dict[str, Any]) -> None:
    record = valid_record(entity) | extra
    allowed = identifier_paths(STANDARD, entity)
    assert list(leaks(record, allowed)) == exact(record, allowed)


def test_leaks_agree_with_the_exact_walk_on_benchmark_records(tmp_path: Path) -> None:
    data = generate(tmp_path / "records.ndjson", 3000, seed=11, invalid_share=0.05)
    for line in data.read_bytes().splitlines():
        record = orjson.loads(line)
        allowed = identifier_paths(STANDARD, record["type"])
        assert list(leaks(record, allowed)) == exact(record, allowed)


def test_suspect_lead_bytes_are_those_of_every_non_ascii_digit_space_or_separator() -> None:
    chars = (chr(c) for c in range(0x80, 0x110000) if c < 0xD800 or c > 0xDFFF)
    marks = SEPARATORS + INVISIBLE
    leads = {c.encode()[0] for c in chars if c.isdecimal() or c.isspace() or c in marks}
    assert bytes(sorted(leads)) == SUSPECT_LEADS


def test_a_number_grouped_by_newlines_is_a_leak(tmp_path: Path) -> None:
    """Before the quick scan, such a number was missed unless the record held another."""
    record = valid_record("Delivery") | {"extensions": {"com.example": {"note": "139\n8765\n4321"}}}
    found, written = certify_leaks(tmp_path, record)
    assert found == ["/extensions/com.example/note"]
    assert "8765" not in written and "4321" not in written


def test_records_orjson_cannot_write_are_walked() -> None:
    allowed = identifier_paths(STANDARD, "Resident")
    deep: Any = "138 1234 5678"
    for _ in range(300):  # deeper than orjson writes
        deep = {"n": deep}
    huge = valid_record("Resident") | {"note": "tel 13812345678", "big": 1 << 70}
    for record in (valid_record("Resident") | {"deep": deep}, huge):
        assert list(leaks(record, allowed)) == exact(record, allowed) != []


def test_the_json_scan_takes_any_bytes() -> None:
    assert might_hold_identifier_json(b'"\xff\xef\xbc\x9138123456789"')
    assert not might_hold_identifier_json(b'{"a":"\xef\xbc\x8c\xff"}')


def certify_leaks(tmp_path: Path, record: dict[str, Any]) -> tuple[list[str], str]:
    """The pointers of certify's raw-identifier-leak findings on one record, and the report."""
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "records.ndjson").write_bytes(orjson.dumps(record) + b"\n")
    (tmp_path / "ccstd-vendor.toml").write_text(
        '[vendor]\nname = "V"\nproduct = "P"\n[claim]\nstandard = "1.0.0"\n'
        'profiles = ["logistics"]\nlevel = "quality"\n[data]\nrecords = ["records.ndjson"]\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    outcome = CliRunner().invoke(app, ["certify", "run", str(tmp_path), "--out", str(out), "-q"])
    assert outcome.exit_code in (0, 1), outcome.output
    written = (out / "report.json").read_text(encoding="utf-8")
    report = json.loads(written)
    found = [f["pointer"] for f in report["findings"] if f["code"] == "raw-identifier-leak"]
    return sorted(found), written + outcome.output


def test_numbers_in_forms_once_missed_are_leaks(tmp_path: Path) -> None:
    """A JSON number, a full-width hyphenated, a spaced, a prefixed and a 15-digit ID number."""
    notes = {
        "doorNo": 13987654321,
        "a": "\uff11\uff13\uff19\uff0d\uff18\uff17\uff16\uff15\uff0d\uff14\uff13\uff12\uff11",
        "b": "139 - 8765 - 4321",
        "c": "(139) 8765 4321",
        "d": "008613987654321",
        "e": "110102570113189",
        "f": "139/8765/4321",
        "g": "86139-8765-4321",
    }
    record = valid_record("Delivery") | {"extensions": {"com.example": notes}}
    found, written = certify_leaks(tmp_path, record)
    assert found == [f"/extensions/com.example/{key}" for key in sorted(notes)]
    for digits in ("8765", "\uff18\uff17\uff16\uff15", "570113"):
        assert digits not in written


def test_a_ups_number_with_its_check_digit_is_no_leak_where_a_planted_one_is(
    tmp_path: Path,
) -> None:
    record = valid_record("Delivery") | {"trackingNumber": "1ZW9V7F15901234569"}
    assert certify_leaks(tmp_path / "ups", record)[0] == []
    for planted in ("13800138000", "1ZW9V7F15901234568", "1Z13800138000"):
        record["trackingNumber"] = planted
        assert certify_leaks(tmp_path / planted, record)[0] == ["/trackingNumber"]
    record = valid_record("Delivery") | {"extensions": {"x": {"sku": "1ZW9V7F15901234569"}}}
    assert certify_leaks(tmp_path / "sku", record)[0] == ["/extensions/x/sku"]  # no tracking field


def test_floats_written_with_all_their_digits_are_numbers(tmp_path: Path) -> None:
    record = {"a": 13800138000.0, "b": 13800138000.5, "c": 1.38e20, "d": float("nan"), "e": 7.0}
    assert list(leaks(record, frozenset())) == [(("a",), "mobile number")]
    for value in (13987654321.0, 1.3987654321e10):
        delivery = valid_record("Delivery") | {"extensions": {"x": {"tel": value}}}
        assert certify_leaks(tmp_path / str(value), delivery)[0] == ["/extensions/x/tel"]


def test_an_ipv6_address_is_no_leak_in_an_ip_address_field(tmp_path: Path) -> None:
    device = valid_record("Device") | {"ipAddress": "240e:3b0:138:1234:5678::2"}
    assert certify_leaks(tmp_path / "ip", device)[0] == []
    device = valid_record("Device") | {"name": "240e:3b0:138:1234:5678::2"}
    assert certify_leaks(tmp_path / "name", device)[0] == ["/name"]


def test_integers_are_numbers_only_up_to_eighteen_digits() -> None:
    """An integer holds a number only as all its digits; a huge one is not written out (Python
    refuses to past 4,300 digits) and holds none."""
    record = {"a": 10**5000, "b": 110102195701131895, "c": -13800138000, "d": 10**18 + 7}
    assert list(leaks(record, frozenset())) == [
        (("b",), "resident ID number"),
        (("c",), "mobile number"),
    ]


def test_certify_finds_a_landline_and_an_e_mail_address(tmp_path: Path) -> None:
    note = {"note": "0571 8888 6666", "contact": "zs@example.cn"}
    record = valid_record("Delivery") | {"extensions": {"com.example": note}}
    found, _ = certify_leaks(tmp_path, record)
    assert found == ["/extensions/com.example/contact", "/extensions/com.example/note"]
    out = tmp_path / "out"  # where certify_leaks writes every report
    written = "".join(p.read_text("utf-8", "replace") for p in out.rglob("*") if p.is_file())
    assert "6666" not in written and "zs@example" not in written


def test_a_chinese_carriers_waybill_is_no_leak_where_a_number_of_digits_only_is(
    tmp_path: Path,
) -> None:
    """JD, SF and YTO waybills start with the carrier's letters; a value of digits only may be
    a person's number after a trunk 0 or 86, however many carriers print such waybills."""
    for waybill in ("JDVA13800138000", "JD8613800138000", "SF013800138000", "YT8613800138000"):
        record = valid_record("Delivery") | {"trackingNumber": waybill}
        assert certify_leaks(tmp_path / waybill, record)[0] == [], waybill
        record = valid_record("Delivery") | {"extensions": {"x": {"note": waybill}}}
        assert certify_leaks(tmp_path / f"{waybill}-note", record)[0] != []  # not a tracking field
    for planted in ("13800138000", "013800138000", "8613800138000", "SF13800138000"):
        record = valid_record("Delivery") | {"trackingNumber": planted}
        assert certify_leaks(tmp_path / planted, record)[0] == ["/trackingNumber"]


def test_numbers_grouped_by_full_width_and_chinese_punctuation_are_leaks(tmp_path: Path) -> None:
    """Full-width * ~ | # = + / ( ), middle dots, Chinese commas and the ellipsis between
    groups; the ideographic and full-width full stops in an address."""
    marks = "\uff0a\uff5e\uff5c\uff03\uff1d\uff0b\uff0f\u00b7\u30fb\u3001\uff0c\u2026"
    notes = {f"n{i}": f"139{m}8765{m}4321" for i, m in enumerate(marks)}
    notes |= {"p": "\uff08139\uff098765 4321", "q": "zhangsan@qq\u3002com", "r": "zs@qq\uff0ecom"}
    record = valid_record("Delivery") | {"extensions": {"com.example": notes}}
    found, written = certify_leaks(tmp_path, record)
    assert found == [f"/extensions/com.example/{key}" for key in sorted(notes)]
    assert "8765" not in written and "zhangsan" not in written


def test_numbers_and_addresses_hidden_by_invisible_characters_or_percent_escapes_are_leaks(
    tmp_path: Path,
) -> None:
    """Zero-width characters and soft hyphens are deleted, percent-escapes decoded, before the
    test: in certify as in the pre-filter."""
    notes = {
        "a": "\u200b".join("13987654321"),
        "b": "\u00ad".join("110101199003074514"),
        "c": "\u2060".join("13987654321") + "\ufeff",
        "d": "zhangsan\u200b@qq.com",
        "e": "zhangsan@qq\u200c.com",
        "f": "%2013987654321",
        "g": "?id=%20110101199003074514",
        "h": "%E5%BC%A0%E4%B8%8913987654321",
        "i": "139%208765%204321",
        "j": "mailto:zhangsan%40qq.com",
        "k": "139%E2%80%8B8765%E2%80%8B4321",
    }
    device = valid_record("Device") | {"name": "\u200c".join("13987654321")}
    assert certify_leaks(tmp_path / "device", device)[0] == ["/name"]
    record = valid_record("Delivery") | {"extensions": {"com.example": notes}}
    found, written = certify_leaks(tmp_path / "notes", record)
    assert found == [f"/extensions/com.example/{key}" for key in sorted(notes)]
    assert "8765" not in written and "zhangsan" not in written and "0307" not in written


def test_a_upc_code_read_as_a_trunk_0_and_an_unallocated_mobile_range_is_no_number(
    tmp_path: Path,
) -> None:
    """A 12-digit UPC-A code with a US prefix 016 reads as a trunk 0 and 160…, a range no
    operator holds: convert keeps it as a SKU, certify passes it. A code whose reading is in an
    allocated range (013000006408: 130…; 8615012345678: 86 then 150…) stays a number, as does
    every 11-digit 1[3-9]… value."""
    from tests.adapters.test_personal_data_screen import shopify

    (tmp_path / "convert").mkdir()
    done = shopify(tmp_path / "convert", "1ZW9V7F15901234569", sku="016000275263")
    assert done["run"].exit_code == 0, done["run"].output
    assert done["records"][0]["lines"][0]["sku"] == "016000275263"
    for code in ("016000275263", "8616000275263"):
        record = valid_record("Delivery") | {"extensions": {"x": {"sku": code}}}
        assert certify_leaks(tmp_path / code, record)[0] == [], code
    for number in ("013000006408", "8615012345678", "16000275263", "+8616000275263"):
        record = valid_record("Delivery") | {"extensions": {"x": {"sku": number}}}
        assert certify_leaks(tmp_path / number, record)[0] == ["/extensions/x/sku"], number


def test_a_landline_with_a_spaced_trunk_0_in_parentheses_is_a_leak(tmp_path: Path) -> None:
    notes = {"a": "+86 (0) 21 6320 1234", "b": "0086 (0) 571-8888-6666"}
    record = valid_record("Delivery") | {"extensions": {"com.example": notes}}
    found, written = certify_leaks(tmp_path, record)
    assert found == ["/extensions/com.example/a", "/extensions/com.example/b"]
    assert "6320" not in written and "8888" not in written


def test_mobile_numbers_spread_out_are_leaks_and_addresses_and_times_are_not(
    tmp_path: Path,
) -> None:
    """Whole groups holding eleven digits 1[3-9]…, single digits or groups of two to five; not
    an IP address, an OID, a date, a time, an amount or a list."""
    spread = {
        "a": "1 3 8 1 2 3 4 5 6 7 8",
        "b": "note: 138 12 34 56 78",
        "c": "1-3-8-1-2-3-4-5-6-7-8",
        "d": "138-1234-56-78",
        "e": "1381 2345 678",
        "f": "13 81 23 45 67 8",
        "g": "一 三 八 一 二 三 四 五 六 七 八",
        "h": "sc-dong-men-138-12-34-56-78",
        "i": "+86 1 3 8 1 2 3 4 5 6 7 8",
        "j": "房 5 1 3 8 1 2 3 4 5 6 7 8",
    }
    others = {
        "t1": "2026-11-27 13:46:10",
        "t2": "15/8/2026 14:30",
        "t3": "1,380,000,000.00",
        "t4": "192.168.10.101",
        "t5": "192.168.1.64:80",
        "t6": "1.3.6.1.4.1.2011.2.3",
        "t7": "1732665970.1",
        "t8": "13 800 000 000",
        "t9": "6 901234 567892",
        "u1": "1 3 5 7 9 11 13 15 17",
        "u2": "2026 11 27 13 46 10",
    }
    record = valid_record("Delivery") | {"extensions": {"com.example": spread | others}}
    found, written = certify_leaks(tmp_path, record)
    assert found == [f"/extensions/com.example/{key}" for key in sorted(spread)]
    assert "56 78" not in written and "5-6-7-8" not in written and "七 八" not in written
