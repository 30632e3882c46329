"""The `resident-id-number-as-id` rule: a raw resident ID number as a record or reference id is
a privacy warning that names the field and never shows the number, in any report format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric
from typer.testing import CliRunner

from ccstd.cli.app import app
from ccstd.standard.raw_ids import is_raw_resident_id
from ccstd.standard.registry import EXAMPLES_ROOT, StandardRegistry
from tests.conftest import proves

LATEST = StandardRegistry().latest()
CODE = "resident-id-number-as-id"
RAW_ID = "11010519491231002X"  # a valid number (GB 11643 example), as some exports use as id
FULL_WIDTH = {c: c + 0xFEE0 for c in b"0123456789X"}
FORMATS = ["text", "json", "sarif", "junit", "github"]


def _example(entity: str) -> dict[str, Any]:
    path = EXAMPLES_ROOT / LATEST / entity / "valid-1.json"
    record: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return record


def _validate(tmp_path: Path, records: list[dict[str, Any]], fmt: str = "json") -> str:
    """The report on stdout, then what went to stderr."""
    path = tmp_path / "records.ndjson"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(path), "-f", fmt])
    assert result.exit_code == 0, result.output  # warnings only
    return result.stdout + "\n" + result.stderr


def _report(tmp_path: Path, records: list[dict[str, Any]]) -> dict[str, Any]:
    path = tmp_path / "records.ndjson"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(path), "-f", "json"])
    report: dict[str, Any] = json.loads(result.stdout)
    return report


@proves("resident-id-number-as-id")
def test_a_raw_id_number_as_record_or_reference_id_is_named_never_shown(tmp_path: Path) -> None:
    resident = {**_example("Resident"), "id": RAW_ID}
    observation = {**_example("Observation"), "subject": {"type": "Resident", "id": RAW_ID}}
    report = _report(tmp_path, [resident, observation])
    found = [f for f in report["findings"] if f["code"] == CODE]
    assert [(f["line"], f["pointer"]) for f in found] == [(1, "/id"), (2, "/subject/id")]
    assert "'subject/id' is a raw resident identity card number" in found[1]["message"]
    for fmt in FORMATS:
        output = _validate(tmp_path, [resident, observation], fmt)
        assert CODE in output and RAW_ID not in output, fmt


@pytest.mark.parametrize(
    "value",
    [
        "110105-19491231-002X",  # grouped as printed on the card: still the number
        "110105.19491231.002X",
        "110105:19491231:002X",  # every separator the Id pattern allows
        "110105_19491231_002X",
        "110105 19491231 002X",  # an error (no Id), and also named as the raw number it is
        RAW_ID.translate(FULL_WIDTH),  # full-width digits and X
    ],
)
def test_a_raw_id_number_however_grouped_is_found(tmp_path: Path, value: str) -> None:
    resident = {**_example("Resident"), "id": value}
    observation = {**_example("Observation"), "subject": {"type": "Resident", "id": value}}
    path = tmp_path / "records.ndjson"
    path.write_text("".join(json.dumps(r) + "\n" for r in [resident, observation]), "utf-8")
    result = CliRunner().invoke(app, ["validate", str(path), "-f", "json"])
    found = [f for f in json.loads(result.stdout)["findings"] if f["code"] == CODE]
    assert [(f["line"], f["pointer"]) for f in found] == [(1, "/id"), (2, "/subject/id")]
    assert value not in result.output and "002X" not in result.output


@pytest.mark.parametrize(
    "value",
    [
        "res-0001",
        "110105-19491231-0021",  # grouped, the wrong check character
        "110105194912310021",  # the wrong check character
        "11010519491331002X",  # no 13th month
        "R11010519491231002X",  # not the whole id: reports redact it, this rule does not fire
        "1101051949123100",
    ],
)
def test_ids_that_are_not_a_whole_valid_number_are_quiet(tmp_path: Path, value: str) -> None:
    resident = {**_example("Resident"), "id": value}
    report = _report(tmp_path, [resident])
    assert [f for f in report["findings"] if f["code"] == CODE] == []


@given(st.text(alphabet="0123456789Xx", min_size=17, max_size=19))
def test_the_rule_agrees_with_python_stdnum(value: str) -> None:
    if ric.is_valid(value) and len(value) == 18 and value == ric.compact(value):
        assert is_raw_resident_id(value)
    if len(value) != 18:
        assert not is_raw_resident_id(value)


def _unscreened(value: str) -> bool:
    """is_raw_resident_id without its cheap screen of ASCII ids (the full reading of a value)."""
    import unicodedata

    from ccstd.standard.formats import is_resident_id
    from ccstd.standard.raw_ids import _SEPARATORS, stdnum_accepts

    number = _SEPARATORS.sub("", unicodedata.normalize("NFKC", value))
    if len(number) != 18 or not (number[:17].isascii() and number[:17].isdigit()):
        return False
    return stdnum_accepts(number) or is_resident_id(number)


@given(
    st.lists(
        st.sampled_from([*RAW_ID, *RAW_ID.lower(), "-", " ", ".", "_", ":", "\t", "a", "/", "0"]),
        min_size=18,
        max_size=36,
    )
)
def test_the_screen_of_ascii_ids_drops_no_raw_number(characters: list[str]) -> None:
    """The screen (digits, X and separators only, 17 digits at least) never hides a number the
    full reading finds: the same verdict on the number's own characters, shuffled, grouped,
    mistyped."""
    value = "".join(characters)
    assert is_raw_resident_id(value) == _unscreened(value)


def test_an_id_python_stdnum_trips_on_is_read_not_a_traceback(tmp_path: Path) -> None:
    """`411111111111111111`: python-stdnum's ric raises KeyError on it (a division without a
    county); the run reads it as what it is, a number that is not valid."""
    record = {**_example("Resident"), "id": "411111111111111111"}
    output = _validate(tmp_path, [record])  # exit 0: the record is valid
    assert CODE not in output and "Traceback" not in output


@pytest.mark.parametrize(
    "value",
    [
        RAW_ID,
        RAW_ID.lower(),
        "110105-19491231-002X",
        "110105 1949 1231 002x",
        "1101051949123100.2X",
    ],
)
def test_grouped_and_lower_case_numbers_pass_the_screen(value: str) -> None:
    assert is_raw_resident_id(value) == _unscreened(value) == True  # noqa: E712


_MIXED = st.sampled_from(
    [*RAW_ID, *(chr(FULL_WIDTH[ord(c)]) for c in RAW_ID), "-", " ", "\u3000", "\u0301", "\u20dd"]
)


@given(st.characters(max_codepoint=127), st.lists(_MIXED, min_size=17, max_size=35))
def test_no_raw_number_opens_with_a_character_the_first_screen_turns_away(
    first: str, rest: list[str]
) -> None:
    """The one-lookup screen on an id's first character (ASCII ones a raw number never starts
    with) agrees with the full reading, whatever follows: full-width digits, ideographic space,
    combining marks that NFKC composes with the first character."""
    from ccstd.standard.raw_ids import NEVER_OPENS, raw_id_places

    value = first + "".join(rest)
    if first in NEVER_OPENS:
        assert not _unscreened(value)
    assert is_raw_resident_id(value) == _unscreened(value)
    record = {"id": value, "subject": {"type": "Resident", "id": value}}
    places = [("id",), ("subject", "id")] if _unscreened(value) else []
    assert list(raw_id_places(record, (("subject",),))) == places


def test_the_first_screen_lets_numbers_through_however_they_open() -> None:
    from ccstd.standard.raw_ids import raw_id_places

    for value in (RAW_ID, " " + RAW_ID, "-" + RAW_ID, RAW_ID.translate(FULL_WIDTH)):
        record = {"id": value, "subject": {"type": "Resident", "id": value}}
        assert list(raw_id_places(record, (("subject",),))) == [("id",), ("subject", "id")]
