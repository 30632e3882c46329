"""Domain formats are checked exactly: GB 11643, GB/T 2260, GB 32100, phones, RFC 3339."""

from __future__ import annotations

import datetime

import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from ccstd.standard import divisions
from ccstd.standard.formats import (
    RFC_FORMATS,
    is_country,
    is_currency,
    is_date,
    is_date_time,
    is_division_code,
    is_phone,
    is_resident_id,
    is_uri,
    is_uscc,
)


def _resident_id(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


class TestResidentId:
    def test_valid_number(self) -> None:
        assert is_resident_id(_resident_id("11010219480315061"))

    def test_check_character_x_must_be_upper_case(self) -> None:
        number = next(
            _resident_id(f"1101021980010100{n}")
            for n in range(10)
            if _resident_id(f"1101021980010100{n}").endswith("X")
        )
        assert is_resident_id(number)
        assert not is_resident_id(number[:-1] + "x")

    def test_wrong_check_character(self) -> None:
        number = _resident_id("11010219480315061")
        wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
        assert not is_resident_id(wrong)

    def test_impossible_birth_date(self) -> None:
        assert not is_resident_id(_resident_id("11010219480230061"))

    def test_unknown_address_code(self) -> None:
        assert not is_resident_id(_resident_id("99999919480315061"))

    def test_address_code_created_after_birth_is_accepted(self) -> None:
        """GB 11643: the code is where the number was issued: 320106 ([1983-]) fits a 1952 birth."""
        assert is_resident_id(_resident_id("32010619520818302"))

    def test_retired_address_code_is_accepted(self) -> None:
        assert is_resident_id(_resident_id("11010319700101001"))  # 崇文区, retired 2010

    @pytest.mark.parametrize(
        "value", ["", "11010219480315061", "1101021948031506100", " 110102194803150610"]
    )
    def test_wrong_shape(self, value: str) -> None:
        assert not is_resident_id(value)


class TestDivisionCode:
    def test_current_retired_and_unknown(self) -> None:
        assert is_division_code("110101")
        assert divisions.lookup("110101").is_current  # type: ignore[union-attr]
        assert is_division_code("110103")
        assert divisions.lookup("110103").retired_in == 2010  # type: ignore[union-attr]
        assert not is_division_code("999999")
        assert not is_division_code("11010")

    def test_snapshot_records_its_source(self) -> None:
        assert "python-stdnum" in divisions.snapshot_source()
        assert len(divisions.divisions()) > 6000


class TestUscc:
    def test_valid_and_invalid(self) -> None:
        body = "91310115MA1H7GQ2X"
        valid = body + uscc.calc_check_digit(body)
        assert is_uscc(valid)
        assert not is_uscc(valid[:-1] + ("0" if valid[-1] != "0" else "1"))
        assert not is_uscc(valid.lower())


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("+8613812345678", True),
        ("13812345678", True),
        ("010-68321234", True),
        ("+14155552671", True),
        ("12345", False),
        ("138-1111", False),
        ("+86 138 1234 5678 999", False),
        ("phone", False),
    ],
)
def test_phone(value: str, expected: bool) -> None:
    assert is_phone(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01T08:30:00+08:00", True),
        ("2024-05-01T00:30:00Z", True),
        ("2024-05-01T08:30:00.123456+08:00", True),
        ("2016-12-31T23:59:60Z", True),
        ("2024-05-01T08:30:00", False),
        ("2024-05-01 08:30:00+08:00", False),
        ("2024-02-30T08:30:00Z", False),
        ("2024-05-01T24:00:00Z", False),
        ("2024-05-01T08:30:00+0800", False),
        ("2024-05-01", False),
    ],
)
def test_date_time_requires_an_offset(value: str, expected: bool) -> None:
    assert is_date_time(value) is expected


@given(st.datetimes(timezones=st.timezones()))
def test_every_aware_datetime_in_isoformat_is_accepted(moment: datetime.datetime) -> None:
    text = moment.isoformat()
    offset = moment.utcoffset()
    if offset is not None and offset.seconds % 60 == 0 and moment.year >= 1:
        assert is_date_time(text.replace("+00:00", "Z")) or (
            "." in text and len(text.split(".")[1]) > 15
        )


@given(st.dates())
def test_dates_round_trip(day: datetime.date) -> None:
    assert is_date(day.isoformat()) is (day.year >= 1000 or len(day.isoformat()) == 10)


def test_currency_country_uri() -> None:
    assert is_currency("CNY") and not is_currency("RMB") and not is_currency("cny")
    assert is_country("CN") and not is_country("cn") and not is_country("XX")
    assert is_uri("https://example.org/a.jpg") and not is_uri("photo 1.jpg") and not is_uri("a.jpg")


_ENGINE = {
    name: jsonschema_rs.validator_for({"format": name}, validate_formats=True)
    for name in RFC_FORMATS
}
_NEAR_DATE_TIMES = st.from_regex(
    "[0-9\uff10-\uff19]{4}"
    r"-[0-9]{1,2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{0,12})?"
    r"([Zz]|[+-][0-9]{2}:?[0-9]{2})?\n?",
    fullmatch=True,
)


_DATE_TIMES = st.one_of(_NEAR_DATE_TIMES, st.text(max_size=30))
_DATES = st.one_of(
    st.from_regex(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}\n?", fullmatch=True), st.text(max_size=12)
)
_URIS = st.one_of(
    st.from_regex(
        r"[a-z][a-z0-9+.-]{0,5}:[A-Za-z0-9/?#@!$&'()*+,;=%:._~ \-\[\]]{0,20}", fullmatch=True
    ),
    st.from_regex(
        r"https?://(\w+@)?(\[[0-9a-fv:.%]{0,12}\]|[a-z0-9.%]{0,8})(:\d{0,5})?([/?#].{0,8})?",
        fullmatch=True,
    ),
)
# Each mirror runs 500 generated strings in the fast suite and its full count under
# `make test-slow` (the *_thoroughly tests): the same property, more examples.


@settings(max_examples=500)
@given(_DATE_TIMES)
def test_date_time_mirror_agrees_with_the_engine(value: str) -> None:
    assert is_date_time(value) == _ENGINE["date-time"].is_valid(value)


@pytest.mark.slow
@settings(max_examples=2000)
@given(_DATE_TIMES)
def test_date_time_mirror_agrees_with_the_engine_thoroughly(value: str) -> None:
    assert is_date_time(value) == _ENGINE["date-time"].is_valid(value)


@settings(max_examples=500)
@given(_DATES)
def test_date_mirror_agrees_with_the_engine(value: str) -> None:
    assert is_date(value) == _ENGINE["date"].is_valid(value)


@pytest.mark.slow
@settings(max_examples=1000)
@given(_DATES)
def test_date_mirror_agrees_with_the_engine_thoroughly(value: str) -> None:
    assert is_date(value) == _ENGINE["date"].is_valid(value)


@settings(max_examples=500)
@given(_URIS)
def test_uri_mirror_agrees_with_the_engine(value: str) -> None:
    assert is_uri(value) == _ENGINE["uri"].is_valid(value)


@pytest.mark.slow
@settings(max_examples=2000)
@given(_URIS)
def test_uri_mirror_agrees_with_the_engine_thoroughly(value: str) -> None:
    assert is_uri(value) == _ENGINE["uri"].is_valid(value)
