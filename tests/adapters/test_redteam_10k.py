"""Red-team findings on issue 10 (dialects, sites, order sums, WooCommerce refunds), each driven
through the `ccstd` CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from tests.conftest import proves

ENV = {"CCSTD_PSEUDONYM_KEY": "0f3a9c2e7b1d4f8a6c5e0b9d2a7f3c1e"}


def ccstd(*args: str | Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args], env={**ENV, **(env or {})})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def records(path: Path) -> list[dict]:  # type: ignore[type-arg]
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def alert(encoding: str, name: str, ip: bool = True) -> str:
    address = f"<ipAddress>10.0.0.{ord(name[0]) % 200}</ipAddress>" if ip else ""
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        '<EventNotificationAlert version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">\n'
        f"{address}"
        "<dateTime>2024-05-01T07:00:00+08:00</dateTime>"
        "<eventType>AccessControllerEvent</eventType><AccessControllerEvent>"
        f"<deviceName>{name}</deviceName><majorEventType>5</majorEventType>"
        "<subEventType>1</subEventType><doorNo>1</doorNo></AccessControllerEvent>"
        "</EventNotificationAlert>\n"
    )


def convert_isapi(tmp_path: Path, data: bytes) -> tuple[int, str, list[dict], list[dict]]:  # type: ignore[type-arg]
    log, out, rejects = tmp_path / "alerts.xml", tmp_path / "out.ndjson", tmp_path / "rej.ndjson"
    log.write_bytes(data)
    code, output = ccstd("convert", log, "--from", "xml-hikvision-isapi", "--out", out,
                         "--rejects", rejects)  # fmt: skip
    return code, output, records(out), records(rejects)


def device_names(found: list[dict]) -> list[str]:  # type: ignore[type-arg]
    return sorted(r["name"] for r in found if r["type"] == "Device")


def test_concatenated_alerts_are_each_read_in_their_own_declared_encoding(tmp_path: Path) -> None:
    gb_then_utf8 = alert("GB2312", "东门").encode("gb18030") + alert("UTF-8", "北门").encode()
    code, output, found, _ = convert_isapi(tmp_path, gb_then_utf8)
    assert code == 0, output
    assert device_names(found) == ["东门", "北门"]
    utf8_then_gb = alert("UTF-8", "北门").encode() + alert("GB2312", "东门").encode("gb18030")
    code, output, found, _ = convert_isapi(tmp_path, utf8_then_gb)
    assert code == 0, output
    assert device_names(found) == ["东门", "北门"]


def test_a_utf8_byte_order_mark_before_a_later_alert_means_utf8(tmp_path: Path) -> None:
    bom = b"\xef\xbb\xbf"
    data = alert("GB2312", "东门").encode("gb18030") + bom + alert("UTF-8", "北门").encode()
    code, output, found, _ = convert_isapi(tmp_path, data)
    assert code == 0, output
    assert device_names(found) == ["东门", "北门"]


def test_utf8_bytes_declared_gb2312_are_rejected_naming_the_declared_encoding(
    tmp_path: Path,
) -> None:
    data = alert("GB2312", "北门").encode("utf-8") + alert("GB2312", "东门").encode("gb18030")
    code, output, found, rejected = convert_isapi(tmp_path, data)
    assert code == 1, output
    assert device_names(found) == ["东门"]  # the honest alert still converts
    [reject] = rejected
    assert reject["reason"] == "encoding-mismatch"
    assert "GB2312" in reject["message"] and "UTF-8" in reject["message"]
    assert "鍖" not in json.dumps(found, ensure_ascii=False)


def test_legacy_text_that_is_also_two_byte_utf8_is_read_as_declared(tmp_path: Path) -> None:
    """GBK 史小平, 姚志强 are well-formed UTF-8 by chance (Latin and Cyrillic letters): only
    UTF-8 holding a character of three bytes or more is taken for mislabelled UTF-8."""
    names = ["史小平", "姚志强", "郑伟"]
    data = b"".join(
        alert(enc, name).encode("gb18030")
        for enc, name in zip(["GBK", "GB18030", "GB2312"], names, strict=True)
    )
    code, output, found, rejected = convert_isapi(tmp_path, data)
    assert code == 0, output
    assert rejected == []
    assert device_names(found) == names


SITE_DIALECT = """family = "access-xml"
name = "moon-gates"
description = "the legacy log with a site pinned"
extends = "xml-legacy-accesslog"
[site]
{site}
"""
LEGACY_EVENT = (
    '<Event id="1" time="2024-05-01 07:00:49" controller="LY-1" door="1" reader="1">'
    '<Card>23930928</Card><Result code="OK"/><Method>CARD</Method></Event>'
)


def convert_with_site(tmp_path: Path, site: str, logged: str) -> tuple[str, list[dict], dict]:  # type: ignore[type-arg]
    dialect, log = tmp_path / "moon.toml", tmp_path / "log.xml"
    dialect.write_text(SITE_DIALECT.format(site=site), encoding="utf-8")
    log.write_text(f'<AccessLog site="{logged}">{LEGACY_EVENT}</AccessLog>', encoding="utf-8")
    out, ledger = tmp_path / "out.ndjson", tmp_path / "ledger.json"
    code, output = ccstd("convert", log, "--dialect", dialect, "--out", out, "--ledger", ledger)
    assert code == 0, output
    return output, records(out), json.loads(ledger.read_text(encoding="utf-8"))


def test_a_site_constant_that_overrides_the_logs_site_is_reported_and_dropped(
    tmp_path: Path,
) -> None:
    site = 'id = "comm-sun"\nname = "阳光花园"\ndivision_code = "310115"'
    _, found, ledger = convert_with_site(tmp_path, site, "月亮湾")
    [community] = [r for r in found if r["type"] == "Community"]
    assert (community["id"], community["name"]) == ("comm-sun", "阳光花园")  # the constant wins
    assert "月亮湾" not in json.dumps(found, ensure_ascii=False)
    dropped = json.dumps(ledger["dropped"], ensure_ascii=False)
    assert "@site" in dropped and "[site] name" in dropped
    assert not any("@site" in path for path in ledger["mapped"])


def test_a_log_site_no_record_holds_is_dropped_with_the_reason(tmp_path: Path) -> None:
    _, found, ledger = convert_with_site(tmp_path, 'id = "comm-sun"', "月亮湾")
    assert not [r for r in found if r["type"] == "Community"]
    assert "@site" in json.dumps(ledger["dropped"])
    assert not any("@site" in path for path in ledger["mapped"])


def test_a_log_site_equal_to_the_constant_is_mapped(tmp_path: Path) -> None:
    site = 'id = "comm-sun"\nname = "阳光花园"\ndivision_code = "310115"'
    _, _, ledger = convert_with_site(tmp_path, site, "阳光花园")
    assert any("@site" in path for path in ledger["mapped"])


def shopify(**fields: object) -> dict[str, object]:
    order: dict[str, object] = {
        "id": 3001, "name": "#3001", "currency": "USD", "created_at": "2024-05-01T10:00:00-04:00",
        "total_line_items_price": "10.00", "total_discounts": "0.00", "total_tax": "0.00",
        "total_price": "10.00", "financial_status": "paid", "shipping_lines": [],
        "line_items": [{"id": 1, "sku": "A", "name": "T", "quantity": 3, "price": "999.00",
                        "total_discount": "0.00"}],
    }  # fmt: skip
    return order | fields


def test_order_lines_coming_to_more_than_the_subtotal_are_rejected(tmp_path: Path) -> None:
    source, out, rejects = tmp_path / "o.json", tmp_path / "out.ndjson", tmp_path / "rej.ndjson"
    fine = {"id": 3002, "line_items": [{"id": 1, "name": "T", "quantity": 3, "price": "4.00",
                                        "total_discount": "2.00"}]}  # fmt: skip
    source.write_text(json.dumps({"orders": [shopify(), shopify(**fine)]}), "utf-8")
    code, output = ccstd("convert", source, "--from", "orders-shopify", "-o", out,
                         "--rejects", rejects)  # fmt: skip
    assert code == 1, output
    assert [r["id"] for r in records(out)] == ["shopify-3002"]  # 3 x 4.00 - 2.00 = the 10.00
    [reject] = records(rejects)
    assert reject["reason"] == "order-lines-exceed-subtotal"
    assert "2997.00" in reject["message"] and "+2987.00" in reject["message"]


def test_a_taobao_line_a_seller_raised_by_hand_is_not_taken_for_lines_over_the_subtotal(
    tmp_path: Path,
) -> None:
    """A sub-order's total_fee is price x num + adjust_fee - discount_fee, the trade's total_fee
    price x num summed: a seller's manual raise (adjust_fee > 0) is not carried, at the line as at
    the order, so the lines stay within the subtotal and the trade converts."""
    lines = [{"oid": 1, "title": "A", "num": 1, "price": "60.00", "total_fee": "63.00",
              "adjust_fee": "3.00", "outer_iid": "A1"},
             {"oid": 2, "title": "B", "num": 2, "price": "20.00", "total_fee": "38.00",
              "discount_fee": "2.00"}]  # fmt: skip
    trade = {"tid": 1001, "status": "TRADE_FINISHED", "created": "2024-05-01 10:00:05",
             "total_fee": "100.00", "post_fee": "0.00", "discount_fee": "2.00",
             "payment": "101.00", "orders": {"order": lines}}  # fmt: skip
    source, out = tmp_path / "trades.json", tmp_path / "out.ndjson"
    source.write_text(json.dumps([trade]), "utf-8")
    code, output = ccstd("convert", source, "--from", "orders-taobao", "-o", out)
    assert code == 0, output
    [order] = [r for r in records(out) if r["type"] == "Order"]
    assert [line["total"]["amount"] for line in order["lines"]] == ["60.00", "38.00"]
    assert (order["subtotal"]["amount"], order["total"]["amount"]) == ("100.00", "98.00")
    unpriced = {"oid": 3, "title": "C", "num": 1, "total_fee": "36.00", "adjust_fee": "6.00"}
    trade |= {"tid": 1002, "total_fee": "30.00", "discount_fee": "0.00", "payment": "36.00",
              "orders": {"order": [unpriced]}}  # fmt: skip
    source.write_text(json.dumps([trade]), "utf-8")
    code, output = ccstd("convert", source, "--from", "orders-taobao", "-o", out)
    assert code == 0, output
    [order] = [r for r in records(out) if r["type"] == "Order"]
    assert order["lines"][0]["total"]["amount"] == "30.00"  # its total_fee less the adjustment


@proves("order-lines-exceed-subtotal")
def test_validate_finds_lines_coming_to_more_than_the_subtotal(tmp_path: Path) -> None:
    out = tmp_path / "out.ndjson"
    order = {
        "id": "o-1", "type": "Order", "standardVersion": "1.2.0", "meta": {"sourceSystem": "t"},
        "orderNumber": "1",
        "channel": "other", "merchant": {"name": "M"}, "placedAt": "2024-05-01T10:00:00+08:00",
        "status": "completed", "paymentStatus": "paid", "fulfilmentStatus": "fulfilled",
        "lines": [{"name": "T", "quantity": 3, "unitPrice": {"amount": "999.00", "currency": "CNY"},
                   "total": {"amount": "2997.00", "currency": "CNY"}}],
        "subtotal": {"amount": "10.00", "currency": "CNY"},
        "total": {"amount": "10.00", "currency": "CNY"},
    }  # fmt: skip
    out.write_text(json.dumps(order) + "\n", "utf-8")
    code, output = ccstd("validate", out, "--format", "json")
    assert code == 1, output
    assert "order-lines-exceed-subtotal" in output and "+2987.00" in output
    order["lines"][0]["total"]["amount"] = "10.00"  # type: ignore[index]
    out.write_text(json.dumps(order) + "\n", "utf-8")
    code, output = ccstd("validate", out)
    assert code == 0, output


TYPO = """family = "access-xml"
name = "typo-gates"
description = "a dialect with a misspelt field"
record = "E"
markers = ["<Gates"]
[fields]
time = "@t"
device = "@d"
metod = "@m"
result = "@r"
"""


def test_a_broken_dialect_on_the_path_is_named_when_nothing_recognises_the_input(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "dialects"
    folder.mkdir()
    (folder / "typo.toml").write_text(TYPO, encoding="utf-8")
    log = tmp_path / "gates.xml"
    log.write_text('<Gates><E t="2024-05-01T07:00:00+08:00" d="A" m="c" r="ok"/></Gates>\n')
    missing = tmp_path / "no-such-folder"
    env = {"CCSTD_DIALECT_PATH": f"{folder}{os.pathsep}{missing}"}
    code, output = ccstd("convert", log, "-o", tmp_path / "out.ndjson", env=env)
    assert code == 2
    assert "no installed adapter recognises" in output
    assert f"{folder / 'typo.toml'}:9: fields.metod" in " ".join(output.split())


def test_any_convert_warns_once_of_a_broken_dialect_or_missing_folder_it_skips(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "dialects"
    folder.mkdir()
    (folder / "typo.toml").write_text(TYPO, encoding="utf-8")
    missing = tmp_path / "no-such-folder"
    source = tmp_path / "o.json"
    line = {"id": 1, "name": "T", "quantity": 1, "price": "10.00", "total_discount": "0.00"}
    source.write_text(json.dumps({"orders": [shopify(line_items=[line])]}), "utf-8")
    env = {**ENV, "CCSTD_DIALECT_PATH": f"{folder}{os.pathsep}{missing}"}
    args = ["convert", str(source), "--from", "orders-shopify", "-q", "-o", str(tmp_path / "o.nd")]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1, result.stderr
    assert "typo.toml:9: fields.metod" in warnings[0] and str(missing) in warnings[0]


def woo(
    number: int, refunds: list[dict[str, object]], status: str = "completed"
) -> dict[str, object]:
    return {
        "id": number, "number": str(number), "status": status, "currency": "CNY",
        "date_created_gmt": "2024-05-01T01:15:00", "discount_total": "0.00",
        "shipping_total": "0.00", "total_tax": "0.00", "total": "36.99",
        "line_items": [{"sku": "BP", "name": "Monitor", "quantity": 1, "price": 36.99,
                        "subtotal": "36.99", "total": "36.99"}],
        "fee_lines": [], "refunds": refunds,
    }  # fmt: skip


def test_woocommerce_refunds_make_the_payment_partially_refunded_or_refunded(
    tmp_path: Path,
) -> None:
    part = [{"id": 7, "reason": "a scratch", "total": "-10.00"}]
    whole = [{"id": 8, "reason": "", "total": "-30.00"}, {"id": 9, "reason": "", "total": "-6.99"}]
    orders = [woo(1, part), woo(2, whole), woo(3, []), woo(4, part, "refunded")]
    source, out, ledger = tmp_path / "woo.json", tmp_path / "out.ndjson", tmp_path / "l.json"
    source.write_text(json.dumps(orders), "utf-8")
    code, output = ccstd("convert", source, "--from", "orders-woocommerce", "-o", out,
                         "--ledger", ledger)  # fmt: skip
    assert code == 0, output
    payments = [(r["status"], r["paymentStatus"]) for r in records(out)]
    assert payments == [("completed", "partially-refunded"), ("completed", "refunded"),
                        ("completed", "paid"), ("refunded", "refunded")]  # fmt: skip
    report = json.loads(ledger.read_text("utf-8"))
    assert any(path.endswith("refunds.total") for path in report["mapped"]), report["mapped"]
    assert not [path for path in report.get("unknown", {}) if "refunds" in path]
    code, output = ccstd("validate", out)
    assert code == 0, output


def test_a_woocommerce_refund_that_is_no_amount_rejects_its_order_naming_the_field(
    tmp_path: Path,
) -> None:
    source, out, rejects = tmp_path / "woo.json", tmp_path / "out.ndjson", tmp_path / "r.ndjson"
    source.write_text(json.dumps([woo(1, [{"id": 7, "total": "ten"}]), woo(2, [])]), "utf-8")
    code, output = ccstd("convert", source, "--from", "orders-woocommerce", "-o", out,
                         "--rejects", rejects)  # fmt: skip
    assert code == 1, output
    assert [r["paymentStatus"] for r in records(out)] == ["paid"]
    [reject] = records(rejects)
    assert reject["reason"] == "invalid-money" and "refunds" in reject["path"]


def test_a_conflicting_duplicate_order_says_which_reading_was_written(tmp_path: Path) -> None:
    line = {"id": 1, "name": "T", "quantity": 1, "price": "10.00", "total_discount": "0.00"}
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text(
        json.dumps({"orders": [shopify(line_items=[line], financial_status="pending")]})
    )
    second.write_text(json.dumps({"orders": [shopify(line_items=[line])]}))
    out, rejects = tmp_path / "out.ndjson", tmp_path / "r.ndjson"
    code, output = ccstd("convert", first, second, "--from", "orders-shopify", "-o", out,
                         "--rejects", rejects)  # fmt: skip
    assert code == 1, output
    assert [r["paymentStatus"] for r in records(out)] == ["unpaid"]  # the first reading
    [reject] = records(rejects)
    assert reject["reason"] == "conflicting-id"
    assert "neither is chosen" not in reject["message"]
    assert "the first reading is written" in reject["message"]


@pytest.mark.parametrize(
    ("extra", "key", "kind"),
    [
        ('device_prefix = "13812345678-"\n', "5: device_prefix", "mobile number"),
        ('[site]\nid = "110101199003074514"\n', "6: site.id", "resident ID number"),
        ('[constants]\ndevice = "gate 138 1234 5678"\n', "6: constants.device", "mobile number"),
    ],
)
def test_adapters_check_refuses_a_constant_holding_a_persons_number(
    tmp_path: Path, extra: str, key: str, kind: str
) -> None:
    dialect = tmp_path / "d.toml"
    head = 'family = "access-xml"\nname = "my-hik"\ndescription = "x"\n'
    dialect.write_text(head + 'extends = "xml-hikvision-isapi"\n' + extra, encoding="utf-8")
    code, output = ccstd("adapters", "check", dialect)
    assert code == 2, output
    flat = " ".join(output.split())
    assert f"d.toml:{key}: holds a {kind}" in flat
    assert "13812345678" not in flat.replace(str(dialect), "")


def test_full_width_latin_in_a_door_name_gives_a_readable_id(tmp_path: Path) -> None:
    wide_a, wide_gate = "\uff21门", "\uff27\uff21\uff34\uff25-\uff21"  # full-width A, GATE-A
    names = (wide_a, "东门", "GATE-A", wide_gate)
    code, output, found, _ = convert_isapi(tmp_path, b"".join(alert("UTF-8", n, False).encode()
                                                              for n in names))  # fmt: skip
    assert code == 0, output
    ids = {r["name"]: r["id"] for r in found if r["type"] == "Device"}
    assert ids["GATE-A"] == "hik-GATE-A"  # an id-safe name keeps its id
    assert ids[wide_gate].startswith("hik-GATE-A-")  # readable, and another device
    assert [ids[n].rsplit("-", 1)[0] for n in (wide_a, "东门")] == ["hik-A-men", "hik-dong-men"]


def test_a_first_generation_id_card_number_is_pseudonymised_as_its_18_digit_form(
    tmp_path: Path,
) -> None:
    dialect = tmp_path / "ids.toml"
    head = 'family = "access-xml"\nname = "hik-ids"\ndescription = "ids read"\n'
    mapping = 'extends = "xml-hikvision-isapi"\n[fields]\n'
    mapping += 'id_card = "AccessControllerEvent/certificateNumber"\n'
    dialect.write_text(head + mapping, "utf-8")
    subjects = []
    for number in ("110105491231002", "11010519491231002X", "110105-491231-002"):
        log, out = tmp_path / "a.xml", tmp_path / "out.ndjson"
        event = alert("UTF-8", "东门").replace(
            "<doorNo>", f"<certificateNumber>{number}</certificateNumber><doorNo>"
        )
        log.write_text(event, encoding="utf-8")
        code, output = ccstd("convert", log, "--dialect", dialect, "-o", out)
        assert code == 0, output
        text = out.read_text("utf-8")
        assert "491231002" not in text
        [event_record] = [r for r in records(out) if r["type"] == "AccessEvent"]
        subjects.append(event_record["subject"]["id"])
    assert len(set(subjects)) == 1  # the old card and the new are one Resident


def test_a_declaration_inside_a_comment_starts_no_document(tmp_path: Path) -> None:
    comment = '<!-- saved from <?xml version="1.0" encoding="GB2312"?> -->'
    data = alert("UTF-8", "北门").replace("<dateTime>", comment + "<dateTime>").encode()
    code, output, found, _ = convert_isapi(tmp_path, data)
    assert code == 0, output
    assert device_names(found) == ["北门"]


def test_utf8_late_in_a_small_latin1_document_is_rejected_not_garbled(tmp_path: Path) -> None:
    latin = alert("ISO-8859-1", "Porte") + "<!--é-->\n"  # its only non-ASCII byte at the end
    data = alert("GB2312", "东门").encode("gb18030") + latin.encode()
    code, output, found, rejected = convert_isapi(tmp_path, data)
    assert code == 1, output
    assert device_names(found) == ["东门"]
    assert [(r["reason"], r["locator"]) for r in rejected] == [
        ("encoding-mismatch", "document at line 4")
    ]  # that document alone, not the file
