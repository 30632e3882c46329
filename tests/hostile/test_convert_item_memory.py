"""Inputs too large for the memory there is (512 MiB of address space) are the documented
exit 2, `not enough memory to read`, never a segfault (exit 139) nor a rejected item: orjson
crashes instead of raising when an allocation fails midway, parsing or writing (issue 11)."""

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


@pytest.mark.parametrize("shape", ["object", "array"])
def test_a_document_of_300k_entries_is_the_memory_error_not_a_segfault(
    tmp_path: Path, shape: str
) -> None:
    """A 27 MB document that is not a Bundle (parsed whole): orjson needs about 19 times its
    size of address space, more than 512 MiB; it crashed (SIGSEGV, exit 139) past its first
    buffer, and `loads_json` now reserves what it needs first (a MemoryError: exit 2)."""
    entry = '{"fullUrl":"urn:uuid:p%09d","resource":{"resourceType":"Practitioner","id":"p%09d"}}'
    entries = ",".join(entry % (n, n) for n in range(300_000))
    text = (
        f'{{"resourceType":"Basic","entry":[{entries}]}}' if shape == "object" else f"[{entries}]"
    )
    (tmp_path / "big.json").write_text(text)
    run = convert(
        tmp_path, "big.json", "--from", "fhir-r4", "-o", "o.ndjson", "--rejects", "r.ndjson",
        memory_mib=512, timeout=120,
    )  # fmt: skip
    assert_one_line_error(run, "not enough memory to read", "big.json")
    assert not (tmp_path / "r.ndjson").exists()
