"""Shapes real platform exports have, each written as a NEW platform file and converted through
the CLI with `--dialect` only, then `validate --check-references`: keys that are not identifiers,
epoch times, amounts in minor units, and JSON documents written as text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app

RUNNER = CliRunner()
FULL_WIDTH = str.maketrans("0123456789", "".join(chr(0xFF10 + d) for d in range(10)))
ENV = {"CCSTD_PSEUDONYM_KEY": "platform-shapes-test-key-7c6b5a4d3e2f", "COLUMNS": "300"}

HEAD = """family = "orders"
standard = "1.2.0"
name = "orders-{name}"
description = "A test platform"
pages = [{pages}]
markers = ["{marker}"]
channel = "other"
timezone = "Asia/Shanghai"
"""
STATUS = """
[status.all]
source = "state"
default = "done"
codes = {done = ["completed", "paid", "fulfilled"]}
"""

# 1. keys with spaces, non-ASCII keys, a nested non-ASCII path and a key with dots inside
KEYS = (
    HEAD.format(name="csv-export", pages='"`Export Rows`"', marker="Order ID")
    + """
required = ["`Order ID`", "订单金额"]

[order]
id = "`Order ID`"
number = "`Order No.`"
placed_at = "下单时间"
currency = {const = "CNY"}
merchant = "店铺.`名称 (全称)`"

[money]
subtotal = {sum = ["`Line Items`[].`Line.Total`"]}
shipping = "`运费.元`"
total = "订单金额"

[[lines]]
items = "`Line Items`"
name = "`Item Name`"
quantity = "`Qty`"
unit_price = "`Unit Price`"
total = "`Line.Total`"

[recipient]
name = "收货人.姓名"
phone = "`收货人.手机`"
city = "收货人.城市"

