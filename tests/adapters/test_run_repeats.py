"""Each item's own record once per run, end to end through `ccstd convert`: an item read again is
skipped as `duplicate` naming both locations, one with the same id and other content rejected as
`conflicting-id`; and order ids that keep platforms on a shared channel apart."""

from __future__ import annotations

import json
from pathlib import Path

from ccstd.cli.app import app
from tests.adapters.orders.test_tables import NEW_PLATFORM
from tests.adapters.test_identity_screening import KEY, RUNNER, alert, convert, lines


def test_an_item_read_twice_is_one_record_and_a_conflict_is_rejected(tmp_path: Path) -> None:
    once = alert()
    log = tmp_path / "a.xml"
    log.write_text(once, encoding="utf-8")
    done = convert(tmp_path, once, "--from", "xml-hikvision-isapi")
    out = tmp_path / "twice.ndjson"
    run = RUNNER.invoke(app, ["convert", str(log), str(tmp_path / "log.xml"), "--from",
                              "xml-hikvision-isapi", "-o", str(out)], env=KEY)  # fmt: skip
    assert run.exit_code == 0, run.output
    assert [r["type"] for r in lines(out)] == [r["type"] for r in done["records"]]
    assert "skipped        │     1 │ duplicate 1" in run.output
    validated = RUNNER.invoke(app, ["validate", str(out)], env=KEY)
    assert validated.exit_code == 0, validated.output


def bills(tmp_path: Path, *orders: dict) -> Path:  # type: ignore[type-arg]
    path = tmp_path / "bills.json"
    path.write_text(json.dumps({"bills": list(orders)}, ensure_ascii=False), encoding="utf-8")
    return path


BILL = {"bill_no": "B1", "at": "2024-05-01 09:30", "ccy": "JPY", "sum": "1500",
        "items": [{"label": "tea", "qty": 3, "each": "500", "amount": "1500"}]}  # fmt: skip


def test_an_order_repeated_is_skipped_and_one_changed_is_a_conflict(tmp_path: Path) -> None:
    platform = tmp_path / "shop.toml"
    platform.write_text(NEW_PLATFORM, encoding="utf-8")
    changed = {**BILL, "items": [{**BILL["items"][0], "label": "green tea"}]}  # type: ignore[dict-item]
    source = bills(tmp_path, BILL, BILL, changed)
    out, rejects, ledger = (tmp_path / n for n in ("out.ndjson", "rejects.ndjson", "ledger.json"))
    args = ["--dialect", str(platform), "-o", str(out), "--rejects", str(rejects)]
    run = RUNNER.invoke(app, ["convert", str(source), *args, "--ledger", str(ledger)], env=KEY)
    assert run.exit_code == 1, run.output
    assert [r["id"] for r in lines(out)] == ["other-orders-corner-shop-B1"]
    [reject] = lines(rejects)
    assert reject["reason"] == "conflicting-id" and "bills[0]" in reject["message"]
    assert "bills[2]" in reject["message"]
    [message] = json.loads(ledger.read_text())["skippedMessages"]["orders-corner-shop: duplicate"]
    assert "bills[0]" in message and "bills[1]" in message
    assert "read           │     3" in run.output and "skipped        │     1" in run.output


def test_orders_of_two_platforms_on_channel_other_keep_apart(tmp_path: Path) -> None:
    ids = []
    for name in ("orders-corner-shop", "orders-other-shop"):
        platform = tmp_path / f"{name}.toml"
        platform.write_text(NEW_PLATFORM.replace("orders-corner-shop", name), encoding="utf-8")
        out = tmp_path / f"{name}.ndjson"
        run = RUNNER.invoke(app, ["convert", str(bills(tmp_path, BILL)), "--dialect", str(platform),
                                  "-o", str(out)], env=KEY)  # fmt: skip
        assert run.exit_code == 0, run.output
        ids += [r["id"] for r in lines(out)]
    assert ids == ["other-orders-corner-shop-B1", "other-orders-other-shop-B1"]


def test_an_order_whose_id_is_a_resident_id_number_is_rejected(tmp_path: Path) -> None:
    platform = tmp_path / "shop.toml"
    platform.write_text(NEW_PLATFORM, encoding="utf-8")
    source = bills(tmp_path, {**BILL, "bill_no": "11010519491231002X"}, BILL)
    out, rejects = tmp_path / "out.ndjson", tmp_path / "rejects.ndjson"
    args = ["--dialect", str(platform), "-o", str(out), "--rejects", str(rejects)]
    run = RUNNER.invoke(app, ["convert", str(source), *args], env=KEY)
    assert run.exit_code == 1, run.output
    assert "11010519491231002X" not in out.read_text(encoding="utf-8")
    [reject] = lines(rejects)
    assert reject["reason"] == "personal-data" and reject["path"] == "bill_no"
    assert "11010519491231002X" not in reject["message"]


def test_one_parcel_for_two_orders_is_two_deliveries_that_validate(tmp_path: Path) -> None:
    """A combined shipment: two trades with one tracking number give one Delivery per order
    (its id starts with the order's), so the output passes --check-references on its own."""
    sample = Path(__file__).parents[2] / "examples" / "vendors" / "orders" / "taobao-trades.ndjson"
    page = json.loads(sample.read_text(encoding="utf-8").splitlines()[0])
    shipped = [t for t in page["trades_sold_get_response"]["trades"]["trade"]
               if any(o.get("invoice_no") for o in t["orders"]["order"])][:2]  # fmt: skip
    assert len(shipped) == 2
    tracking = shipped[0]["orders"]["order"][0]["invoice_no"]
    for trade in shipped:
        for order in trade["orders"]["order"]:
            order["invoice_no"] = tracking
    page["trades_sold_get_response"]["trades"]["trade"] = shipped
    source = tmp_path / "trades.ndjson"
    source.write_text(json.dumps(page, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "out.ndjson"
    run = RUNNER.invoke(app, ["convert", str(source), "--from", "orders-taobao", "-o", str(out)],
                        env=KEY)  # fmt: skip
    assert run.exit_code == 0, run.output
    deliveries = [r for r in lines(out) if r["type"] == "Delivery"]
    assert len(deliveries) == 2 and len({d["id"] for d in deliveries}) == 2
    orders = {r["id"] for r in lines(out) if r["type"] == "Order"}
    assert {d["order"]["id"] for d in deliveries} == orders
    checked = RUNNER.invoke(app, ["validate", str(out), "--check-references"], env=KEY)
    assert checked.exit_code == 0, checked.output
