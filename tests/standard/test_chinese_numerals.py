"""Numbers written in Chinese numerals digit by digit ("一三八…", "壹叁捌…"), whole or mixed with
other digits: one detector, one verdict in validate's reports, certify's leak check and convert's
screen."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from ccstd.standard.redaction import PLACEHOLDER, raw_identifier_kind, redact
from tests.adapters.test_personal_data_screen import LOG, MOBILE, dialect, dropped, run
from tests.conformance.test_leaks import certify_leaks
from tests.conftest import valid_record

FORMS = [
    ("联系电话\uff1a一三八一二三四五六七八", "mobile number"),
    ("幺三八 幺二三四 五六七八", "mobile number"),  # 幺: 1 as spoken on the phone
    ("壹叁捌壹贰叁肆伍陆柒捌", "mobile number"),  # financial numerals
    ("壹參捌壹貳參肆伍陸柒捌", "mobile number"),  # traditional ones
    ("138一二三四5678", "mobile number"),  # mixed with ASCII digits
    ("一三八\uff0d一二三四\uff0d五六七八", "mobile number"),  # full-width hyphens
    ("+八六 一三八\u3007\u3007一三八\u3007\u3007\u3007", "mobile number"),
    ("手机:一三八○○一三八○○○", "mobile number"),  # ○ typed for \u3007
    ("身份证一一\u3007一\u3007二一九五七\u3007一一三一八九五", "resident ID number"),
    ("一一\u3007一\u3007二 一九五七\u3007一一三 一八九五", "resident ID number"),
    ("\u3007二一-六三二\u3007一二三四", "landline number"),
    ("张三13812345678", "mobile number"),  # a name ending in a numeral, glued to a number
    ("李四三138-1234-5678", "mobile number"),
    ("一13812345678", "mobile number"),
    ("一三八洞洞拐拐勾勾一二", "mobile number"),  # 洞 0, 拐 7, 勾 9 as spoken on the phone
    ("幺三八 洞洞拐拐 勾勾一二", "mobile number"),
    ("壹参捌壹贰参肆伍陆柒捌", "mobile number"),  # 参 written for 叁
]
QUIET = [
    "一三八一二三四五六七两",  # 两 is a count word, not a digit
    "一三八一二三四五六七十",  # nor is 十 (a multiplier)
    "二\u3007二四年五月一日",
    "一二三四五六七八九",
    "第一百三十八号",
    "拐弯处参加勾选漏洞",  # spoken digits are common words: read only in a run of digits
    "洞洞拐拐勾勾",  # with three other digits, one a Chinese numeral
    "1381234567参考",
    "138拐1234567",
]
NOTE = "联系电话\uff1a一三八一二三四五六七八"


@pytest.mark.parametrize(("text", "kind"), FORMS)
def test_chinese_numerals_are_read_as_digits(text: str, kind: str) -> None:
    assert raw_identifier_kind(text) == kind
    for thorough in (True, False):
        left = redact(text, thorough)
        assert PLACEHOLDER in left and "二三四" not in left and "贰叁肆" not in left, left


@pytest.mark.parametrize("text", QUIET)
def test_chinese_text_that_holds_no_number_is_no_leak(text: str) -> None:
    assert raw_identifier_kind(text) is None
    assert redact(text) == text


def test_convert_leaves_a_number_in_chinese_numerals_out(tmp_path: Path) -> None:
    log = tmp_path / "log.xml"
    log.write_text(LOG.replace("<备注>11010519491231002X</备注>", f"<备注>{NOTE}</备注>"), "utf-8")
    done = run(tmp_path, log, dialect(tmp_path, 'code = "备注"'))
    assert done["run"].exit_code == 0, done["run"].output
    assert "二三四" not in done["written"] and MOBILE in LOG
    event = json.loads((tmp_path / "out.ndjson").read_text("utf-8").splitlines()[0])
    assert "vendorEventCode" not in event
    assert dropped(tmp_path) == {
        "test-screen.=AccessEvent/vendorEventCode": "personal-data: a raw mobile number: "
        "the value is left out"
    }


def test_certify_finds_numbers_in_chinese_numerals(tmp_path: Path) -> None:
    notes = {"a": NOTE, "b": "壹叁捌壹贰叁肆伍陆柒捌", "c": "138一二三四5678", "d": "两三个"}
    record = valid_record("Delivery") | {"extensions": {"com.example": notes}}
    found, written = certify_leaks(tmp_path, record)
    assert found == [f"/extensions/com.example/{key}" for key in "abc"]
    assert "二三四" not in written and "贰叁肆" not in written


def test_validate_reports_hide_numbers_in_chinese_numerals(tmp_path: Path) -> None:
    record = valid_record("Delivery") | {"id": "dlv-一三八一二三四五六七八", "trackingNumber": 7}
    source = tmp_path / "住户-壹叁捌壹贰叁肆伍陆柒捌.ndjson"
    source.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    for fmt in ("json", "text", "sarif", "junit", "github"):
        done = CliRunner().invoke(app, ["validate", str(source), "--format", fmt])
        assert done.exit_code == 1, done.output
        assert "二三四" not in done.output and "贰叁肆" not in done.output, (fmt, done.output)


def test_spoken_digits_in_a_run_of_chinese_numerals_are_found_by_certify_and_validate(
    tmp_path: Path,
) -> None:
    notes = {"a": "一三八洞洞拐拐勾勾一二", "b": "壹参捌壹贰参肆伍陆柒捌"}
    notes["c"] = "拐弯处参加1381234567参考"
    record = valid_record("Delivery") | {"extensions": {"com.example": notes}}
    found, written = certify_leaks(tmp_path / "certify", record)
    assert found == ["/extensions/com.example/a", "/extensions/com.example/b"]
    assert "洞洞拐拐" not in written and "贰参肆" not in written
    record = valid_record("Delivery") | {"id": "dlv-幺三八洞洞拐拐勾勾一二", "trackingNumber": 7}
    source = tmp_path / "records.ndjson"
    source.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    done = CliRunner().invoke(app, ["validate", str(source), "--format", "json"])
    assert done.exit_code == 1 and "洞洞拐拐" not in done.output, done.output
