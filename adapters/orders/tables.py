"""Platform files (platforms/*.toml): checked against platforms.schema.json, compiled to getters.

A platform is data: where an order's id, times, money, lines, recipient and deliveries sit in
the platform's export, and the code tables of its statuses. The engine (engine.py) knows no
platform. A file that does not fit the format is refused at load with its file, line and key;
files are found like access-log dialects (adapters/dialect_files.py, family `orders`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ccstd.adapters.dialect_files import DataFile, DataFileError, line_of, load
from ccstd.adapters.ledger import Coverage
from ccstd.adapters.local_times import epoch_time
from ccstd.adapters.orders.checks import KeyValueError, check_meaning, mapping_of
from ccstd.adapters.orders.paths import Path as KeyPath
from ccstd.adapters.orders.paths import parse, terms
from ccstd.adapters.orders.values import Record, UnconvertibleOrderError, decimal
from ccstd.standard.registry import StandardRegistry, UnknownVersionError

FAMILY = "orders"
BUILTIN = Path(__file__).with_name("platforms")
SCHEMA_FILE = Path(__file__).with_name("platforms.schema.json")
MONEY_TARGETS = ("subtotal", "discount", "shipping", "tax", "total", "amountPaid")

Getter = Callable[[Record, Record], Any]  # (the object at hand, the whole order) -> value | None


@dataclass(frozen=True)
class Codes:
    """A code table: the value at `source` becomes `codes[value]`."""

    source: Getter
    path: str
    codes: dict[str, Any]
    default: Any = None  # when the source is absent
    otherwise: Any = None  # when the value is not in the table (None: a rejection)


@dataclass(frozen=True)
class Items:
    """Objects of an array within the order (lines, deliveries), with their getters."""

    paths: tuple[tuple[str, Getter], ...]  # the first present holds the items
    fields: dict[str, Getter]
    requires: tuple[Getter, ...] = ()
    status: Codes | None = None
    labels: dict[str, str] = dataclasses.field(default_factory=dict)  # field -> source field

    def label(self, field: str) -> str:
        """The source field a field is read from, as rejections name it."""
        return self.labels.get(field) or field


@dataclass(frozen=True)
class Platform:
    """One platform's export shape and tables."""

    name: str
    description: str
    pages: tuple[str, ...]
    markers: tuple[bytes, ...]
    channel: str
    timezone: str
    standard: str
    required: tuple[tuple[str, Getter], ...]
    order: dict[str, Getter]
    money: dict[str, Getter]  # the standard's Order fields this standard version has
    statuses: dict[str, Codes]
    status_rules: tuple[dict[str, Any], ...]
    lines: tuple[Items, ...]
    recipient: dict[str, Getter]
    deliveries: tuple[Items, ...]
    mapped: frozenset[str]
    dropped: dict[str, str]
    digest: str
    labels: dict[str, str] = dataclasses.field(default_factory=dict)  # target -> source field
    priority: int = 50
    minor_units: bool = False  # every amount is in the currency's minor units (`amounts`)
    whole_quantities: bool = True  # a line's quantity is an integer (`quantities`)
    json_text: tuple[KeyPath, ...] = ()  # fields holding a JSON document as text (`json`)
    refunded: Getter | None = None  # the amount refunded so far (`status.refunded`)

    def label(self, target: str) -> str:
        """The source field a target is read from, as rejections name it."""
        return self.labels.get(target, target)

    def coverage(self) -> dict[str, Coverage]:
        """Mapped and dropped fields, for the ledger."""
        return {self.name: Coverage(self.mapped, self.dropped)}


def compile_platform(file: DataFile, known: Mapping[str, DataFile] | None = None) -> Platform:
    """One checked platform file as the engine's tables; a DataFileError names the file, line
    and key of what the schema cannot check (a standard version that does not exist, a value
    the standard does not accept: checks.py)."""
    assert file.spec is not None
    digest = "sha256:" + hashlib.sha256(file.data).hexdigest()
    try:
        return _compile(file.spec, digest)
    except KeyValueError as exc:
        line = line_of(file.data.decode("utf-8-sig"), exc.keys)
        raise DataFileError(f"{file.path}:{line}: {'.'.join(exc.keys)}: {exc}") from None


