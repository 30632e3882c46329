"""Values of an order export read exactly: decimals, money in the currency's minor units, times.

Money is never a float: amounts are read from their text and computed with Decimal. Each amount
is written with the currency's ISO 4217 minor units (the exponent in the ISO 4217 list one
shipped by the `iso4217` package: "20.00" CNY, "1500" JPY, "1.234" BHD); an amount finer than
that is rejected, not rounded. A currency without minor units (gold, testing codes) or outside
ISO 4217 is rejected with the field that holds it. Text is a plain decimal, as the standard's
Money.amount is (common.json: `-?digits(.digits)`, no leading zero) and as the platforms write
it: `"1e3"`, `"+10"`, `" 10 "` and `"010"` are no amount and no quantity, and are rejected naming
the field; a JSON number is a number however it is spelt (`1e3` is 1000).
"""

from __future__ import annotations

import datetime
import functools
import re
import zoneinfo
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from iso4217 import Currency

from ccstd.adapters.local_times import local_time_problem
from ccstd.standard.formats import is_currency

Record = dict[str, Any]

_PLAIN = re.compile(r"-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,4})?")  # Money.amount's pattern
_PLAIN_TEXT = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")  # what the platforms write
_DECIMAL_TEXT = re.compile(r"[-+]?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_MAX_NUMBER_TEXT = 64  # characters of a number's text: longer is not a price or a count
_MAX_DIGITS = 18  # significant digits of an amount or a quantity
_MIN_EXPONENT = -18  # below 1e-18 a value is noise, and Decimal work with it is unbounded
_MAX_ADJUSTED = 15  # amounts below 10^15 (common.json#/$defs/Money)
_QUANTA = tuple(Decimal(1).scaleb(-places) for places in range(5))
_UNIT_PRICE_PLACES = 4  # a unit price a platform computed may be finer than the minor unit
_PLAIN_DECIMALS: dict[str, Decimal] = {}  # text matching _PLAIN -> its (immutable) Decimal
_MAX_REMEMBERED = 4096


class NumberText(str):
    """A JSON number kept as its text (parsing exactly): a number however it is spelt, where
    a string in exponent notation is not a decimal amount."""


class UnconvertibleOrderError(ValueError):
    """A reason to reject one order: a stable code, a message, the source path."""

    def __init__(self, reason: str, message: str, path: str) -> None:
        super().__init__(message)
        self.reason, self.path = reason, path

    def within(self, prefix: str) -> UnconvertibleOrderError:
        """The same problem, its path read from `prefix` (a line, an array element)."""
        where = f"{prefix}.{self.path}"
        return UnconvertibleOrderError(self.reason, str(self).replace(self.path, where, 1), where)


def decimal(value: Any, path: str, kind: str = "money") -> Decimal:
    """A bounded decimal: at most 18 significant digits, at least 1e-18 in size (or zero), and
    checked before any arithmetic, so that `1e500000000` costs nothing; `kind` names the reason
    (`invalid-money`, `quantity-out-of-range`...)."""
    if isinstance(value, Decimal):
        return value  # computed here from bounded values
    if type(value) is str:  # the common case: "35.00", and the same few amounts again and again
        known = _PLAIN_DECIMALS.get(value)
        if known is not None:
            return known
        if _PLAIN.fullmatch(value):
            if len(_PLAIN_DECIMALS) >= _MAX_REMEMBERED:
                _PLAIN_DECIMALS.clear()
            known = _PLAIN_DECIMALS[value] = Decimal(value)
            return known
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise UnconvertibleOrderError(f"invalid-{kind}", f"{path} is not a number", path)
    text = value if isinstance(value, str) else str(value)
    if len(text) > _MAX_NUMBER_TEXT:
        raise UnconvertibleOrderError(f"{kind}-out-of-range", f"{path} is too long a number", path)
    if not _DECIMAL_TEXT.fullmatch(text.strip()):  # no "1_000", "1,234.50", digits of other scripts
        raise UnconvertibleOrderError(f"invalid-{kind}", f"{path} is not a decimal number", path)
    if type(value) is str and ("e" in text or "E" in text):  # text, not a JSON number
        raise UnconvertibleOrderError(
            f"invalid-{kind}",
            f"{path} is written with an exponent ({text.strip()!r}): not a plain decimal",
            path,
        )
    if type(value) is str and not _PLAIN_TEXT.fullmatch(text):
        raise UnconvertibleOrderError(f"invalid-{kind}", _not_plain(text, path, kind), path)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise UnconvertibleOrderError(
            f"invalid-{kind}", f"{path} is not a decimal number", path
        ) from None
    if not number:  # keep "0.00" as written; a zero with an absurd exponent is plain 0
        return number if int(number.as_tuple().exponent) >= _MIN_EXPONENT else Decimal(0)
    in_range = _MIN_EXPONENT <= number.adjusted() < _MAX_ADJUSTED  # cheap at any exponent
    significant = "".join(map(str, number.as_tuple().digits)).rstrip("0")  # normalize() rounds
    if not in_range or len(significant) > _MAX_DIGITS:
        raise UnconvertibleOrderError(
            f"{kind}-out-of-range",
            f"{path} is out of range (at most {_MAX_DIGITS} significant digits, 1e-18 to 1e15)",
            path,
        )
    return number


def _not_plain(text: str, path: str, kind: str) -> str:
    """Why decimal text is not written as the platforms write it (`"10.00"`, `"2"`), without
    quoting it (a field mapped by mistake may hold a phone number)."""
    if text != text.strip():
        what = "white space around it"
    elif text.startswith("+"):
        what = "a plus sign"
    else:
        what = "a leading zero"
    example = '"2"' if kind == "quantity" else '"10.00"'
    return f"{path} is written with {what}: not a plain decimal such as {example}"


@functools.cache
def minor_units(currency: str) -> int | None:
    """The ISO 4217 exponent of a currency (None: not a currency, or one without minor units)."""
    if not is_currency(currency):
        return None
    try:
        return Currency(currency).exponent
    except ValueError:
        return None


def currency_code(value: Any, path: str) -> str:
    """An ISO 4217 code with minor units, or a rejection naming the field."""
    if not isinstance(value, str) or minor_units(value) is None:
        raise UnconvertibleOrderError(
            "invalid-currency",
            f"{path} is not an ISO 4217 currency with minor units",
            path,
        )
    return value


def money(amount: Decimal, currency: str, path: str, unit_price: bool = False) -> Record:
    """`amount` written with the currency's minor units; finer amounts are rejected, except that
    a unit price keeps up to four places (the standard's Money) and is rounded half-even to
    them when finer (a platform's computed price, `3.3333333333333335`): it is not payable, the
    line's total is."""
    if amount and amount.adjusted() >= _MAX_ADJUSTED:
        raise UnconvertibleOrderError("money-out-of-range", f"{path} comes to 10^15 or more", path)
    places = minor_units(currency) or 0
    text = format(amount, "f")
    point = text.find(".")
    if amount and (len(text) - point - 1 if point >= 0 else 0) == places:  # already so written
        return {"amount": text, "currency": currency}
    if unit_price:  # the places its value needs (not its trailing zeros: "1500.00" JPY is 1500)
        needed = -int(amount.normalize().as_tuple().exponent) if amount else 0
        places = max(places, min(_UNIT_PRICE_PLACES, needed))
    written = amount.quantize(
        _QUANTA[places] if places < len(_QUANTA) else Decimal(1).scaleb(-places),
        rounding=ROUND_HALF_EVEN,
    )
    if written != amount and not unit_price:
        raise UnconvertibleOrderError(
            "invalid-money",
            f"{path} has more decimal places than {currency} has minor units ({places})",
            path,
        )
    return {"amount": format(written if written else abs(written), "f"), "currency": currency}


def moment(value: Any, path: str, zone: str) -> tuple[str, bool]:
    """An RFC 3339 time, and whether `zone` was assumed: a time without offset is taken in
    `zone`, and one that zone skipped or repeated (a change of summer time) is `invalid-time`."""
    if not isinstance(value, str):
        raise UnconvertibleOrderError("invalid-time", f"{path} is not a date-time", path)
    text = value.strip().replace(" ", "T", 1)
    try:
        parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UnconvertibleOrderError("invalid-time", f"{path} is not a date-time", path) from None
    if parsed.tzinfo is not None:
        return parsed.isoformat(), False
    written = parsed.replace(tzinfo=zoneinfo.ZoneInfo(zone)).isoformat()
    problem = local_time_problem(written, zone)
    if problem is not None:
        raise UnconvertibleOrderError("invalid-time", f"{path}: {problem}", path)
    return written, True


def text(value: Any, path: str) -> str:
    """A scalar as text (at most 4,000 characters); an object or array is a rejection."""
    if isinstance(value, dict | list):
        raise UnconvertibleOrderError(
            "invalid-structure", f"{path} is an object or array, not a value", path
        )
    return str(value)[:4000]
