"""Local times shared by the adapter families (access-log dialects, order platforms).

A local time (no offset) is read in a zone; one that zone skipped or repeated at a change of
summer time is not one instant, and is refused, never given a guessed offset. An epoch time
(seconds or milliseconds since 1970-01-01 UTC, as many platforms push them) is read exactly,
and a number that is not a plausible epoch (negative, after the year 9999, NaN) is refused.
"""

from __future__ import annotations

import datetime
import functools
import re
import zoneinfo
from decimal import Decimal, InvalidOperation
from typing import Any

EPOCH_UNITS = {"s": 0, "ms": 3}  # the unit of an epoch time: its power of ten below a second
_LAST_SECOND = 253402300799  # 9999-12-31T23:59:59Z
_EPOCH_TEXT = re.compile(r"[0-9]{1,19}(?:\.[0-9]{1,9})?")
_ZONES: dict[str, zoneinfo.ZoneInfo] = {}


def zone(name: str) -> zoneinfo.ZoneInfo:
    """The zone of that name (kept once loaded)."""
    found = _ZONES.get(name)
    if found is None:
        found = _ZONES[name] = zoneinfo.ZoneInfo(name)
    return found


@functools.lru_cache(maxsize=4096)
def _steady_day(zone_name: str, day: datetime.date) -> bool:
    """Whether the zone keeps one UTC offset from the start of `day` to the start of the next,
    with no repeated hour at its start: then every local time of that day happened exactly once
    (most days, and every day of a zone without summer time)."""
    there = zone(zone_name)
    try:
        start = datetime.datetime.combine(day, datetime.time(), there)
        after = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), there)
    except OverflowError:
        return False
    offset = start.utcoffset()
    return offset == after.utcoffset() == start.replace(fold=1).utcoffset()


def local_time_problem(written: str, zone_name: str) -> str | None:
    """Why a local time read in a zone is not one instant: it never happened (skipped by a
    change to summer time) or happened twice (the hour repeated when summer time ends)."""
    moment = datetime.datetime.fromisoformat(written)
    if _steady_day(zone_name, moment.date()):
        return None
    there, local = zone(zone_name), moment.replace(tzinfo=None)
    placed = local.replace(tzinfo=there)
    said = f"local time {local.isoformat()}"
    try:
        back = placed.astimezone(datetime.UTC).astimezone(there)
    except OverflowError:
        return f"{said} is out of range"
    if back.replace(tzinfo=None) != local:
        return f"{said} does not exist in {zone_name} (clocks went forward)"
    if placed.replace(fold=1).utcoffset() != placed.utcoffset():
        return f"{said} happened twice in {zone_name} (clocks went back): ambiguous"
    return None


def epoch_time(value: Any, unit: str) -> str | None:
    """An epoch time (`unit` "s" or "ms"; a JSON number or its text) as RFC 3339 UTC, or None
    when the value is not a plausible one: not a number, negative, NaN, or after 9999."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    text = value.strip() if isinstance(value, str) else str(value)
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if not _EPOCH_TEXT.fullmatch(text):  # no sign, exponent, NaN or Infinity
        return None
    try:
        seconds = Decimal(text).scaleb(-EPOCH_UNITS[unit])
    except InvalidOperation:
        return None
    if seconds >= _LAST_SECOND + 1:  # after 9999-12-31T23:59:59.999999Z
        return None
    whole = int(seconds)
    micro = int((seconds - whole) * 1_000_000)
    moment = datetime.datetime.fromtimestamp(whole, datetime.UTC)
    return moment.replace(microsecond=micro).isoformat().replace("+00:00", "Z")
