"""`ccstd convert --ledger`: a field nothing reads inside an order's item arrays is unknown."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from tests.conftest import REPO_ROOT

SAMPLES = REPO_ROOT / "examples" / "vendors" / "orders"
KEY = {"CCSTD_PSEUDONYM_KEY": "ledger-item-fields-key-0123"}


def _taobao(path: Path) -> Path:
    page = json.loads((SAMPLES / "taobao-trades.ndjson").read_text("utf-8").splitlines()[0])
    trade = page["trades_sold_get_response"]["trades"]["trade"][0]
    trade["orders"]["order"][0]["buyer_phone"] = "x"
    path.write_text(json.dumps(trade, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _shopify(path: Path) -> Path:
    data: dict[str, Any] = json.loads((SAMPLES / "shopify-orders.json").read_text("utf-8"))
    order = data["orders"][0]
    order["line_items"][0]["foo_bar"] = 1
    order.setdefault("fulfillments", [{}])[0]["foo_ful"] = 2
    order["shipping_lines"][0]["foo_ship"] = 3
    data["orders"] = [order]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("make", "unknown"),
    [
        (_taobao, {"orders-taobao.orders.order.buyer_phone"}),
        (
            _shopify,
            {
                "orders-shopify.line_items.foo_bar",
                "orders-shopify.fulfillments.foo_ful",
                "orders-shopify.shipping_lines.foo_ship",
            },
        ),
    ],
)
def test_unknown_fields_inside_item_arrays_reach_the_ledger(
    tmp_path: Path, make: Any, unknown: set[str]
) -> None:
    source = make(tmp_path / "source.json")
    ledger = tmp_path / "ledger.json"
    args = ["convert", str(source), "--out", str(tmp_path / "out.ndjson"), "--ledger", str(ledger)]
    result = CliRunner().invoke(app, args, env=KEY)
    assert result.exit_code == 0, result.output
    assert set(json.loads(ledger.read_text("utf-8"))["unknown"]) == unknown
    assert f"unknown fields │ {len(unknown)} " in " ".join(result.output.split())


def test_a_taobao_delivery_id_is_not_its_waybill_number(tmp_path: Path) -> None:
    """A UPS waybill holds a mobile-shaped run: in the id it cost the Delivery (personal-data)."""
    page = json.loads((SAMPLES / "taobao-trades.ndjson").read_text("utf-8").splitlines()[0])
    trades = page["trades_sold_get_response"]["trades"]["trade"]
    trade = next(t for t in trades if t.get("consign_time") and t["orders"]["order"])
    for line in trade["orders"]["order"]:
        line["invoice_no"] = "1ZW9V7F15901234569"
    source = tmp_path / "ups.ndjson"
    source.write_text(json.dumps(trade, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "out.ndjson"
    result = CliRunner().invoke(app, ["convert", str(source), "--out", str(out)], env=KEY)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    deliveries = [r for r in records if r["type"] == "Delivery"]
    assert [d["trackingNumber"] for d in deliveries] == ["1ZW9V7F15901234569"]  # one parcel
    assert "1ZW9V7F15901234569" not in deliveries[0]["id"]
    assert deliveries[0]["id"].startswith(f"taobao-{trade['tid']}-dlv-")
