"""Orders the red team wrote: deliveries without ids or with one id twice, local times a change
of summer time skipped or repeated, zones assumed — each driven through the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ccstd.adapters.orders.tables import letters_digest
from ccstd.cli.app import app
from tests.conftest import REPO_ROOT, proves

RUNNER = CliRunner()
ORDER_EXAMPLE = REPO_ROOT / "standard" / "examples" / "1.1.0" / "Order" / "valid-1.json"
ENV = {"CCSTD_PSEUDONYM_KEY": "6bc68fdd41bf7b808652f603a70558e3755e9aab1ebd5dd0109e266a6fd35863"}


def _shopify(**fields: Any) -> dict[str, Any]:
    order: dict[str, Any] = {
        "id": 3001,
        "name": "#3001",
        "currency": "USD",
        "created_at": "2024-05-01T10:00:00-04:00",
        "total_line_items_price": "10.00",
        "total_discounts": "0.00",
        "total_tax": "0.00",
        "total_price": "10.00",
        "financial_status": "paid",
        "line_items": [
            {"id": 1, "sku": "A", "name": "T", "quantity": 1, "price": "10.00",
             "total_discount": "0.00"}
        ],
        "shipping_lines": [],
    }  # fmt: skip
    return order | fields


def _convert(tmp_path: Path, source: Path, *extra: str) -> tuple[int, list[dict[str, Any]], str]:
    out, rejects = tmp_path / "out.ndjson", tmp_path / "rejects.ndjson"
    args = ["convert", str(source), "-o", str(out), "--rejects", str(rejects), "-q", *extra]
    done = RUNNER.invoke(app, args, env=ENV)
    assert done.exit_code in (0, 1), done.output
    records = [json.loads(x) for x in out.read_text("utf-8").splitlines()] if out.exists() else []
    return done.exit_code, records, rejects.read_text("utf-8") if rejects.exists() else ""


def _write(tmp_path: Path, orders: list[dict[str, Any]]) -> Path:
    path = tmp_path / "orders.json"
    path.write_text(json.dumps({"orders": orders}), "utf-8")
    return path


def test_fulfilments_without_ids_are_two_deliveries_keyed_by_tracking(tmp_path: Path) -> None:
    fulfilments = [
        {"tracking_number": "T1", "tracking_company": "UPS"},
        {"tracking_number": "T2", "tracking_company": "UPS"},
    ]
    source = _write(tmp_path, [_shopify(fulfillments=fulfilments)])
    code, records, _ = _convert(tmp_path, source)
    assert code == 0
    ids = [r["id"] for r in records if r["type"] == "Delivery"]
    assert ids == [f"shopify-3001-dlv-trk-{letters_digest(n)}" for n in ("T1", "T2")]
    assert not any("None" in r["id"] for r in records)


def test_a_ups_waybill_without_a_fulfilment_id_keeps_its_delivery(tmp_path: Path) -> None:
    """The key is a digest of the waybill: an id never holds a mobile-shaped run of it."""
    fulfilments = [{"tracking_number": "1ZW9V7F15901234569", "tracking_company": "UPS"}]
    source = _write(tmp_path, [_shopify(fulfillments=fulfilments)])
    code, records, _ = _convert(tmp_path, source)
    assert code == 0
    deliveries = [r for r in records if r["type"] == "Delivery"]
    assert [d["trackingNumber"] for d in deliveries] == ["1ZW9V7F15901234569"]
    assert "15901234569" not in deliveries[0]["id"]


@pytest.mark.parametrize(
    "fulfilments",
    [
        [
            {"id": 7, "tracking_number": "T1", "tracking_company": "UPS"},
            {"id": 7, "tracking_number": "T2", "tracking_company": "UPS"},
        ],
        [
            {"tracking_number": "T1", "tracking_company": "UPS"},
            {"tracking_number": "T1", "tracking_company": "FedEx"},
        ],
    ],
)
def test_one_delivery_id_with_other_content_is_rejected_not_merged(
    tmp_path: Path, fulfilments: list[dict[str, Any]]
) -> None:
    source = _write(tmp_path, [_shopify(fulfillments=fulfilments), _shopify(id=3002)])
    code, records, rejects = _convert(tmp_path, source)
    assert code == 1
    assert [r["id"] for r in records] == ["shopify-3002"]  # counts add up: 1 + 1
    reject = json.loads(rejects.splitlines()[0])
    assert reject["reason"] == "conflicting-deliveries"
    assert reject["path"] == "fulfillments[1]" and "fulfillments[0]" in reject["message"]


def test_the_same_delivery_listed_twice_is_written_once(tmp_path: Path) -> None:
    same = {"id": 7, "tracking_number": "T1", "tracking_company": "UPS"}
    source = _write(tmp_path, [_shopify(fulfillments=[same, dict(same)])])
    code, records, _ = _convert(tmp_path, source)
    assert code == 0 and [r["type"] for r in records] == ["Order", "Delivery"]


def test_taobao_sub_orders_with_one_waybill_and_two_carriers_are_rejected(
    tmp_path: Path,
) -> None:
    from tests.adapters.orders.test_money import taobao_trades

    trade = next(
        t
        for t in taobao_trades()
        if len(t["orders"]["order"]) > 1 and "invoice_no" in t["orders"]["order"][0]
    )
    first, second, *rest = trade["orders"]["order"]
    assert first["invoice_no"] == second["invoice_no"]  # one parcel, written once
    second = dict(second, logistics_company="另一家快递")
    changed = dict(trade, orders={"order": [first, second, *rest]})
    source = tmp_path / "trades.json"
    source.write_text(json.dumps([trade, changed], ensure_ascii=False), "utf-8")
    code, records, rejects = _convert(tmp_path, source, "--from", "orders-taobao")
    assert code == 1 and [r["type"] for r in records] == ["Order", "Delivery"]
    reject = json.loads(rejects)
    assert reject["reason"] == "conflicting-deliveries" and "carrier" in reject["message"]


NY = """family = "orders"
standard = "1.2.0"
name = "orders-ny-shop"
description = "A shop's own export"
pages = ["bills"]
markers = ["\\"bill_no\\""]
channel = "other"
timezone = "America/New_York"
[order]
id = "bill_no"
placed_at = "at"
currency = "ccy"
merchant = {const = "Corner shop"}
[money]
total = "sum"
[[lines]]
items = "items"
name = "label"
quantity = "qty"
total = "amount"
[status.all]
source = "state"
codes = {paid = ["completed", "paid", "fulfilled"]}
"""


@pytest.mark.parametrize(
    ("at", "said"),
    [
        ("2024-03-10 02:30:00", "does not exist in America/New_York"),
        ("2024-11-03 01:30:00", "happened twice in America/New_York"),
    ],
)
def test_a_local_time_summer_time_skipped_or_repeated_is_invalid(
    tmp_path: Path, at: str, said: str
) -> None:
    dialect = tmp_path / "ny.toml"
    dialect.write_text(NY, "utf-8")
    bill = {"bill_no": "B1", "at": at, "ccy": "USD", "sum": "5.00", "state": "paid",
            "items": [{"label": "Tea", "qty": 1, "amount": "5.00"}]}  # fmt: skip
    steady = dict(bill, bill_no="B2", at="2024-05-01 10:00:00")
    offset = dict(bill, bill_no="B3", at="2024-05-01T10:00:00-04:00")
    source = tmp_path / "bills.json"
    source.write_text(json.dumps({"bills": [bill, steady, offset]}), "utf-8")
    code, records, rejects = _convert(tmp_path, source, "--dialect", str(dialect))
    assert code == 1
    reject = json.loads(rejects.splitlines()[0])
    assert reject["reason"] == "invalid-time" and said in reject["message"]
    assert reject["path"] == "at"
    b2, b3 = records
    assert b2["placedAt"] == "2024-05-01T10:00:00-04:00"
    assert b2["meta"]["assumedTimeZone"] == "America/New_York"
    assert "assumedTimeZone" not in b3["meta"]


def test_shopify_time_without_offset_records_the_zone_assumed(tmp_path: Path) -> None:
    fulfilment = {"id": 1, "tracking_number": "T1", "created_at": "2024-05-02T08:00:00"}
    source = _write(
        tmp_path, [_shopify(created_at="2024-05-01T10:00:00", fulfillments=[fulfilment])]
    )
    code, records, _ = _convert(tmp_path, source)
    assert code == 0
    assert [r["meta"].get("assumedTimeZone") for r in records] == ["UTC", "UTC"]
    checked = RUNNER.invoke(app, ["validate", "--check-references", str(tmp_path / "out.ndjson")])
    assert checked.exit_code == 0, checked.output


def test_woocommerce_float_unit_price_and_checkout_draft_convert(tmp_path: Path) -> None:
    from tests.adapters.orders.test_platforms import SAMPLES

    order = json.loads((SAMPLES / "woocommerce-orders.json").read_text("utf-8"))[0]
    line = dict(order["line_items"][0], quantity=3, subtotal="10.00", total="10.00")
    line["price"] = 3.3333333333333335  # what WooCommerce computes: total / quantity
    order = dict(order, status="checkout-draft", line_items=[line], fee_lines=[])
    order |= {"discount_total": "0.00", "shipping_total": "0.00", "total_tax": "0.00"}
    order |= {"total": "10.00", "currency": "USD"}
    source = tmp_path / "orders.json"
    source.write_text(json.dumps([order], ensure_ascii=False), "utf-8")
    code, records, rejects = _convert(tmp_path, source, "--from", "orders-woocommerce")
    assert code == 0, rejects
    [converted] = records
    assert converted["lines"][0]["unitPrice"] == {"amount": "3.3333", "currency": "USD"}
    assert converted["status"] == "pending" and converted["paymentStatus"] == "unpaid"
    checked = RUNNER.invoke(app, ["validate", str(tmp_path / "out.ndjson")])
    assert checked.exit_code == 0, checked.output


@proves("order-currency-mismatch")
def test_validate_finds_an_order_in_two_currencies(tmp_path: Path) -> None:
    record = json.loads(ORDER_EXAMPLE.read_text("utf-8"))
    record["subtotal"]["currency"] = "USD"
    record["total"]["currency"] = "JPY"  # the others stay CNY
    record["total"]["amount"] = "48"
    path = tmp_path / "order.ndjson"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", "utf-8")
    done = RUNNER.invoke(app, ["validate", str(path), "--format", "json"])
    assert done.exit_code == 1, done.output
    assert "order-currency-mismatch" in done.output and "subtotal is in USD" in done.output
    alike = json.loads(ORDER_EXAMPLE.read_text("utf-8"))
    path.write_text(json.dumps(alike, ensure_ascii=False) + "\n", "utf-8")
    assert RUNNER.invoke(app, ["validate", str(path)]).exit_code == 0


def test_a_shopify_tip_and_taxes_included_as_text_add_up(tmp_path: Path) -> None:
    tipped = _shopify(total_tip_received="2.00", total_price="12.00")
    included = _shopify(id=3002, taxes_included="true", total_tax="1.67")
    not_included = _shopify(id=3003, taxes_included="false", total_tax="1.00", total_price="11.00")
    odd = _shopify(id=3004, taxes_included="yes")
    source = _write(tmp_path, [tipped, included, not_included, odd])
    code, records, rejects = _convert(tmp_path, source)
    assert code == 1
    assert [r["id"] for r in records] == ["shopify-3001", "shopify-3002", "shopify-3003"]
    assert records[0]["subtotal"]["amount"] == "12.00"  # the goods and the tip
    assert records[0]["total"]["amount"] == "12.00"
    assert [r["pricesIncludeTax"] for r in records] == [False, True, False]
    reject = json.loads(rejects)
    assert (reject["reason"], reject["path"]) == ("invalid-structure", "taxes_included")
    checked = RUNNER.invoke(app, ["validate", str(tmp_path / "out.ndjson")])
    assert checked.exit_code == 0, checked.output
