"""XML access-log dialects and order platforms are two configurations of one table-driven
adapter: found, checked, listed, detected and stamped the same way."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccstd.adapters.access_xml import family as xml_family
from ccstd.adapters.orders import family as orders_family
from ccstd.adapters.registry import catalogue, installed
from ccstd.adapters.table_adapter import Family, TableAdapter


def test_both_families_are_configurations_of_the_table_adapter() -> None:
    for family in (xml_family(), orders_family()):
        assert isinstance(family, Family)
        members = family.members()
        assert members and all(m.error is None for m in members), members
        for listing in members:
            adapter = listing.adapter
            assert isinstance(adapter, TableAdapter)
            assert adapter.mapping_digest() == adapter.table.digest.lower()
            assert adapter.mapping_digest().startswith("sha256:")
            assert set(adapter.coverage()) == {adapter.name}


def test_detection_uses_markers_and_priority_in_every_family() -> None:
    adapters = installed()
    shopify, legacy = adapters["orders-shopify"], adapters["xml-legacy-accesslog"]
    order = b'[{"line_items": [], "financial_status": "paid"}]'
    log = b"<AccessLog><Event time='x'/></AccessLog>"
    assert shopify.sniff(order, "o.json") == 0.7 and shopify.sniff(log, "l.xml") == 0.0
    assert legacy.sniff(log, "l.xml") == 0.7 and legacy.sniff(order, "o.json") == 0.0


def test_a_file_of_a_family_nobody_reads_is_listed_with_its_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "csv-gates.toml").write_text('family = "csv-gates"\nname = "my-csv"\n')
    monkeypatch.setenv("CCSTD_DIALECT_PATH", str(tmp_path))
    [listing] = [entry for entry in catalogue() if entry.name == "my-csv"]
    assert listing.adapter is None and listing.error is not None
    assert "family 'csv-gates' is not installed (access-xml, orders)" in listing.error
