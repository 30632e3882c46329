"""What a platform file means, checked at load time where its JSON Schema cannot see it.

Every constant and every code a platform file maps that lands in a standard field is checked
against that field's JSON Schema in the standard version the file writes (`field_problem`: enum,
pattern, format, type), the time zone against zoneinfo, and paths that read the order from
inside a line or a delivery (`^`) are refused where there is no line or delivery to be inside.
A problem is a `KeyValueError` naming the key; `tables.py` adds the file and the line.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ccstd.adapters.dialect_files import field_problem, personal_path, zone_problem
from ccstd.adapters.orders.paths import Path, parse, terms
from ccstd.adapters.orders.values import UnconvertibleOrderError, currency_code, decimal

Keys = list[str]

# Where the constants of each section land in the standard (None: checked as a money amount).
ORDER_TARGETS = {
    "number": "Order.orderNumber",
    "placed_at": "Order.placedAt",
    "merchant": "Order.merchant.name",
    "prices_include_tax": "Order.pricesIncludeTax",
}
LINE_TARGETS = {
    "sku": "Order.lines[].sku",
    "name": "Order.lines[].name",
    "quantity": "Order.lines[].quantity",
    "unit_price": None,
    "total": None,
}
RECIPIENT_TARGETS = {
    "name": "Order.recipientName",
    "phone": "Order.recipientPhone",
    "city": "Order.shippingAddress.city",
    "province": "Order.shippingAddress.province",
    "district": "Order.shippingAddress.district",
    "postal_code": "Order.shippingAddress.postalCode",
    "country": "Order.shippingAddress.country",
}
DELIVERY_TARGETS = {
    "carrier": "Delivery.carrier.name",
    "tracking_number": "Delivery.trackingNumber",
    "at": "Delivery.timeline[].at",
}
STATUS_TARGETS = {
    "all": ("Order.status", "Order.paymentStatus", "Order.fulfilmentStatus"),
    "payment": ("Order.paymentStatus",),
    "fulfilment": ("Order.fulfilmentStatus",),
}
RULE_FACTS = ("paymentStatus", "fulfilmentStatus")  # what a status rule's `when` compares
WALKS_IN_SUMS = (
    "`x[]` is read only in the terms of {sum = [...]} (the sum over the array x) and in the"
    " items of lines and deliveries"
)
ROOT_ONLY = "`^` reads the order from inside a line or delivery; here the order is read already"


class KeyValueError(ValueError):
    """A problem at a key of the file (the schema cannot see it)."""

    def __init__(self, keys: Keys, message: str) -> None:
        super().__init__(message)
        self.keys = keys


def check_meaning(spec: Mapping[str, Any]) -> None:
    """Raise KeyValueError for the first value of `spec` the engine could not use."""
    version = spec["standard"]
    _fits(version, ["channel"], "Order.channel", spec["channel"])
    problem = zone_problem(spec["timezone"])
    if problem:
        raise KeyValueError(["timezone"], problem)
    _order_level_paths(spec)
    _kinds_in_place(spec)
    _personal_paths(spec)
    _section(version, ["order"], spec["order"], ORDER_TARGETS)
    if "currency" in spec["order"]:
        for keys, value in _constants(spec["order"]["currency"], ["order", "currency"]):
            _currency(keys, value)
    _section(version, ["money"], spec["money"], dict.fromkeys(spec["money"]))
    for index, line in enumerate(spec["lines"]):
        _section(version, ["lines", str(index)], line, LINE_TARGETS)
        if spec.get("quantities", "whole") == "whole":
            _whole(_constants(line["quantity"], ["lines", str(index), "quantity"]))
    _section(version, ["recipient"], spec.get("recipient", {}), RECIPIENT_TARGETS)
    for index, delivery in enumerate(spec.get("deliveries", ())):
        keys = ["deliveries", str(index)]
        _section(version, keys, delivery, DELIVERY_TARGETS)
        _codes(version, [*keys, "status"], delivery["status"], ("Delivery.status",))
    _statuses(version, spec["status"])


def _fits(version: str, keys: Keys, target: str | None, value: Any) -> None:
    if target is None:  # a money amount: a decimal the engine reads
        try:
            decimal(value, ".".join(keys))
        except UnconvertibleOrderError as exc:
            raise KeyValueError(keys, f'{value!r}: {exc} (an amount such as "0.00")') from None
        return
    problem = field_problem(version, target, value)
    if problem:
        raise KeyValueError(keys, problem)


def _currency(keys: Keys, value: Any) -> None:
    try:
        currency_code(value, ".".join(keys))
    except UnconvertibleOrderError as exc:
        raise KeyValueError(keys, f"{value!r}: {exc} (e.g. CNY, USD, JPY)") from None


def _section(
    version: str, keys: Keys, section: Mapping[str, Any], targets: Mapping[str, str | None]
) -> None:
    for name, value in section.items():
        if name in targets:
            for where, constant in _constants(value, [*keys, name]):
                _fits(version, where, targets[name], constant)


def _whole(constants: Iterator[tuple[Keys, Any]]) -> None:
    """Constant quantities of a platform that counts in whole numbers are whole."""
    for keys, value in constants:
        if isinstance(value, int | float) and not float(value).is_integer():
            raise KeyValueError(keys, f'{value!r} is not whole: say quantities = "decimal"')


def _constants(value: Any, keys: Keys) -> Iterator[tuple[Keys, Any]]:
    """Every `{const = …}` of a value expression, with its keys."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _constants(item, [*keys, str(index)])
    elif isinstance(value, dict) and "const" in value:
        yield [*keys, "const"], value["const"]


