"""Write the sample data of the certification examples in examples/vendors/: a gate vendor whose
adapter leaks ID numbers (leaky-gate) and a courier whose records break lifecycle rules
(swift-courier). Seeded; rerun only to change the samples on purpose."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

from stdnum.cn import ric

VENDORS = Path("examples/vendors")
RNG = random.Random(11)
CST = timezone(timedelta(hours=8))


def resident_id() -> str:
    """A synthetic, well-formed GB 11643 number (Xicheng district, born 1940-1990)."""
    born = datetime(1940, 1, 1) + timedelta(days=RNG.randrange(0, 365 * 50))
    body = f"110102{born:%Y%m%d}{RNG.randrange(0, 1000):03d}"
    return body + ric.calc_check_digit(body + "?")  # the check digit is computed over [:-1]


def ndjson(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")


def device(vendor: str, number: int) -> dict:
    return {
        "id": f"lg-gate-{number:02d}",
        "type": "Device",
        "standardVersion": "1.0.0",
        "meta": {"sourceSystem": "device-registry", "vendor": vendor},
        "kind": "gate",
        "name": f"{number}号闸机",
        "manufacturer": vendor,
        "status": "active",
        "community": {"type": "Community", "id": "comm-xicheng-001"},
        "installedAt": "2022-03-01T10:00:00+08:00",
    }


def leaky_gate() -> None:
    folder = VENDORS / "leaky-gate"
    ndjson(folder / "records" / "devices.ndjson", [device("Leaky Gate", n) for n in (1, 2, 3)])
    people = [resident_id() for _ in range(12)]
    start = datetime(2024, 5, 1, 6, 30, tzinfo=CST)
    rows = ["time,gate,id_card,direction,result"]
    for n in range(60):
        moment = start + timedelta(minutes=7 * n + RNG.randrange(0, 5))
        result = "denied" if RNG.random() < 0.1 else "granted"
        direction = RNG.choice(["in", "out"])
        gate = f"lg-gate-{RNG.randrange(1, 4):02d}"
        rows.append(f"{moment.isoformat()},{gate},{RNG.choice(people)},{direction},{result}")
    (folder / "sources").mkdir(parents=True, exist_ok=True)
    (folder / "sources" / "gate-events.csv").write_text("\n".join(rows) + "\n", "utf-8")


DELIVERY_PATH = ["created", "picked-up", "in-transit", "out-for-delivery", "delivered"]


def order(number: int) -> dict:
    return {
        "id": f"sc-ord-{number:04d}",
        "type": "Order",
        "standardVersion": "1.0.0",
        "meta": {"sourceSystem": "shop-api", "vendor": "Swift Courier"},
        "orderNumber": f"SC{number:06d}",
        "channel": "wechat-mini-program",
        "merchant": {"name": "邻里生鲜"},
        "placedAt": f"2024-05-{1 + number % 28:02d}T09:00:00+08:00",
        "status": "completed",
        "paymentStatus": "paid",
        "fulfilmentStatus": "fulfilled",
        "lines": [
            {
                "sku": "EGG-030",
                "name": "土鸡蛋 30枚",
                "quantity": 1,
                "unitPrice": {"amount": "39.90", "currency": "CNY"},
                "total": {"amount": "39.90", "currency": "CNY"},
            }
        ],
        "total": {"amount": "39.90", "currency": "CNY"},
    }


def delivery(number: int) -> dict:
    placed = datetime(2024, 5, 1 + number % 28, 9, 30, tzinfo=CST)
    steps = DELIVERY_PATH[: RNG.randrange(3, len(DELIVERY_PATH) + 1)]
    timeline = [
        {"status": s, "at": (placed + timedelta(hours=3 * i)).isoformat()}
        for i, s in enumerate(steps)
    ]
    return {
        "id": f"sc-dlv-{number:04d}",
        "type": "Delivery",
        "standardVersion": "1.0.0",
        "meta": {"sourceSystem": "courier-api", "vendor": "Swift Courier"},
        "order": {"type": "Order", "id": f"sc-ord-{number:04d}"},
        "carrier": {"name": "迅捷快递", "code": "SWIFT"},
        "trackingNumber": f"SW{700000 + number}",
        "status": steps[-1],
        "destination": {"divisionCode": "110102", "line": "西城区某小区"},
        "timeline": timeline,
    }


def swift_courier() -> None:
    """Valid records, except for five semantic defects a schema cannot see."""
    folder = VENDORS / "swift-courier" / "records"
    orders = [order(n) for n in range(1, 41)]
    deliveries = [delivery(n) for n in range(1, 41)]
    placed = datetime(2024, 5, 5, 9, 30, tzinfo=CST)
    back = [*DELIVERY_PATH, "in-transit"]  # delivered, then in transit again: illegal
    deliveries[4]["timeline"] = [
        {"status": s, "at": (placed + timedelta(hours=3 * i)).isoformat()}
        for i, s in enumerate(back)
    ]
    deliveries[4]["status"] = "in-transit"
    deliveries[9]["timeline"][1]["at"] = "2024-05-01T00:00:00+08:00"  # time runs backwards
    deliveries[14]["status"] = "returned"  # contradicts its history
    deliveries[19]["order"]["id"] = "sc-ord-9999"  # refers to an order not submitted
    deliveries[24]["id"] = deliveries[23]["id"]  # duplicate id
    ndjson(folder / "orders.ndjson", orders)
    ndjson(folder / "deliveries.ndjson", deliveries)


if __name__ == "__main__":
    leaky_gate()
    swift_courier()
