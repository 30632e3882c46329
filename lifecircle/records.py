"""Reading the records the report needs through the standard's reader, each one validated.

Invalid records are counted and named (file, line, finding code, pointer) but never used. Valid
records are reduced to what the measures need; a record that is valid but cannot be placed (a
building without a location) is counted as unusable with a reason. Identifiers of residents and
households are kept only in memory, to join records and count households; they never leave.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ccstd.lifecircle.coords import to_wgs84
from ccstd.standard.checker import RecordChecker
from ccstd.standard.findings import Locator, Severity
from ccstd.standard.reading import iter_paths, read_items
from ccstd.standard.registry import StandardRegistry

USED_TYPES = (
    "Community", "Building", "Dwelling", "Household", "Facility",
    "Order", "Delivery", "ServiceRequest", "CareVisit",
)  # fmt: skip
MAX_PROBLEMS_LISTED = 50
_DELIVERED = ("delivered", "in-locker")  # the parcel is at the door or in the locker
_SERVED = ("resolved", "closed")


@dataclass(frozen=True)
class Community:
    id: str
    name: str
    code: str | None


@dataclass(frozen=True)
class Site:
    """A building or a facility, placed in WGS 84."""

    id: str
    name: str
    community: str | None
    lon: float
    lat: float
    category: str = ""  # facilities only
    capacity: int | None = None  # facilities: persons, when given
    open_weekends: bool | None = None  # facilities: opening hours include sa or su, when given


@dataclass(frozen=True)
class Timed:
    """One thing that came to the door: when asked for, when served, for whom, where."""

    kind: str  # "delivery", "service-request", "care-visit"
    category: str
    start: datetime
    end: datetime
    community: str | None  # community id, when known
    person: str | None  # resident id, to count households (never written out)


@dataclass(frozen=True, slots=True)
class _Order:
    channel: str
    placed: datetime
    community_code: str | None
    customer: str | None


@dataclass(frozen=True, slots=True)
class _Delivery:
    order: str
    done: datetime | None
    community_code: str | None
    at: Locator


@dataclass
class Dataset:
    """What the report is built from, and the counts that explain what was left out."""

    communities: dict[str, Community] = field(default_factory=dict)
    buildings: dict[str, Site] = field(default_factory=dict)
    facilities: dict[str, Site] = field(default_factory=dict)
    dwelling_building: dict[str, str] = field(default_factory=dict)
    household_dwelling: dict[str, str] = field(default_factory=dict)
    household_members: dict[str, int] = field(default_factory=dict)
    resident_household: dict[str, str] = field(default_factory=dict)
    orders: dict[str, _Order] = field(default_factory=dict)
    deliveries: list[_Delivery] = field(default_factory=list)
    timed: list[Timed] = field(default_factory=list)
    read: Counter[str] = field(default_factory=Counter)
    used: Counter[str] = field(default_factory=Counter)
    invalid: Counter[str] = field(default_factory=Counter)
    unusable: Counter[str] = field(default_factory=Counter)
    ignored: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    ids: set[tuple[str, str]] = field(default_factory=set)  # (type, id) of the records taken

    def note(self, kind: str, at: Locator, why: str) -> None:
        """Count a valid record left out, and say why (the first ones)."""
        self.unusable[kind] += 1
        if len(self.problems) < MAX_PROBLEMS_LISTED:
            self.problems.append(f"{at.file}:{at.line or 1}: {kind}: {why}")


def load(inputs: Iterable[str], progress: Callable[[int], None] | None = None) -> Dataset:
    """Every record of the inputs read, validated and kept if usable; InputError if unreadable."""
    data = Dataset()
    seen: list[tuple[dict[str, Any], Locator]] = []
    registry = StandardRegistry()
    entities = {name for v in registry.versions() for name in registry.get(v).entities}
    checker = RecordChecker(registry, visit=lambda value, at: seen.append((value, at)))
    for path in iter_paths(list(inputs)):
        for item in read_items(path):
            seen.clear()
            result = checker.check(item)
            record, at = seen[0] if seen else ({}, None)
            kind = _kind(record, entities)
            data.read[kind] += 1
            if result.invalid:
                data.invalid[kind] += 1
                _list_findings(data, result.findings)
            elif at is None:
                data.invalid[kind] += 1
            elif kind not in USED_TYPES:
                data.ignored[kind] += 1
            elif _take(data, kind, record, at):
                data.used[kind] += 1
            if progress is not None:
                progress(1)
    _join_deliveries(data)
    return data


def _kind(record: Any, entities: set[str]) -> str:
    """The record's entity type, or "?": any other `type` value is content, never echoed."""
    kind = record.get("type") if isinstance(record, dict) else None
    return kind if isinstance(kind, str) and kind in entities else "?"


def _list_findings(data: Dataset, findings: list[Any]) -> None:
    """The first error's place and code; not its message, which may quote the record."""
    for finding in findings:
        if finding.severity is Severity.ERROR and len(data.problems) < MAX_PROBLEMS_LISTED:
            where = finding.location
            data.problems.append(
                f"{where.file}:{where.line or 1}: {where.pointer or '/'}: invalid, not used "
                f"({finding.code}; `ccstd validate` says more)"
            )
            break