[dropped]
"收货人.地址" = "a street address line"
"""
    + STATUS
)

KEYS_EXPORT = {
    "Export Rows": [
        {
            "Order ID": "CSV-1",
            "Order No.": "No 1",
            "下单时间": "2024-05-01 09:30:00",
            "店铺": {"名称 (全称)": "街角便利店"},
            "订单金额": "41.50",
            "运费.元": "6.00",
            "收货人": {"姓名": "王小明", "城市": "杭州", "地址": "西湖区文三路 1 号"},
            "收货人.手机": "13912345678",
            "Line Items": [
                {"Item Name": "牛奶", "Qty": 2, "Unit Price": "12.50", "Line.Total": "25.00"},
                {"Item Name": "面包", "Qty": 1, "Unit Price": "10.50", "Line.Total": "10.50"},
            ],
        }
    ]
}


def convert(
    tmp_path: Path, platform: str, orders: Any, *, ndjson: bool = False
) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]], str]:
    """Write the platform file and the export, convert with `--dialect`, and (when anything
    converted) validate the output with its references."""
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    (folder / "shop.toml").write_text(platform, encoding="utf-8")
    if ndjson:
        source = folder / "orders.ndjson"
        lines = (json.dumps(o, ensure_ascii=False) for o in orders)
        source.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    else:
        source = folder / "orders.json"
        source.write_text(json.dumps(orders, ensure_ascii=False), encoding="utf-8")
    out, rejects, ledger = tmp_path / "out.ndjson", tmp_path / "rejects.ndjson", tmp_path / "l.json"
    run = RUNNER.invoke(
        app,
        ["convert", str(source), "--dialect", str(folder / "shop.toml"), "-o", str(out),
         "--rejects", str(rejects), "--ledger", str(ledger)],
        env=ENV,
    )  # fmt: skip
    assert run.exit_code in (0, 1), run.output
    records = _lines(out)
    if records:
        checked = RUNNER.invoke(app, ["validate", str(out), "--check-references"], env=ENV)
        assert checked.exit_code == 0, checked.output
    return run.exit_code, records, _lines(rejects), ledger.read_text(encoding="utf-8")


def _lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_keys_with_spaces_dots_and_other_scripts(tmp_path: Path) -> None:
    code, records, rejects, ledger = convert(tmp_path, KEYS, KEYS_EXPORT)
    assert code == 0 and rejects == []
    [order] = records
    assert order["id"] == "other-orders-csv-export-CSV-1" and order["orderNumber"] == "No 1"
    assert order["merchant"]["name"] == "街角便利店"
    assert order["placedAt"] == "2024-05-01T09:30:00+08:00"
    assert order["subtotal"]["amount"] == "35.50" and order["shipping"]["amount"] == "6.00"
    assert [line["total"]["amount"] for line in order["lines"]] == ["25.00", "10.50"]
    assert order["recipientPhone"]["protection"] == "pseudonymised"  # the key with a dot in it
    assert order["shippingAddress"]["city"] == "杭州"
    assert "13912345678" not in json.dumps(records) and "王小明" not in json.dumps(records)
    report = json.loads(ledger)
    assert "西湖区" not in ledger and report["unknownFields"] == 0 if "unknownFields" in report \
        else "西湖区" not in ledger  # fmt: skip


def test_a_missing_quoted_key_is_named_in_the_rejection(tmp_path: Path) -> None:
    export = json.loads(json.dumps(KEYS_EXPORT))
    del export["Export Rows"][0]["Order ID"]
    _, records, [reject], _ = convert(tmp_path, KEYS, export)
    assert records == [] and reject["reason"] == "missing-required"
    assert reject["path"] == "Order ID", reject


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (('id = "`Order ID`"', 'id = "`Order ID"'), ":13: order.id: "),  # unclosed quote
        (('id = "`Order ID`"', 'id = "Order ID"'), ":13: order.id: "),  # a space, unquoted
        (('name = "`Item Name`"', 'name = "``"'), ":26: lines.0.name: "),  # an empty key
    ],
)
def test_a_bad_path_is_exit_2_naming_file_line_and_key(
    tmp_path: Path, change: tuple[str, str], named: str
) -> None:
    broken = KEYS.replace(*change)
    assert broken != KEYS
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "shop.toml").write_text(broken, encoding="utf-8")
    (folder / "orders.json").write_text(json.dumps(KEYS_EXPORT), encoding="utf-8")
    out = tmp_path / "out.ndjson"
    run = RUNNER.invoke(app, ["convert", str(folder / "orders.json"), "--dialect",
                              str(folder / "shop.toml"), "-o", str(out)], env=ENV)  # fmt: skip
    message = run.stderr.strip().removeprefix("ccstd: error: ")
    assert run.exit_code == 2 and not out.exists()
    assert message.startswith(f"{folder / 'shop.toml'}{named}") and "\n" not in message, message


# 2. times as epoch seconds or milliseconds, numbers or text
EPOCH = (
    HEAD.format(name="push", pages="", marker="ctime")
    + """
[order]
id = "order_id"
placed_at = [{epoch = "ctime", unit = "s"}, {epoch = "ctime_ms", unit = "ms"}]
currency = {const = "CNY"}
merchant = {const = "A shop"}

[money]
total = "total"

[[lines]]
items = "items"
name = "name"
quantity = "qty"
total = "total"

