"""Checks across a stream: duplicate ids and unresolved references."""

from __future__ import annotations

from pathlib import Path

import orjson

from ccstd.standard.checker import CheckOptions
from ccstd.standard.runner import validate_paths
from tests.conftest import valid_record


def _write(path: Path, records: list[dict[str, object]]) -> str:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return str(path)


def test_duplicate_id_points_at_the_first_occurrence(tmp_path: Path) -> None:
    resident = valid_record("Resident")
    path = _write(tmp_path / "r.ndjson", [resident, valid_record("Building"), resident])
    result = validate_paths([path])
    [finding] = result.findings
    assert finding.code == "duplicate-id" and finding.location.line == 3
    assert finding.related[0].line == 1
    assert (result.records, result.valid, result.invalid) == (3, 2, 1)


def test_same_id_in_different_entities_is_fine(tmp_path: Path) -> None:
    building = valid_record("Building")
    building["id"] = valid_record("Resident")["id"]
    path = _write(tmp_path / "r.ndjson", [valid_record("Resident"), building])
    assert validate_paths([path]).findings == ()


def test_unresolved_references_only_when_asked(tmp_path: Path) -> None:
    path = _write(tmp_path / "h.ndjson", [valid_record("Household")])
    assert validate_paths([path]).findings == ()
    result = validate_paths([path], CheckOptions(check_references=True))
    pointers = sorted(f.location.pointer for f in result.findings)
    assert pointers == ["/dwelling", "/head", "/members/0/resident", "/members/1/resident"]
    assert {f.code for f in result.findings} == {"unresolved-reference"}
    assert result.invalid == 1


def test_references_resolve_across_files(tmp_path: Path) -> None:
    community = valid_record("Community")
    building = valid_record("Building")
    a = _write(tmp_path / "a.ndjson", [building])
    b = _write(tmp_path / "b.ndjson", [community])
    result = validate_paths([a, b], CheckOptions(check_references=True))
    assert result.findings == ()