def load_platform(path: Path) -> Platform:
    """A platform file, checked and compiled (a DataFileError says what is wrong)."""
    file = load(path, schema(), "--dialect")
    if file.error is not None:
        raise DataFileError(file.error)
    return compile_platform(file)


def schema() -> dict[str, Any]:
    """The platform file format (JSON Schema 2020-12)."""
    loaded: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return loaded


def _compile(spec: Mapping[str, Any], digest: str) -> Platform:
    standard = spec["standard"]
    paths: set[str] = set()
    compile_value = _Compiler(paths)
    try:
        order_schema = StandardRegistry().get(standard).entity_schema("Order")
    except UnknownVersionError:
        raise KeyValueError(["standard"], f"no standard {standard} is known") from None
    known = set(order_schema.get("properties", {}))
    written = {_dotted(key): key for key in spec.get("dropped", {})}  # `身份证号码` as read
    money = {}
    dropped = {_dotted(key): why for key, why in spec.get("dropped", {}).items()}
    for target, value in spec["money"].items():
        getter = compile_value(value)
        if target in known:
            money[target] = getter
        else:  # mapped already, carried once the standard has the field
            for source in _sources(value):
                dropped[source] = f"the standard {standard} has no Order.{target}"
    status = spec["status"]
    statuses = {
        name: compile_value.codes(status[name])
        for name in ("all", "payment", "fulfilment")
        if name in status
    }
    if "all" not in statuses and not {"payment", "fulfilment", "rules"} <= set(status):
        raise KeyValueError(["status"], "needs `all`, or `payment`, `fulfilment` and `rules`")
    check_meaning(spec)
    platform = Platform(
        name=spec["name"],
        description=spec["description"],
        pages=tuple(spec["pages"]),
        markers=tuple(m.encode() for m in spec["markers"]),
        priority=spec.get("priority", 50),
        channel=spec["channel"],
        timezone=spec["timezone"],
        standard=standard,
        required=tuple((parse(p).dotted, lenient(p)) for p in spec.get("required", ())),
        order={k: compile_value(v) for k, v in spec["order"].items()},
        money=money,
        statuses=statuses,
        status_rules=tuple(
            {**r, "when_present": compile_value(r["when_present"])} if "when_present" in r else r
            for r in status.get("rules", ())
        ),
        lines=tuple(compile_value.items(line) for line in spec["lines"]),
        recipient={k: compile_value(v) for k, v in spec.get("recipient", {}).items()},
        deliveries=tuple(compile_value.items(d) for d in spec.get("deliveries", ())),
        minor_units=spec.get("amounts", "major") == "minor",
        whole_quantities=spec.get("quantities", "whole") == "whole",
        json_text=tuple(parse(p) for p in spec.get("json", ())),
        refunded=compile_value(status["refunded"]) if "refunded" in status else None,
        mapped=frozenset(),
        dropped=dropped,
        digest=digest,
        labels={
            k: _label(v)
            for section in (spec["order"], spec["money"], {"refunded": status.get("refunded")})
            for k, v in section.items()
            if _label(v)
        },
    )
    paths.update(parse(p).dotted for p in spec.get("required", ()))  # `json`: what is read within
    mapped = frozenset(paths)
    both = sorted(mapped & set(written))
    if both:  # the ledger would call dropped what is written
        where = f"{both[0]!r} is also read by {mapping_of(spec, both[0])}"
        raise KeyValueError(["dropped", written[both[0]]], f"{where}: map it or drop it, not both")
    return dataclasses.replace(platform, mapped=mapped - set(dropped))