[[deliveries]]
items = "parcels"
key = "no"
tracking_number = "no"
at = {epoch = "at", unit = "ms"}
status = {source = "state", codes = {sent = "in-transit"}}
"""
    + STATUS
)
LINE = [{"name": "茶", "qty": 1, "total": "5.00"}]


def _pushed(order_id: str, **fields: Any) -> dict[str, Any]:
    return {"order_id": order_id, "total": "5.00", "items": LINE, **fields}


def test_epoch_seconds_and_milliseconds_as_numbers_or_text(tmp_path: Path) -> None:
    orders = [
        _pushed("E1", ctime=1714527000),
        _pushed("E2", ctime="1714527000"),
        _pushed("E3", ctime_ms=1714527000123),
        _pushed("E4", ctime_ms="1714527000500",
                parcels=[{"no": "SF1234567890", "state": "sent", "at": 1714530600000}]),
    ]  # fmt: skip
    code, records, rejects, _ = convert(tmp_path, EPOCH, orders)
    assert code == 0 and rejects == []
    times = [r["placedAt"] for r in records if r["type"] == "Order"]
    assert times == [
        "2024-05-01T01:30:00+00:00",
        "2024-05-01T01:30:00+00:00",
        "2024-05-01T01:30:00.123000+00:00",
        "2024-05-01T01:30:00.500000+00:00",
    ]
    [delivery] = [r for r in records if r["type"] == "Delivery"]
    assert delivery["timeline"][0]["at"] == "2024-05-01T02:30:00+00:00"
    assert all("assumedTimeZone" not in r["meta"] for r in records)  # an epoch is UTC


@pytest.mark.parametrize(
    "value", [-1, "-1714527000", 253402300800, "1e9", "NaN", "Infinity", 1.5e300, "soon", True,
              [1], "1714527000".translate(FULL_WIDTH)],
)  # fmt: skip
def test_a_number_that_is_not_an_epoch_rejects_the_order_naming_the_field(
    tmp_path: Path, value: Any
) -> None:
    _, records, [reject], _ = convert(tmp_path, EPOCH, [_pushed("E9", ctime=value)])
    assert records == [] and reject["reason"] == "invalid-time" and reject["path"] == "ctime"
    assert "epoch time in seconds" in reject["message"]


def test_a_bad_epoch_unit_is_exit_2(tmp_path: Path) -> None:
    broken = EPOCH.replace('unit = "s"}', 'unit = "min"}')
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "shop.toml").write_text(broken, encoding="utf-8")
    (folder / "o.json").write_text(json.dumps([_pushed("E1", ctime=1)]), encoding="utf-8")
    args = ["convert", str(folder / "o.json"), "--dialect", str(folder / "shop.toml")]
    run = RUNNER.invoke(app, [*args, "-o", str(tmp_path / "o")], env=ENV)
    assert run.exit_code == 2
    assert f"{folder / 'shop.toml'}:12: order.placed_at.0.unit: 'min'" in run.stderr, run.stderr


# 3. amounts in minor units, per platform or per field, with the currency's own exponent
MINOR = (
    HEAD.format(name="fen", pages="", marker="fen")
    + """
amounts = "minor"

[order]
id = "id"
placed_at = "at"
currency = "ccy"
merchant = {const = "A shop"}

[money]
subtotal = {sum = ["items[].amount"]}
shipping = "post"
total = "total"

[[lines]]
items = "items"
name = "name"
quantity = "qty"
unit_price = "price"
total = "amount"
"""
    + STATUS
)
PER_FIELD = MINOR.replace('amounts = "minor"\n', "").replace(
    'total = "total"', 'total = {minor = "total"}\namountPaid = {minor = "paid"}'
)


def _fen(order_id: str, ccy: str, price: Any, total: Any, post: Any = 0) -> dict[str, Any]:
    amount = price * 2 if isinstance(price, int | float) else f"{float(price) * 2:.2f}"
    item = {"name": "汤", "qty": 2, "price": price, "amount": amount}
    return {"id": order_id, "at": "2024-05-01 12:00:00", "ccy": ccy, "total": total,
            "post": post, "items": [item], "fen": 1}  # fmt: skip


def test_amounts_in_minor_units_per_platform(tmp_path: Path) -> None:
    orders = [_fen("F1", "CNY", 1500, 3550, 550), _fen("F2", "JPY", 750, "1500"),
              _fen("F3", "BHD", 1250, 2500)]  # fmt: skip
    code, records, rejects, _ = convert(tmp_path, MINOR, orders)
    assert code == 0 and rejects == []
    cny, jpy, bhd = records
    assert cny["total"] == {"amount": "35.50", "currency": "CNY"}
    assert cny["shipping"]["amount"] == "5.50" and cny["lines"][0]["unitPrice"]["amount"] == "15.00"
    assert jpy["total"] == {"amount": "1500", "currency": "JPY"}  # JPY has no minor unit
    assert bhd["total"] == {"amount": "2.500", "currency": "BHD"}  # three places


@pytest.mark.parametrize(("price", "total", "named"), [
    (1500, "3550.5", "total"), (1500, 3550.5, "total"), (1500.5, 3001, "items[0].price"),
])  # fmt: skip
def test_a_fraction_of_a_minor_unit_rejects_the_order_naming_the_field(
    tmp_path: Path, price: Any, total: Any, named: str
) -> None:
    _, _, [reject], _ = convert(tmp_path, MINOR, [_fen("F9", "CNY", price, total)])
    assert reject["reason"] == "invalid-money" and reject["path"] == named, reject
    assert "whole number of CNY minor units" in reject["message"]


def test_amounts_in_minor_units_per_field(tmp_path: Path) -> None:
    order = _fen("F1", "CNY", "15.00", 3000) | {"post": "0.00", "paid": 2990}
    code, [record], rejects, _ = convert(tmp_path, PER_FIELD, [order])
    assert code == 0 and rejects == []
    assert record["total"]["amount"] == "30.00" and record["amountPaid"]["amount"] == "29.90"
    assert record["lines"][0]["unitPrice"]["amount"] == "15.00"  # in yuan, as declared


# 4. fields whose value is a JSON document written as text
JSON_TEXT = (
    HEAD.format(name="json-text", pages="", marker="detail")
    + """
