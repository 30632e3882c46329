"""Orders from Shopify, WooCommerce and Taobao: counts, exact money, times, masking, deliveries."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccstd.adapters.base import Adapter
from ccstd.adapters.ledger import Ledger
from ccstd.adapters.orders import (
    MeituanWaimaiOrders,
    ShopifyOrders,
    TaobaoOrders,
    WooCommerceOrders,
)
from ccstd.adapters.orders.values import money
from ccstd.adapters.privacy import Protector
from ccstd.adapters.registry import detect
from ccstd.adapters.runner import Outputs, convert_paths
from ccstd.standard.checker import CheckOptions
from ccstd.standard.money import order_imbalance
from ccstd.standard.registry import StandardRegistry
from ccstd.standard.runner import validate_paths
from tests.conftest import REPO_ROOT

SAMPLES = REPO_ROOT / "examples" / "vendors" / "orders"
CASES = [  # adapter, sample, (read, converted, rejected), rejection reasons
    (ShopifyOrders, "shopify-orders.json", (200, 198, 2), {"unknown-vendor-code", "invalid-money"}),
    (
        WooCommerceOrders,
        "woocommerce-orders.json",
        (200, 198, 2),
        {"invalid-quantity", "missing-required"},
    ),
    (TaobaoOrders, "taobao-trades.ndjson", (200, 198, 2), {"unknown-vendor-code", "invalid-time"}),
    (
        MeituanWaimaiOrders,
        "meituan-waimai-orders.ndjson",
        (200, 198, 2),
        {"unknown-vendor-code", "invalid-json-text"},
    ),
]


def run(adapter: Adapter, source: Path, tmp_path: Path) -> tuple[dict, list[dict], list[dict]]:  # type: ignore[type-arg]
    tmp_path.mkdir(parents=True, exist_ok=True)
    outputs = Outputs(tmp_path / "out.ndjson", tmp_path / "rejects.ndjson")
    protector = Protector(StandardRegistry().get(adapter.standard_version), b"orders-test-key-0123")
    report = convert_paths(adapter, [source], outputs, protector, Ledger(adapter.coverage()))
    records = [json.loads(line) for line in outputs.records.read_text().splitlines()]
    rejects = [json.loads(line) for line in (tmp_path / "rejects.ndjson").read_text().splitlines()]
    return report.as_json(), records, rejects


@pytest.mark.parametrize(
    ("adapter", "sample", "counts", "reasons"), CASES, ids=[c[1] for c in CASES]
)
def test_samples_convert_and_validate_with_references(
    adapter: type[Adapter],
    sample: str,
    counts: tuple[int, int, int],
    reasons: set[str],
    tmp_path: Path,
) -> None:
    report, _, rejects = run(adapter(), SAMPLES / sample, tmp_path)
    assert (report["read"], report["converted"], report["rejected"]) == counts
    assert {r["reason"] for r in rejects} == reasons and report["unknownFields"] == 0
    result = validate_paths([str(tmp_path / "out.ndjson")], CheckOptions(check_references=True))
    assert result.invalid == 0 and result.findings == ()
    assert detect(SAMPLES / sample).name == adapter().name


def test_money_is_exact_and_every_order_adds_up(tmp_path: Path) -> None:
    for adapter, sample, *_ in CASES:
        _, records, _ = run(adapter(), SAMPLES / sample, tmp_path / sample)
        orders = [r for r in records if r["type"] == "Order"]
        assert orders and all("subtotal" in o and order_imbalance(o) is None for o in orders)
        assert all(isinstance(line["total"]["amount"], str) for o in orders for line in o["lines"])


def test_times_carry_their_zone(tmp_path: Path) -> None:
    _, taobao, _ = run(TaobaoOrders(), SAMPLES / "taobao-trades.ndjson", tmp_path / "t")
    _, woo, _ = run(WooCommerceOrders(), SAMPLES / "woocommerce-orders.json", tmp_path / "w")
    _, shop, _ = run(ShopifyOrders(), SAMPLES / "shopify-orders.json", tmp_path / "s")
    assert taobao[0]["placedAt"].endswith("+08:00")
    assert woo[0]["placedAt"].endswith("+00:00")  # date_created_gmt
    assert shop[0]["placedAt"].endswith("-04:00")


def test_masked_buyer_fields_stay_masked(tmp_path: Path) -> None:
    report, records, _ = run(TaobaoOrders(), SAMPLES / "taobao-trades.ndjson", tmp_path)
    order = next(r for r in records if r["type"] == "Order")
    assert order["recipientPhone"]["protection"] == order["recipientName"]["protection"] == "masked"
    assert report["identifiers"] == {"masked": 2 * report["converted"]}


def test_fulfilments_become_deliveries_of_their_order(tmp_path: Path) -> None:
    _, records, _ = run(ShopifyOrders(), SAMPLES / "shopify-orders.json", tmp_path)
    orders = {r["id"] for r in records if r["type"] == "Order"}
    deliveries = [r for r in records if r["type"] == "Delivery"]
    assert deliveries and all(d["order"]["id"] in orders for d in deliveries)
    assert {d["carrier"]["name"] for d in deliveries} == {"UPS"}


def test_rejections_name_fields_not_values(tmp_path: Path) -> None:
    _, _, rejects = run(ShopifyOrders(), SAMPLES / "shopify-orders.json", tmp_path)
    by_reason = {r["reason"]: r for r in rejects}
    assert (
        by_reason["invalid-money"]["path"] == "total_price"
        and "12,50" not in by_reason["invalid-money"]["message"]
    )
    assert by_reason["unknown-vendor-code"]["path"] == "financial_status"


def test_ndjson_of_orders_and_single_pages(tmp_path: Path) -> None:
    orders = json.loads((SAMPLES / "woocommerce-orders.json").read_text())[:3]
    source = tmp_path / "woo.ndjson"
    source.write_text("".join(json.dumps(o) + "\n" for o in orders) + "{broken\n")
    report, _, rejects = run(WooCommerceOrders(), source, tmp_path)
    assert (report["read"], report["converted"], report["rejected"]) == (4, 3, 1)
    assert rejects[0]["line"] == 4


@given(
    st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=4, allow_nan=False)
)
def test_money_round_trips_exactly(amount: Decimal) -> None:
    assert Decimal(money(amount, "CLF", "total")["amount"]) == amount


def test_meituan_pushes_read_epochs_json_text_and_fen_and_leave_out_privacy_numbers(
    tmp_path: Path,
) -> None:
    sample = SAMPLES / "meituan-waimai-orders.ndjson"
    report, records, rejects = run(MeituanWaimaiOrders(), sample, tmp_path)
    pushes = [json.loads(line) for line in sample.read_text(encoding="utf-8").splitlines()]
    first, order = pushes[0], records[0]
    assert order["placedAt"] == "2024-05-01T00:00:00+00:00"  # ctime 1714521600 (text)
    assert records[1]["placedAt"] == "2024-05-01T00:10:17+00:00"  # ctime as a number
    paid = json.loads(first["poi_receive_detail"])["onlinePayment"]  # fen
    assert Decimal(order["amountPaid"]["amount"]) * 100 == paid
    names = [d["food_name"] for d in json.loads(first["detail"])]
    assert [line["name"] for line in order["lines"]] == names
    assert order["recipientName"]["protection"] == "pseudonymised"
    written = json.dumps(records, ensure_ascii=False)
    for push in pushes:
        for private in ("recipient_phone", "recipient_address", "wm_poi_phone"):
            assert push[private] not in written
    assert "_" not in "".join(str(o.get("recipientPhone", "")) for o in records)
    by_reason = {r["reason"]: r for r in rejects}
    assert by_reason["invalid-json-text"]["message"].startswith("detail holds text")
    assert report["unknownFields"] == 0


def test_adapters_check_says_what_the_meituan_file_parses() -> None:
    from typer.testing import CliRunner

    from ccstd.adapters.orders.tables import BUILTIN
    from ccstd.cli.app import app

    run = CliRunner().invoke(app, ["adapters", "check", str(BUILTIN / "meituan-waimai.toml")])
    assert run.exit_code == 0, run.output
    assert "JSON text parsed: detail, extras, poi_receive_detail" in run.stdout
    assert "Order.placed_at          ← ctime" in run.stdout
