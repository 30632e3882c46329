"""Numbers in order exports are taken exactly as written, or the one order is rejected."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from ccstd.adapters.orders import ShopifyOrders, WooCommerceOrders
from tests.adapters.orders.test_platforms import SAMPLES, run


def woocommerce(tmp_path: Path, totals: list[str]) -> Path:
    """Orders of one line whose every amount is `total` (no fee, coupon, shipping or tax)."""
    first = json.loads((SAMPLES / "woocommerce-orders.json").read_text())[0]
    line = first["line_items"][0] | {"quantity": 1, "price": "1.00"}
    plain = first | {"fee_lines": [], "discount_total": "0.00", "shipping_total": "0.00"}
    orders = [
        copy.deepcopy(plain)
        | {"id": 1000 + i, "total": t, "total_tax": "0.00", "line_items": [line | {"total": t}]}
        for i, t in enumerate(totals)
    ]
    path = tmp_path / "orders.json"
    path.write_text(json.dumps(orders, ensure_ascii=False))
    return path


@pytest.mark.parametrize(
    ("total", "accepted"),
    [
        ("36.99", True),
        ("1e2", False),  # exponent notation: Money.amount is a plain decimal
        ("-0.00", True),
        ("\u0661\u0660\u0660", False),  # Arabic-Indic digits
        ("1_000", False),
        ("129.57000000000000000000000000001", False),  # 33 significant digits: not rounded
    ],
)
def test_money_text_is_a_plain_decimal(tmp_path: Path, total: str, accepted: bool) -> None:
    report, _, rejects = run(WooCommerceOrders(), woocommerce(tmp_path, [total]), tmp_path / "o")
    assert report["read"] == 1 and (report["rejected"] == 0) == accepted, rejects


def test_a_number_beyond_a_double_rejects_only_its_order(tmp_path: Path) -> None:
    path = woocommerce(tmp_path, ["10.00", "20.00", "30.00"])
    path.write_text(path.read_text().replace('"total": "20.00"', '"total": 1e400'))
    report, _, _ = run(WooCommerceOrders(), path, tmp_path / "o")
    assert (report["read"], report["converted"], report["rejected"]) == (3, 2, 1)


def test_order_ids_beyond_64_bits_stay_distinct(tmp_path: Path) -> None:
    page = json.loads((SAMPLES / "shopify-orders.json").read_text())
    first = page["orders"][0] | {"fulfillments": []}
    ids = (18446744073709551617, 18446744073709551618)
    path = tmp_path / "orders.json"
    path.write_text(json.dumps({"orders": [first | {"id": i} for i in ids]}))
    report, records, _ = run(ShopifyOrders(), path, tmp_path / "o")
    assert report["converted"] == 2
    assert {r["id"] for r in records if r["type"] == "Order"} == {f"shopify-{i}" for i in ids}
