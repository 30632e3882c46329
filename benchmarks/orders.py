"""Orders benchmark: orders/s of `ccstd convert` (Taobao trades) against orjson parsing the same
orders alone, in one run. The issue sets no target ratio; the figure goes in the README."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import orjson

from ccstd.adapters.orders import TaobaoOrders
from ccstd.adapters.privacy import Protector
from ccstd.adapters.runner import Outputs, convert_paths
from ccstd.standard.registry import StandardRegistry

SAMPLE = Path(__file__).parent.parent / "examples" / "vendors" / "orders" / "taobao-trades.ndjson"
COPIES = 50


def main() -> None:
    pages = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
    trades = [t for page in pages for t in page["trades_sold_get_response"]["trades"]["trade"]]
    orders = [
        dict(trade, tid=trade["tid"] * 100 + copy) for copy in range(COPIES) for trade in trades
    ]
    lines = [orjson.dumps(order) for order in orders]
    started = time.perf_counter()
    for line in lines:
        orjson.loads(line)
    floor = len(lines) / (time.perf_counter() - started)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "trades.ndjson"
        source.write_bytes(b"\n".join(lines) + b"\n")
        adapter = TaobaoOrders()
        standard = StandardRegistry().get(adapter.standard_version)
        protector = Protector(standard, b"benchmark-key-0123456789")
        report = convert_paths(adapter, [source], Outputs(Path(tmp) / "out.ndjson"), protector)
    rate = report.read / report.seconds
    print(f"{'orjson.loads alone (floor)':<34} {floor:>10,.0f} orders/s")
    print(
        f"{'ccstd convert (orders-taobao)':<34} {rate:>10,.0f} orders/s   ratio {rate / floor:.3f}"
    )


if __name__ == "__main__":
    main()
