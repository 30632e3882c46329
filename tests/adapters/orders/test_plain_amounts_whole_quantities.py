"""Amounts are plain decimals and quantities whole, on every order platform, through the CLI:
text in exponent notation (`"1e3"`) and a quantity of 2.5 each reject their order alone, naming
the field; a platform that sells by weight says `quantities = "decimal"`."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from tests.conftest import REPO_ROOT

RUNNER = CliRunner()
ENV = {"CCSTD_PSEUDONYM_KEY": "6bc68fdd41bf7b808652f603a70558e3755e9aab1ebd5dd0109e266a6fd35863"}
SAMPLES = REPO_ROOT / "examples" / "vendors" / "orders"
PLATFORMS = REPO_ROOT / "adapters" / "orders" / "platforms"
Order = dict[str, Any]


def _first(sample: str) -> Order:
    text = (SAMPLES / sample).read_text("utf-8")
    if sample == "shopify-orders.json":
        return dict(json.loads(text)["orders"][0], fulfillments=[])
    if sample.endswith(".json"):
        return dict(json.loads(text)[0])
    first = json.loads(text.splitlines()[0])
    pages = first.get("trades_sold_get_response")
    return dict(pages["trades"]["trade"][0]) if pages else first


def _edit_line(order: Order, items: str, change: Callable[[Order], None]) -> Order:
    """A copy of `order` with its first line changed (Meituan's lines are JSON text)."""
    order = copy.deepcopy(order)
    if items == "detail":
        lines = json.loads(order["detail"])
        change(lines[0])
        order["detail"] = json.dumps(lines, ensure_ascii=False)
    elif items == "orders.order":
        change(order["orders"]["order"][0])
    else:
        change(order[items][0])
    return order


# platform, sample, where the lines sit, their quantity and a money field written as text
CASES = [
    ("orders-shopify", "shopify-orders.json", "line_items", "quantity", "price"),
    ("orders-woocommerce", "woocommerce-orders.json", "line_items", "quantity", "total"),
    ("orders-taobao", "taobao-trades.ndjson", "orders.order", "num", "price"),
    ("orders-meituan-waimai", "meituan-waimai-orders.ndjson", "detail", "quantity", "price"),
]


def _exponent(field: str) -> Callable[[Order], None]:
    def change(line: Order) -> None:  # the same amount, with an exponent: "26.5" is "2.65e1"
        line[field] = f"{Decimal(str(line[field])).scaleb(-1)}e1"

    return change


def _quantity(field: str, value: Any) -> Callable[[Order], None]:
    def change(line: Order) -> None:
        line[field] = value

    return change


def _convert(tmp_path: Path, orders: list[Order], *extra: str) -> tuple[int, str, list[Any]]:
    source = tmp_path / "orders.ndjson"
    source.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in orders), "utf-8")
    out, rejects = tmp_path / "out.ndjson", tmp_path / "rejects.ndjson"
    args = ["convert", str(source), "-o", str(out), "--rejects", str(rejects), *extra]
    done = RUNNER.invoke(app, args, env=ENV)
    assert "Traceback" not in done.output, done.output
    bad = rejects.read_text("utf-8").splitlines() if rejects.exists() else []
    return done.exit_code, done.output, [json.loads(line) for line in bad]


@pytest.mark.parametrize(("name", "sample", "items", "count", "money"), CASES)
def test_exponent_text_and_fractional_quantities_reject_their_order_alone(
    tmp_path: Path, name: str, sample: str, items: str, count: str, money: str
) -> None:
    good = _first(sample)
    orders = [
        _edit_line(good, items, _exponent(money)),
        _edit_line(good, items, _quantity(count, 2.5)),
        _edit_line(good, items, _quantity(count, "2.5")),
        good,
    ]
    code, output, rejects = _convert(tmp_path, orders, "--from", name)
    assert code == 1, output
    where = "detail[0]" if items == "detail" else f"{items}[0]"
    assert [(r["reason"], r["path"]) for r in rejects] == [
        ("invalid-money", f"{where}.{money}"),
        ("invalid-quantity", f"{where}.{count}"),
        ("invalid-quantity", f"{where}.{count}"),
    ]
    assert "exponent" in rejects[0]["message"]
    assert rejects[1]["message"] == (
        f"{where}.{count} is 2.5: {name} counts a line's items in whole numbers"
    )
    assert (tmp_path / "out.ndjson").read_text("utf-8").count('"type":"Order"') == 1


def test_a_json_number_with_an_exponent_is_a_number_even_when_read_exactly(
    tmp_path: Path,
) -> None:
    """`1e1` written as a JSON number is 10, also in a file read by the exact parser (a
    number of 19 digits elsewhere in it); a whole quantity written `2.0` is 2."""
    order = _first("shopify-orders.json")
    order = _edit_line(order, "line_items", _quantity("quantity", 1))
    order["line_items"][0]["price"] = "10.00"
    order |= {
        "id": 12345678901234567890,
        "total_line_items_price": "10.00",
        "total_discounts": "0.00",
        "total_tax": "0.00",
        "total_tip_received": "0.00",
        "shipping_lines": [],
        "total_price": "10.00",
    }
    order["line_items"][0] |= {"total_discount": "0.00", "quantity": 2.0}
    text = json.dumps(order).replace('"price": "10.00"', '"price": 0.5e1', 1)
    (tmp_path / "one.json").write_text(text)
    out = tmp_path / "out.ndjson"
    args = ["convert", str(tmp_path / "one.json"), "-o", str(out), "--from", "orders-shopify"]
    done = RUNNER.invoke(app, [*args, "-q"], env=ENV)
    assert done.exit_code == 0, done.output
    line = json.loads(out.read_text().splitlines()[0])["lines"][0]
    assert (line["quantity"], line["unitPrice"]["amount"], line["total"]["amount"]) == (
        2,
        "5.00",
        "10.00",
    )


def test_a_platform_that_sells_by_weight_says_so(tmp_path: Path) -> None:
    platform = (PLATFORMS / "woocommerce.toml").read_text("utf-8")
    weighed = platform.replace('name = "orders-woocommerce"', 'name = "orders-market"', 1)
    (tmp_path / "market.toml").write_text('quantities = "decimal"\n' + weighed, "utf-8")
    good = _first("woocommerce-orders.json")
    order = _edit_line(good, "line_items", _quantity("quantity", "2.5"))
    code, output, rejects = _convert(tmp_path, [order], "--dialect", str(tmp_path / "market.toml"))
    assert (code, rejects) == (0, []), output
    line = json.loads((tmp_path / "out.ndjson").read_text().splitlines()[0])["lines"][0]
    assert line["quantity"] == 2.5
    done = RUNNER.invoke(app, ["adapters", "check", str(tmp_path / "market.toml")], env=ENV)
    assert done.exit_code == 0 and "quantities: decimals" in done.output, done.output


def test_a_constant_fraction_on_a_whole_platform_is_refused_at_its_line(tmp_path: Path) -> None:
    platform = (PLATFORMS / "woocommerce.toml").read_text("utf-8")
    file = tmp_path / "fees.toml"
    file.write_text(platform.replace("quantity = {const = 1}", "quantity = {const = 1.5}"))
    done = RUNNER.invoke(app, ["adapters", "check", str(file)], env=ENV)
    assert done.exit_code == 2, done.output
    assert "lines.1.quantity.const" in done.output and "quantities" in done.output
