"""The `amount-finer-than-minor-unit` rule: totals carry their currency's ISO 4217 decimals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from ccstd.standard.fields import ANY_ITEM
from ccstd.standard.money import TOTALS, minor_unit
from ccstd.standard.registry import SCHEMAS_ROOT, StandardRegistry
from tests.conftest import REPO_ROOT, proves

LATEST = StandardRegistry().latest()
ORDER = REPO_ROOT / "standard" / "examples" / LATEST / "Order" / "valid-1.json"
CODE = "amount-finer-than-minor-unit"


def _order(currency: str = "CNY", **amounts: str) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(ORDER.read_text(encoding="utf-8"))
    for money in _money_values(record):
        money["currency"] = currency
    for name, value in amounts.items():
        record[name]["amount"] = value
    return record


def _money_values(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        if set(node) == {"amount", "currency"}:
            return [node]
        return [m for v in node.values() for m in _money_values(v)]
    if isinstance(node, list):
        return [m for v in node for m in _money_values(v)]
    return []


def _validate(tmp_path: Path, record: dict[str, Any]) -> tuple[int, list[dict[str, Any]]]:
    path = tmp_path / "orders.ndjson"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(path), "-f", "json"])
    findings = json.loads(result.stdout)["findings"]
    return result.exit_code, [f for f in findings if f["code"] == CODE]


@proves("amount-finer-than-minor-unit")
def test_a_total_finer_than_the_minor_unit_is_a_warning_with_its_path(tmp_path: Path) -> None:
    record = _order(total="47.900")
    record["lines"][0]["total"]["amount"] += "0"
    code, found = _validate(tmp_path, record)
    assert code == 0  # a warning: exit 1 only with --fail-on warning
    assert sorted(f["pointer"] for f in found) == [
        "/lines/0/total/amount",
        "/total/amount",
    ]
    assert found[0]["message"] == (
        "amount has 3 decimal(s); CNY totals carry 2 (ISO 4217 minor unit)"
    )


@pytest.mark.parametrize(
    ("currency", "amount", "fires"),
    [
        ("CNY", "47.90", False),
        ("CNY", "47.9", False),
        ("CNY", "48", False),
        ("JPY", "4790", False),
        ("JPY", "4790.00", True),
        ("BHD", "47.900", False),
        ("BHD", "47.9000", True),
    ],
)
def test_each_currency_has_its_own_minor_unit(
    tmp_path: Path, currency: str, amount: str, fires: bool
) -> None:
    record = _order(currency)
    for name in ("subtotal", "discount", "shipping", "tax", "amountPaid"):
        record.pop(name, None)
    record["total"]["amount"] = amount
    for line in record["lines"]:
        line.pop("total", None)
        line["total"] = {"amount": "0", "currency": currency}
    _, found = _validate(tmp_path, record)
    assert [f["pointer"] for f in found] == (["/total/amount"] if fires else [])


def test_unit_prices_may_be_finer(tmp_path: Path) -> None:
    record = _order()
    record["lines"][0]["unitPrice"] = {"amount": "2.6450", "currency": "CNY"}
    assert _validate(tmp_path, record)[1] == []


def test_the_totals_are_every_money_field_of_an_order_but_the_unit_price() -> None:
    """TOTALS is derived knowledge: the schema's Money fields, less unit prices."""
    schema = json.loads((SCHEMAS_ROOT / LATEST / "order.json").read_text(encoding="utf-8"))
    money = set(_money_paths(schema, ()))
    assert money - set(TOTALS) == {("lines", ANY_ITEM, "unitPrice")}
    assert set(TOTALS) <= money


def _money_paths(node: Any, path: tuple[str, ...]) -> list[tuple[str, ...]]:
    if not isinstance(node, dict):
        return []
    if str(node.get("$ref", "")).endswith("#/$defs/Money"):
        return [path]
    found = [p for k, v in node.get("properties", {}).items() for p in _money_paths(v, (*path, k))]
    return found + _money_paths(node.get("items"), (*path, ANY_ITEM))


def test_codes_without_a_minor_unit_are_not_judged() -> None:
    assert minor_unit("CNY") == 2 and minor_unit("JPY") == 0 and minor_unit("BHD") == 3
    assert minor_unit("XAU") is None and minor_unit("ABC") is None
