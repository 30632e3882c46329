"""Platform tables are data: checked against their format, read by one engine that names none."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ccstd.adapters.dialect_files import DataFileError
from ccstd.adapters.orders import OrdersAdapter
from ccstd.adapters.orders.tables import BUILTIN, FAMILY, load_platform
from ccstd.standard.money import order_imbalance
from tests.adapters.orders.test_platforms import run
from tests.conftest import REPO_ROOT

ENGINE = REPO_ROOT / "adapters" / "orders"
ORDER_SCHEMA = REPO_ROOT / "standard" / "schemas" / "1.1.0" / "order.json"

NEW_PLATFORM = """
family = "orders"
standard = "1.1.0"
name = "orders-corner-shop"
description = "A shop's own export: {\\"bills\\": [...]}"
pages = ["bills"]
markers = ["\\"bill_no\\""]
channel = "other"
timezone = "Asia/Tokyo"
required = ["bill_no", "at", "sum"]

[order]
id = "bill_no"
placed_at = "at"
currency = "ccy"
merchant = {const = "Corner shop"}

[money]
subtotal = {sum = ["items[].amount"]}
total = "sum"

[[lines]]
items = "items"
name = "label"
quantity = "qty"
unit_price = "each"
total = {sum = ["qty * each"]}

[status.all]
source = "state"
default = "done"
codes = {done = ["completed", "paid", "fulfilled"]}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "corner-shop.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_new_platform_is_a_table_not_code(tmp_path: Path) -> None:
    platform = load_platform(write(tmp_path, NEW_PLATFORM))
    bills = {
        "bills": [
            {"bill_no": "B-1", "at": "2024-05-01 09:30", "ccy": "JPY", "sum": "1500",
             "items": [{"label": "お茶", "qty": 3, "each": "500", "amount": "1500"}]},
            {"bill_no": "B-2", "at": "2024-05-01 09:31", "ccy": "JPY", "sum": "1501",
             "items": [{"label": "お茶", "qty": 3, "each": "500", "amount": "1500"}]},
        ]
    }  # fmt: skip
    source = tmp_path / "bills.json"
    source.write_text(json.dumps(bills, ensure_ascii=False), encoding="utf-8")
    report, records, rejects = run(OrdersAdapter(platform), source, tmp_path / "out")
    assert (report["read"], report["converted"], report["rejected"]) == (2, 1, 1)
    order = records[0]
    assert order["placedAt"] == "2024-05-01T09:30:00+09:00"
    assert order["total"] == {"amount": "1500", "currency": "JPY"}
    assert order_imbalance(order) is None and order["standardVersion"] == "1.1.0"
    assert rejects[0]["reason"] == "order-total-mismatch" and "+1" in rejects[0]["message"]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (('id = "bill_no"', 'idd = "bill_no"'), ":13: order.idd: unknown key (did you mean id?)"),
        (('total = "sum"', 'totl = "sum"'), ":20: money.totl: unknown name 'totl'"),
        (('placed_at = "at"', 'placed_at = "at..x"'), ":14: order.placed_at: "),  # bad path
        (('channel = "other"\n', ""), ":1: channel: required key missing"),
        (("[status.all]", "[status.payment]"), ":29: status: needs `all`"),  # no rules
        (('standard = "1.1.0"', "standard = 1"), ":3: standard: "),
        (('standard = "1.1.0"', 'standard = "9.9.9"'), ":3: standard: no standard 9.9.9"),
    ],
)
def test_a_table_that_does_not_fit_is_refused_naming_the_key(
    tmp_path: Path, change: tuple[str, str], named: str
) -> None:
    broken = NEW_PLATFORM.replace(*change)
    assert broken != NEW_PLATFORM
    with pytest.raises(DataFileError) as error:
        load_platform(write(tmp_path, broken))
    message = str(error.value)
    assert message.startswith(f"{tmp_path / 'corner-shop.toml'}:"), message
    assert named in message and "\n" not in message, message


def test_not_toml_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match=r"corner-shop.toml:1: not valid TOML"):
        load_platform(write(tmp_path, "[shop\n"))


def _keys(schema: object) -> set[str]:
    """Every property name a JSON Schema declares (the format's own words)."""
    if isinstance(schema, dict):
        found = set(schema.get("properties", {}))
        return found.union(*(_keys(v) for v in schema.values()))
    if isinstance(schema, list):
        return set().union(*(_keys(v) for v in schema))
    return set()


def test_the_engine_names_no_platform_and_no_platform_field() -> None:
    tables = "".join(p.read_text(encoding="utf-8") for p in sorted(BUILTIN.glob("*.toml")))
    format_words = _keys(json.loads((ENGINE / "platforms.schema.json").read_text()))
    order_fields = _keys(json.loads(ORDER_SCHEMA.read_text())) | {"id", "type", "status"}
    fields = set(re.findall(r'"\^?([a-z_]+)(?:\[\])?(?:\.[a-z_]+)*"', tables))
    fields -= format_words | order_fields
    fields -= {FAMILY}  # the family's name, which Taobao's `orders` field happens to share
    fields -= set(re.findall(r'^channel = "([a-z-]+)"', tables, re.M))  # the standard's codes
    fields -= {"s", "ms", "major", "minor"}  # the format's own values (epoch units, amounts)
    fields |= {"shopify", "woocommerce", "taobao"}
    for module in ("engine.py", "tables.py", "values.py"):  # adapter.py: entry-point classes
        code = (ENGINE / module).read_text(encoding="utf-8")
        found = {f for f in fields if re.search(rf'"{re.escape(f)}"', code)}
        assert not found, f"{module} names platform fields: {sorted(found)}"
