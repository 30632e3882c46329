"""Domain format checkers, shared by both validation engines so their verdicts agree."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

import phonenumbers
import pycountry
from stdnum.cn import ric, uscc

from ccstd.standard import divisions

FormatCheck = Callable[[str], bool]

_DATE_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?"
    r"(?:[Zz]|([+-])(\d{2}):(\d{2}))$"
)
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_RESIDENT_ID = re.compile(r"^[0-9]{17}[0-9X]$")
_DIVISION = re.compile(r"^[0-9]{6}$")
_USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s\"<>\\^`{|}]+$")


def _is_date(year: str, month: str, day: str) -> bool:
    try:
        datetime.date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


def is_date_time(value: str) -> bool:
    """RFC 3339 date-time; unlike ISO 8601 the offset is mandatory (leap second 60 allowed)."""
    match = _DATE_TIME.match(value)
    if not match:
        return False
    year, month, day, hour, minute, second, _sign, off_hour, off_minute = match.groups()
    if not _is_date(year, month, day):
        return False
    if int(hour) > 23 or int(minute) > 59 or int(second) > 60:
        return False
    return off_hour is None or (int(off_hour) <= 23 and int(off_minute) <= 59)


def is_date(value: str) -> bool:
    """RFC 3339 full-date that exists in the calendar."""
    match = _DATE.match(value)
    return match is not None and _is_date(*match.groups())


def is_resident_id(value: str) -> bool:
    """GB 11643 number: a GB/T 2260 address code, a real birth date, the MOD 11-2 check character.

    The address code is the one in force where the number was issued (from 1985), not at birth,
    so any code GB/T 2260 has had is accepted; python-stdnum's stricter birth-year test would
    reject real numbers of people born before their district's code existed.
    """
    if not _RESIDENT_ID.match(value) or ric.calc_check_digit(value) != value[-1]:
        return False
    birth_ok = _is_date(value[6:10], value[10:12], value[12:14]) and value[6:8] in (
        "18",
        "19",
        "20",
    )
    return birth_ok and divisions.lookup(value[:6]) is not None


def is_division_code(value: str) -> bool:
    """A code GB/T 2260 has had, current or retired (retired ones are warned about separately)."""
    return bool(_DIVISION.match(value)) and divisions.lookup(value) is not None


def is_uscc(value: str) -> bool:
    """GB 32100 unified social credit code with a valid check character."""
    return bool(_USCC.match(value)) and uscc.is_valid(value)


def is_phone(value: str) -> bool:
    """A valid number in E.164 form, or a valid Chinese national number."""
    if len(value) > 32:
        return False
    try:
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(number))


def is_currency(value: str) -> bool:
    """Upper-case ISO 4217 alphabetic code."""
    return (
        len(value) == 3 and value.isupper() and pycountry.currencies.get(alpha_3=value) is not None
    )


def is_country(value: str) -> bool:
    """Upper-case ISO 3166-1 alpha-2 code."""
    return (
        len(value) == 2 and value.isupper() and pycountry.countries.get(alpha_2=value) is not None
    )


def is_uri(value: str) -> bool:
    """An absolute URI: a scheme, then characters RFC 3986 allows unescaped."""
    return bool(_URI.match(value))


FORMATS: dict[str, FormatCheck] = {
    "date-time": is_date_time,
    "date": is_date,
    "cn-resident-id": is_resident_id,
    "cn-division-code": is_division_code,
    "cn-uscc": is_uscc,
    "phone": is_phone,
    "iso4217": is_currency,
    "iso3166-alpha2": is_country,
    "uri": is_uri,
}