json = ["detail", "extras", "extras_more.`inner doc`"]

[order]
id = "id"
placed_at = "at"
currency = {const = "CNY"}
merchant = {const = "A shop"}

[money]
subtotal = {sum = ["detail[].price"]}
discount = {sum = ["extras[].reduce_fee", "extras_more.`inner doc`.fee"]}
total = "total"

[[lines]]
items = "detail"
name = "food_name"
quantity = "quantity"
unit_price = "price"
total = {sum = ["price * quantity"]}
"""
    + STATUS
)


def _texts(order_id: str, **fields: Any) -> dict[str, Any]:
    detail = json.dumps(
        [
            {"food_name": "米饭", "quantity": 1, "price": 3.5},
            {"food_name": "青菜", "quantity": 1, "price": 12},
        ],
        ensure_ascii=False,
    )
    extras = json.dumps([{"reduce_fee": 2, "remark": "满15减2"}], ensure_ascii=False)
    order = {"id": order_id, "at": "2024-05-01 12:00:00", "total": "13.00", "detail": detail,
             "extras": extras, "extras_more": {"inner doc": '{"fee": "0.50"}'}}  # fmt: skip
    return order | fields


def test_json_documents_in_text_fields_are_read_like_the_order(tmp_path: Path) -> None:
    orders = [_texts("J1"), _texts("J2", extras="[]", extras_more={}), _texts("J3", detail=[
        {"food_name": "汤", "quantity": 1, "price": "15.50"}])]  # fmt: skip
    code, records, rejects, ledger = convert(tmp_path, JSON_TEXT, orders, ndjson=True)
    assert [r["reason"] for r in rejects] == ["order-total-mismatch"]  # J2: no discount
    assert code == 1 and [r["orderNumber"] for r in records] == ["J1", "J3"]
    assert [line["name"] for line in records[0]["lines"]] == ["米饭", "青菜"]
    assert (
        records[0]["discount"]["amount"] == "2.50" and records[0]["subtotal"]["amount"] == "15.50"
    )
    report = json.loads(ledger)
    assert "detail.food_name" in json.dumps(report["mapped"], ensure_ascii=False)
    assert "extras.remark" in json.dumps(report["unknown"], ensure_ascii=False)


@pytest.mark.parametrize(
    ("field", "text", "reason"),
    [
        ("detail", '[{"food_name": ', "invalid-json-text"),
        ("detail", "[{'food_name': 'x'}]", "invalid-json-text"),
        ("detail", "[NaN]", "invalid-json-text"),
        ("extras", "[" * 150 + "]" * 150, "nested-too-deep"),
        ("extras", "[" * 5000 + "]" * 5000, "nested-too-deep"),  # beyond the parser too
        ("detail", '"[1]"', "invalid-structure"),  # JSON text of a string: not the lines
    ],
)
def test_a_malformed_json_text_rejects_its_order_naming_the_field(
    tmp_path: Path, field: str, text: str, reason: str
) -> None:
    orders = [_texts("J1"), _texts("J9", **{field: text})]
    _, records, [reject], _ = convert(tmp_path, JSON_TEXT, orders, ndjson=True)
    assert [r["orderNumber"] for r in records] == ["J1"]
    assert reject["reason"] == reason and reject["line"] == 2, reject
    if reason == "invalid-json-text":
        assert reject["message"].startswith(f"{field} holds text that is not a JSON document")


def test_a_rejected_order_with_json_text_replays_through_the_platform_file(tmp_path: Path) -> None:
    orders = [_texts("J1", total="99.00")]
    _, [], [reject], _ = convert(tmp_path, JSON_TEXT, orders, ndjson=True)
    assert reject["reason"] == "order-total-mismatch"
    out, still = tmp_path / "again.ndjson", tmp_path / "still.ndjson"
    run = RUNNER.invoke(app, ["convert", "--replay", str(tmp_path / "rejects.ndjson"),
                              "--dialect", str(tmp_path / "in" / "shop.toml"), "-o", str(out),
                              "--rejects", str(still)], env=ENV)  # fmt: skip
    assert run.exit_code == 1, run.output
    assert _lines(still)[0]["reason"] == "order-total-mismatch"  # parsed again, not unreadable


@pytest.mark.parametrize(
    ("json_line", "named"),
    [('json = ["^detail"]', ":10: json.0: '^detail'"), ('json = ["detail[]"]', ":10: json.0: ")],
)
def test_json_text_fields_are_plain_order_paths(tmp_path: Path, json_line: str, named: str) -> None:
    broken = JSON_TEXT.replace('json = ["detail", "extras", "extras_more.`inner doc`"]', json_line)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "shop.toml").write_text(broken, encoding="utf-8")
    run = RUNNER.invoke(app, ["adapters", "check", str(folder / "shop.toml")], env=ENV)
    assert run.exit_code == 2 and f"{folder / 'shop.toml'}{named}" in run.stderr, run.stderr


TIME = '{epoch = "total", unit = "s"}'


@pytest.mark.parametrize(
    ("platform", "change", "named"),
    [
        (KEYS, ('number = "`Order No.`"', 'number = {minor = "`Order No.`"}'),
         ":14: order.number: {minor = …} reads an amount"),
        (EPOCH, ('total = "total"\n\n[[lines]]', f'total = {TIME}\n\n[[lines]]'),
         ":17: money.total: {epoch = …} reads a time"),
        (KEYS, ('merchant = "店铺.`名称 (全称)`"', 'merchant = "`Buyer Phone`"'),
         ":17: order.merchant: '`Buyer Phone`': a person's data, written here unprotected"),
        (KEYS, ('city = "收货人.城市"', 'city = "`收货人.手机`"'),
         ":34: recipient.city: '`收货人.手机`': a person's data"),
    ],
)  # fmt: skip
def test_a_kind_out_of_place_or_a_quoted_personal_key_is_exit_2(
    tmp_path: Path, platform: str, change: tuple[str, str], named: str
) -> None:
    broken = platform.replace(*change)
    assert broken != platform
    file = tmp_path / "shop.toml"
    file.write_text(broken, encoding="utf-8")
    run = RUNNER.invoke(app, ["adapters", "check", str(file)], env=ENV)
    assert run.exit_code == 2 and f"{file}{named}" in run.stderr, run.stderr


@pytest.mark.parametrize(("page", "named"), [("^`Export Rows`", ":5: pages.0: "),
                                             ("`Export Rows`[]", ":5: pages.0: ")])  # fmt: skip
def test_a_page_path_is_a_plain_path(tmp_path: Path, page: str, named: str) -> None:
    file = tmp_path / "shop.toml"
    file.write_text(KEYS.replace('pages = ["`Export Rows`"]', f'pages = ["{page}"]'), "utf-8")
    run = RUNNER.invoke(app, ["adapters", "check", str(file)], env=ENV)
    assert run.exit_code == 2 and f"{file}{named}" in run.stderr, run.stderr
