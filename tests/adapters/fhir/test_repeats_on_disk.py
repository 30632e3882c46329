"""The table of first sightings that tells a repeated record (`runner._Repeats`) holds its first
`_IN_MEMORY` keys in memory, then all on disk: the repeats tests pass with it on disk from the
first record (and from the second: some in memory when it moves)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccstd.adapters import runner
from tests.adapters import test_run_repeats


@pytest.mark.parametrize("in_memory", [1, 2])
def test_repeats_are_told_with_the_table_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_memory: int
) -> None:
    monkeypatch.setattr(runner, "_IN_MEMORY", in_memory)
    test_run_repeats.test_an_item_read_twice_is_one_record_and_a_conflict_is_rejected(tmp_path)
    orders = tmp_path / "orders"
    orders.mkdir()
    test_run_repeats.test_an_order_repeated_is_skipped_and_one_changed_is_a_conflict(orders)
