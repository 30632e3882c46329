"""An amount or a quantity is read from what the file says, through the CLI: a JSON number too
small or too long for a double (`1e-400`, `9.9999999999999999`) is judged by its decimal text,
never written as the double it rounds to; text must be a plain decimal as the platforms write
it (`"10.00"`, `"2"`), so a sign, spaces or leading zeros reject the order, naming the field."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from ccstd.adapters.orders.values import UnconvertibleOrderError, decimal
from ccstd.cli.app import app
from tests.adapters.orders.test_plain_amounts_whole_quantities import _first

RUNNER = CliRunner()
ENV = {"CCSTD_PSEUDONYM_KEY": "6bc68fdd41bf7b808652f603a70558e3755e9aab1ebd5dd0109e266a6fd35863"}
HOLE = "<<value>>"


def _order() -> dict[str, Any]:
    """A Shopify order of one line at 10.00, no tax, that converts."""
    order = _first("shopify-orders.json")
    order["line_items"] = order["line_items"][:1]
    order["line_items"][0] |= {"total_discount": "0.00", "quantity": 1, "price": "10.00"}
    return order | {
        "total_line_items_price": "10.00",
        "total_discounts": "0.00",
        "total_tax": "0.00",
        "total_tip_received": "0.00",
        "shipping_lines": [],
        "total_price": "10.00",
    }


def _convert(tmp_path: Path, field: str, raw: str) -> tuple[int, str, list[dict[str, Any]]]:
    """Convert the order with `field` (`total_tax`, or `line.price` for the first line's) set
    to the JSON text `raw`, exactly as written; the exit code, the output and the rejects."""
    order = _order()
    if field.startswith("line."):
        order["line_items"][0][field.removeprefix("line.")] = HOLE
    else:
        order[field] = HOLE
    source = tmp_path / "orders.json"
    source.write_text("[" + json.dumps(order).replace(json.dumps(HOLE), raw) + "]", "utf-8")
    out, rejects = tmp_path / "out.ndjson", tmp_path / "rejects.ndjson"
    args = ["convert", str(source), "--from", "orders-shopify", "-o", str(out)]
    done = RUNNER.invoke(app, [*args, "--rejects", str(rejects), "-q"], env=ENV)
    assert "Traceback" not in done.output, done.output
    bad = rejects.read_text("utf-8").splitlines() if rejects.exists() else []
    return done.exit_code, out.read_text("utf-8"), [json.loads(line) for line in bad]


def test_the_order_converts_as_written(tmp_path: Path) -> None:
    code, out, rejects = _convert(tmp_path, "total_tax", '"0.00"')
    assert (code, rejects) == (0, []) and '"tax":{"amount":"0.00"' in out


@pytest.mark.parametrize(
    ("field", "raw", "reason", "path"),
    [
        ("total_tax", "1e-400", "money-out-of-range", "total_tax"),
        ("total_tax", "-1e-400", "money-out-of-range", "total_tax"),
        ("total_tax", "1E-0330", "money-out-of-range", "total_tax"),
        ("line.quantity", "1.0000000000000001", "invalid-quantity", "line_items[0].quantity"),
        ("line.price", "9.9999999999999999", "invalid-money", "line_items[0].total"),
    ],
)
def test_a_json_number_a_double_cannot_hold_is_judged_by_its_text(
    tmp_path: Path, field: str, raw: str, reason: str, path: str
) -> None:
    code, out, rejects = _convert(tmp_path, field, raw)
    assert code == 1 and out.count('"type":"Order"') == 0, out
    assert [(r["reason"], r["path"]) for r in rejects] == [(reason, path)]
    assert rejects[0]["message"].startswith(path)


@pytest.mark.parametrize(
    ("field", "raw", "what"),
    [
        ("total_tax", '"+0"', "a plus sign"),
        ("total_tax", '" 0 "', "white space around it"),
        ("total_tax", '"00"', "a leading zero"),
        ("total_tax", '"0\\u00a0"', "white space around it"),
        ("total_tax", '"\\t0.00"', "white space around it"),
        ("total_tax", '"0\\n"', "white space around it"),
        ("line.price", '"+10"', "a plus sign"),
        ("line.price", '"010.00"', "a leading zero"),
        ("line.price", '"-010.00"', "a leading zero"),
        ("line.quantity", '"+1"', "a plus sign"),
        ("line.quantity", '" 1 "', "white space around it"),
        ("line.quantity", '"01"', "a leading zero"),
    ],
)
def test_text_that_is_not_a_plain_decimal_rejects_its_order_naming_the_field(
    tmp_path: Path, field: str, raw: str, what: str
) -> None:
    code, out, rejects = _convert(tmp_path, field, raw)
    assert code == 1 and out.count('"type":"Order"') == 0, out
    path = f"line_items[0].{field.removeprefix('line.')}" if field.startswith("line.") else field
    reason = "invalid-quantity" if field == "line.quantity" else "invalid-money"
    assert [(r["reason"], r["path"]) for r in rejects] == [(reason, path)]
    assert rejects[0]["message"].startswith(f"{path} is written with {what}: not a plain decimal")


@pytest.mark.parametrize(("field", "raw"), [("total_tax", '"-0"'), ("total_tax", '"0.0"')])
def test_plain_text_as_the_standard_writes_it_converts(
    tmp_path: Path, field: str, raw: str
) -> None:
    code, out, rejects = _convert(tmp_path, field, raw)
    assert (code, rejects) == (0, []) and '"tax":{"amount":"0.00"' in out


@given(st.text(alphabet="0123456789+-. \t\n\u00a0eE", max_size=12))
def test_any_text_read_as_an_amount_is_a_plain_decimal(text: str) -> None:
    try:
        decimal(text, "total_tax")
    except UnconvertibleOrderError as problem:
        assert problem.path == "total_tax" and str(problem).startswith("total_tax ")
    else:
        assert re.fullmatch(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?", text), text
