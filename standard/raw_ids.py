"""The `resident-id-number-as-id` rule: a record id, or a reference's id, that is a whole raw
resident identity card number (GB 11643). The finding names the field, never the number."""

from __future__ import annotations

from typing import Any

from stdnum.cn import ric

from ccstd.standard import rules
from ccstd.standard.fields import values_at
from ccstd.standard.findings import Finding, Locator, json_pointer
from ccstd.standard.formats import is_resident_id

_LENGTH = 18


def is_raw_resident_id(value: Any) -> bool:
    """A string that is a valid resident ID number as a whole (python-stdnum `cn.ric`, or the
    standard's own check, which accepts division codes retired before the birth year)."""
    if not isinstance(value, str) or len(value) != _LENGTH or not value[:17].isdigit():
        return False  # the cheap test that nearly every id fails
    return bool(ric.is_valid(value)) or is_resident_id(value)


def raw_id_findings(
    record: dict[str, Any], reference_paths: tuple[tuple[str, ...], ...], at: Locator
) -> list[Finding]:
    """A finding for the record's `id` and for each reference id that is a raw ID number.

    On every record's path: a top-level reference is read directly, deeper ones walked."""
    found = []
    if _candidate(record.get("id")):
        found += _finding(at, ("id",), record["id"])
    for path in reference_paths:
        if len(path) == 1:
            ref = record.get(path[0])
            if isinstance(ref, dict) and _candidate(ref.get("id")):
                found += _finding(at, (path[0], "id"), ref["id"])
            continue
        for concrete, ref in values_at(record, path):
            if isinstance(ref, dict) and _candidate(ref.get("id")):
                found += _finding(at, (*concrete, "id"), ref["id"])
    return found


def _candidate(value: Any) -> bool:
    return isinstance(value, str) and len(value) == _LENGTH


def _finding(at: Locator, where: tuple[str | int, ...], value: str) -> list[Finding]:
    if not is_raw_resident_id(value):
        return []
    field = json_pointer(where).lstrip("/")
    return [rules.RESIDENT_ID_AS_RECORD_ID.finding(at(*where), field=field)]
