"""One resource too large for the memory there is (a Patient with 300,000 extensions: parsed,
then validated whole by its R4B model) is the documented exit 2, `not enough memory to read`,
not a rejected item whose 19 MB raw text orjson then failed to write (a segfault, exit 139:
orjson.dumps does not survive its output buffer's allocation failing) (issue 11)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.hostile.test_convert import assert_one_line_error, convert


@pytest.mark.slow
def test_a_resource_too_big_to_validate_is_the_memory_error(tmp_path: Path) -> None:
    extensions = [{"url": f"http://example.org/x{i}", "valueString": f"v{i}"}
                  for i in range(300_000)]  # fmt: skip
    (tmp_path / "big.json").write_text(
        json.dumps({"resourceType": "Patient", "id": "p1", "extension": extensions})
    )
    run = convert(
        tmp_path, "big.json", "--from", "fhir-r4", "-o", "o.ndjson", "--rejects", "r.ndjson",
        "--ledger", "l.json", memory_mib=512, timeout=300,
    )  # fmt: skip
    assert_one_line_error(run, "not enough memory to read", "big.json")
    assert not (tmp_path / "r.ndjson").exists() and not (tmp_path / "o.ndjson").exists()
