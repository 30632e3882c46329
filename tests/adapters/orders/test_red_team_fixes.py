"""Order platforms after a red-team pass, each driven through the CLI: names of a person's data
by word class, Meituan's payment and statuses, files told apart by content, nested item arrays
(Ele.me's groups), and the small ones (a byte order mark, a quoted dropped key, epoch 0, JSON
text nested too deep, digests in a redacted rejects line)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from tests.conftest import REPO_ROOT

RUNNER = CliRunner()
ENV = {"CCSTD_PSEUDONYM_KEY": "6bc68fdd41bf7b808652f603a70558e3755e9aab1ebd5dd0109e266a6fd35863"}
MEITUAN = REPO_ROOT / "adapters" / "orders" / "platforms" / "meituan-waimai.toml"
EXAMPLE = REPO_ROOT / "examples" / "vendors" / "orders" / "meituan-waimai-orders.ndjson"
MERCHANT = 'merchant = ["wm_poi_name", {const = "(meituan waimai store)"}]'


def _order(**fields: Any) -> dict[str, Any]:
    first = EXAMPLE.read_text(encoding="utf-8").splitlines()[0]
    return dict(json.loads(first), **fields)


def _ndjson(orders: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in orders).encode()


def _convert(tmp_path: Path, source: Path, *extra: str) -> tuple[int, list[Any], list[Any]]:
    out, rejects = tmp_path / "out.ndjson", tmp_path / "rejects.ndjson"
    args = ["convert", str(source), "-o", str(out), "--rejects", str(rejects), "-q", *extra]
    done = RUNNER.invoke(app, args, env=ENV)
    assert done.exit_code in (0, 1), done.output
    read = [json.loads(x) for x in out.read_text("utf-8").splitlines()] if out.exists() else []
    bad = rejects.read_text("utf-8").splitlines() if rejects.exists() else []
    return done.exit_code, read, [json.loads(x) for x in bad]


def _check(tmp_path: Path, text: str) -> tuple[Path, Any]:
    file = tmp_path / "mt.toml"
    file.write_text(text, encoding="utf-8")
    return file, RUNNER.invoke(app, ["adapters", "check", str(file)], env=ENV)


PERSONS = [
    "logistics_dispatcher_name", "consignee", "receiver", "recipient", "fans_nickname",
    "deliveryGeo", "`收货人/提货人`", "买家会员名", "提货人", "签收人", "取件人", "下单人",
    "付款人", "配送员", "骑手", "riderName", "courier_name", "dispatcherName", "recipient_name",
]  # fmt: skip


@pytest.mark.parametrize("key", PERSONS)
def test_a_persons_name_written_unprotected_is_exit_2(tmp_path: Path, key: str) -> None:
    text = MEITUAN.read_text(encoding="utf-8").replace(MERCHANT, f'merchant = "{key}"')
    line = text.splitlines().index(f'merchant = "{key}"') + 1
    file, run = _check(tmp_path, text)
    assert run.exit_code == 2 and f"{file}:{line}: order.merchant" in run.stderr, run.stderr
    assert "a person's data" in run.stderr


def test_a_riders_name_as_a_delivery_carrier_is_exit_2(tmp_path: Path) -> None:
    deliveries = """
[[deliveries]]
items = "logistics"
key = "id"
carrier = "logistics_dispatcher_name"
tracking_number = "id"
at = "t"
[deliveries.status]
source = "s"
codes = {x = "delivered"}
"""
    text = MEITUAN.read_text(encoding="utf-8") + deliveries
    line = text.splitlines().index('carrier = "logistics_dispatcher_name"') + 1
    file, run = _check(tmp_path, text)
    assert run.exit_code == 2 and f"{file}:{line}: deliveries.0.carrier" in run.stderr, run.stderr


@pytest.mark.parametrize(
    "key", ["shop_name", "wm_poi_name", "device_name", "site_name", "network_name",
            "store_location", "wifi_network_name"]
)  # fmt: skip
def test_a_shops_a_sites_a_devices_or_a_networks_name_is_allowed(tmp_path: Path, key: str) -> None:
    text = MEITUAN.read_text(encoding="utf-8").replace(MERCHANT, f'merchant = "{key}"')
    _, run = _check(tmp_path, text)
    assert run.exit_code == 0, run.stderr


@pytest.mark.parametrize(
    ("status", "pay_type", "expected"),
    [
        (8, 1, ("completed", "paid", "fulfilled")),  # cash collected on delivery
        (6, 1, ("processing", "unpaid", "fulfilled")),  # cash on delivery, not delivered yet
        (2, 1, ("pending", "unpaid", "unfulfilled")),
        (9, 1, ("cancelled", "unpaid", "unfulfilled")),  # never paid: not refunded
        (9, 2, ("cancelled", "voided", "unfulfilled")),  # paid or not: no refund claimed
        (1, 2, ("pending", "unpaid", "unfulfilled")),  # submitted, not paid yet
        (3, 2, ("pending", "paid", "unfulfilled")),  # the shop has received it
        (7, 2, ("processing", "paid", "fulfilled")),  # delivered
        (2, 2, ("pending", "paid", "unfulfilled")),
    ],
)
def test_meituan_payment_follows_pay_type_and_status(
    tmp_path: Path, status: int, pay_type: int, expected: tuple[str, str, str]
) -> None:
    source = tmp_path / "mt.ndjson"
    source.write_bytes(_ndjson([_order(status=status, pay_type=pay_type)]))
    _, records, rejects = _convert(tmp_path, source)
    [order] = [r for r in records if "paymentStatus" in r]
    assert (order["status"], order["paymentStatus"], order["fulfilmentStatus"]) == expected
    assert rejects == []


def _gz(data: bytes) -> bytes:
    return gzip.compress(data)


@pytest.mark.parametrize(
    ("name", "pack"),
    [("mt.log", bytes), ("mt.txt", bytes), ("mt.json", bytes), ("mt.gz", _gz),
     ("mt.ndjson", bytes)],
)  # fmt: skip
def test_ndjson_of_any_name_is_read_line_by_line(tmp_path: Path, name: str, pack: Any) -> None:
    lines = EXAMPLE.read_bytes().splitlines(keepends=True)[:3]
    source = tmp_path / name
    source.write_bytes(pack(b"".join(lines)))
    _, records, rejects = _convert(tmp_path, source, "--dialect", str(MEITUAN))
    assert rejects == [] and len([r for r in records if "paymentStatus" in r]) == 3


@pytest.mark.parametrize("shape", ["ndjson", "array"])
def test_a_byte_order_mark_at_the_start_is_accepted(tmp_path: Path, shape: str) -> None:
    orders = [_order(order_id=1, wm_order_id_view="1"), _order(order_id=2, wm_order_id_view="2")]
    data = _ndjson(orders) if shape == "ndjson" else json.dumps(orders).encode()
    source = tmp_path / ("mt.ndjson" if shape == "ndjson" else "mt.json")
    source.write_bytes(b"\xef\xbb\xbf" + data)
    _, records, rejects = _convert(tmp_path, source, "--dialect", str(MEITUAN))
    assert rejects == [] and len([r for r in records if "paymentStatus" in r]) == 2
