"""Seeded inputs for the unchanged-output check of `ccstd convert` (test_convert_unchanged.py).

Each builder writes one file and returns (file, adapter name): the benchmarks' own inputs at a
small size, and variants made to reach the paths a benchmark never takes (missing and odd values,
unknown codes, repeated and nested elements, attributes where text was expected).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from benchmarks.xml import write_log

VENDORS = Path(__file__).parent.parent.parent / "examples" / "vendors"
TAOBAO = VENDORS / "orders" / "taobao-trades.ndjson"

_NAMED = ' name="王小明"'
_ODD: list[Any] = ["", None, [], {}, "1e500", 1.5, "abc", "x" * 5000, -3, "0.001", True]
_ODD += [{"a": {"b": [1, 2]}}, "2024-13-45 99:99:99", "11010519491231002X", "+8613912345678"]


def bench_xml(folder: Path) -> Path:
    """The XML benchmark's log, at 1 MB."""
    return write_log(folder / "bench.xml", 1)


def odd_xml(folder: Path) -> Path:
    """A legacy log whose events vary in every way the dialect reads them."""
    rng = random.Random(13)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<AccessLog site="东门小区" exported="2024-05-02">'
    ]
    for n in range(600):
        attributes = {
            "id": str(n),
            "time": f"2024-05-01 10:{n % 60:02d}:{n % 59:02d}",
            "controller": rng.choice(["LY-1", "东门", "LY 2", "x" * 200]),
            "door": rng.choice(["1", "abc", "", "99999999999"]),
            "reader": "1",
        }
        if rng.random() < 0.1:
            del attributes[rng.choice(sorted(attributes))]
        if rng.random() < 0.05:
            attributes["time"] = rng.choice(["yesterday", "2024-05-01T10:00:00+08:00", ""])
        children = [
            f"<Card>{rng.randrange(10**8):08d}</Card>",
            f'<Person code="P{n}"{rng.choice(["", _NAMED])}/>',
            f'<Result code="{rng.choice(["OK", "E01", "E02", "E03", "E99", ""])}"/>',
            f"<Method>{rng.choice(['CARD', 'FACE', 'QR', 'GUEST', 'NFC'])}</Method>",
            f"<Direction>{rng.choice(['IN', 'OUT', '进', '出', 'SIDEWAYS'])}</Direction>",
        ]
        extra = ["<Remark>note</Remark>", "<Card type=\"ic\">1234</Card>", "<Card>2</Card>",
                 "<Extra><Deep a=\"1\">t</Deep><Deep>u</Deep></Extra>", "<Method/>",
                 "<Result code=\"OK\">text</Result>", "<Direction>  </Direction>"]  # fmt: skip
        children += rng.sample(extra, rng.randrange(3))
        rng.shuffle(children)
        if rng.random() < 0.1:
            children.pop()
        attrs = " ".join(f'{k}="{v}"' for k, v in attributes.items())
        parts.append(f"<Event {attrs}>{''.join(children)}</Event>")
    parts.append("</AccessLog>\n")
    path = folder / "odd.xml"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def _trades() -> list[dict[str, Any]]:
    pages = [json.loads(line) for line in TAOBAO.read_text(encoding="utf-8").splitlines()]
    return [t for page in pages for t in page["trades_sold_get_response"]["trades"]["trade"]]


def bench_orders(folder: Path, copies: int = 5) -> Path:
    """The orders benchmark's input (as benchmarks/orders.py builds it), with fewer copies."""
    orders = [dict(t, tid=t["tid"] * 100 + copy) for copy in range(copies) for t in _trades()]
    path = folder / "trades.ndjson"
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in orders), "utf-8")
    return path


def odd_orders(folder: Path) -> Path:
    """Taobao trades with one or two values changed to odd ones, or taken out."""
    rng = random.Random(31)
    lines = []
    for index, trade in enumerate(_trades() * 3):
        trade = json.loads(json.dumps(trade))
        trade["tid"] = trade["tid"] * 10 + index % 10
        for _ in range(rng.randrange(1, 3)):
            target = trade
            held = trade.get("orders")
            lines_of = held.get("order") if isinstance(held, dict) else None
            if isinstance(lines_of, list) and lines_of and rng.random() < 0.4:
                target = rng.choice(lines_of)
            if not isinstance(target, dict) or not target:
                continue
            key = rng.choice(sorted(target))
            if rng.random() < 0.3:
                del target[key]
            else:
                target[key] = rng.choice(_ODD)
        lines.append(json.dumps(trade, ensure_ascii=False))
    path = folder / "odd-trades.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
