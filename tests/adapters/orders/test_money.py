"""Money from every platform: parts add up, goods not payments, minor units, hostile amounts."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ccstd.adapters.orders import ShopifyOrders, TaobaoOrders, WooCommerceOrders
from ccstd.cli.app import app
from tests.adapters.orders.test_platforms import SAMPLES, run


def taobao_trades() -> list[dict[str, Any]]:
    pages = [
        json.loads(line)
        for line in (SAMPLES / "taobao-trades.ndjson").read_text().split("\n")
        if line
    ]
    return [t for p in pages for t in p["trades_sold_get_response"]["trades"]["trade"]]


def shopify_orders() -> list[dict[str, Any]]:
    orders: list[dict[str, Any]] = json.loads((SAMPLES / "shopify-orders.json").read_text())[
        "orders"
    ]
    return orders


def write(tmp_path: Path, orders: list[dict[str, Any]], name: str = "orders.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(orders, ensure_ascii=False))
    return path


def test_shopify_subtotal_is_the_lines_before_discounts(tmp_path: Path) -> None:
    source = next(o for o in shopify_orders() if o["total_discounts"] != "0.00")
    _, records, _ = run(ShopifyOrders(), write(tmp_path, [source]), tmp_path / "o")
    order = records[0]
    assert order["subtotal"]["amount"] == source["total_line_items_price"]
    assert order["subtotal"]["amount"] != source["subtotal_price"]
    assert order["discount"]["amount"] == source["total_discounts"]


def test_an_order_whose_parts_do_not_add_up_is_rejected_with_the_difference(
    tmp_path: Path,
) -> None:
    source = shopify_orders()[0] | {"total_tax": "99.00"}
    report, _, rejects = run(ShopifyOrders(), write(tmp_path, [source]), tmp_path / "o")
    assert report["rejected"] == 1 and rejects[0]["reason"] == "order-total-mismatch"
    assert "difference" in rejects[0]["message"] and rejects[0]["path"] == "total"


def test_taobao_trade_closed_before_payment_keeps_the_value_of_its_goods(tmp_path: Path) -> None:
    trade = taobao_trades()[0]
    assert (trade["status"], trade["payment"], trade["total_fee"]) == (
        "TRADE_CLOSED_BY_TAOBAO",
        "0.00",
        "35.00",
    )
    _, records, _ = run(TaobaoOrders(), write(tmp_path, [trade]), tmp_path / "o")
    order = records[0]
    assert order["total"]["amount"] == order["lines"][0]["total"]["amount"] == "35.00"
    assert "sku" not in order["lines"][0]  # no outer SKU: none, not the sub-order id
    assert order["paymentStatus"] == "unpaid"
    assert order["amountPaid"] == {"amount": "0.00", "currency": "CNY"}  # paid: its own field
    assert order["standardVersion"] == "1.2.0"
    assert "payment" not in TaobaoOrders().coverage()["orders-taobao"].dropped


def test_taobao_totals_are_goods_less_discounts_plus_postage(tmp_path: Path) -> None:
    trade = copy.deepcopy(taobao_trades()[4])
    trade.update(total_fee="100.00", discount_fee="10.00", post_fee="8.00", payment="98.00")
    for sub in trade["orders"]["order"]:
        sub.update(num=1, price="50.00", total_fee="50.00")
    trade["orders"]["order"] = trade["orders"]["order"][:1] * 2
    _, records, _ = run(TaobaoOrders(), write(tmp_path, [trade]), tmp_path / "o")
    assert records[0]["total"]["amount"] == "98.00"
    assert records[0]["subtotal"]["amount"] == "100.00"


@pytest.mark.parametrize(
    ("currency", "amount", "written"),
    [
        ("CNY", "20", "20.00"),
        ("JPY", "1500", "1500"),
        ("JPY", "1500.00", "1500"),  # trailing zeros are not minor units, in a unit price too
        ("BHD", "1.234", "1.234"),
    ],
)
def test_amounts_carry_the_currency_minor_units(
    tmp_path: Path, currency: str, amount: str, written: str
) -> None:
    source = single_shopify(currency, amount)
    report, records, rejects = run(ShopifyOrders(), write(tmp_path, [source]), tmp_path / "o")
    assert report["converted"] == 1, rejects
    order = records[0]
    line = order["lines"][0]
    money = [order["total"], order["subtotal"], line["total"], line["unitPrice"]]
    assert all(m == {"amount": written, "currency": currency} for m in money)


@pytest.mark.parametrize(
    ("currency", "amount", "reason", "path"),
    [
        ("RMB", "20.00", "invalid-currency", "currency"),
        ("XAU", "20.00", "invalid-currency", "currency"),  # no minor units
        (None, "20.00", "missing-required", "currency"),
        ("JPY", "1500.5", "invalid-money", "line_items[0].total"),  # finer than a yen
        ("CNY", "20.001", "invalid-money", "line_items[0].total"),
    ],
)
def test_currencies_and_amounts_that_cannot_be_written_are_rejected(
    tmp_path: Path, currency: Any, amount: str, reason: str, path: str
) -> None:
    source = single_shopify(currency, amount)
    report, _, rejects = run(ShopifyOrders(), write(tmp_path, [source]), tmp_path / "o")
    assert report["rejected"] == 1 and (rejects[0]["reason"], rejects[0]["path"]) == (reason, path)


def single_shopify(currency: Any, amount: str) -> dict[str, Any]:
    """A Shopify order of one line whose every amount is `amount` (nothing else charged)."""
    source = shopify_orders()[1] | {"currency": currency, "fulfillments": []}
    line = source["line_items"][0] | {"price": amount, "quantity": 1, "total_discount": "0"}
    return source | {
        "line_items": [line],
        "total_line_items_price": amount,
        "total_discounts": "0",
        "total_tax": "0",
        "shipping_lines": [],
        "total_price": amount,
    }


HOSTILE = [
    (10**30, "money-out-of-range"),
    ("99999999999999999999.00", "money-out-of-range"),
    ("-5.00", None),  # a negative amount is an amount (a refund-like adjustment): exact
    ("NaN", "invalid-money"),
    ("1e400", "invalid-money"),  # text in exponent notation is no amount
    ("Infinity", "invalid-money"),
    ("twelve", "invalid-money"),
    ("1,234.50", "invalid-money"),
    (True, "invalid-money"),
    ({"amount": "1"}, "invalid-money"),
    ([1], "invalid-money"),
]


def test_hostile_amounts_convert_exactly_or_are_rejected_naming_the_field(
    tmp_path: Path,
) -> None:
    orders = [single_shopify("USD", "10.00") | {"id": 900 + i} for i in range(len(HOSTILE))]
    for order, (value, _) in zip(orders, HOSTILE, strict=True):
        order["total_discounts"] = value
        order["total_price"] = "15.00" if value == "-5.00" else "10.00"
    report, records, rejects = run(ShopifyOrders(), write(tmp_path, orders), tmp_path / "o")
    assert report["read"] == len(HOSTILE) == report["converted"] + report["rejected"]
    expected = sorted(reason for _, reason in HOSTILE if reason)
    assert sorted(r["reason"] for r in rejects) == expected
    assert all(r["path"] == "total_discounts" for r in rejects)
    assert records[0]["discount"]["amount"] == "-5.00"


def test_convert_then_validate_through_the_cli(tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_text("orders-cli-test-key-0123456789")
    out = tmp_path / "out.ndjson"
    runner = CliRunner()
    for sample in ("taobao-trades.ndjson", "shopify-orders.json", "woocommerce-orders.json"):
        args = ["convert", str(SAMPLES / sample), "-o", str(out), "--key-file", str(key), "-q"]
        result = runner.invoke(app, [*args, "--rejects", str(tmp_path / "rejects.ndjson")])
        assert result.exit_code in (0, 1), result.output
        checked = runner.invoke(app, ["validate", "--check-references", str(out)])
        assert checked.exit_code == 0, checked.output


def test_woocommerce_fees_and_coupons_add_up(tmp_path: Path) -> None:
    orders = json.loads((SAMPLES / "woocommerce-orders.json").read_text())
    with_both = [o for o in orders if o["fee_lines"] and o["coupon_lines"]][:1]
    assert with_both
    _, records, _ = run(WooCommerceOrders(), write(tmp_path, with_both), tmp_path / "o")
    order = records[0]
    assert order["lines"][-1]["name"].startswith("Fee: ")
    assert order["total"]["amount"] == with_both[0]["total"]


@pytest.mark.parametrize(
    ("fields", "reason", "path"),
    [
        ({"shipping_lines": [{"price": "NaN"}]}, "invalid-money", "shipping_lines[0].price"),
        ({"shipping_address": "1 Main St"}, "invalid-structure", "shipping_address"),
        ({"line_items": []}, "missing-required", "line_items"),
        ({"currency": ["USD"]}, "invalid-currency", "currency"),
        ({"fulfillments": [{"id": 1, "tracking_number": {}}]}, "invalid-structure", None),
    ],
)
def test_shapes_nobody_designed_for_are_one_rejection_naming_the_field(
    tmp_path: Path, fields: dict[str, Any], reason: str, path: str | None
) -> None:
    source = shopify_orders()[1] | fields
    report, _, rejects = run(ShopifyOrders(), write(tmp_path, [source]), tmp_path / "o")
    assert report["read"] == 1 == report["rejected"]
    assert rejects[0]["reason"] == reason and (path is None or rejects[0]["path"] == path)