def letters_digest(value: str) -> str:
    """16 letters (a-p) of the SHA-256 of `value`: stable, and with no digit run the personal
    data screen could take for a phone or ID number."""
    return hashlib.sha256(value.encode()).hexdigest()[:16].translate(_HEX_TO_LETTERS)


_HEX_TO_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


def _label(value: Any) -> str:
    """The field an expression reads first, to name it in rejections ("" if none)."""
    if isinstance(value, str):
        return parse(terms(value)[0]).dotted
    if isinstance(value, list):
        return next(filter(None, map(_label, value)), "")
    if isinstance(value, dict):
        inner = value.get("sum", value.get("join")) or [
            next((value[k] for k in _WRAPPING if k in value), None)
        ]
        return _label(inner)
    return ""


_WRAPPING = ("value", "utc", "digest", "epoch", "minor")  # expressions of one path


def _sources(value: Any) -> Iterator[str]:
    """The source fields an expression reads (top-level names)."""
    if isinstance(value, str):
        for term in terms(value):
            yield parse(term).keys[0]
    elif isinstance(value, list):
        for v in value:
            yield from _sources(v)
    elif isinstance(value, dict):
        for k in ("sum", "less", "join"):
            for v in value.get(k, ()):
                yield from _sources(v)
        for k in _WRAPPING:
            if k in value:
                yield from _sources(value[k])