def _statuses(version: str, status: Mapping[str, Any]) -> None:
    for name, targets in STATUS_TARGETS.items():
        if name in status:
            _codes(version, ["status", name], status[name], targets)
    rules = status.get("rules", ())
    for index, rule in enumerate(rules):
        keys = ["status", "rules", str(index)]
        _fits(version, [*keys, "status"], "Order.status", rule["status"])
        for fact, value in rule.get("when", {}).items():
            if fact not in RULE_FACTS:
                known = ", ".join(RULE_FACTS)
                raise KeyValueError([*keys, "when", fact], f"not a fact a rule compares ({known})")
            _fits(version, [*keys, "when", fact], f"Order.{fact}", value)
    if rules and ("when" in rules[-1] or "when_present" in rules[-1]):
        last = ["status", "rules", str(len(rules) - 1)]
        raise KeyValueError(last, "the last rule must have no condition (the status otherwise)")


def _codes(version: str, keys: Keys, table: Mapping[str, Any], targets: tuple[str, ...]) -> None:
    """A code table's targets (one value per target, a list when several) and its default."""
    for code, value in table["codes"].items():
        _targets(version, [*keys, "codes", code], value, targets)
    if "otherwise" in table:
        _targets(version, [*keys, "otherwise"], table["otherwise"], targets)
    default = table.get("default")
    if default is not None and default not in table["codes"]:
        known = ", ".join(table["codes"])
        raise KeyValueError(
            [*keys, "default"], f"{default!r} is not one of the table's codes ({known})"
        )


def _targets(version: str, keys: Keys, value: Any, targets: tuple[str, ...]) -> None:
    values = value if isinstance(value, list) else [value]
    if len(values) != len(targets) or (len(targets) == 1 and isinstance(value, list)):
        shape = f"a list of {len(targets)}: " if len(targets) > 1 else "one value: "
        raise KeyValueError(keys, f"{value!r} is not {shape}{', '.join(targets)}")
    for target, each in zip(targets, values, strict=True):
        _fits(version, keys, target, each)


def _order_level_paths(spec: Mapping[str, Any]) -> None:
    """`^` only where a line or a delivery is being read; at order level it is refused."""
    places: list[tuple[Keys, Any]] = [
        (["required"], spec.get("required", [])),
        (["order"], spec["order"]),
        (["money"], spec["money"]),
        (["recipient"], spec.get("recipient", {})),
        (["status"], {k: v for k, v in spec["status"].items() if k != "rules"}),
        (["status", "rules"], spec["status"].get("rules", [])),
    ]
    for section in ("lines", "deliveries"):
        for index, items in enumerate(spec.get(section, ())):
            places.append(([section, str(index), "items"], items["items"]))
    places += [(["json"], spec.get("json", [])), (["pages"], spec["pages"])]
    for keys, value in places:
        for where, path in _paths(value, keys):
            if any(term.startswith("^") for term in terms(path)):
                raise KeyValueError(where, f"{path!r}: {ROOT_ONLY} (write {_unrooted(path)!r})")
    _walks_only_in_sums(spec)


def _walks_only_in_sums(spec: Mapping[str, Any]) -> None:
    """`x[]` is read in the terms of a sum (the sum over the array) and in the `items` of lines
    and deliveries (`groups[].items`: every group's items, in order); anywhere else it would be
    a field called `x[]`, absent from every order."""
    sections = ("pages", "required", "json", "order", "money", "recipient", "status", "lines",
                "deliveries")  # fmt: skip
    for section in sections:
        for where, path in _paths(spec.get(section, {}), [section]):
            walks = any(any(parse(term).walks) for term in terms(path))
            items = section in ("lines", "deliveries") and where[2:3] == ["items"]
            if walks and "sum" not in where and "less" not in where and not items:
                raise KeyValueError(where, f"{path!r}: {WALKS_IN_SUMS}")