def _take(data: Dataset, kind: str, record: dict[str, Any], at: Locator) -> bool:
    """Keep what the report needs of a valid record; False (counted, with why) if unusable."""
    rid = str(record["id"])
    if (kind, rid) in data.ids:
        data.note(kind, at, "id repeated: the first record is used")
        return False
    data.ids.add((kind, rid))
    if kind == "Community":
        data.communities[rid] = Community(rid, record["name"], record.get("communityCode"))
    elif kind == "Building":
        return _take_site(data, data.buildings, kind, record, at, "")
    elif kind == "Facility":
        return _take_site(data, data.facilities, kind, record, at, record["category"])
    elif kind == "Dwelling":
        data.dwelling_building[rid] = record["building"]["id"]
    elif kind == "Household":
        data.household_dwelling[rid] = record["dwelling"]["id"]
        members = record.get("members", [])
        data.household_members[rid] = len(members)
        for member in members:
            if "resident" in member:
                data.resident_household[member["resident"]["id"]] = rid
    elif kind == "Order":
        customer = record.get("customer", {}).get("id")
        code = _community_code(record.get("shippingAddress"))
        data.orders[rid] = _Order(record["channel"], _when(record["placedAt"]), code, customer)
    elif kind == "Delivery":
        done = _first_at(record["timeline"], _DELIVERED)
        order = record.get("order", {}).get("id", "")
        data.deliveries.append(
            _Delivery(order, done, _community_code(record.get("destination")), at)
        )
    elif kind == "ServiceRequest":
        return _take_request(data, record, at)
    elif kind == "CareVisit":
        return _take_visit(data, record, at)
    return True


def _take_site(
    data: Dataset, into: dict[str, Site], kind: str, record: dict[str, Any], at: Locator, cat: str
) -> bool:
    point = record.get("location")
    if point is None:
        data.note(kind, at, "no location: cannot be placed")
        return False
    lon, lat = to_wgs84(point["lon"], point["lat"], point.get("crs", "WGS84"))
    community = record.get("community", {}).get("id")
    hours = record.get("openingHours")
    weekends = None if hours is None else any({"sa", "su"} & set(h["days"]) for h in hours)
    into[record["id"]] = Site(
        record["id"], record["name"], community, lon, lat, cat, record.get("capacity"), weekends
    )
    return True


def _take_request(data: Dataset, record: dict[str, Any], at: Locator) -> bool:
    served = _first_at(record.get("statusHistory", []), _SERVED)
    if served is None:
        data.note("ServiceRequest", at, "not yet resolved: no time served")
        return False
    start = _when(record["requestedAt"])
    community = record.get("community", {}).get("id")
    requester = record.get("requester", {}).get("id")
    data.timed.append(
        Timed("service-request", record["category"], start, served, community, requester)
    )
    return True


def _take_visit(data: Dataset, record: dict[str, Any], at: Locator) -> bool:
    scheduled = record["scheduled"].get("start")
    actual = record.get("actual", {}).get("start")
    if scheduled is None or actual is None:
        data.note("CareVisit", at, "no scheduled or actual start: no time to measure")
        return False
    dwelling = record.get("dwelling", {}).get("id")
    booked, came = _when(scheduled), _when(actual)
    timed = Timed(
        "care-visit", record["serviceType"], booked, max(booked, came),  # early is on time
        dwelling, record["resident"]["id"],
    )  # fmt: skip
    data.timed.append(timed)  # community resolved from the dwelling once all are read
    return True


def _join_deliveries(data: Dataset) -> None:
    """Deliveries with their order's placed time; care visits with their community."""
    by_code = {c.code: c.id for c in data.communities.values() if c.code}
    for delivery in data.deliveries:
        order = data.orders.get(delivery.order)
        if order is None or delivery.done is None:
            why = "its order is not among the inputs" if order is None else "not delivered"
            data.used["Delivery"] -= 1
            data.note("Delivery", delivery.at, f"{why}: not measured")
            continue
        code = delivery.community_code or order.community_code
        community = by_code.get(code) if code else None
        data.timed.append(
            Timed("delivery", order.channel, order.placed, delivery.done, community, order.customer)
        )
    data.deliveries.clear()
    data.orders.clear()
    data.timed[:] = [_place_visit(data, t) for t in data.timed]


def _place_visit(data: Dataset, timed: Timed) -> Timed:
    if timed.kind != "care-visit":
        return timed
    building = data.buildings.get(data.dwelling_building.get(timed.community or "", ""))
    community = building.community if building is not None else None
    return Timed(timed.kind, timed.category, timed.start, timed.end, community, timed.person)


def _community_code(address: Any) -> str | None:
    code = address.get("communityCode") if isinstance(address, dict) else None
    return code if isinstance(code, str) else None


def _first_at(events: list[dict[str, Any]], statuses: tuple[str, ...]) -> datetime | None:
    times = [_when(e["at"]) for e in events if e.get("status") in statuses and "at" in e]
    return min(times) if times else None


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text)
