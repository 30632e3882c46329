"""Personal data through vendor data files, end to end through `ccstd convert`: whatever carries a
raw resident ID or mobile number into a field the standard does not mean for one is rejected as
`personal-data` by the runner (the certify leak scanner), naming the field, never the value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app

RUNNER = CliRunner()
KEY = {"CCSTD_PSEUDONYM_KEY": "personal-data-screen-test-key-5a4b3c2d", "COLUMNS": "300"}
ID_NUMBER, MOBILE = "11010519491231002X", "13800138000"
FULL_WIDTH = "".join(chr(ord(c) + 0xFEE0) for c in "138-0013-8000")  # digits and hyphens
LOG = f"""<?xml version="1.0" encoding="UTF-8"?>
<门禁记录>
<刷卡 门="东门"><时间>2024年05月01日 07:10:00</时间><方式>刷卡</方式><结果>通过</结果>
<卡号>31000000</卡号><姓名>张三</姓名><身份证号>{ID_NUMBER}</身份证号><手机>{MOBILE}</手机>
<备注>{ID_NUMBER}</备注><事件>7</事件></刷卡>
</门禁记录>
"""
DIALECT = """family = "access-xml"
name = "test-screen"
description = "test"
record = "刷卡"
markers = ["<门禁记录"]
time_formats = ["%Y年%m月%d日 %H:%M:%S"]
timezone = "Asia/Shanghai"
[fields]
time = "时间"
device = "@门"
method = "方式"
result = "结果"
card = "卡号"
{extra}
[values.method]
"刷卡" = "card"
[values.result]
"通过" = "granted"
[site]
id = "comm-x"
division_code = "310115"
"""
TAOBAO = Path(__file__).parents[2] / "adapters" / "orders" / "platforms" / "taobao.toml"
TRADE = {
    "tid": "T1", "status": "TRADE_FINISHED", "created": "2024-05-01 10:00:00",
    "total_fee": "10.00", "post_fee": "0.00", "discount_fee": "0.00", "payment": "10.00",
    "seller_nick": "shop", "seller_memo": f"call {MOBILE}", "receiver_name": "张三",
    "receiver_mobile": MOBILE, "receiver_city": "上海", "receiver_address": "某路1号",
    "orders": [{"title": "tea", "num": 1, "price": "10.00", "total_fee": "10.00"}],
}  # fmt: skip


def run(tmp_path: Path, data: Path, mapping: Path) -> dict:  # type: ignore[type-arg]
    out, ledger = tmp_path / "out.ndjson", tmp_path / "ledger.json"
    redacted = tmp_path / "redacted.ndjson"
    result = RUNNER.invoke(
        app,
        ["convert", str(data), "--dialect", str(mapping), "-o", str(out), "--ledger", str(ledger),
         "--rejects-redacted", str(redacted)],
        env=KEY,
    )  # fmt: skip
    assert "Traceback" not in result.output
    written = "".join(p.read_text("utf-8") for p in (out, ledger, redacted) if p.exists())
    return {"run": result, "written": written + result.output, "ledger": ledger}


def dialect(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "d.toml"
    path.write_text(DIALECT.format(extra=extra), encoding="utf-8")
    return path


def log(tmp_path: Path) -> Path:
    path = tmp_path / "log.xml"
    path.write_text(LOG, encoding="utf-8")
    return path


def dropped(tmp_path: Path) -> dict[str, str]:
    """The ledger's drops with reason `personal-data`: path -> reason."""
    ledger = json.loads((tmp_path / "ledger.json").read_text("utf-8"))
    return {
        path: entry["reason"]
        for path, entry in ledger["dropped"].items()
        if entry["reason"].startswith("personal-data")
    }


def test_an_id_number_in_an_innocent_element_is_left_out_of_its_optional_field(
    tmp_path: Path,
) -> None:
    done = run(tmp_path, log(tmp_path), dialect(tmp_path, 'code = "备注"'))
    assert done["run"].exit_code == 0, done["run"].output
    assert ID_NUMBER not in done["written"]
    event = json.loads((tmp_path / "out.ndjson").read_text("utf-8").splitlines()[0])
    assert event["type"] == "AccessEvent" and "vendorEventCode" not in event
    assert dropped(tmp_path) == {
        "test-screen.=AccessEvent/vendorEventCode": "personal-data: a raw resident ID number: "
        "the value is left out"
    }
    assert not (tmp_path / "redacted.ndjson").read_text("utf-8")


def test_a_harmless_code_still_converts(tmp_path: Path) -> None:
    done = run(tmp_path, log(tmp_path), dialect(tmp_path, 'code = "事件"'))
    assert done["run"].exit_code == 0, done["run"].output
    assert '"vendorEventCode":"7"' in (tmp_path / "out.ndjson").read_text("utf-8")


def test_a_mobile_number_in_a_required_order_field_is_rejected(tmp_path: Path) -> None:
    """An Order requires its merchant and a merchant its name: nothing optional to leave out."""
    done = taobao_with_memo_as_merchant(tmp_path, TRADE)
    assert done["run"].exit_code == 1, done["run"].output
    assert MOBILE not in done["written"]
    (reject,) = redacted_rejects(tmp_path)
    assert (reject["reason"], reject["path"]) == ("personal-data", "/merchant/name")