# Where a value of a kind that only some targets read may stand: (section, key) pairs, a key of
# None meaning any key of the section.
_PLACES: dict[str, tuple[set[tuple[str, str | None]], str]] = {
    "epoch": ({("order", "placed_at"), ("deliveries", "at")},
              "a time: order.placed_at or a delivery's at"),
    "minor": ({("money", None), ("lines", "unit_price"), ("lines", "total")},
              "an amount: [money], or a line's unit_price or total"),
}  # fmt: skip


def _kinds_in_place(spec: Mapping[str, Any]) -> None:
    """`{epoch = …}` only where a time is read, `{minor = …}` only where an amount is."""
    for section in ("order", "money", "recipient", "lines", "deliveries"):
        for keys, expression in _expressions(spec.get(section, {}), [section]):
            for kind, (places, what) in _PLACES.items():
                if kind in expression:
                    key = keys[2] if section in ("lines", "deliveries") else keys[1]
                    if (section, key) not in places and (section, None) not in places:
                        raise KeyValueError(keys, f"{{{kind} = …}} reads {what}")


def _expressions(value: Any, keys: Keys) -> Iterator[tuple[Keys, dict[str, Any]]]:
    """Every table-valued expression inside a section, with its keys."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _expressions(item, [*keys, str(index)])
    elif isinstance(value, dict):
        if len(keys) > 1 and not (len(keys) == 2 and keys[0] in ("lines", "deliveries")):
            yield keys, value
        for name, item in value.items():
            if name not in _NOT_PATHS:
                yield from _expressions(item, [*keys, name])


PERSON_KEYS = ("name", "phone")  # the recipient fields pseudonymised; all else is written as read
_WRITTEN = ("order", "money", "recipient", "status", "lines", "deliveries")


def _personal_paths(spec: Mapping[str, Any]) -> None:
    """A value written unprotected (all but the recipient's name and phone) may not read what
    those read, nor a key named for a person's data (`receiver_mobile`, `buyer_name`, `手机`,
    `billing_address.name`; a bare `name` is a product's or a shop's here)."""
    recipient = spec.get("recipient", {})
    person = {
        _step(term).dotted
        for key in PERSON_KEYS
        for _, path in _paths(recipient.get(key, []), [])
        for term in terms(path)
    }
    for section in _WRITTEN:
        value = spec.get(section, {})
        if section == "recipient":
            value = {k: v for k, v in value.items() if k not in PERSON_KEYS}
        for where, path in _paths(value, [section]):
            for term in terms(path):
                step = _step(term)
                if step.dotted in person or personal_path(step.keys, generic=False):
                    raise KeyValueError(
                        where, f"{path!r}: a person's data, written here unprotected"
                    )


def mapping_of(spec: Mapping[str, Any], path: str) -> str:
    """The key of the first mapping that reads `path` (`recipient.name`, `lines.0.sku`), for
    messages; an item array's fields are read within it (`line_items.sku`)."""
    for section in ("required", *_WRITTEN):
        value = spec.get(section, {})
        tables = value if isinstance(value, list) and section != "required" else [value]
        for index, table in enumerate(tables):
            within = table.get("items", "") if isinstance(table, dict) else ""
            within = [within] if isinstance(within, str) else within
            arrays = [_step(w).dotted for w in within if w]
            keys = [section, str(index)] if table is not value else [section]
            for where, found in _paths(table, keys):
                for term in terms(found):
                    step = _step(term)
                    reads = [f"{a}.{step.dotted}" for a in arrays if a] if not step.rooted else []
                    if path in (reads or [step.dotted]):
                        return ".".join(where)
    return "a mapping"


def _step(term: str) -> Path:
    """A path term, parsed (its dotted form has no `^` nor `[]`)."""
    return parse(term.strip())


def _unrooted(path: str) -> str:
    return " * ".join(term.removeprefix("^") for term in terms(path))


def _paths(value: Any, keys: Keys) -> Iterator[tuple[Keys, str]]:
    """Every path string inside a value expression or section, with its keys."""
    if isinstance(value, str):
        yield keys, value
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, [*keys, str(index)])
    elif isinstance(value, dict):
        for name, item in value.items():
            if name not in _NOT_PATHS:
                yield from _paths(item, [*keys, name])


_NOT_PATHS = frozenset(  # keys whose values are text or codes, not paths
    {"const", "prefix", "sep", "codes", "default", "otherwise", "status", "when", "unit"}
)
