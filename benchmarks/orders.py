"""Orders benchmark: orders/s of `ccstd convert` (Taobao trades) against orjson parsing the same
orders alone, in one run (target >= 0.25, issue 13).

The conversion is the CLI's: records, rejects and the field ledger. The two are measured in
alternating rounds and the best of each kept. The ceiling line is the ratio an engine would reach
if converting cost nothing beyond parsing and what every output record needs (validation by the
compiled plan, JSON encoding: benchmarks/output_floor.py)."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import orjson

from benchmarks.output_floor import output_seconds
from ccstd.adapters.ledger import Ledger
from ccstd.adapters.orders import TaobaoOrders
from ccstd.adapters.privacy import Protector
from ccstd.adapters.runner import Outputs, convert_paths
from ccstd.standard.registry import StandardRegistry

SAMPLE = Path(__file__).parent.parent / "examples" / "vendors" / "orders" / "taobao-trades.ndjson"
COPIES = 50
ROUNDS = 3


def _parse_alone(lines: list[bytes]) -> float:
    started = time.perf_counter()
    for line in lines:
        orjson.loads(line)
    return time.perf_counter() - started


def _convert(source: Path, tmp: Path) -> float:
    adapter = TaobaoOrders()
    standard = StandardRegistry().get(adapter.standard_version)
    protector = Protector(standard, b"benchmark-key-0123456789")
    outputs = Outputs(tmp / "out.ndjson", tmp / "rejects.ndjson", tmp / "ledger.json")
    report = convert_paths(adapter, [source], outputs, protector, Ledger(adapter.coverage()))
    return report.seconds


def main() -> None:
    pages = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
    trades = [t for page in pages for t in page["trades_sold_get_response"]["trades"]["trade"]]
    orders = [
        dict(trade, tid=trade["tid"] * 100 + copy) for copy in range(COPIES) for trade in trades
    ]
    lines = [orjson.dumps(order) for order in orders]
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        source = tmp / "trades.ndjson"
        source.write_bytes(b"\n".join(lines) + b"\n")
        floor, ours = float("inf"), float("inf")
        for _ in range(ROUNDS):
            floor = min(floor, _parse_alone(lines))
            ours = min(ours, _convert(source, tmp))
        output = output_seconds(tmp / "out.ndjson")
    count = len(lines)
    print(f"{'orjson.loads alone (floor)':<34} {count / floor:>10,.0f} orders/s")
    print(f"{'ccstd convert (orders-taobao)':<34} {count / ours:>10,.0f} orders/s   "
          f"ratio {floor / ours:.3f}  target >= 0.25")  # fmt: skip
    print(f"{'ceiling: parse + output alone':<34} {count / (floor + output):>10,.0f} orders/s   "
          f"ratio {floor / (floor + output):.3f}  (output validated, encoded)")  # fmt: skip


if __name__ == "__main__":
    main()
