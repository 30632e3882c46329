"""The `order-total-mismatch` rule: an Order's parts add up to its total, in exact decimals."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from ccstd.cli.app import app
from ccstd.standard.money import order_imbalance
from tests.conftest import REPO_ROOT, load_examples, proves

ORDER = REPO_ROOT / "standard" / "examples" / "1.1.0" / "Order" / "valid-1.json"


def order(**amounts: str | None) -> dict[str, Any]:
    """The valid Taobao example (52.90 - 5.00 + 0.00 = 47.90) with amounts replaced."""
    record: dict[str, Any] = json.loads(ORDER.read_text(encoding="utf-8"))
    for name, value in amounts.items():
        if value is None:
            record.pop(name, None)
        else:
            record[name] = {"amount": value, "currency": "CNY"}
    return record


@proves("order-total-mismatch")
def test_crafted_order_fires_with_the_difference_through_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "orders.ndjson"
    path.write_text(json.dumps(order(total="49.90"), ensure_ascii=False) + "\n")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 1, result.output
    assert "order-total-mismatch" in result.output and "difference +2.00" in result.output


@pytest.mark.parametrize("version", ["1.0.0", "1.1.0"])
def test_every_valid_example_order_adds_up(version: str) -> None:
    examples = [e for e in load_examples(version) if e.expected_code is None]
    orders = [e for e in examples if e.path.parent.name == "Order"]
    assert orders
    for example in orders:
        assert order_imbalance(json.loads(example.path.read_text(encoding="utf-8"))) is None


def test_exact_decimals_no_floats() -> None:
    record = order(subtotal="0.30", discount="0.10", shipping="0.10", tax=None, total="0.30")
    assert order_imbalance(record) is None  # 0.1 + 0.2 is not 0.30000000000000004 here
    assert order_imbalance(order(total="47.89")) is not None


def test_tax_inside_the_prices_is_not_added_again() -> None:
    record = order(tax="6.10") | {"pricesIncludeTax": True}
    assert order_imbalance(record) is None
    record["pricesIncludeTax"] = False
    imbalance = order_imbalance(record)
    assert imbalance is not None and imbalance.difference == Decimal("-6.10")


def test_without_a_subtotal_or_in_mixed_currencies_nothing_is_claimed() -> None:
    assert order_imbalance(order(subtotal=None, total="1.00")) is None
    mixed = order(total="1.00")
    mixed["discount"]["currency"] = "USD"
    assert order_imbalance(mixed) is None


@given(st.lists(st.decimals(min_value=0, max_value=10**9, places=2), min_size=4, max_size=4))
def test_parts_that_add_up_never_fire(parts: list[Any]) -> None:
    subtotal, discount, shipping, tax = parts
    record = copy.deepcopy(
        order(
            subtotal=str(subtotal),
            discount=str(discount),
            shipping=str(shipping),
            tax=str(tax),
            total=str(subtotal - discount + shipping + tax),
        )
    )
    assert order_imbalance(record) is None
