"""Orders from Shopify, WooCommerce and Taobao exports → Order (+ Delivery) records.

Money stays exact: amounts are read as decimal strings and computed with Decimal, never floats.
Statuses go through the tables in platforms.toml; a value outside them is a rejection. Local
times get the platform's zone; values the platform already masked stay marked as masked.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import tomllib
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import orjson

from ccstd.adapters.base import Converted, Rejected, SourceItem, encode_json, loads_json, too_deep
from ccstd.adapters.ledger import Coverage
from ccstd.standard.formats import is_country, is_phone

PLATFORMS_FILE = Path(__file__).with_name("platforms.toml")
STANDARD_VERSION = "1.0.0"
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._:-]")
_AMOUNT = re.compile(r"-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,4})?")
_CENT = Decimal("0.01")
_MAX_NUMBER_TEXT = 64  # characters of a number's text: longer is not a price or a count
_MAX_DIGITS = 18  # significant digits of an amount or a quantity
_MAX_QUANTITY = Decimal("1e9")  # a line's quantity: more than 0, at most a billion
_MIN_EXPONENT = -18  # below 1e-18 a value is noise, and Decimal work with it is unbounded

Record = dict[str, Any]


class UnconvertibleOrderError(ValueError):
    """A reason to reject one order: a stable code, a message, the source path."""

    def __init__(self, reason: str, message: str, path: str) -> None:
        super().__init__(message)
        self.reason, self.path = reason, path


@dataclass(frozen=True)
class Platform:
    """One platform's export shape and tables, from platforms.toml."""

    key: str
    name: str
    description: str
    pages: tuple[str, ...]
    sniff_markers: tuple[bytes, ...]
    channel: str
    timezone: str
    tables: dict[str, Any]
    digest: str

    def coverage(self) -> dict[str, Coverage]:
        """Mapped and dropped fields, for the ledger."""
        spec = self.tables.get("coverage", {})
        return {self.name: Coverage(frozenset(spec.get("mapped", [])), spec.get("dropped", {}))}


def load_platform(key: str) -> Platform:
    """A platform by its key in platforms.toml."""
    data = PLATFORMS_FILE.read_bytes()
    spec = tomllib.loads(data.decode("utf-8"))[key]
    return Platform(
        key=key,
        name=spec["name"],
        description=spec["description"],
        pages=tuple(spec["pages"]),
        sniff_markers=tuple(m.encode() for m in spec["sniff_markers"]),
        channel=spec["channel"],
        timezone=spec["timezone"],
        tables=spec,
        digest="sha256:" + hashlib.sha256(data).hexdigest(),
    )


def read_orders(path: Path, platform: Platform) -> Iterator[SourceItem]:
    """Each order of a JSON array, an API page, or NDJSON (of orders or of pages)."""
    data = path.read_bytes()
    if not data.strip():
        return  # an empty file holds no order
    if path.name.endswith((".ndjson", ".jsonl")):
        for number, line in enumerate(data.splitlines(), 1):
            if line.strip():
                yield from _orders_in(line, str(path), f"line {number}", platform, number)
        return
    yield from _orders_in(data, str(path), "", platform, None)


