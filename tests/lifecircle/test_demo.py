"""The demo district committed under examples/lifecircle/ is what its script writes."""

from __future__ import annotations

import runpy
from pathlib import Path

from tests.lifecircle.conftest import DEMO


def test_committed_demo_is_what_the_script_writes(tmp_path: Path) -> None:
    script = runpy.run_path(str(DEMO / "make_district.py"))
    script["main"](tmp_path)
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert [str(p) for p in written] == [
        "district.osm", "records/orders.ndjson", "records/places.ndjson",
        "records/services.ndjson",
    ]  # fmt: skip
    for path in written:
        assert (tmp_path / path).read_bytes() == (DEMO / path).read_bytes(), path
