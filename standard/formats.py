"""Domain format checkers, shared by both validation engines so their verdicts agree."""

from __future__ import annotations

import calendar
import functools
import ipaddress
import re
from collections.abc import Callable
from typing import Any

from ccstd.standard import divisions

# phonenumbers, pycountry and python-stdnum are imported on first use: validating a file that
# holds no phone number or currency does not pay for them (start-up, issue 13)

FormatCheck = Callable[[str], bool]

_DATE_TIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]+)?"
    r"(?:[Zz]|([+-])([0-9]{2}):([0-9]{2}))"
)
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_RESIDENT_ID = re.compile(r"[0-9]{17}[0-9X]")
_DIVISION = re.compile(r"[0-9]{6}")
_USCC = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")
_PCT = r"%[0-9A-Fa-f]{2}"
_PCHAR = rf"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|{_PCT})"
_URI = re.compile(  # RFC 3986 section 3: scheme ":" hier-part [ "?" query ] [ "#" fragment ]
    rf"[A-Za-z][A-Za-z0-9+.-]*:(?://(?P<authority>[^/?#]*))?(?:{_PCHAR}|/)*"
    rf"(?:\?(?:{_PCHAR}|[/?])*)?(?:#(?:{_PCHAR}|[/?])*)?"
)
_AUTHORITY = re.compile(
    rf"(?:(?:[A-Za-z0-9\-._~!$&'()*+,;=:]|{_PCT})*@)?"
    rf"(?P<host>\[[^\]]*\]|(?:[A-Za-z0-9\-._~!$&'()*+,;=]|{_PCT})*)(?::[0-9]*)?"
)
# "+86" and a Chinese mobile number that CN's national prefix for parsing (1[12]xx, 179xx, 0)
# cannot match: phonenumbers.parse would give exactly country code 86 and these 11 digits
_CN_MOBILE_E164 = re.compile(r"\+861(?!79)[3-9][0-9]{9}")
_IP_FUTURE = re.compile(r"v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+")
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _is_date(year: str, month: str, day: str) -> bool:
    y, m, d = int(year), int(month), int(day)
    if not 1 <= m <= 12:
        return False
    days = 29 if m == 2 and calendar.isleap(y) else _DAYS_IN_MONTH[m - 1]
    return 1 <= d <= days


def is_date_time(value: str) -> bool:
    """RFC 3339 date-time: the offset is mandatory; a leap second only at 23:59:60 UTC."""
    match = _DATE_TIME.fullmatch(value)
    if not match:
        return False
    year, month, day, hour, minute, second, sign, off_hour, off_minute = match.groups()
    if not _is_date(year, month, day) or int(hour) > 23 or int(minute) > 59 or int(second) > 60:
        return False
    if off_hour is not None and (int(off_hour) > 23 or int(off_minute) > 59):
        return False
    if second != "60":
        return True
    offset = (
        0
        if off_hour is None
        else (int(off_hour) * 60 + int(off_minute)) * (-1 if sign == "-" else 1)
    )
    return (int(hour) * 60 + int(minute) - offset) % 1440 == 23 * 60 + 59


def is_date(value: str) -> bool:
    """RFC 3339 full-date that exists in the (proleptic Gregorian) calendar."""
    match = _DATE.fullmatch(value)
    return match is not None and _is_date(*match.groups())


def is_resident_id(value: str) -> bool:
    """GB 11643 number: a GB/T 2260 address code, a real birth date, the MOD 11-2 check character.

    The address code is the one in force where the number was issued (from 1985), not at birth,
    so any code GB/T 2260 has had is accepted; python-stdnum's stricter birth-year test would
    reject real numbers of people born before their district's code existed.
    """
    from stdnum.cn import ric

    if not _RESIDENT_ID.fullmatch(value) or ric.calc_check_digit(value) != value[-1]:
        return False
    birth_ok = _is_date(value[6:10], value[10:12], value[12:14]) and value[6:8] in (
        "18",
        "19",
        "20",
    )
    return birth_ok and divisions.lookup(value[:6]) is not None


def is_division_code(value: str) -> bool:
    """A code GB/T 2260 has had, current or retired (retired ones are warned about separately)."""
    return bool(_DIVISION.fullmatch(value)) and divisions.lookup(value) is not None