# 19 or more digits (and points) in a row: an integer beyond 64 bits, or a decimal with more
# significant digits than a double holds, which orjson would round.
_LONG_NUMBER = re.compile(rb"\d[\d.]{18,}")
_DECIMAL_TEXT = re.compile(r"[-+]?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


def _loads(data: bytes) -> Any:
    """JSON with every number exact: orjson, unless the text holds a number orjson would round
    (see _LONG_NUMBER) or one beyond a double (orjson refuses the whole document); then the
    standard parser, with decimals kept as text for `_decimal` to judge one by one."""
    if not _LONG_NUMBER.search(data):
        try:
            return loads_json(data)
        except orjson.JSONDecodeError as exc:
            if "number" not in exc.msg:
                raise ValueError(exc.msg) from None
    try:
        return json.loads(data, parse_float=str, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, an integer of more than 4,300 digits
        raise ValueError(str(exc)) from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _orders_in(
    data: bytes, file: str, where: str, platform: Platform, line: int | None
) -> Iterator[SourceItem]:
    try:
        document = _loads(data)
    except ValueError as exc:
        yield SourceItem(
            file, where or "document", data, problem=f"not valid JSON: {exc}", line=line
        )
        return
    orders, path = _page(document, platform)
    if orders is None:
        yield _item(file, where or "document", data, document, line)
        return
    for index, order in enumerate(orders):
        locator = f"{where} {path}[{index}]".strip()
        yield _item(file, locator, encode_json(order), order, line)


def _item(file: str, locator: str, raw: bytes, value: Any, line: int | None) -> SourceItem:
    """An order as an item, or a problem item when it nests too deep to be an order."""
    deep = too_deep(value)
    if deep is not None:
        return SourceItem(file, locator, raw, problem=deep, line=line, reason="nested-too-deep")
    return SourceItem(file, locator, raw, value, line=line)


def _page(document: Any, platform: Platform) -> tuple[list[Any] | None, str]:
    if isinstance(document, list):
        return document, "$"
    for path in platform.pages:
        node = document
        for step in path.split("."):
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
        records = _MAPPERS[platform.key](item.value, platform)
    except UnconvertibleOrderError as problem:
        return Rejected(problem.reason, str(problem), problem.path)
    except (AttributeError, TypeError, ValueError, KeyError):  # a value of an unexpected shape
        message = "a field holds an object, array or value of the wrong type"
        return Rejected("invalid-structure", message)
    return Converted(tuple(records))


# Shopify ------------------------------------------------------------------------------------------
def _shopify(order: Record, platform: Platform) -> list[Record]:
    currency = _required(order, "currency")
    record = _order_base(
        platform, _required(order, "id"), order.get("name") or str(order.get("order_number", ""))
    )
    record["placedAt"] = _time(_required(order, "created_at"), platform, "created_at")
    payment = _table(
        platform, "payment", order.get("financial_status") or "pending", "financial_status"
    )
    fulfilment = _table(
        platform,
        "fulfilment",
        order.get("fulfillment_status") or "unfulfilled",
        "fulfillment_status",
    )
    status = (
        "cancelled"
        if order.get("cancelled_at")
        else "completed"
        if fulfilment == "fulfilled" and payment == "paid"
        else "processing"
    )
    record.update(status=status, paymentStatus=payment, fulfilmentStatus=fulfilment)
    record["lines"] = [
        _line(
            line.get("sku"),
            line.get("name") or line.get("title"),
            line.get("quantity"),
            line.get("price"),
            currency,
            f"line_items[{i}]",
            discount=line.get("total_discount"),
        )
        for i, line in enumerate(_objects(order, "line_items"))
    ]
    shipping = sum(
        (
            _decimal(s.get("price"), "shipping_lines.price")
            for s in _objects(order, "shipping_lines")
        ),
        Decimal(0),
    )
    _required(order, "total_price")
    _amounts(
        record,
        currency,
        order,
        subtotal="subtotal_price",
        discount="total_discounts",
        tax="total_tax",
        shipping=shipping,
        total="total_price",
    )
    if "taxes_included" in order:
        record["pricesIncludeTax"] = bool(order["taxes_included"])
    _recipient(
        record,
        _object(order, "shipping_address"),
        "name",
        "phone",
        "city",
        "province",
        "zip",
        "country_code",
    )
    deliveries = [
        _shopify_delivery(f, record, platform)
        for f in _objects(order, "fulfillments")
        if f.get("tracking_number")
    ]
    return [record, *deliveries]


def _shopify_delivery(fulfilment: Record, order: Record, platform: Platform) -> Record:
    shipment = fulfilment.get("shipment_status")
    status = (
        _table(platform, "shipment", shipment, "fulfillments.shipment_status")
        if shipment
        else "in-transit"
    )
    at = _time(
        fulfilment.get("updated_at") or fulfilment.get("created_at") or order["placedAt"],
        platform,
        "fulfillments.updated_at",
    )
    return _delivery(
        platform,
        f"ful-{fulfilment.get('id')}",
        order,
        fulfilment.get("tracking_company"),
        str(fulfilment["tracking_number"]),
        status,
        at,
    )


# WooCommerce --------------------------------------------------------------------------------------
def _woocommerce(order: Record, platform: Platform) -> list[Record]:
    currency = _required(order, "currency")
    record = _order_base(platform, _required(order, "id"), str(order.get("number") or order["id"]))
    gmt = order.get("date_created_gmt")
    record["placedAt"] = _time(
        gmt + "Z" if gmt and gmt[-1:].isdigit() else _required(order, "date_created"),
        platform,
        "date_created",
    )
    status, payment, fulfilment = _table(platform, "status", _required(order, "status"), "status")
    record.update(status=status, paymentStatus=payment, fulfilmentStatus=fulfilment)
    lines = [
        _line(
            line.get("sku"),
            line.get("name"),
            line.get("quantity"),
            line.get("price"),
            currency,
            f"line_items[{i}]",
            total=line.get("total"),
        )
        for i, line in enumerate(_objects(order, "line_items"))
    ]
    lines += [
        _line(None, f"Fee: {fee.get('name')}", 1, fee.get("total"), currency, f"fee_lines[{i}]")
        for i, fee in enumerate(_objects(order, "fee_lines"))
    ]
    record["lines"] = lines
    _required(order, "total")
    _amounts(
        record,
        currency,
        order,
        discount="discount_total",
        tax="total_tax",
        shipping="shipping_total",
        total="total",
    )
    record["pricesIncludeTax"] = bool(order.get("prices_include_tax"))
    shipping = dict(_object(order, "shipping"))
    shipping["name"] = " ".join(
        p for p in (shipping.get("first_name"), shipping.get("last_name")) if p
    )
    shipping.setdefault("phone", _object(order, "billing").get("phone"))
    _recipient(
        record,
        shipping,
        "name",
        "phone",
        "city",
        "state",
        "postcode",
        "country",
    )
    return [record]


# Taobao -------------------------------------------------------------------------------------------
def _taobao(trade: Record, platform: Platform) -> list[Record]:
    currency = "CNY"
    record = _order_base(platform, _required(trade, "tid"), str(trade["tid"]))
    record["merchant"] = {"name": str(trade.get("seller_nick") or "(taobao seller)")[:4000]}
    record["placedAt"] = _time(_required(trade, "created"), platform, "created")
    status, payment, fulfilment = _table(platform, "status", _required(trade, "status"), "status")
    record.update(status=status, paymentStatus=payment, fulfilmentStatus=fulfilment)
    orders = trade.get("orders")
    suborders = (
        _objects(orders, "order", "orders.order")
        if isinstance(orders, dict)
        else _objects(trade, "orders")
    )
    record["lines"] = [
        _line(
            str(o.get("outer_iid") or o.get("oid") or ""),
            o.get("title"),
            o.get("num"),
            o.get("price"),
            currency,
            f"orders.order[{i}]",
            total=o.get("payment") or o.get("total_fee"),
        )
        for i, o in enumerate(suborders)
    ]
    _required(trade, "payment")
    _amounts(
        record,
        currency,
        trade,
        subtotal="total_fee",
        discount="discount_fee",
        shipping="post_fee",
        total="payment",
    )
    receiver = {
        "name": trade.get("receiver_name"),
        "phone": trade.get("receiver_mobile"),
        "city": trade.get("receiver_city"),
        "state": trade.get("receiver_state"),
        "district": trade.get("receiver_district"),
        "zip": trade.get("receiver_zip"),
        "country": "CN",
    }
    _recipient(record, receiver, "name", "phone", "city", "state", "zip", "country")
    if trade.get("receiver_district"):
        record["shippingAddress"]["district"] = str(trade["receiver_district"])
    return [record, *_taobao_deliveries(trade, suborders, record, platform, status)]


def _taobao_deliveries(
    trade: Record, suborders: list[Record], order: Record, platform: Platform, status: str
) -> list[Record]:
    consigned = trade.get("consign_time")
    if not consigned:
        return []
    at = _time(consigned, platform, "consign_time")
    state = "delivered" if status == "completed" else "in-transit"
    numbers = {
        (o.get("logistics_company"), str(o["invoice_no"])) for o in suborders if o.get("invoice_no")
    }
    return [
        _delivery(platform, f"{number}", order, company, number, state, at)
        for company, number in sorted(numbers, key=str)
    ]


_MAPPERS: dict[str, Callable[[Record, Platform], list[Record]]] = {
    "shopify": _shopify,
    "woocommerce": _woocommerce,
    "taobao": _taobao,
}


# Shared pieces ------------------------------------------------------------------------------------
def _order_base(platform: Platform, source_id: Any, number: str) -> Record:
    if isinstance(source_id, float | bool):  # a rounded number is not this order's id
        raise UnconvertibleOrderError(
            "invalid-id", "the order id is not an exact identifier (give it as a string)", "id"
        )
    return {
        "id": _record_id(f"{platform.channel}-{source_id}"),
        "type": "Order",
        "standardVersion": STANDARD_VERSION,
        "meta": {"sourceSystem": platform.name},
        "orderNumber": (number or str(source_id))[:4000],
        "channel": platform.channel,
        "merchant": {"name": f"({platform.channel} store)"},
    }


def _delivery(
    platform: Platform, key: str, order: Record, carrier: Any, number: str, status: str, at: str
) -> Record:
    return {
        "id": _record_id(f"{platform.channel}-dlv-{key}"),
        "type": "Delivery",
        "standardVersion": STANDARD_VERSION,
        "meta": {"sourceSystem": platform.name},
        "order": {"type": "Order", "id": order["id"]},
        "carrier": {"name": str(carrier or "(unknown carrier)")[:4000]},
        "trackingNumber": number[:4000],
        "status": status,
        "timeline": [{"status": status, "at": at}],
    }


def _line(
    sku: Any,
    name: Any,
    quantity: Any,
    price: Any,
    currency: str,
    path: str,
    total: Any = None,
    discount: Any = None,
) -> Record:
    if not name:
        raise UnconvertibleOrderError(
            "missing-required", "an order line without a name", f"{path}.name"
        )
    count = _decimal(quantity, f"{path}.quantity", "quantity")
    if count <= 0:
        raise UnconvertibleOrderError(
            "invalid-quantity", "an order line's quantity must be positive", f"{path}.quantity"
        )
    if count > _MAX_QUANTITY:
        raise UnconvertibleOrderError(
            "quantity-out-of-range",
            f"{path}.quantity is above {_MAX_QUANTITY:,.0f}",
            f"{path}.quantity",
        )
    line: Record = {
        "name": str(name)[:4000],
        "quantity": int(count) if count == count.to_integral() else float(count),
    }
    if sku:
        line["sku"] = str(sku)[:4000]
    if price is not None:
        line["unitPrice"] = _money(_decimal(price, f"{path}.price"), currency, f"{path}.price")
    amount = (
        _decimal(total, f"{path}.total")
        if total is not None
        else _decimal(price, f"{path}.price") * count
    )
    if discount is not None:
        amount -= _decimal(discount, f"{path}.total_discount")
    line["total"] = _money(amount, currency, f"{path}.total")
    return line


def _amounts(record: Record, currency: str, source: Record, **fields: str | Decimal) -> None:
    """Copy amounts into `record`: target field = source key (or a computed Decimal)."""
    for target, key in fields.items():
        value = key if isinstance(key, Decimal) else source.get(key)
        if value is not None and value != "":
            where = key if isinstance(key, str) else target
            record[target] = _money(_decimal(value, where), currency, where)


def _recipient(
    record: Record,
    source: Record,
    name: str,
    phone: str,
    city: str,
    province: str,
    postcode: str,
    country: str,
) -> None:
    if source.get(name):
        record["recipientName"] = str(source[name])[:4000]
    number = source.get(phone)
    if number and ("*" in str(number) or is_phone(str(number))):
        record["recipientPhone"] = str(number)
    address: Record = {}  # street lines are left out (see platforms.toml): no protected form
    for key, target in ((city, "city"), (province, "province")):
        if source.get(key):
            address[target] = str(source[key])[:4000]
    if re.fullmatch(r"[0-9]{6}", str(source.get(postcode) or "")):
        address["postalCode"] = str(source[postcode])
    if source.get(country) and is_country(str(source[country])):
        address["country"] = str(source[country])
    if address:
        record["shippingAddress"] = address


def _objects(source: Record, key: str, path: str | None = None) -> list[Record]:
    """`source[key]` as a list of objects (none when absent); another shape is a rejection."""
    value = source.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        where = path or key
        raise UnconvertibleOrderError(
            "invalid-structure", f"{where} is not an array of objects", where
        )
    return value


def _object(source: Record, key: str) -> Record:
    """`source[key]` as an object (empty when absent); another shape is a rejection."""
    value = source.get(key) or {}
    if not isinstance(value, dict):
        raise UnconvertibleOrderError("invalid-structure", f"{key} is not an object", key)
    return value


def _required(source: Record, key: str) -> Any:
    value = source.get(key)
    if value is None or value == "":
        raise UnconvertibleOrderError("missing-required", f"no {key}", key)
    return value


def _table(platform: Platform, table: str, value: Any, path: str) -> Any:
    codes = platform.tables[table]
    if str(value) not in codes:
        raise UnconvertibleOrderError(
            "unknown-vendor-code",
            f"{platform.name}: {path} value not in the platform's table",
            path,
        )
    return codes[str(value)]


def _decimal(value: Any, path: str, kind: str = "money") -> Decimal:
    """A bounded decimal: at most 18 significant digits, at least 1e-18 in size (or zero), and
    checked before any arithmetic, so that `1e500000000` costs nothing; `kind` names the reason
    (`invalid-money`, `quantity-out-of-range`...)."""
    if isinstance(value, Decimal):
        return value  # computed here from bounded values
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise UnconvertibleOrderError(f"invalid-{kind}", f"{path} is not a number", path)
    text = value if isinstance(value, str) else str(value)
    if len(text) > _MAX_NUMBER_TEXT:
        raise UnconvertibleOrderError(f"{kind}-out-of-range", f"{path} is too long a number", path)
    if not _DECIMAL_TEXT.fullmatch(text.strip()):  # no "1_000", no digits of other scripts
        raise UnconvertibleOrderError(f"invalid-{kind}", f"{path} is not a decimal number", path)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise UnconvertibleOrderError(
            f"invalid-{kind}", f"{path} is not a decimal number", path
        ) from None
    if not number.is_finite():
        raise UnconvertibleOrderError(f"invalid-{kind}", f"{path} is not a finite number", path)
    if not number:  # keep "0.00" as written; a zero with an absurd exponent is plain 0
        return number if int(number.as_tuple().exponent) >= _MIN_EXPONENT else Decimal(0)
    in_range = _MIN_EXPONENT <= number.adjusted() < 15  # checked first: cheap at any exponent
    significant = "".join(map(str, number.as_tuple().digits)).rstrip("0")  # normalize() rounds
    if not in_range or len(significant) > _MAX_DIGITS:
        raise UnconvertibleOrderError(
            f"{kind}-out-of-range",
            f"{path} is out of range (at most {_MAX_DIGITS} significant digits, 1e-18 to 1e15)",
            path,
        )
    return number


def _money(amount: Decimal, currency: str, path: str = "amount") -> Record:
    if amount and amount.adjusted() >= 15:
        raise UnconvertibleOrderError("money-out-of-range", f"{path} comes to 10^15 or more", path)
    text = format(amount, "f")
    if not _AMOUNT.fullmatch(text):
        text = format(amount.quantize(_CENT), "f")
    return {"amount": text, "currency": str(currency)}


def _time(value: Any, platform: Platform, path: str) -> str:
    text = str(value).replace(" ", "T", 1)
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UnconvertibleOrderError("invalid-time", f"{path} is not a date-time", path) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zoneinfo.ZoneInfo(platform.timezone))
    return moment.isoformat()


def _record_id(text: str) -> str:
    return _ID_UNSAFE.sub("-", text)[:128]
