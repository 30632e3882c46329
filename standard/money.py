"""Money arithmetic on records: exact decimals, never floats.

An Order's parts add up to its total (the `order-total-mismatch` rule): subtotal - discount +
shipping + tax = total, where an absent part counts as zero and `tax` is left out when
`pricesIncludeTax` is true (the other amounts already contain it); its lines' totals come to no
more than its subtotal (`order-lines-exceed-subtotal`). The check applies when the
record has a subtotal and a total and every part is a well-formed amount in one currency; a
malformed amount is the schema level's finding, not this one's.

Totals carry the decimals of their currency's ISO 4217 minor unit (the
`amount-finer-than-minor-unit` rule, common.json#/$defs/Money); unit prices may carry up to 4.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from iso4217 import Currency

from ccstd.standard import rules
from ccstd.standard.fields import ANY_ITEM
from ccstd.standard.findings import Finding, Locator
from ccstd.standard.formats import is_currency

_AMOUNT = re.compile(r"-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,4})?")  # common.json#/$defs/Money
_SUBTRACTED = frozenset({"discount"})
# The Order's Money fields that are payable amounts; `lines.*.unitPrice` is the one that is not.
TOTALS: tuple[tuple[str, ...], ...] = (
    ("subtotal",), ("discount",), ("shipping",), ("tax",), ("total",), ("amountPaid",),
    ("lines", ANY_ITEM, "total"),
)  # fmt: skip


@dataclass(frozen=True)
class Imbalance:
    """The parts of an order and its total disagree: total - (sum of parts) = difference."""

    parts: Decimal
    total: Decimal
    currency: str

    @property
    def difference(self) -> Decimal:
        """How much the stated total exceeds the sum of its parts (negative: falls short)."""
        return self.total - self.parts


def amount(value: Any) -> tuple[Decimal, str] | None:
    """A Money object's exact amount and currency, or None when it is not well formed."""
    if not isinstance(value, dict):
        return None
    text, currency = value.get("amount"), value.get("currency")
    if not isinstance(text, str) or not isinstance(currency, str) or not _AMOUNT.fullmatch(text):
        return None
    return Decimal(text), currency


def order_parts(record: dict[str, Any]) -> tuple[str, ...]:
    """The Order fields that add up to its total, in the order they are written."""
    return _parts(record.get("pricesIncludeTax") is True)


def _parts(prices_include_tax: bool) -> tuple[str, ...]:
    parts = ("subtotal", "discount", "shipping")
    return parts if prices_include_tax else (*parts, "tax")


def parts_imbalance(
    amounts: dict[str, Decimal], prices_include_tax: bool, currency: str
) -> Imbalance | None:
    """The rule on amounts already read (one currency): None when they add up or cannot be
    checked (no subtotal or no total)."""
    if "subtotal" not in amounts or "total" not in amounts:
        return None
    parts = Decimal(0)
    for name in _parts(prices_include_tax):
        if name in amounts:
            parts += -amounts[name] if name in _SUBTRACTED else amounts[name]
    total = amounts["total"]
    return None if parts == total else Imbalance(parts, total, currency)


def order_imbalance(record: dict[str, Any]) -> Imbalance | None:
    """An Order whose parts do not add up to its total; None when they do or cannot be checked."""
    if "subtotal" not in record:
        return None
    total = amount(record.get("total"))
    if total is None:
        return None
    amounts = {"total": total[0]}
    for name in order_parts(record):
        if name not in record:
            continue
        part = amount(record[name])
        if part is None or part[1] != total[1]:
            return None
        amounts[name] = part[0]
    return parts_imbalance(amounts, record.get("pricesIncludeTax") is True, total[1])


def lines_excess(lines: list[Decimal], subtotal: Decimal, currency: str) -> Imbalance | None:
    """The `order-lines-exceed-subtotal` rule on amounts already read (one currency): the lines'
    totals as `parts`, the subtotal as `total` (a negative difference), or None when they come
    to no more than the subtotal."""
    value = sum(lines, Decimal(0))
    return Imbalance(value, subtotal, currency) if value > subtotal else None


def order_lines_findings(record: dict[str, Any], at: Locator) -> list[Finding]:
    """The `order-lines-exceed-subtotal` finding of an Order, if its lines come to more than its
    subtotal (not checked when an amount is malformed or in another currency)."""
    subtotal, lines = amount(record.get("subtotal")), record.get("lines")
    if subtotal is None or not isinstance(lines, list):
        return []
    totals = []
    for line in lines:
        total = amount(line.get("total")) if isinstance(line, dict) else None
        if total is None or total[1] != subtotal[1]:
            return []
        totals.append(total[0])
    excess = lines_excess(totals, *subtotal)
    if excess is None:
        return []
    return [
        rules.ORDER_LINES_EXCEED_SUBTOTAL.finding(
            at("subtotal"),
            lines=excess.parts,
            currency=excess.currency,
            subtotal=excess.total,
            difference=f"{-excess.difference:+}",
        )
    ]