class _Compiler:
    """Turns expressions of the table format into getters; notes every path it reads."""

    def __init__(self, paths: set[str]) -> None:
        self.paths = paths
        self.within: tuple[str, ...] = ()  # the item arrays being compiled (dotted)

    def note(self, path: str) -> None:
        """Note a path read (dotted, as the ledger names it), qualified by the item arrays it is
        read within."""
        parsed = parse(path)
        if parsed.rooted or not self.within:
            self.paths.add(parsed.dotted)
        else:
            self.paths.update(f"{within}.{parsed.dotted}" for within in self.within)

    def __call__(self, spec: Any) -> Getter:
        if isinstance(spec, str):
            return self.path(spec)
        if isinstance(spec, list):
            return _first([self(s) for s in spec])
        if "const" in spec:
            constant = spec["const"]
            return lambda node, root: constant
        if "sum" in spec:
            plus = [self.term(t) for t in spec["sum"]]
            minus = [self.term(t) for t in spec.get("less", ())]
            return _sum(plus, minus)
        if "join" in spec:
            parts, sep = [self.path(p) for p in spec["join"]], spec.get("sep", " ")
            return lambda node, root: (
                sep.join(str(v) for v in (p(node, root) for p in parts) if _present(v)) or None
            )
        if "digest" in spec:
            inner, start = self.path(spec["digest"]), spec.get("prefix", "")
            return lambda node, root: (
                None if not _present(v := inner(node, root)) else start + letters_digest(str(v))
            )
        if "value" in spec:
            prefix, inner = spec["prefix"], self.path(spec["value"])
            return lambda node, root: (
                None if not _present(v := inner(node, root)) else f"{prefix}{v}"
            )
        if "epoch" in spec:
            return _epoch(self.path(spec["epoch"]), parse(spec["epoch"]).dotted, spec["unit"])
        if "minor" in spec:
            inner = self.path(spec["minor"])
            return lambda node, root: (
                None if not _present(v := inner(node, root)) else MinorUnits(v)
            )
        inner = self.path(spec["utc"])
        return lambda node, root: _utc(inner(node, root))

    def path(self, path: str, note: bool = True) -> Getter:
        """The value at a dotted path (absent through anything that is not an object). An
        array of items is not noted as read (`note=False`): the fields read within it are, so
        the ledger lists the item fields nothing reads as unknown."""
        if note:
            self.note(path)
        parsed = parse(path)
        from_root, steps = parsed.rooted, parsed.keys
        if len(steps) == 1:  # the common case, kept fast
            step = steps[0]
            if from_root:
                return lambda node, root: root.get(step)
            return lambda node, root: node.get(step)

        def get(node: Record, root: Record) -> Any:
            value: Any = root if from_root else node
            for depth, step in enumerate(steps):
                if not isinstance(value, dict):
                    if value is None or value == "":
                        return None
                    where = ".".join(steps[:depth])
                    raise UnconvertibleOrderError(
                        "invalid-structure", f"{where} is not an object", where
                    )
                value = value.get(step)
            return value

        return get

    def term(self, term: str) -> Callable[[Record, Record], Decimal | None]:
        """A number: a path, `a * b`, or `items[].x` (the sum over an array)."""
        factors = [self.factor(f) for f in terms(term)]

        def get(node: Record, root: Record) -> Decimal | None:
            result = Decimal(1)
            for factor in factors:
                value = factor(node, root)
                if value is None:
                    return None
                result *= value
            return result

        return get

    def factor(self, path: str) -> Callable[[Record, Record], Decimal | None]:
        """A path's value as a decimal; through `x[]`, the sum over the array's objects."""
        parsed = parse(path)
        walk = parsed.first_walk()
        if walk is None or walk == len(parsed.keys) - 1:
            get = self.path(path)  # noted there
            return lambda node, root: _number(get(node, root), parsed.dotted)
        head = KeyPath(parsed.rooted, parsed.keys[: walk + 1], (False,) * (walk + 1))
        rest = KeyPath(False, parsed.keys[walk + 1 :], parsed.walks[walk + 1 :]).text()
        array, outer = self.path(head.text(), note=False), self.within
        self.within = tuple(f"{w}.{head.dotted}" for w in outer) if outer else (head.dotted,)
        try:
            inner = self.factor(rest)
        finally:
            self.within = outer

        def total(node: Record, root: Record) -> Decimal | None:
            values = []
            for index, item in enumerate(objects(array(node, root), head.dotted)):
                try:
                    values.append(inner(item, root))
                except UnconvertibleOrderError as problem:
                    raise problem.within(f"{head.dotted}[{index}]") from None
            present = [v for v in values if v is not None]
            return sum(present, Decimal(0)) if present else None

        return total

    def codes(self, spec: dict[str, Any]) -> Codes:
        """A code table; a source of several paths is keyed by their values joined by `/`
        (`source = ["state", "kind"]`, `codes."9/2"`; an absent one is empty)."""
        sources = [spec["source"]] if isinstance(spec["source"], str) else spec["source"]
        getters = [self.path(source) for source in sources]
        return Codes(
            getters[0] if len(getters) == 1 else _joined(getters),
            "/".join(parse(source).dotted for source in sources),
            spec["codes"],
            spec.get("default"),
            spec.get("otherwise"),
        )

    def items(self, spec: dict[str, Any]) -> Items:
        """Lines or deliveries: the array, each field's getter, the fields they require."""
        paths = (spec["items"],) if isinstance(spec["items"], str) else tuple(spec["items"])
        skip = {"items", "requires", "status"}
        self.within = tuple(parse(p).dotted for p in paths)
        try:
            return Items(
                tuple((parse(p).dotted, lenient(p)) for p in paths),
                {k: self(v) for k, v in spec.items() if k not in skip},
                tuple(self.path(p) for p in spec.get("requires", ())),
                self.codes(spec["status"]) if "status" in spec else None,
                {k: _label(v) for k, v in spec.items() if k not in skip and isinstance(v, str)},
            )
        finally:
            self.within = ()


def _dotted(key: str) -> str:
    """A `[dropped]` key as the ledger names the field: a path's keys unquoted
    (`` `身份证号码` `` is 身份证号码); a key that is no path, as written."""
    try:
        return parse(key).dotted
    except ValueError:
        return key


def lenient(path: str) -> Getter:
    """The value at a dotted path of the order, absent through anything that is not an object;
    a path that walks arrays (`groups[].items`) gives the arrays it reaches joined into one
    (every group's items, in order), absent when none is."""
    parsed = parse(path)
    steps = parsed.keys
    if not any(parsed.walks):

        def get(node: Record, root: Record) -> Any:
            value: Any = node
            for step in steps:
                value = value.get(step) if isinstance(value, dict) else None
            return value

        return get
    return _walked(parsed.keys, parsed.walks)


