"""Mobile numbers spread out or grouped otherwise than 3-4-4 (issue 10), end to end through the
CLI: validate's reports hide them, certify finds them as `raw-identifier-leak` (in records and in
sample file names), convert's screen rejects an order or an event that carries one, and never
takes an IP address, an OID, a date, a time or an amount for one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from ccstd.standard import redaction
from tests.adapters.access_xml.test_ids_from_numbers import HIKVISION, NUMBER
from tests.adapters.access_xml.test_ids_from_numbers import convert as convert_xml
from tests.adapters.test_personal_data_screen import (
    TRADE,
    redacted_rejects,
    taobao_with_memo_as_merchant,
)
from tests.cli.test_certify_masked import certify, vendor
from tests.conformance.test_leaks import certify_leaks
from tests.conftest import valid_record

RUNNER = CliRunner()
SPREAD = "138 12 34 56 78"
# Values of access logs and orders that hold eleven digits or more set off by separators: none is
# a person's number.
INNOCENT = [
    "NVR 192.168.10.101",
    "cam 192.168.1.64:80",
    "oid 1.3.6.1.4.1.2011.2.3",
    "2026-11-27 13:46:10",
    "2026 11 27 13 46 10",
    "15/8/2026 14:30",
    "1732665970.1",
    "1732665970 1",
    "6 901234 567892",
    "13 800 000 000",
    "1,380,000,000.00",
    "1 3 5 7 9 11 13 15 17",
    "fw 1.3.8-12.34.5678",
    "weeks 13 14 15 16 17 18",
    "550e8400-e29b-41d4-a716-446655440000",
    "维修房间 1308 1209 605 702",  # rooms: eleven digits 1308 1209 605 in a longer list
    "rooms 1308 1209 605 702 1401",
]


def test_certify_finds_a_spread_out_number_in_free_text(tmp_path: Path) -> None:
    notes = {"note": f"call {SPREAD} after six", "code": "1 3 8 1 2 3 4 5 6 7 8"}
    record = valid_record("Delivery") | {"extensions": {"com.example": notes}}
    found, written = certify_leaks(tmp_path, record)
    assert found == ["/extensions/com.example/code", "/extensions/com.example/note"]
    assert "56 78" not in written and "6 7 8" not in written


def test_certify_finds_no_number_in_addresses_dates_and_amounts(tmp_path: Path) -> None:
    notes = {f"n{i}": text for i, text in enumerate(INNOCENT)}
    record = valid_record("Delivery") | {"extensions": {"com.example": notes}}
    found, _ = certify_leaks(tmp_path, record)
    assert found == []


def test_certify_shows_a_sample_file_named_with_a_spread_out_number_redacted(
    tmp_path: Path,
) -> None:
    folder = vendor(tmp_path, "138****5678", f"住户 {SPREAD}")
    code, report = certify(folder)
    assert code == 0, report["findings"]
    assert "records/住户 [redacted].ndjson" in {i["path"] for i in report["inputs"]}
    for name in ("report.json", "report.html", "summary.md"):
        assert "56 78" not in (tmp_path / "out" / name).read_text(encoding="utf-8"), name


def test_validate_reports_hide_spread_out_numbers(tmp_path: Path) -> None:
    record = valid_record("Delivery") | {"id": f"dlv-{SPREAD}", "trackingNumber": 7}
    source = tmp_path / "住户-1 3 8 1 2 3 4 5 6 7 8.ndjson"
    source.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    for fmt in ("json", "text", "sarif", "junit", "github"):
        done = RUNNER.invoke(app, ["validate", str(source), "--format", fmt])
        assert done.exit_code == 1, done.output
        assert "56 78" not in done.output and "6 7 8" not in done.output, (fmt, done.output)
        assert "redacted" in done.output, (fmt, done.output)  # "%5Bredacted%5D" in a URI


def order_titled(tmp_path: Path, title: str) -> dict:  # type: ignore[type-arg]
    """Convert one Taobao trade whose one item has `title` (no other personal number in it)."""
    item = TRADE["orders"][0] | {"title": title}  # type: ignore[index]
    trade = TRADE | {"receiver_mobile": "", "seller_memo": "", "orders": [item]}
    return taobao_with_memo_as_merchant(tmp_path, trade)


@pytest.mark.parametrize(
    "title",
    [f"tea for {SPREAD}", "1381 2345 678", "13-81-23-45-67-8", "房 5 1 3 8 1 2 3 4 5 6 7 8"],
)
def test_an_order_title_with_a_spread_out_number_rejects_the_order(
    tmp_path: Path, title: str
) -> None:
    done = order_titled(tmp_path, title)
    assert done["run"].exit_code == 1, done["run"].output
    assert title not in done["written"] and "34 5" not in done["written"]
    assert [r["reason"] for r in redacted_rejects(tmp_path)] == ["personal-data"]


@pytest.mark.parametrize("title", INNOCENT)
def test_an_order_title_with_an_address_a_date_or_an_amount_converts(
    tmp_path: Path, title: str
) -> None:
    done = order_titled(tmp_path, title)
    assert done["run"].exit_code == 0, done["run"].output
    assert redacted_rejects(tmp_path) == []
    assert title in (tmp_path / "out.ndjson").read_text("utf-8")


@pytest.mark.parametrize(
    "name", [f"东门 {SPREAD}", "一 三 八 一 二 三 四 五 六 七 八", "gate 138-1234-56-78"]
)
def test_a_device_named_with_a_spread_out_number_rejects_the_event(
    tmp_path: Path, name: str
) -> None:
    """As for a 3-4-4 number: no id derived from the name spells the number out."""
    written, rejects = convert_xml(
        tmp_path, HIKVISION.replace(NUMBER, name).encode(), "xml-hikvision-isapi"
    )
    assert "12-34" not in written and "34-56" not in written and "san-ba" not in written
    assert [r["reason"] for r in rejects] == ["personal-data"]


@pytest.mark.parametrize("name", ["NVR 192.168.10.101", "cam 192.168.1.64:80", "door 13 14 15"])
def test_a_device_named_by_an_address_converts(tmp_path: Path, name: str) -> None:
    written, rejects = convert_xml(
        tmp_path, HIKVISION.replace(NUMBER, name).encode(), "xml-hikvision-isapi"
    )
    assert rejects == [] and written.count("\n") >= 1


def counting_windows(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that grows by one each time a spread-out window's shape is evaluated."""
    calls: list[int] = []
    window = redaction._Groups.window

    def counted(groups: redaction._Groups, first: int, glued: int) -> int | None:
        calls.append(first)
        return window(groups, first, glued)

    monkeypatch.setattr(redaction._Groups, "window", counted)
    return calls


