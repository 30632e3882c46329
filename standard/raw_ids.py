"""The `resident-id-number-as-id` rule: a record id, or a reference's id, that is a whole raw
resident identity card number (GB 11643), however its digits are grouped (`110105-19491231-002X`)
or written (full-width). The finding names the field, never the number."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from stdnum.cn import ric

from ccstd.standard import rules
from ccstd.standard.fields import ANY_ITEM, values_at
from ccstd.standard.findings import Finding, Locator, json_pointer
from ccstd.standard.formats import is_resident_id

_LENGTH = 18
_MAX_WRITTEN = 2 * _LENGTH  # a number grouped with a separator between every digit
_SEPARATORS = re.compile(r"[-\s._:]")
_SEVENTEEN_DIGITS = re.compile(r"(?:[^0-9]*[0-9]){17}")  # anywhere in the text, in order
_RAW_CHARACTERS = re.compile(r"[0-9Xx\s._:-]*")  # all a raw number written in ASCII can hold
# ASCII characters no raw number starts with (NFKC leaves ASCII as it is, and what it composes
# from an ASCII letter is a letter): one set lookup turns away nearly every id (`acc-…`, `res-…`)
NEVER_OPENS = frozenset(c for c in map(chr, range(128)) if not _RAW_CHARACTERS.fullmatch(c))


def is_raw_resident_id(value: Any) -> bool:
    """A string that is a valid resident ID number as a whole, once grouping separators are
    removed and digits read in ASCII (python-stdnum `cn.ric`, or the standard's own check, which
    accepts division codes retired before the birth year)."""
    if not _candidate(value):
        return False
    number = _SEPARATORS.sub("", unicodedata.normalize("NFKC", value))
    if len(number) != _LENGTH or not (number[:17].isascii() and number[:17].isdigit()):
        return False
    return stdnum_accepts(number) or is_resident_id(number)


def stdnum_accepts(number: str) -> bool:
    """python-stdnum's `cn.ric` verdict; a division it knows without a county (`411111…`) makes
    it raise KeyError, which is its no."""
    try:
        return bool(ric.is_valid(number))
    except KeyError:
        return False


def raw_id_findings(
    record: dict[str, Any], reference_paths: tuple[tuple[str, ...], ...], at: Locator
) -> list[Finding]:
    """A finding for the record's `id` and for each reference id that is a raw ID number."""
    return place_findings(raw_id_places(record, reference_paths), at)


def place_findings(places: Iterable[tuple[str | int, ...]], at: Locator) -> list[Finding]:
    """The findings for raw ID numbers found at `places` (from `raw_id_places`)."""
    return [
        rules.RESIDENT_ID_AS_RECORD_ID.finding(at(*where), field=json_pointer(where).lstrip("/"))
        for where in places
    ]


def raw_id_places(
    record: dict[str, Any], reference_paths: tuple[tuple[str, ...], ...]
) -> list[tuple[str | int, ...]] | tuple[()]:
    """Where the record's `id` and its reference ids are raw ID numbers: an empty tuple (nothing
    allocated) for nearly every record, which is on every record's path. A reference at a plain
    field path is read by walking it directly, one inside arrays through `values_at`."""
    found: list[tuple[str | int, ...]] | tuple[()] = ()
    identity = record.get("id")
    if (
        isinstance(identity, str)
        and _MAX_WRITTEN >= len(identity) >= _LENGTH
        and identity[0] not in NEVER_OPENS
    ):
        found = [("id",)] if is_raw_resident_id(identity) else ()
    for path in reference_paths:
        if len(path) == 1:  # the common case: a reference held directly by the record
            node: Any = record.get(path[0])
        elif ANY_ITEM in path:
            for concrete, ref in values_at(record, path):
                if isinstance(ref, dict) and _candidate(ref.get("id")):
                    found = _kept(found, (*concrete, "id"), ref["id"])
            continue
        else:
            node = record  # a plain path, walked without a generator
            for key in path:
                node = node.get(key) if isinstance(node, dict) else None
        if (
            isinstance(node, dict)  # checked inline: nearly every id is cut here, without a call
            and isinstance(ref_id := node.get("id"), str)
            and _MAX_WRITTEN >= len(ref_id) >= _LENGTH
            and ref_id[0] not in NEVER_OPENS
        ):
            found = _kept(found, (*path, "id"), ref_id)
    return found


def _kept(
    found: list[tuple[str | int, ...]] | tuple[()], where: tuple[str | int, ...], value: str
) -> list[tuple[str | int, ...]] | tuple[()]:
    return [*found, where] if is_raw_resident_id(value) else found


def _candidate(value: Any) -> bool:
    """The cheap test that nearly every id fails: a string of a raw number's written length that,
    when ASCII (which NFKC leaves as it is), holds only digits, X and separators, at least 17 of
    them digits (what `is_raw_resident_id` needs once separators are gone)."""
    if not isinstance(value, str) or not _LENGTH <= len(value) <= _MAX_WRITTEN:
        return False
    if value[0] in NEVER_OPENS:
        return False
    if not value.isascii():
        return True
    return bool(_RAW_CHARACTERS.fullmatch(value)) and bool(_SEVENTEEN_DIGITS.match(value))