@pytest.mark.parametrize(
    ("number", "path"),
    [(ID_NUMBER, "seller_memo"), (MOBILE, "/orderNumber"), ("tel 138-0013-8000", "/orderNumber")],
)
def test_an_order_number_that_is_a_persons_number_rejects_its_order(
    tmp_path: Path, number: str, path: str
) -> None:
    """A required field cannot lose its value: privacy first, the item is rejected (an order
    key that is an ID number the order engine rejects itself, naming its source field)."""
    trade = TRADE | {"seller_memo": number, "receiver_mobile": ""}
    done = taobao_with_memo_as_merchant(tmp_path, trade, 'number = "seller_memo"')
    assert done["run"].exit_code == 1, done["run"].output
    assert number not in done["written"] and "0013" not in done["written"]
    (reject,) = redacted_rejects(tmp_path)
    assert (reject["reason"], reject["path"]) == ("personal-data", path)


def taobao_with_memo_as_merchant(
    tmp_path: Path,
    trade: dict,  # type: ignore[type-arg]
    mapping: str = 'merchant = ["seller_memo"]',
) -> dict:  # type: ignore[type-arg]
    """Convert one Taobao trade through a platform file that maps the seller's memo to the
    merchant's name, or as `mapping` says (a mapping mistake that can carry a person's number)."""
    text = TAOBAO.read_text("utf-8")
    platform = tmp_path / "p.toml"
    old = 'merchant = ["seller_nick", {const = "(taobao seller)"}]'
    if mapping.startswith("number"):
        old = 'number = "tid"'
    platform.write_text(text.replace(old, mapping), encoding="utf-8")
    orders = tmp_path / "o.ndjson"
    orders.write_text(json.dumps(trade, ensure_ascii=False) + "\n", encoding="utf-8")
    return run(tmp_path, orders, platform)


def redacted_rejects(tmp_path: Path) -> list[dict]:  # type: ignore[type-arg]
    lines = (tmp_path / "redacted.ndjson").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.mark.parametrize(
    "memo",
    ["call " + FULL_WIDTH, "138 - 0013 - 8000", "(+86) 138/0013/8000",
     "008613800138000", "id 110102570113189", 13800138000],
)  # fmt: skip
def test_numbers_in_forms_once_missed_are_caught_by_the_screen(
    tmp_path: Path, memo: object
) -> None:
    trade = TRADE | {"seller_memo": memo, "receiver_mobile": "", "receiver_name": ""}
    done = taobao_with_memo_as_merchant(tmp_path, trade)
    assert done["run"].exit_code == 1, done["run"].output
    for digits in ("0013", FULL_WIDTH[4:8], "570113"):
        assert digits not in done["written"]
    (reject,) = redacted_rejects(tmp_path)
    assert (reject["reason"], reject["path"]) == ("personal-data", "/merchant/name")


SHOPIFY = Path(__file__).parents[2] / "examples" / "vendors" / "orders" / "shopify-orders.json"


def shopify(tmp_path: Path, tracking: str, sku: str = "BP-MON") -> dict:  # type: ignore[type-arg]
    """Convert the example's first Shopify order with this tracking number and SKU."""
    page = json.loads(SHOPIFY.read_text(encoding="utf-8"))
    order = page["orders"][0]
    order["line_items"][0]["sku"] = sku
    order["fulfillments"][0]["tracking_number"] = tracking
    page["orders"] = [order]
    source = tmp_path / "orders.json"
    source.write_text(json.dumps(page, ensure_ascii=False), encoding="utf-8")
    out, ledger = tmp_path / "out.ndjson", tmp_path / "ledger.json"
    redacted = tmp_path / "redacted.ndjson"
    done = RUNNER.invoke(
        app,
        ["convert", str(source), "--from", "orders-shopify", "-o", str(out), "--ledger",
         str(ledger), "--rejects-redacted", str(redacted)],
        env=KEY,
    )  # fmt: skip
    assert "Traceback" not in done.output
    written = "".join(p.read_text("utf-8") for p in (out, ledger, redacted) if p.exists())
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    return {"run": done, "written": written + done.output, "records": records}


def test_a_ups_number_with_its_check_digit_converts_with_its_order(tmp_path: Path) -> None:
    """1ZW9V7F15901234569 holds a mobile-shaped run; its UPS check digit is right."""
    done = shopify(tmp_path, "1ZW9V7F15901234569")
    assert done["run"].exit_code == 0, done["run"].output
    (delivery,) = [r for r in done["records"] if r["type"] == "Delivery"]
    assert delivery["trackingNumber"] == "1ZW9V7F15901234569"


