"""Order platforms after a red-team pass, each driven through the CLI: names of a person's data
by word class, Meituan's payment and statuses, files told apart by content, nested item arrays
(Ele.me's groups), and the small ones (a byte order mark, a quoted dropped key, epoch 0, JSON
text nested too deep, digests in a redacted rejects line)."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from ccstd.standard.redaction import redact
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


# Ele.me (饿了么) open platform order (eleme.order.getOrder, OOrder): lines sit in groups (a
# basket each, OGoodsGroup) as items (OGoodsItem); amounts in yuan, times local ISO text.
ELEME = """family = "orders"
standard = "1.2.0"
name = "orders-eleme-test"
description = "Ele.me orders: lines in groups[].items"
pages = []
markers = ["\\"orderId\\""]
channel = "other"
timezone = "Asia/Shanghai"
required = ["orderId", "createdAt", "totalPrice", "status"]

[order]
id = "orderId"
placed_at = "createdAt"
currency = {const = "CNY"}
merchant = "shopName"

[money]
subtotal = {sum = ["groups[].items[].total"]}
shipping = "deliverFee"
total = "totalPrice"

[[lines]]
items = "groups[].items"
sku = "skuId"
name = "name"
quantity = "quantity"
unit_price = "price"
total = "total"

[status.all]
source = "status"
codes = {valid = ["confirmed", "paid", "unfulfilled"], settled = ["completed", "paid", "fulfilled"]}

[dropped]
consignee = "the recipient's name: not carried"
phoneList = "the recipient's phones: not carried"
address = "a street address line: not carried"
deliveryGeo = "where the recipient lives: not carried"
"groups.name" = "the basket's name"
"groups.type" = "the basket's kind"
"groups.items.id" = "the item's id on the platform: the sku is carried"
"""


def _eleme(order_id: str, groups: list[list[tuple[str, int, float]]]) -> dict[str, Any]:
    baskets = [
        {"name": f"{n}号篮子", "type": "normal",
         "items": [{"id": 1, "skuId": sku, "name": sku, "quantity": q, "price": p,
                    "total": q * p} for sku, q, p in basket]}
        for n, basket in enumerate(groups, 1)
    ]  # fmt: skip
    total = sum(q * p for basket in groups for _, q, p in basket) + 5.0
    return {"orderId": order_id, "createdAt": "2024-05-01T12:00:00", "shopName": "测试店",
            "totalPrice": total, "deliverFee": 5.0, "status": "valid", "consignee": "王小明",
            "phoneList": ["13800001111"], "address": "某路 1 号", "deliveryGeo": "120.1,30.2",
            "groups": baskets}  # fmt: skip


def test_eleme_lines_in_groups_are_every_groups_items(tmp_path: Path) -> None:
    platform = tmp_path / "eleme.toml"
    platform.write_text(ELEME, encoding="utf-8")
    orders = [
        _eleme("E1", [[("A", 2, 3.0), ("B", 1, 4.5)], [("C", 1, 10.0)]]),
        _eleme("E2", [[("D", 1, 8.0)]]),
    ]
    source = tmp_path / "eleme.json"
    source.write_text(json.dumps(orders, ensure_ascii=False), encoding="utf-8")
    _, records, rejects = _convert(tmp_path, source, "--dialect", str(platform))
    assert rejects == []
    e1, e2 = [r for r in records if "lines" in r]
    assert [line["sku"] for line in e1["lines"]] == ["A", "B", "C"]
    assert [line["sku"] for line in e2["lines"]] == ["D"]
    assert "王小明" not in json.dumps(records, ensure_ascii=False)


def test_eleme_groups_that_are_not_arrays_reject_the_order(tmp_path: Path) -> None:
    platform = tmp_path / "eleme.toml"
    platform.write_text(ELEME, encoding="utf-8")
    good, bad = _eleme("E1", [[("A", 1, 3.0)]]), _eleme("E2", [[("A", 1, 3.0)]])
    bad["groups"] = [{"name": "x", "items": {"skuId": "A"}}]
    source = tmp_path / "eleme.json"
    source.write_text(json.dumps([good, bad], ensure_ascii=False), encoding="utf-8")
    code, _, [reject] = _convert(tmp_path, source, "--dialect", str(platform))
    assert code == 1 and reject["reason"] == "invalid-structure"
    assert "groups.items" in reject["message"]


def test_a_quoted_dropped_key_is_dropped(tmp_path: Path) -> None:
    text = MEITUAN.read_text(encoding="utf-8") + '"`身份证号码`" = "an ID number: not carried"\n'
    platform = tmp_path / "mt.toml"
    platform.write_text(text, encoding="utf-8")
    source, ledger = tmp_path / "mt.ndjson", tmp_path / "ledger.json"
    source.write_bytes(_ndjson([_order(身份证号码="x")]))
    _convert(tmp_path, source, "--dialect", str(platform), "--ledger", str(ledger))
    report = json.loads(ledger.read_text(encoding="utf-8"))
    assert "身份证号码" not in json.dumps(report["unknown"], ensure_ascii=False)
    assert "身份证号码" in json.dumps(report["dropped"], ensure_ascii=False)
    both = text + '"`total`" = "dropped and mapped"\n'
    _, run = _check(tmp_path, both)
    assert run.exit_code == 2 and "map it or drop it" in run.stderr, run.stderr


def test_epoch_zero_is_an_invalid_time_naming_the_field(tmp_path: Path) -> None:
    source = tmp_path / "mt.ndjson"
    source.write_bytes(_ndjson([_order(), _order(order_id=2, wm_order_id_view="2", ctime=0)]))
    code, _, [reject] = _convert(tmp_path, source)
    assert code == 1 and reject["reason"] == "invalid-time" and "ctime" in reject["message"]


def test_redacted_rejects_keep_their_digests(tmp_path: Path) -> None:
    # caution "v67": the item's digest holds a run of digits `redact` alone would cut
    source = tmp_path / "mt.ndjson"
    source.write_bytes(_ndjson([_order(status=99, caution="v67")]))
    shared = tmp_path / "shared.ndjson"
    _, _, [reject] = _convert(tmp_path, source, "--rejects-redacted", str(shared))
    digests = re.findall(r"[0-9a-f]{64}", json.dumps(reject))
    assert any(redact(d) != d for d in digests)  # the case this test is about
    [line] = [json.loads(x) for x in shared.read_text("utf-8").splitlines()]
    assert line["redacted"] is True and line["sha256"] == reject["sha256"]
    assert line["file"] == reject["file"] and "[redacted]" not in json.dumps(line)


def test_an_array_with_one_order_a_line_is_one_document(tmp_path: Path) -> None:
    orders = [_order(order_id=1, wm_order_id_view="1")]
    source = tmp_path / "mt.json"
    source.write_text("[\n" + json.dumps(orders[0], ensure_ascii=False) + "\n]\n", "utf-8")
    _, records, rejects = _convert(tmp_path, source, "--dialect", str(MEITUAN))
    assert rejects == [] and len([r for r in records if "paymentStatus" in r]) == 1
