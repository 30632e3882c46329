"""Orders from e-commerce exports → Order (+ Delivery) records: one engine for every platform.

Each platform is a file (platforms/*.toml, or one given with --dialect; format:
platforms.schema.json, compiled by tables.py): where the order's fields sit, and the code tables
of its statuses. Money stays exact (values.py); statuses go through the tables, and a value
outside them is a rejection; local times get the platform's zone; values the platform already
masked stay marked as masked.
Before an order is written, its parts must add up to its total (the standard's
`order-total-mismatch` rule) and its lines must come to no more than its subtotal
(`order-lines-exceed-subtotal`): an order that does not is rejected with the difference.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from ccstd.adapters.base import (
    MAX_NESTING,
    Converted,
    Rejected,
    SourceItem,
    encode_json,
    loads_json,
    too_deep,
)
from ccstd.adapters.json_lines import holds_lines, without_bom
from ccstd.adapters.orders.paths import Path as KeyPath
from ccstd.adapters.orders.paths import parse
from ccstd.adapters.orders.tables import (
    Codes,
    Items,
    MinorUnits,
    Platform,
    is_utc,
    letters_digest,
    load_platform,
    objects,
)
from ccstd.adapters.orders.values import (
    NumberText,
    Record,
    UnconvertibleOrderError,
    currency_code,
    decimal,
    minor_units,
    moment,
    money,
    text,
)
from ccstd.standard.fields import entity_fields
from ccstd.standard.formats import is_country, is_phone
from ccstd.standard.money import lines_excess, parts_imbalance, payment_after_refunds
from ccstd.standard.raw_ids import is_raw_resident_id
from ccstd.standard.registry import StandardRegistry

__all__ = ["Platform", "convert_order", "load_platform", "order_item", "read_orders"]

_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._:-]")
_POSTAL_CODE = re.compile(r"[0-9]{6}")  # common.json#/$defs/Address.postalCode
_MAX_QUANTITY = Decimal("1e9")  # a line's quantity: more than 0, at most a billion


def read_orders(path: Path, platform: Platform) -> Iterator[SourceItem]:
    """Each order of a JSON array, an API page, or NDJSON (of orders or of pages), told apart
    by content (`json_lines.holds_lines`); a UTF-8 byte order mark at the start is allowed."""
    data = without_bom(path.read_bytes())
    if not data.strip():
        return  # an empty file holds no order
    if path.name.endswith((".ndjson", ".jsonl")) or holds_lines(data):  # or by content
        for number, line in enumerate(data.splitlines(), 1):
            if line.strip():
                yield from _orders_in(line, str(path), f"line {number}", platform, number)
        return
    yield from _orders_in(data, str(path), "", platform, None)


# A number orjson would not read exactly: 19 or more digits (and points) in a row (an integer
# beyond 64 bits), a decimal of 16 or more characters holding a point (a double keeps 15 digits:
# `9.9999999999999999` would read as 10), or an exponent of -100 or less (a double flushes to
# zero near 1e-308: `1e-400` would read as 0).
_LONG_NUMBER = re.compile(rb"\d[\d.]{18,}|(?<![\d.])(?=[\d.]{16})\d*\.|\d[eE]-0*[1-9]\d\d")


def _loads(data: bytes) -> Any:
    """JSON with every number exact: orjson, unless the text holds a number orjson would round
    (see _LONG_NUMBER) or one beyond a double (orjson refuses the whole document); then the
    standard parser, with decimals kept as text (`NumberText`) for `decimal` to judge one by one."""
    if not _LONG_NUMBER.search(data):
        try:
            return loads_json(data)
        except orjson.JSONDecodeError as exc:
            if "depth" in exc.msg:
                raise TooDeepError("nested too deeply") from None
            if "number" not in exc.msg:
                raise ValueError(exc.msg) from None
    try:
        return json.loads(data, parse_float=NumberText, parse_constant=_no_constant)
    except RecursionError:
        raise TooDeepError("nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, an integer of more than 4,300 digits
        raise ValueError(str(exc)) from None


_DEEP = "nested-too-deep"


class TooDeepError(ValueError):
    """JSON that nests beyond what the parser follows."""


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _orders_in(
    data: bytes, file: str, where: str, platform: Platform, line: int | None
) -> Iterator[SourceItem]:
    try:
        document = _loads(data)
    except TooDeepError as exc:
        deep = f"nested more than {MAX_NESTING} deep ({exc})"
        yield SourceItem(file, where or "document", data, problem=deep, line=line, reason=_DEEP)
        return
    except ValueError as exc:
        yield SourceItem(
            file, where or "document", data, problem=f"not valid JSON: {exc}", line=line
        )
        return
    orders, path = _page(document, platform)
    if orders is None:
        yield order_item(file, where or "document", data, document, line, platform)
        return
    for index, order in enumerate(orders):
        locator = f"{where} {path}[{index}]".strip()
        yield order_item(file, locator, encode_json(order), order, line, platform)


def order_item(
    file: str, locator: str, raw: bytes, value: Any, line: int | None, platform: Platform
) -> SourceItem:
    """An order as an item, its JSON text fields parsed (the platform's `json`), or a problem
    item when one is not JSON or it nests too deep to be an order (walked only when its text
    has enough brackets to nest that deep: a count in C, not a walk)."""
    if platform.json_text and isinstance(value, dict):
        try:
            value = _with_json_text(value, platform.json_text)
        except UnconvertibleOrderError as problem:
            return SourceItem(
                file, locator, raw, value, problem=str(problem), line=line, reason=problem.reason
            )
        walk = True  # what the text held nests without brackets in `raw`
    else:
        walk = raw.count(b"{") + raw.count(b"[") > MAX_NESTING
    deep = too_deep(value) if walk else None
    if deep is not None:
        return SourceItem(file, locator, raw, problem=deep, line=line, reason=_DEEP)
    return SourceItem(file, locator, raw, value, line=line)


def _with_json_text(order: Record, fields: tuple[KeyPath, ...]) -> Record:
    """The order with each field that holds JSON text replaced by the document it holds
    (copied along the way: the order read stays as it was)."""
    for field in fields:
        order = _parsed_at(order, field.keys, field.dotted)
    return order


def _parsed_at(node: Record, keys: tuple[str, ...], name: str) -> Record:
    value = node.get(keys[0])
    if len(keys) > 1:
        if not isinstance(value, dict):
            return node  # absent, or not an object: nothing to parse there
        return {**node, keys[0]: _parsed_at(value, keys[1:], name)}
    if not isinstance(value, str) or not value.strip():
        return node  # absent, empty, or given as JSON already
    try:
        document = _loads(value.encode("utf-8", "surrogatepass"))
    except TooDeepError:
        message = f"{name} holds a JSON document nested more than {MAX_NESTING} deep"
        raise UnconvertibleOrderError("nested-too-deep", message, name) from None
    except ValueError as exc:
        message = f"{name} holds text that is not a JSON document: {exc}"
        raise UnconvertibleOrderError("invalid-json-text", message, name) from None
    return {**node, keys[0]: document}


def _page(document: Any, platform: Platform) -> tuple[list[Any] | None, str]:
    if isinstance(document, list):
        return document, "$"
    for path in platform.pages:
        node = document
        for step in parse(path).keys:
            node = node.get(step) if isinstance(node, dict) else None
        if isinstance(node, list):
            return node, path
        if isinstance(node, dict) and path.endswith("order"):
            return [node], path
    return None, ""


def convert_order(item: SourceItem, platform: Platform) -> Converted | Rejected:
    """An Order and its Deliveries from one source order."""
    if not isinstance(item.value, dict):
        return Rejected("not-an-order", "the item is not a JSON object")
    try:
        order = _order(item.value, platform)
        deliveries = _deliveries(item.value, order, platform)
    except UnconvertibleOrderError as problem:
        return Rejected(problem.reason, str(problem), problem.path)
    except (AttributeError, TypeError, KeyError):  # a value of an unexpected shape
        message = "a field holds an object, array or value of the wrong type"
        return Rejected("invalid-structure", message)
    return Converted((order, *deliveries))


def _order(source: Record, platform: Platform) -> Record:
    for field, value in platform.required:
        if not _present(value(source, source)):
            raise UnconvertibleOrderError("missing-required", f"no {field}", field)
    get = platform.order
    source_id = get["id"](source, source)
    if isinstance(source_id, float | bool | dict | list):  # a rounded number is not an id
        raise UnconvertibleOrderError(
            "invalid-id", "the order id is not an exact identifier (give it as a string)", "id"
        )
    number = get["number"](source, source) if "number" in get else None
    for name, given in (("id", source_id), ("number", number)):
        if isinstance(given, str | int) and is_raw_resident_id(str(given)):
            message = f"the order {name} is a resident ID number: not written (privacy)"
            raise UnconvertibleOrderError("personal-data", message, platform.label(name))
    currency = currency_code(get["currency"](source, source), platform.label("currency"))
    record: Record = {
        "id": _record_id(f"{_id_prefix(platform)}-{source_id}"),
        "type": "Order",
        "standardVersion": platform.standard,
        "meta": {"sourceSystem": platform.name},
        "orderNumber": text(number if _present(number) else source_id, platform.label("number")),
        "channel": platform.channel,
        "merchant": {"name": text(get["merchant"](source, source), platform.label("merchant"))},
    }
    placed, assumed = _time(get["placed_at"](source, source), platform.label("placed_at"), platform)
    record["placedAt"] = placed
    if assumed and _records_zone(platform.standard):
        record["meta"]["assumedTimeZone"] = platform.timezone
    record.update(_statuses(source, platform))
    record["lines"] = [
        _line(line, source, spec, currency, f"{path}[{i}]", platform)
        for spec in platform.lines
        for path, lines in [_items(source, spec)]
        for i, line in enumerate(lines)
    ]
    if not record["lines"]:
        where = platform.lines[0].paths[0][0]
        raise UnconvertibleOrderError(
            "missing-required", f"no {where}: an order without lines", where
        )
    amounts: dict[str, Decimal] = {}
    for target, getter in platform.money.items():
        value = getter(source, source)
        if _present(value):
            where = platform.label(target)
            amounts[target] = _amount(value, where, currency, platform.minor_units)
            record[target] = money(amounts[target], currency, where)
    if "prices_include_tax" in get:
        flag = get["prices_include_tax"](source, source)
        record["pricesIncludeTax"] = _flag(flag, platform.label("prices_include_tax"))
    _recipient(record, source, platform)
    _check_total(amounts, record.get("pricesIncludeTax") is True, currency)
    if platform.refunded is not None:
        _refunds(record, platform.refunded(source, source), amounts.get("total"), platform)
    if "subtotal" in amounts:
        lines = [Decimal(line["total"]["amount"]) for line in record["lines"]]
        _check_lines(lines, amounts["subtotal"], currency, platform.label("subtotal"))
    return record


def _flag(value: Any, path: str) -> bool:
    """A yes/no field: a JSON boolean, or `"true"`/`"false"` as some exports write it (absent
    is no); another value is a rejection naming the field, never a guess."""
    if value is True or value is False:
        return value
    if not _present(value):
        return False
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise UnconvertibleOrderError("invalid-structure", f"{path} is not true or false", path)


def _statuses(source: Record, platform: Platform) -> Record:
    codes = platform.statuses
    if "all" in codes:
        status, payment, fulfilment = _code(codes["all"], source, source)
    else:
        payment = _code(codes["payment"], source, source)
        fulfilment = _code(codes["fulfilment"], source, source)
        facts = {"paymentStatus": payment, "fulfilmentStatus": fulfilment}
        status = next(
            rule["status"]
            for rule in platform.status_rules
            if ("when_present" not in rule or _present(rule["when_present"](source, source)))
            and all(facts.get(k) == v for k, v in rule.get("when", {}).items())
        )
    return {"status": status, "paymentStatus": payment, "fulfilmentStatus": fulfilment}


def _code(codes: Codes, node: Record, root: Record) -> Any:
    value = codes.source(node, root)
    if not _present(value):
        if codes.default is None:
            raise UnconvertibleOrderError("missing-required", f"no {codes.path}", codes.path)
        value = codes.default
    if isinstance(value, dict | list | float) or str(value) not in codes.codes:
        if codes.otherwise is not None and _present(codes.source(node, root)):
            return codes.otherwise
        raise UnconvertibleOrderError(
            "unknown-vendor-code",
            f"{codes.path} value not in the platform's table",
            codes.path,
        )
    return codes.codes[str(value)]


def _items(source: Record, spec: Items) -> tuple[str, list[Record]]:
    """The first of the item paths present in the order, as a list of objects."""
    for path, get in spec.paths:
        value = get(source, source)
        if _present(value):
            return path, objects(value, path)
    return spec.paths[0][0], []


def _amount(value: Any, where: str, currency: str, minor: bool) -> Decimal:
    """An amount as a decimal of the currency; one in minor units (the platform's `amounts`,
    or `{minor = …}`) must be a whole number, and is scaled by the currency's ISO 4217 exponent
    (exactly: `3550` fen is 35.50 CNY, `1500` JPY is 1500)."""
    if isinstance(value, MinorUnits):
        value, minor = value.value, True
    number = decimal(value, where)
    if not minor:
        return number
    if number != number.to_integral_value():
        message = f"{where} is not a whole number of {currency} minor units"
        raise UnconvertibleOrderError("invalid-money", message, where)
    return number.scaleb(-(minor_units(currency) or 0))


def _line(
    line: Record, order: Record, spec: Items, currency: str, path: str, platform: Platform
) -> Record:
    try:
        return _line_fields(line, order, spec, currency, path, platform)
    except UnconvertibleOrderError as problem:  # a term's path is relative to the line
        if problem.path.startswith(path):
            raise
        raise problem.within(path) from None


def _line_fields(
    line: Record, order: Record, spec: Items, currency: str, path: str, platform: Platform
) -> Record:
    get, minor = spec.fields, platform.minor_units

    def where(field: str) -> str:
        return f"{path}.{spec.label(field)}"

    name = get["name"](line, order)
    if not _present(name):
        raise UnconvertibleOrderError(
            "missing-required", "an order line without a name", where("name")
        )
    count = _quantity(get["quantity"](line, order), where("quantity"), platform)
    record: Record = {
        "name": text(name, where("name")),
        "quantity": int(count) if count == count.to_integral() else float(count),
    }
    sku = get["sku"](line, order) if "sku" in get else None
    if _present(sku):
        record["sku"] = text(sku, where("sku"))
    price = get["unit_price"](line, order) if "unit_price" in get else None
    if _present(price):
        at = where("unit_price")
        amount = _amount(price, at, currency, minor)
        record["unitPrice"] = money(amount, currency, at, unit_price=True)
    total = get["total"](line, order)
    if not _present(total):
        raise UnconvertibleOrderError("missing-required", "a line without a total", where("total"))
    at = where("total")
    record["total"] = money(_amount(total, at, currency, minor), currency, at)
    return record


def _quantity(value: Any, where: str, platform: Platform) -> Decimal:
    """A line's quantity: above 0, at most a billion, and whole unless the platform counts in
    decimals (`quantities = "decimal"`); the standard's quantity is any number above 0."""
    count = decimal(value, where, "quantity")
    if count <= 0:
        raise UnconvertibleOrderError(
            "invalid-quantity", f"{where} is {count}: a line's quantity is above 0", where
        )
    if count > _MAX_QUANTITY:
        raise UnconvertibleOrderError(
            "quantity-out-of-range", f"{where} is above {_MAX_QUANTITY:,.0f}", where
        )
    if platform.whole_quantities and count != count.to_integral_value():
        raise UnconvertibleOrderError(
            "invalid-quantity",
            f"{where} is {count}: {platform.name} counts a line's items in whole numbers",
            where,
        )
    return count


def _recipient(record: Record, source: Record, platform: Platform) -> None:
    """Recipient name, phone and address; values the standard cannot hold are left out."""
    values = {k: get(source, source) for k, get in platform.recipient.items()}
    values = {k: v for k, v in values.items() if _present(v)}
    if "name" in values:
        record["recipientName"] = text(values["name"], "recipient.name")
    phone = values.get("phone")
    if phone is not None and ("*" in str(phone) or is_phone(str(phone))):
        record["recipientPhone"] = text(phone, "recipient.phone")
    address: Record = {}
    for key, target in (("province", "province"), ("city", "city"), ("district", "district")):
        if key in values:
            address[target] = text(values[key], f"recipient.{key}")
    postal = values.get("postal_code")
    if postal is not None and _POSTAL_CODE.fullmatch(str(postal)):
        address["postalCode"] = str(postal)
    country = values.get("country")
    if country is not None and is_country(str(country)):
        address["country"] = str(country)
    if address:
        record["shippingAddress"] = address


def _check_total(amounts: dict[str, Decimal], prices_include_tax: bool, currency: str) -> None:
    imbalance = parts_imbalance(amounts, prices_include_tax, currency)
    if imbalance is not None:
        raise UnconvertibleOrderError(
            "order-total-mismatch",
            f"the order's parts come to {imbalance.parts} {imbalance.currency} but its total is "
            f"{imbalance.total} (difference {imbalance.difference:+})",
            "total",
        )


def _refunds(record: Record, value: Any, total: Decimal | None, platform: Platform) -> None:
    """An order its codes call paid, with refunds (`status.refunded`, the amount refunded so far
    whatever its sign), is partially refunded, or refunded once the refunds reach its total."""
    if not _present(value):
        return
    where = platform.label("refunded")
    refunded = _amount(value, where, record["total"]["currency"], platform.minor_units)
    record["paymentStatus"] = payment_after_refunds(record["paymentStatus"], refunded, total)


def _check_lines(lines: list[Decimal], subtotal: Decimal, currency: str, where: str) -> None:
    excess = lines_excess(lines, subtotal, currency)
    if excess is not None:
        raise UnconvertibleOrderError(
            "order-lines-exceed-subtotal",
            f"the order's lines come to {excess.parts} {currency}, more than its subtotal "
            f"{excess.total} (difference {-excess.difference:+})",
            where,
        )


def _deliveries(source: Record, order: Record, platform: Platform) -> list[Record]:
    """The order's Deliveries, one per id: the same delivery listed twice is written once; two
    with one id and other content reject the order (`conflicting-deliveries`), never merged."""
    found: dict[str, tuple[Record, str]] = {}
    for spec in platform.deliveries:
        path, items = _items(source, spec)
        for i, item in enumerate(items):
            if all(_present(r(item, source)) for r in spec.requires):
                at = f"{path}[{i}]"
                delivery = _delivery(item, source, spec, order, platform, at)
                first = found.setdefault(delivery["id"], (delivery, at))
                if first[0] != delivery:
                    _conflict(first[0], delivery, first[1], at)
    return [delivery for delivery, _ in found.values()]


def _conflict(first: Record, other: Record, first_at: str, at: str) -> None:
    fields = sorted(k for k in first.keys() | other.keys() if first.get(k) != other.get(k))
    raise UnconvertibleOrderError(
        "conflicting-deliveries",
        f"{first_at} and {at} are one delivery (one id) with another {', '.join(fields)}: "
        "not merged",  # the id is left out: it holds the tracking number
        at,
    )


def _delivery(
    item: Record, source: Record, spec: Items, order: Record, platform: Platform, path: str
) -> Record:
    get = spec.fields
    number = get["tracking_number"](item, source)
    if not _present(number):
        return {}
    assert spec.status is not None  # required by the format
    status = _code(spec.status, item, source)
    at = get["at"](item, source)
    carrier = get["carrier"](item, source) if "carrier" in get else None
    key = get["key"](item, source)
    if not _present(key):  # the file gives no key here (Shopify's says `trk-` + digest itself):
        key = f"trk-{letters_digest(str(number))}"  # the same rule, never "None" in an id
    if isinstance(key, str | int) and is_raw_resident_id(str(key)):
        message = "the delivery's key is a resident ID number: not written (privacy)"
        raise UnconvertibleOrderError("personal-data", message, f"{path}.key")
    assumed = "assumedTimeZone" in order["meta"]
    when = order["placedAt"]
    if _present(at):
        when, assumed = _time(at, f"{path}.at", platform)
    meta: Record = {"sourceSystem": platform.name}
    if assumed and _records_zone(platform.standard):
        meta["assumedTimeZone"] = platform.timezone
    return {
        "id": _record_id(f"{order['id']}-dlv-{key}"),  # one parcel for two orders: two ids
        "type": "Delivery",
        "standardVersion": platform.standard,
        "meta": meta,
        "order": {"type": "Order", "id": order["id"]},
        "carrier": {"name": text(carrier if _present(carrier) else "(unknown carrier)", "carrier")},
        "trackingNumber": text(number, f"{path}.tracking_number"),
        "status": status,
        "timeline": [{"status": status, "at": when}],
    }


def _time(value: Any, path: str, platform: Platform) -> tuple[str, bool]:
    """An RFC 3339 time, and whether the platform's zone was assumed for it."""
    if not _present(value):
        raise UnconvertibleOrderError("missing-required", f"no {path}", path)
    if is_utc(value) and value[-1:].isdigit():
        value = f"{value}Z"
    return moment(value, path, platform.timezone)


@functools.cache
def _records_zone(version: str) -> bool:
    """Whether records of that standard version can say the zone assumed for a local time
    (`meta.assumedTimeZone`, from 1.2.0); earlier ones convert without saying it."""
    fields = entity_fields(StandardRegistry().get(version), "Order")
    return any(f.dotted == "meta.assumedTimeZone" for f in fields)


def _present(value: Any) -> bool:
    return value is not None and value != ""


# Channels that do not name one platform: the ids of their orders also carry the platform's name,
# so that two platforms' order B1 are two Orders.
_SHARED_CHANNELS = frozenset({"other", "offline"})


def _id_prefix(platform: Platform) -> str:
    """What a platform's record ids start with: its channel (`shopify-…`), and its name when
    the channel is one many platforms share (`other-myshop-…`)."""
    if platform.channel in _SHARED_CHANNELS:
        return f"{platform.channel}-{platform.name}"
    return platform.channel


def _record_id(text: str) -> str:
    return _ID_UNSAFE.sub("-", text)[:128]