@pytest.mark.parametrize("waybill", ["JDVA13800138000", "SF013800138000", "YT8613800138000"])
def test_a_chinese_carriers_waybill_converts_with_its_order(tmp_path: Path, waybill: str) -> None:
    """JD, SF and YTO waybills hold a mobile-shaped run after the carrier's letters."""
    done = shopify(tmp_path, waybill)
    assert done["run"].exit_code == 0, done["run"].output
    (delivery,) = [r for r in done["records"] if r["type"] == "Delivery"]
    assert delivery["trackingNumber"] == waybill


@pytest.mark.parametrize("planted", [MOBILE, "+86 (138) 0013-8000", "013800138000"])
def test_a_planted_number_loses_its_delivery_and_a_sku_its_value(
    tmp_path: Path, planted: str
) -> None:
    """A person's number in the tracking number (required in a Delivery, which the order brings
    along and nothing refers to) leaves the Delivery out; in a SKU (optional) the SKU. The order
    converts, the number is never written, the ledger says what was left out and why."""
    done = shopify(tmp_path, planted, sku=f"SKU {planted}")
    assert done["run"].exit_code == 0, done["run"].output
    assert planted not in done["written"] and "0013" not in done["written"]
    (order,) = done["records"]
    assert order["type"] == "Order" and "sku" not in order["lines"][0]
    assert dropped(tmp_path) == {
        "orders-shopify.=Delivery": "personal-data: a raw mobile number at /trackingNumber, "
        "required there: the Delivery is left out",
        "orders-shopify.=Order/lines/*/sku": "personal-data: a raw mobile number: the value is "
        "left out",
    }
    assert "left out (personal data) 2" in done["run"].output


def test_a_sku_made_of_a_district_code_and_a_date_costs_only_itself(tmp_path: Path) -> None:
    """310115-20240501-0011 is a valid ID number: the SKU is left out, the order converts."""
    done = shopify(tmp_path, "1ZW9V7F15901234569", sku="310115-20240501-0011")
    assert done["run"].exit_code == 0, done["run"].output
    order, delivery = done["records"]
    assert "sku" not in order["lines"][0] and delivery["trackingNumber"] == "1ZW9V7F15901234569"
    assert list(dropped(tmp_path)) == ["orders-shopify.=Order/lines/*/sku"]
    assert "20240501" not in done["written"]


LANDLINES = ["021-63201234", "(021)63201234", "0571 8888 6666", "010-6552-9988",
             "+86 21 6320 1234", "0086-21-63201234"]  # fmt: skip


def log_with_note(tmp_path: Path, note: str) -> Path:
    path = tmp_path / "log.xml"
    path.write_text(LOG.replace(f"<备注>{ID_NUMBER}</备注>", f"<备注>{note}</备注>"), "utf-8")
    return path


@pytest.mark.parametrize(
    ("note", "what"),
    [*((n, "landline number") for n in LANDLINES), ("zs@example.cn", "e-mail address")],
)
def test_a_landline_or_e_mail_address_in_a_free_field_is_left_out(
    tmp_path: Path, note: str, what: str
) -> None:
    """vendorEventCode is optional: the value is left out, the event converts, the ledger says."""
    done = run(tmp_path, log_with_note(tmp_path, note), dialect(tmp_path, 'code = "备注"'))
    assert done["run"].exit_code == 0, done["run"].output
    assert note not in done["written"] and "1234" not in done["written"]
    event = json.loads((tmp_path / "out.ndjson").read_text("utf-8").splitlines()[0])
    assert event["type"] == "AccessEvent" and "vendorEventCode" not in event
    assert dropped(tmp_path) == {
        "test-screen.=AccessEvent/vendorEventCode": f"personal-data: a raw {what}: the value is "
        "left out"
    }


@pytest.mark.parametrize("memo", ["shop tel 0571-8888-6666", "(+86) 21 6320 1234", "a.b@shop.com"])
def test_a_landline_or_e_mail_address_in_a_required_order_field_rejects_the_order(
    tmp_path: Path, memo: str
) -> None:
    """A merchant's name is no place for a phone number or an address, even a shop's: rejected."""
    trade = TRADE | {"seller_memo": memo, "receiver_mobile": "", "receiver_name": ""}
    done = taobao_with_memo_as_merchant(tmp_path, trade)
    assert done["run"].exit_code == 1, done["run"].output
    assert "6666" not in done["written"] and "1234" not in done["written"]
    assert "b@shop" not in done["written"]
    (reject,) = redacted_rejects(tmp_path)
    assert (reject["reason"], reject["path"]) == ("personal-data", "/merchant/name")


@pytest.mark.parametrize(
    "code",
    ["2024-05-01 12:30:45", "2024-05-01", "0.00", "10.0.0.1", "v2.10.3", "ORD-2024-0501-0001"],
)
def test_timestamps_amounts_addresses_and_order_numbers_still_convert(
    tmp_path: Path, code: str
) -> None:
    done = run(tmp_path, log_with_note(tmp_path, code), dialect(tmp_path, 'code = "备注"'))
    assert done["run"].exit_code == 0, done["run"].output
    event = json.loads((tmp_path / "out.ndjson").read_text("utf-8").splitlines()[0])
    assert event["vendorEventCode"] == code and not dropped(tmp_path)