@functools.lru_cache(maxsize=4096)
def is_uscc(value: str) -> bool:
    """GB 32100 unified social credit code with a valid check character."""
    from stdnum.cn import uscc

    return bool(_USCC.fullmatch(value)) and uscc.is_valid(value)


@functools.lru_cache(maxsize=8192)
def is_phone(value: str) -> bool:
    """A valid E.164 number, or a valid Chinese national number (cached: parsing is slow)."""
    import phonenumbers

    if len(value) > 32:
        return False
    if _CN_MOBILE_E164.fullmatch(value):  # the common case, without parsing
        return _is_valid_cn_number(value[3:])
    try:
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(number))


def _is_valid_cn_number(national: str) -> bool:
    """phonenumbers.is_valid_number of +86 `national` (digits, no leading zero), with the
    region's patterns compiled once: it matches the general pattern and one of a number type's
    (its possible lengths first), as phonenumbers' own type lookup decides. A test holds it to
    the library on every mobile prefix and generated near misses."""
    general, typed = _cn_patterns()
    if not _matches_desc(national, general):
        return False
    return any(_matches_desc(national, desc) for desc in typed)


_Desc = tuple[frozenset[int], "re.Pattern[str] | None"]


def _matches_desc(national: str, desc: _Desc) -> bool:
    lengths, pattern = desc
    if lengths and len(national) not in lengths:
        return False
    return pattern is not None and pattern.fullmatch(national) is not None


@functools.cache
def _cn_patterns() -> tuple[_Desc, tuple[_Desc, ...]]:
    """CN's general description and its number types, in phonenumbers' order (a mobile
    pattern only where it differs from the fixed-line one, as the library checks it)."""
    from phonenumbers import PhoneMetadata

    metadata = PhoneMetadata.metadata_for_region("CN")
    assert metadata is not None
    names = ["premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager"]
    names += ["uan", "voicemail", "fixed_line"]
    if not metadata.same_mobile_and_fixed_line_pattern:
        names.append("mobile")
    typed = [_desc(getattr(metadata, name)) for name in names]
    general = _desc(metadata.general_desc) or (frozenset(), None)  # none: no number is valid
    return general, tuple(d for d in typed if d is not None)


def _desc(desc: Any) -> _Desc | None:
    if desc is None:
        return None
    pattern = desc.national_number_pattern
    return frozenset(desc.possible_length or ()), re.compile(pattern) if pattern else None


@functools.cache
def _currencies() -> frozenset[str]:
    import pycountry

    return frozenset(c.alpha_3 for c in pycountry.currencies)


@functools.cache
def _countries() -> frozenset[str]:
    import pycountry

    return frozenset(c.alpha_2 for c in pycountry.countries)


def is_currency(value: str) -> bool:
    """Upper-case ISO 4217 alphabetic code (pycountry's list)."""
    return value in _currencies()


def is_country(value: str) -> bool:
    """Upper-case ISO 3166-1 alpha-2 code (pycountry's list)."""
    return value in _countries()


def is_uri(value: str) -> bool:
    """An absolute URI per the RFC 3986 grammar (ASCII only; IRIs must be percent-encoded)."""
    match = _URI.fullmatch(value)
    if match is None:
        return False
    authority = match.group("authority")
    if authority is None:
        return True
    parts = _AUTHORITY.fullmatch(authority)
    if parts is None:
        return False
    host = parts.group("host")
    return not host.startswith("[") or _is_ip_literal(host[1:-1])


def _is_ip_literal(text: str) -> bool:
    if _IP_FUTURE.fullmatch(text):
        return True
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return "%" not in text  # RFC 3986 has no zone identifiers


DOMAIN_FORMATS: dict[str, FormatCheck] = {
    "cn-resident-id": is_resident_id,
    "cn-division-code": is_division_code,
    "cn-uscc": is_uscc,
    "phone": is_phone,
    "iso4217": is_currency,
    "iso3166-alpha2": is_country,
}
"""Formats of the standard's own, checked by this module in every engine."""

RFC_FORMATS: dict[str, FormatCheck] = {"date-time": is_date_time, "date": is_date, "uri": is_uri}
"""JSON Schema's own formats: jsonschema-rs checks them natively; these mirror it exactly for the
reference engine (python-jsonschema), and the differential test holds the two together."""

FORMATS: dict[str, FormatCheck] = {**RFC_FORMATS, **DOMAIN_FORMATS}