def _walked(steps: tuple[str, ...], walks: tuple[bool, ...]) -> Getter:
    def get(node: Record, root: Record) -> Any:
        values: list[Any] = [node]
        for step, walk in zip(steps, walks, strict=True):
            values = [v.get(step) if isinstance(v, dict) else None for v in values]
            if walk:
                values = _flattened(values, steps)
        if not walks[-1]:  # `groups[].items`: each group's items array, joined
            values = _flattened(values, steps)
        return values or None

    return get


def _flattened(values: list[Any], steps: tuple[str, ...]) -> list[Any]:
    """The elements of each array among `values` (absent ones skipped; anything else kept, for
    `objects` to reject)."""
    flat: list[Any] = []
    for value in values:
        if isinstance(value, list):
            flat.extend(value)
        elif _present(value):
            raise UnconvertibleOrderError(
                "invalid-structure", f"{'.'.join(steps)} is not an array of arrays", ".".join(steps)
            )
    return flat


def _present(value: Any) -> bool:
    return value is not None and value != ""


def _first(getters: list[Getter]) -> Getter:
    def get(node: Record, root: Record) -> Any:
        for getter in getters:
            value = getter(node, root)
            if _present(value):
                return value
        return None

    return get


def _sum(
    plus: list[Callable[..., Decimal | None]], minus: list[Callable[..., Decimal | None]]
) -> Getter:
    def get(node: Record, root: Record) -> Decimal | None:
        added = [v for v in (t(node, root) for t in plus) if v is not None]
        if not added:
            return None
        less = [v for v in (t(node, root) for t in minus) if v is not None]
        return sum(added, Decimal(0)) - sum(less, Decimal(0))

    return get


def _number(value: Any, path: str) -> Decimal | None:
    return decimal(value, path) if _present(value) else None


def _epoch(inner: Getter, path: str, unit: str) -> Getter:
    """An epoch time as RFC 3339 UTC; a value that is not a plausible one is `invalid-time`."""

    def get(node: Record, root: Record) -> Any:
        value = inner(node, root)
        if not _present(value):
            return None
        written = epoch_time(value, unit)
        if written == UNSET_EPOCH:
            message = f"{path} is 0: a time never set, not {UNSET_EPOCH}"
            raise UnconvertibleOrderError("invalid-time", message, path)
        if written is None:
            message = f"{path} is not an epoch time in {EPOCH_WORDS[unit]} (0 to year 9999)"
            raise UnconvertibleOrderError("invalid-time", message, path)
        return written

    return get


EPOCH_WORDS = {"s": "seconds", "ms": "milliseconds"}
UNSET_EPOCH = "1970-01-01T00:00:00Z"  # epoch 0: what a platform writes for a time not set


@dataclass(frozen=True)
class MinorUnits:
    """An amount a platform gives in its currency's minor units (fen, cents): `{minor = …}`."""

    value: Any


class _Utc(str):
    """A time the platform gives in UTC, without an offset."""


def _utc(value: Any) -> Any:
    return _Utc(value) if isinstance(value, str) and value else value


def is_utc(value: Any) -> bool:
    """Whether a value came through a `utc` expression."""
    return isinstance(value, _Utc)


def objects(value: Any, path: str) -> list[Record]:
    """A list of objects (none when absent); another shape is a rejection naming the path."""
    if not _present(value):
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise UnconvertibleOrderError(
            "invalid-structure", f"{path} is not an array of objects", path
        )
    return value


def _joined(getters: list[Getter]) -> Getter:
    """The values of several paths joined by `/` (None when none is present)."""

    def get(node: Record, root: Record) -> str | None:
        values = [getter(node, root) for getter in getters]
        if all(value is None or value == "" for value in values):
            return None
        return "/".join("" if value is None else str(value) for value in values)

    return get