def payment_after_refunds(payment: str, refunded: Decimal, total: Decimal | None) -> str:
    """An Order's paymentStatus once `refunded` (its sign ignored) is refunded: a paid (or partly
    refunded) order is partially-refunded, or refunded once the refunds reach its total; any
    other status, and no refund, is kept."""
    if not refunded or payment not in ("paid", "partially-refunded"):
        return payment
    return "refunded" if total is not None and abs(refunded) >= total else "partially-refunded"


def order_total_findings(record: dict[str, Any], at: Locator) -> list[Finding]:
    """The `order-total-mismatch` finding of an Order, if its parts do not add up."""
    imbalance = order_imbalance(record)
    if imbalance is None:
        return []
    parts = order_parts(record)
    formula = " ".join(
        f"{'-' if name in _SUBTRACTED else '+'} {name}" for name in parts if name in record
    )
    return [
        rules.ORDER_TOTAL_MISMATCH.finding(
            at("total"),
            formula=formula.removeprefix("+ "),
            parts=imbalance.parts,
            currency=imbalance.currency,
            total=imbalance.total,
            difference=f"{imbalance.difference:+}",
        )
    ]


def order_findings(record: dict[str, Any], at: Locator) -> list[Finding]:
    """Every money finding of an Order: amounts in another currency than its total, parts that
    do not add up, totals finer than the currency's minor unit."""
    return (
        currency_findings(record, at)
        + order_total_findings(record, at)
        + order_lines_findings(record, at)
        + precision_findings(record, at)
    )


def currency_findings(record: dict[str, Any], at: Locator) -> list[Finding]:
    """`order-currency-mismatch` for each amount of an Order in another currency than its total
    (the sum is not checked then: `order_imbalance`)."""
    total = amount(record.get("total"))
    if total is None or not is_currency(total[1]):
        return []  # a code that is no currency is the schema's finding
    found = []
    for where, value in _amounts(record):
        currency = value.get("currency") if isinstance(value, dict) else None
        if isinstance(currency, str) and currency != total[1] and is_currency(currency):
            found.append(
                rules.ORDER_CURRENCY_MISMATCH.finding(
                    at(*where, "currency"),
                    field=".".join(map(str, where)),
                    currency=currency,
                    total_currency=total[1],
                )
            )
    return found


def _amounts(record: dict[str, Any]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Every Money of an Order: its totals and each line's unit price."""
    yield from _totals(record)
    lines = record.get("lines")
    for index, line in enumerate(lines if isinstance(lines, list) else ()):
        if isinstance(line, dict) and "unitPrice" in line:
            yield ("lines", index, "unitPrice"), line["unitPrice"]


@functools.cache
def minor_unit(currency: str) -> int | None:
    """The decimals of a currency's minor unit (ISO 4217 exponent); None for a code that is no
    currency or has no minor unit."""
    try:
        exponent = Currency(currency).exponent
    except ValueError:
        return None
    return exponent if isinstance(exponent, int) else None


def precision_findings(record: dict[str, Any], at: Locator) -> list[Finding]:
    """`amount-finer-than-minor-unit` for each total written with more decimals than its
    currency's minor unit."""
    found = []
    for where, value in _totals(record):
        text = value.get("amount") if isinstance(value, dict) else None
        if not isinstance(text, str) or "." not in text:
            continue  # no decimals is never too many (and a malformed amount is the schema's)
        decimals = len(text) - text.index(".") - 1
        currency = value.get("currency")
        exponent = minor_unit(currency) if isinstance(currency, str) else None
        if exponent is not None and decimals > exponent and amount(value) is not None:
            found.append(
                rules.AMOUNT_FINER_THAN_MINOR_UNIT.finding(
                    at(*where, "amount"),
                    decimals=decimals,
                    currency=currency,
                    exponent=exponent,
                )
            )
    return found


def _totals(record: dict[str, Any]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """(path, value) of every total in an Order (TOTALS, read without a generic walk)."""
    for path in TOTALS:
        if len(path) == 1 and path[0] in record:
            yield path, record[path[0]]
    lines = record.get("lines")
    for index, line in enumerate(lines if isinstance(lines, list) else ()):
        if isinstance(line, dict) and "total" in line:
            yield ("lines", index, "total"), line["total"]
