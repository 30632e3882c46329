"""The runner accounts for every item and survives adapters that fail."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ccstd.adapters.base import Adapter, Converted, Outcome, SourceContext, SourceItem
from ccstd.adapters.privacy import Protector
from ccstd.adapters.runner import ConversionReport, CountMismatchError, Outputs, convert_paths
from ccstd.standard.registry import StandardRegistry
from tests.conftest import valid_record


class Flaky(Adapter):
    """Converts even items, raises on odd ones."""

    name, version, formats = "flaky", "0", ("test",)

    def sniff(self, sample: bytes, filename: str) -> float:
        return 0.0

    def mapping_digest(self) -> str:
        return "sha256:" + "0" * 64

    def items(self, path: Path, context: SourceContext) -> Iterator[SourceItem]:
        for n in range(6):
            yield SourceItem(str(path), f"item {n}", str(n).encode(), n)

    def convert(self, item: SourceItem, context: SourceContext) -> Outcome:
        if item.value % 2:
            raise RuntimeError("bug in a vendor's mapping")
        record = valid_record("Building") | {"id": f"b{item.value}"}
        return Converted((record,))


def test_an_adapter_exception_costs_one_item_not_the_run(tmp_path: Path) -> None:
    protector = Protector(StandardRegistry().get("1.0.0"), b"runner-test-key-0123")
    outputs = Outputs(tmp_path / "out.ndjson", tmp_path / "rejects.ndjson")
    report = convert_paths(Flaky(), [tmp_path / "anything"], outputs, protector)
    assert (report.read, report.converted, report.rejected) == (6, 3, 3)
    rejects = [json.loads(line) for line in (tmp_path / "rejects.ndjson").read_text().splitlines()]
    assert {r["reason"] for r in rejects} == {"adapter-error"}
    assert len((tmp_path / "out.ndjson").read_text().splitlines()) == 3


def test_counts_that_do_not_add_up_fail_loudly() -> None:
    with pytest.raises(CountMismatchError):
        ConversionReport("x", read=3, converted=1, skipped=1, rejected=0).check()