def test_validate_evaluates_a_bounded_number_of_windows_on_a_long_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record refused whose id is a long run of spread-out digits ("1 4 1 4 …", each eleven
    of them a number's shape): a group is looked at once at most (windows are told by sums of
    sizes, not by rereading the groups), a number not in an allocated range once a run, and a
    run that holds many numbers is redacted whole."""
    calls = counting_windows(monkeypatch)
    groups = 20000
    record = valid_record("Community") | {"id": "1 4 " * (groups // 2), "divisionCode": "bad"}
    source = tmp_path / "long.ndjson"
    source.write_text(json.dumps(record) + "\n", encoding="utf-8")
    done = RUNNER.invoke(app, ["validate", str(source), "--format", "json"])
    assert done.exit_code == 1, done.output[:500]
    assert "1 4 1 4" not in done.output and "redacted" in done.output
    # A number at each group "1", the first `_MANY_NUMBERS` of each text redacted (the message,
    # the value) looked at, the rest of the run redacted whole; the other groups never.
    assert 0 < len(calls) <= 8 * redaction._MANY_NUMBERS < groups // 10, len(calls)
    calls.clear()
    assert redaction.raw_identifier_kind("1 4 " * (groups // 2)) is None  # 141… is unallocated
    assert redaction.might_hold_identifier("13 " * groups) is False  # no eleven digits end a group
    assert len(calls) <= 2, len(calls)


def test_a_number_in_no_allocated_range_is_tested_once_a_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Strict, a run of "1 4 1 4 …" (each window 14141414141, unallocated) asks for its windows
    once, not at each group."""
    calls: list[int] = []
    spread_from = redaction._spread_from

    def counted(
        text: str, groups: redaction._Groups, first: int, rejected: set[str] | None
    ) -> tuple[int, int] | None:
        calls.append(first)
        return spread_from(text, groups, first, rejected)

    monkeypatch.setattr(redaction, "_spread_from", counted)
    assert redaction.raw_identifier_kind("x " + "1 4 " * 20000) is None
    assert len(calls) <= 2 * (20000 * 2 // redaction._PART_GROUPS + 1), len(calls)


# Numbers written otherwise (issue 10's red team): keycap digits, with or without spaces; a
# 5-3-3 grouping; CJK and other dash-like marks and tildes between groups.
OTHERWISE = [
    "1\ufe0f\u20e33\ufe0f\u20e38\ufe0f\u20e31\ufe0f\u20e32\ufe0f\u20e33\ufe0f\u20e34\ufe0f\u20e3"
    "5\ufe0f\u20e36\ufe0f\u20e37\ufe0f\u20e38\ufe0f\u20e3",
    " ".join(f"{d}\ufe0f\u20e3" for d in "13812345678"),
    "13800 138 000",
    "13812 345 678",
    "138\u30fc0013\u30fc8000",
    "13\u250080\u250001\u250038\u250000\u25000",
    "138\uff701234\uff705678",
    "138\u20431234\u20435678",
    "13\u279681\u279623\u279645\u279667\u27968",
    "138\u301c1234\u301c5678",
    "13~81~23~45~67~8",
    "13\uff5e81\uff5e23\uff5e45\uff5e67\uff5e8",
]
# Japanese text with a prolonged sound mark or a wave dash between words and numbers that are no
# phone number.
NOT_NUMBERS = [
    "\u30ef\u30fc\u30c92026\u30fc11\u30fc28",
    "\u30b3\u30fc\u30d2\u30fc 2026\u30fc11\u30fc28 13:46",
    "\u7b2c1\u301c3\u8a71 2026\u301c2027",
    "\u30bb\u30fc\u30eb 10~20% 2026~11~28",
    "13 800 000 000",
    "138 000 000 000",
]


@pytest.mark.parametrize("title", OTHERWISE)
def test_an_order_title_with_a_number_written_otherwise_rejects_the_order(
    tmp_path: Path, title: str
) -> None:
    done = order_titled(tmp_path, title)
    assert done["run"].exit_code == 1, done["run"].output
    assert title not in done["written"]
    assert [r["reason"] for r in redacted_rejects(tmp_path)] == ["personal-data"]


@pytest.mark.parametrize("title", NOT_NUMBERS)
def test_an_order_title_in_japanese_or_with_an_amount_converts(tmp_path: Path, title: str) -> None:
    done = order_titled(tmp_path, title)
    assert done["run"].exit_code == 0, done["run"].output
    assert redacted_rejects(tmp_path) == []
    assert title in (tmp_path / "out.ndjson").read_text("utf-8")


@pytest.mark.parametrize("number", OTHERWISE)
def test_validate_reports_hide_a_number_written_otherwise(tmp_path: Path, number: str) -> None:
    record = valid_record("Delivery") | {"id": f"dlv-{number}", "trackingNumber": 7}
    source = tmp_path / "records.ndjson"
    source.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    for fmt in ("json", "text"):
        done = RUNNER.invoke(app, ["validate", str(source), "--format", fmt])
        assert done.exit_code == 1, done.output
        assert number not in done.output and json.dumps(number)[1:-1] not in done.output
        assert "redacted" in done.output, (fmt, done.output)


@pytest.mark.parametrize("number", OTHERWISE)
def test_certify_shows_a_sample_file_named_with_a_number_written_otherwise_redacted(
    tmp_path: Path, number: str
) -> None:
    code, report = certify(vendor(tmp_path, "138****5678", f"\u4f4f\u6237 {number}"))
    assert code == 0, report["findings"]
    assert "records/\u4f4f\u6237 [redacted].ndjson" in {i["path"] for i in report["inputs"]}


@pytest.mark.parametrize("name", NOT_NUMBERS)
def test_certify_keeps_a_sample_file_named_in_japanese(tmp_path: Path, name: str) -> None:
    code, report = certify(vendor(tmp_path, "138****5678", name))
    assert code == 0, report["findings"]
    assert f"records/{name}.ndjson" in {i["path"] for i in report["inputs"]}
