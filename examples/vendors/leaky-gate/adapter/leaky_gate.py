"""A vendor's own adapter for its gate controller's CSV log, as a vendor might first write it.

It converts every row and accounts for every item, but it keys residents by their ID card
number: the raw number ends up in `subject.id`, a reference that pseudonymisation does not
touch. `ccstd certify` finds it (raw-identifier-leak). The fix: reference residents by the
vendor's internal resident number instead.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

from ccstd.adapters.base import Adapter, Converted, Outcome, Rejected, SourceContext, SourceItem
from ccstd.adapters.ledger import Coverage

HEADER = ["time", "gate", "id_card", "direction", "result"]
MAPPING = "time→occurredAt gate→device id_card→subject,credential direction result"


class LeakyGateAdapter(Adapter):
    """Gate controller CSV (time,gate,id_card,direction,result) → AccessEvent."""

    name = "leaky-gate-csv"
    version = "0.9.0"
    formats = ("Leaky Gate controller CSV log",)

    def sniff(self, sample: bytes, filename: str) -> float:
        return 0.9 if sample.startswith(b"time,gate,id_card") else 0.0

    def items(self, path: Path, context: SourceContext) -> Iterator[SourceItem]:
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield SourceItem(str(path), "file", data, problem=f"not UTF-8: {exc.reason}")
            return
        try:
            rows = list(csv.reader(io.StringIO(text)))
        except csv.Error as exc:
            yield SourceItem(str(path), "file", data, problem=f"not CSV: {exc}")
            return
        if not rows or rows[0] != HEADER:
            yield SourceItem(str(path), "file", data, problem="not a gate CSV (header differs)")
            return
        for number, row in enumerate(rows[1:], start=2):
            raw = ",".join(row).encode("utf-8")
            value = dict(zip(HEADER, row, strict=False)) if len(row) == len(HEADER) else None
            problem = None if value else f"expected {len(HEADER)} columns, found {len(row)}"
            yield SourceItem(str(path), f"line {number}", raw, value, problem, line=number)

    def convert(self, item: SourceItem, context: SourceContext) -> Outcome:
        row = item.value
        if row["result"] not in ("granted", "denied"):
            return Rejected("unknown-result", "result is neither granted nor denied", "result")
        denial = {"denialReason": "unknown-credential"} if row["result"] == "denied" else {}
        record = {
            "id": f"gate-evt-{item.sha256[:16]}",
            "type": "AccessEvent",
            "standardVersion": "1.0.0",
            "meta": {"sourceSystem": "leaky-gate", "vendor": "Leaky Gate"},
            "occurredAt": row["time"],
            "device": {"type": "Device", "id": row["gate"]},
            "method": "card",
            "direction": row["direction"],
            "result": row["result"],
            **denial,
            "subject": {"type": "Resident", "id": row["id_card"]},  # the leak
            "credential": {"kind": "card", "value": row["id_card"]},
        }
        return Converted((record,))

    def coverage(self) -> dict[str, Coverage]:
        return {self.name: Coverage(mapped=frozenset(HEADER))}

    def mapping_digest(self) -> str:
        return "sha256:" + hashlib.sha256(MAPPING.encode()).hexdigest()
