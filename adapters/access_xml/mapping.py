"""The mapping half of the access-xml engine: one record element → an AccessEvent, the Device it
happened at and the Community that Device is in, through a dialect's tables.

Values the standard has no place for yet go to the ledger as dropped with a reason; each has one
line in a table below (`DEVICE_PROPERTIES`, `META_PROPERTIES`), so giving it a place when the
standard does is a one-line change.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import ipaddress
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from ccstd.adapters.access_xml.dialect import STANDARD_VERSION, Dialect, Paths
from ccstd.adapters.base import Converted, Rejected, Skipped, SourceItem
from ccstd.adapters.local_times import local_time_problem, zone
from ccstd.standard.formats import is_phone
from ccstd.standard.raw_ids import is_raw_resident_id
from ccstd.standard.redaction import raw_identifier_kind

_ID_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._:-]+")

# Dialect field → Device property in STANDARD_VERSION and the function that makes the log's text
# a value of it (None: the text does not fit, dropped with a reason); a target of None: no place.
DEVICE_PROPERTIES: dict[str, tuple[str | None, Callable[[str], Any]]] = {
    "device_name": ("name", lambda text: text[:4000]),
    "device_serial": ("serialNumber", lambda text: text[:4000]),
    "device_ip": ("ipAddress", lambda text: ip_address(text)),
    "device_mac": ("macAddress", lambda text: mac_address(text)),
    "device_channel": ("channel", lambda text: channel_number(text)),
}
# What a record's provenance says (None: no place yet; the ledger notes it instead).
META_PROPERTIES: dict[str, str | None] = {
    "assumed_timezone": "assumedTimeZone",
    "exported_at": None,  # when the file was exported
}
NO_PLACE = f"no place for it in standard {STANDARD_VERSION}"
_DROPPABLE = ("exported_at", "door", "reader", "site_id", "site_name", *DEVICE_PROPERTIES)
_NUMBERED = {"door": "doorNo", "reader": "readerNo"}  # field → AccessEvent property


@functools.lru_cache(maxsize=4096)  # a log names few devices and sites, again and again
def readable_id(value: str, prefix: str = "", reserved: str | None = None) -> str:
    """A record id from a source value, after `prefix`: the value itself when it is already a
    safe id that fits; else a readable form (Chinese through pinyin: 东门 → dong-men) and a short
    digest of the original, so that values differing only in what cannot be written in an id
    never share one (full-width letters and digits are read as ASCII for the readable form, the
    digest is of the value as given). A value that already has that shape (`dong-men-79f2d165`:
    ends in `-` and eight hex digits) gets a digest too, so no name is taken for another's
    derived id; so does one starting with `reserved`, the prefix of ids made from other values."""
    if (
        _ID_SAFE.fullmatch(value)
        and not _DERIVED.search(value)
        and len(prefix) + len(value) <= _ID_MAX
        and not (reserved and value.startswith(reserved))
    ):
        return prefix + value
    digest = hashlib.sha256(value.encode("utf-8")).hexdigest()[:8]
    room = min(100, _ID_MAX - len(prefix) - len(digest) - 1)
    readable = unicodedata.normalize("NFKC", value[:100])  # Ａ门 → A门: full-width Latin read
    slug = _ID_UNSAFE.sub("-", _romanised(readable)).strip("-._:")[:room]
    return f"{prefix}{slug}-{digest}" if slug else f"{prefix}x-{digest}"


_DERIVED = re.compile(r"-[0-9a-f]{8}\Z")  # the shape readable_id gives a value it rewrites
_ID_MAX = 128


def _romanised(value: str) -> str:
    if value.isascii():
        return value
    from pypinyin import lazy_pinyin  # loaded only for names that need it (large tables)

    return "-".join(lazy_pinyin(value))


def first_value(node: Any, alternatives: Paths) -> tuple[str | None, int]:
    """The value of the first alternative present, and which one (-1: none)."""
    for index, steps in enumerate(alternatives):
        value = value_of(node, steps)
        if value is not None:
            return value, index
    return None, -1


def value_of(node: Any, steps: tuple[str, ...]) -> str | None:
    """The text at a path's steps in a nested dict (the first where elements repeat)."""
    for step in steps:
        if type(node) is not dict:
            if type(node) is not list or not node or type(node[0]) is not dict:
                return None
            node = node[0]
        node = node.get(step)
    if type(node) is str:
        return node if node and not node.isspace() else None
    if type(node) is list:
        node = node[0] if node else None
    if type(node) is dict:
        node = node.get("#text")
    return node if type(node) is str and node and not node.isspace() else None


Getter = Callable[[Any], str | None]


@functools.lru_cache(maxsize=64)
def dialect_getters(dialect: Dialect) -> tuple[tuple[tuple[str, ...], Paths, Getter | None], ...]:
    """The fields of a dialect, those read from the same paths together (`code`, `result` and
    `reason` from `Result/@code`: read once), with the paths compiled once: a getter for a
    field of one path (None for a field of several, read in order by `first_value`)."""
    names: dict[Paths, list[str]] = {}
    for name, alternatives in dialect.fields.items():
        names.setdefault(alternatives, []).append(name)
    return tuple(
        (tuple(fields), alternatives, compiled(alternatives[0]) if len(alternatives) == 1 else None)
        for alternatives, fields in names.items()
    )


def compiled(steps: tuple[str, ...]) -> Getter:
    """`value_of` for one path, with the common shapes (an attribute or a child element of the
    record, an attribute of one, a root attribute) read without the general walk."""
    if len(steps) == 2:
        first, second = steps

        def get_two(node: Any) -> str | None:
            inner = node.get(first) if type(node) is dict else None
            if type(inner) is dict:
                value = inner.get(second)
                if type(value) is str:
                    return value if value and not value.isspace() else None
            elif inner is None and type(node) is dict:
                return None
            return value_of(node, steps)

        return get_two
    if len(steps) != 1:
        return functools.partial(value_of, steps=steps)
    step = steps[0]

    def get(node: Any) -> str | None:
        value = node.get(step) if type(node) is dict else None
        if type(value) is str:
            return value if value and not value.isspace() else None
        return None if value is None else value_of(node, steps)

    return get


def convert_event(item: SourceItem, dialect: Dialect) -> Converted | Skipped | Rejected:
    """An AccessEvent (with its Device and Community), a skip, or a rejection."""
    source: dict[str, str | None] = {}
    which: dict[str, int] = {}  # field of several paths → the one its value came from
    node = item.value
    for names, alternatives, getter in dialect_getters(dialect):
        if getter is not None:
            value = getter(node)
            for name in names:
                source[name] = value
        else:
            value, index = first_value(node, alternatives)
            for name in names:
                source[name], which[name] = value, index
    if source.get("device") is not None and "device_mac" in dialect.fields:
        source["device"] = _device_identity(node, dialect, which.get("device", 0))
    used = {  # the fields whose values may be dropped → the source path of each
        name: dialect.ledger_paths[name][which.get(name, 0)]
        for name in _DROPPABLE
        if source.get(name) is not None
    }
    for name, constant in dialect.constants.items():
        if source.get(name) is None:
            source[name] = constant
    mapped: dict[str, str | None] = dict(source)
    unknown_reason = None
    for name, table in dialect.values.items():
        raw = source.get(name)
        if raw is not None:
            if raw not in table:
                if name == "reason":  # matters only when the pass was denied (below)
                    unknown_reason, mapped[name] = raw, None
                    continue
                return _unknown_code(dialect, name, raw)
            mapped[name] = table[raw]
    if dialect.lookup_key:
        key = dialect.lookup_key.format_map({k: v or "" for k, v in source.items()})
        if key in dialect.skip:
            return Skipped(
                "not-an-access-event", f"{dialect.name}: event {key} is {dialect.skip[key]}"
            )
        if key not in dialect.lookup:
            return Rejected(
                "unknown-vendor-code",
                f"{dialect.name}: event code {key} not in the dialect's table",
                dialect.lookup_key,
            )
        mapped.update(dialect.lookup[key])
        if not mapped.get("code"):
            mapped["code"] = key
    if unknown_reason is not None and mapped.get("result") == "denied" and not mapped.get("reason"):
        return _unknown_code(dialect, "reason", unknown_reason)
    return _build(item, dialect, mapped, used)


def _device_identity(node: Any, dialect: Dialect, start: int) -> str | None:
    """The device's identity from the first of its paths that holds a usable value: a MAC
    address (where `device_mac` reads one) in its normalised form, so that one device written
    `44-19-B6-…`, `4419b6…` and `44:19:b6:…` is one Device; an invalid MAC is passed over."""
    macs = set(dialect.fields["device_mac"])
    for steps in dialect.fields["device"][start:]:
        value = value_of(node, steps)
        if value is None:
            continue
        if steps not in macs:
            return value
        mac = mac_address(value)
        if mac is not None:
            return mac
    return None


def _unknown_code(dialect: Dialect, name: str, code: str) -> Rejected:
    """A vendor code the dialect's values table does not map: the code and the table named."""
    shown = code if len(code) <= 40 else code[:40] + "…"
    return Rejected(
        "unknown-vendor-code",
        f"{dialect.name}: {name} code {shown!r} not in the dialect's table values.{name}",
        dialect.source_path(name),
    )


def _build(
    item: SourceItem, dialect: Dialect, mapped: dict[str, str | None], used: dict[str, str]
) -> Converted | Rejected:
    missing = [name for name in ("time", "device", "method", "result") if not mapped.get(name)]
    if missing:
        return Rejected(
            "missing-required", f"no {', '.join(missing)} in the record", ", ".join(missing)
        )
    personal = personal_in_device(mapped)
    if personal is not None:
        return Rejected(
            "personal-data",
            f"{personal[0]} holds {personal[1]}: not written (privacy)",
            dialect.source_path(personal[0]),
        )
    occurred, assumed = parse_time(mapped["time"] or "", dialect)
    if occurred is None:
        return Rejected(
            "invalid-time",
            f"time not in the dialect's formats {list(dialect.time_formats)}",
            dialect.source_path("time"),
        )
    if assumed:
        problem = local_time_problem(occurred, dialect.timezone)
        if problem is not None:
            return Rejected("invalid-time", problem, dialect.source_path("time"))
    dropped: list[tuple[str, str]] = []
    if mapped.get("id_card"):
        mapped["id_card"] = resident_id_number(mapped["id_card"] or "")
        if mapped["id_card"] is None:
            why = "id_card: not a valid resident ID number (GB 11643); left out"
            dropped.append((dialect.ledger_paths["id_card"][0], why))
    site = _site(dialect, mapped)
    event = _event(item, dialect, mapped, occurred, device_id(dialect, mapped, site[0]))
    dropped += [
        (used[name], f"{name} number: not a whole number from 0 to 999999999")
        for name, target in _NUMBERED.items()
        if name in used and target not in event
    ]
    if assumed:
        _provenance(event, "assumed_timezone", dialect.timezone, dropped, "=assumed_timezone",
                    f"local times: the dialect's zone {dialect.timezone} was assumed")  # fmt: skip
    if "exported_at" in used:
        _provenance(event, "exported_at", mapped["exported_at"] or "", dropped,
                    used["exported_at"], "the file's export time")  # fmt: skip
    records: list[dict[str, Any]] = [event]
    records.append(_device(item, dialect, mapped, used, event["device"]["id"], site, dropped))
    community = _community(item, dialect, site)
    if community is not None:
        records.append(community)
    dropped += _site_left_out(dialect, mapped, used, site, community is not None)
    return Converted(tuple(records), tuple(dropped))


def _site_left_out(
    dialect: Dialect,
    mapped: dict[str, str | None],
    used: dict[str, str],
    site: tuple[str, str | None],
    written: bool,
) -> list[tuple[str, str]]:
    """The site values the log states that reach no record, with the reason: a constant `[site]
    id` or `name` of the dialect is written in their place (the ledger says they differ), or no
    Community record is written to hold the name."""
    left: list[tuple[str, str]] = []
    logged_id, logged_name = mapped.get("site_id"), mapped.get("site_name")
    constant_id, constant_name = dialect.site.get("id"), dialect.site.get("name")
    if logged_id and constant_id is not None and logged_id != constant_id:
        why = "the log's site id differs from the dialect's [site] id, which is written instead"
        left.append((used["site_id"], why))
    if not logged_name or (written and site[1] == logged_name):
        return left
    if constant_name is not None and constant_name != logged_name:
        why = "the log's site name differs from the dialect's [site] name, which is written instead"
    elif _site_from_log(dialect, mapped) and not logged_id:
        return left  # the site's id is made from the name
    else:
        why = (
            "no record holds the site's name: the site id comes from the dialect's [site] id or "
            "the log's site id, and a Community is written only with a [site] division_code"
        )
    left.append((used["site_name"], why))
    return left


_PHONE_WRITTEN = re.compile(r"\+?[0-9][0-9 ()\-]{6,22}")
_CN_MOBILE = re.compile(r"(?:\+?86)?1[3-9][0-9]{9}")


def personal_in_device(mapped: dict[str, str | None]) -> tuple[str, str] | None:
    """The first field written unprotected to a Device or Community (the device's id, name and
    serial number, the site's id and name) whose value is a raw resident ID number or a phone
    number, or holds one the detector finds (an e-mail address too), and which: such a value is
    refused, never written (ids are derived from these values)."""
    for name in ("device", "device_name", "device_serial", "site_id", "site_name"):
        value = mapped.get(name)
        if not value:
            continue
        if is_raw_resident_id(value):
            return name, "a resident ID number"
        if is_phone_number(value):
            return name, "a phone number"
        kind = raw_identifier_kind(value)  # inside a name, in Chinese numerals: 一三八…
        if kind is not None:
            return name, f"a {kind}"
    return None


def is_phone_number(value: str) -> bool:
    """A Chinese mobile number (+86 optional), or any number written with a leading `+` that
    is a valid E.164 number, however grouped; bare digits otherwise are not taken for a phone
    (device ids are often numeric)."""
    text = unicodedata.normalize("NFKC", value).strip()  # full-width digits read as ASCII
    if not _PHONE_WRITTEN.fullmatch(text):
        return False
    digits = re.sub(r"[ ()\-]", "", text)
    if _CN_MOBILE.fullmatch(digits):
        return True
    return digits.startswith("+") and is_phone(digits)


def _provenance(
    record: dict[str, Any],
    name: str,
    value: str,
    dropped: list[tuple[str, str]],
    path: str,
    what: str,
) -> None:
    """`value` in the record's provenance where META_PROPERTIES gives it a place, else a drop."""
    target = META_PROPERTIES[name]
    if target is None:
        dropped.append((path, f"{what}; {NO_PLACE}"))
    else:
        record["meta"][target] = value


def _event(
    item: SourceItem, dialect: Dialect, mapped: dict[str, str | None], occurred: str, device: str
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": "acc-" + item.sha256[:24],
        "type": "AccessEvent",
        "standardVersion": STANDARD_VERSION,
        "meta": {"sourceSystem": dialect.name, "source": {"xpath": item.locator}},
        "occurredAt": occurred,
        "device": {"type": "Device", "id": device},
        "method": mapped["method"],
        "direction": mapped.get("direction") or "unknown",
        "result": mapped["result"],
    }
    if mapped.get("result") == "denied":
        record["denialReason"] = mapped.get("reason") or "other"
    for name, target in _NUMBERED.items():
        value = mapped.get(name)
        if value and value.isascii() and value.isdigit() and len(value) < 10:
            record[target] = int(value)
    credential = _credential(mapped)
    if credential:
        record["credential"] = credential
    if mapped.get("id_card"):  # pseudonymised with the run's key (Resident references are)
        record["subject"] = {"type": "Resident", "id": readable_id(mapped["id_card"] or "")}
    if mapped.get("code"):
        record["vendorEventCode"] = str(mapped["code"])[:64]
    return record


def _credential(mapped: dict[str, str | None]) -> dict[str, Any]:
    """What was presented: a card (or an ID card read as one), and the person's number."""
    method = mapped["method"] or "card"
    kind = method if method in ("card", "qr-code", "visitor-pass") else "card"
    credential: dict[str, Any] = {}
    if mapped.get("card"):
        credential = {"kind": kind, "value": mapped["card"]}
    elif mapped.get("id_card"):
        credential = {"kind": "card", "value": mapped["id_card"]}
    if mapped.get("person"):
        credential = {"kind": method, **credential, "employeeNo": mapped["person"]}
    return credential


def _site(dialect: Dialect, mapped: dict[str, str | None]) -> tuple[str, str | None]:
    """The community's id and name: from the dialect's [site], else from the log (an id made
    from a name holds the division code too, when known: two 阳光花园 are two); a log that
    names none refers its Devices to `<dialect>-site`, a Community expected from elsewhere (the
    summary says so; a dialect extending this one with `[site] id` names it)."""
    name = dialect.site.get("name") or mapped.get("site_name")
    if "id" in dialect.site:
        return dialect.site["id"], name
    if mapped.get("site_id"):
        return readable_id(mapped["site_id"] or "", reserved=_NAMED_SITE), name
    if name:
        division = dialect.site.get("division_code")
        return readable_id(f"{division}-{name}" if division else name, _NAMED_SITE), name
    return unnamed_site(dialect), None


_NAMED_SITE = "community-"  # the ids of sites known by name only


def device_id(dialect: Dialect, mapped: dict[str, str | None], site_id: str) -> str:
    """The Device id: the device's own id after the dialect's `device_prefix`; scoped to its
    site when the site is read from the log (no constant `[site] id` or `name`), so that one
    device name at two sites (GATE-A at each) makes two Devices in any file order."""
    device = mapped["device"] or ""
    if _site_from_log(dialect, mapped):
        return readable_id(f"{site_id}/{device}", dialect.device_prefix)[:128]
    return readable_id(device, dialect.device_prefix)[:128]


def unscoped_devices(dialect: Dialect, devices: list[str]) -> list[str]:
    """Those of `devices` (ids an earlier run wrote) that cannot be site-scoped, when the
    dialect reads the site from the log (a site id, or a name without a constant `[site] id` or
    `name`) and so scopes every Device id to its site: a scoped id is always rewritten with a
    digest (`readable_id` of `site/device`), so an id without one was not scoped."""
    if "id" in dialect.site or not (
        "site_id" in dialect.fields
        or ("site_name" in dialect.fields and "name" not in dialect.site)
    ):
        return []
    return [record_id for record_id in devices if not _DERIVED.search(record_id)]


def site_around(dialect: Dialect, around: Any) -> bool:
    """Whether a replayed record may have a site read from the log, judged from the attributes
    kept around it (a rejects line's `context.around`): a site field read from the document's
    root has a value there; one read from the record itself cannot be told, so it may."""
    for name in ("site_id", "site_name"):
        for steps in dialect.fields.get(name, ()):
            if len(steps) != 2 or not steps[0].startswith("/"):
                return True
            held = around.get(steps[0]) if isinstance(around, dict) else None
            if isinstance(held, dict) and held.get(steps[1]):
                return True
    return False


def _site_from_log(dialect: Dialect, mapped: dict[str, str | None]) -> bool:
    """Whether `_site` takes the community's id from the log rather than from the dialect."""
    if "id" in dialect.site:
        return False
    return bool(mapped.get("site_id") or (not dialect.site.get("name") and mapped.get("site_name")))


def unnamed_site(dialect: Dialect) -> str:
    """The Community id the Devices of a log without any site refer to."""
    return f"{dialect.name}-site"


def _device(
    item: SourceItem,
    dialect: Dialect,
    mapped: dict[str, str | None],
    used: dict[str, str],
    device_id: str,
    site: tuple[str, str | None],
    dropped: list[tuple[str, str]],
) -> dict[str, Any]:
    kind = mapped.get("device_kind") if "device_kind" in dialect.values else None
    record: dict[str, Any] = {
        "id": device_id,
        "type": "Device",
        "standardVersion": STANDARD_VERSION,
        "meta": {"sourceSystem": dialect.name, "source": {"xpath": item.locator}},
        "kind": kind or dialect.device.get("kind", "gate"),
        "status": "active",  # it is sending events
        "community": {"type": "Community", "id": site[0]},
    }
    if "manufacturer" in dialect.device:
        record["manufacturer"] = dialect.device["manufacturer"]
    for name, (target, make) in DEVICE_PROPERTIES.items():
        text = mapped.get(name)
        if text is None:
            continue
        value = make(text) if target is not None else None
        if value is not None:
            record[target] = value  # type: ignore[index]
        elif name in used:
            why = NO_PLACE if target is None else f"not a value of Device.{target}"
            dropped.append((used[name], f"Device {name.removeprefix('device_')}: {why}"))
    return record


def ip_address(text: str) -> str | None:
    """An IPv4 or IPv6 address in its standard text form, or None. An IPv6 zone (`%eth0`, an
    interface of the machine that wrote the log, meaningless elsewhere) is left out."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id is not None:
        address = ipaddress.IPv6Address(address.packed)
    return str(address)


_MAC = re.compile(r"[0-9A-Fa-f]{2}(?:[:-]?[0-9A-Fa-f]{2}){5}")


def mac_address(text: str) -> str | None:
    """Six hex pairs, colon-separated and lower case (44-19-B6-0A-1B-2C, 4419b60a1b2c), or None;
    None too for a placeholder no one device holds: all zeros, or the group bit set (broadcast
    ff:ff:…, multicast 01:00:5e:…), so that terminals sending one are not merged into one Device."""
    text = text.strip()
    if not _MAC.fullmatch(text):
        return None
    digits = re.sub(r"[:-]", "", text).lower()
    if int(digits, 16) == 0 or int(digits[:2], 16) & 1:
        return None
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def channel_number(text: str) -> int | None:
    """A channel number (0 to 65535), or None."""
    text = text.strip()
    if text.isascii() and text.isdigit() and len(text) <= 5 and int(text) <= 65535:
        return int(text)
    return None


def _community(
    item: SourceItem, dialect: Dialect, site: tuple[str, str | None]
) -> dict[str, Any] | None:
    """The Community record, when the dialect gives what it needs (a name and a division)."""
    division, name = dialect.site.get("division_code"), site[1]
    if division is None or name is None:
        return None
    return {
        "id": site[0],
        "type": "Community",
        "standardVersion": STANDARD_VERSION,
        "meta": {"sourceSystem": dialect.name, "source": {"xpath": item.locator}},
        "name": name[:4000],
        "divisionCode": division,
    }


def resident_id_number(text: str) -> str | None:
    """A resident ID number in one form (full-width digits read as ASCII, spaces and grouping
    removed, check character `X` upper case; a first-generation 15-digit number, as the privacy
    screen reads one, in its 18-digit form: 19 before the year, the check character computed,
    so a person's old and new card are one Resident), or None when it is not a valid one."""
    number = re.sub(r"[-\s._:]", "", unicodedata.normalize("NFKC", text)).upper()
    if len(number) == 15 and number.isdigit() and raw_identifier_kind(number) == _RESIDENT_ID:
        from stdnum.cn import ric

        body = f"{number[:6]}19{number[6:]}"
        number = body + ric.calc_check_digit(body + "0")  # the check over the first 17
    return number if is_raw_resident_id(number) else None


_RESIDENT_ID = "resident ID number"  # raw_identifier_kind's word for one


def parse_time(text: str, dialect: Dialect) -> tuple[str | None, bool]:
    """RFC 3339 with offset, and whether the zone was assumed: ISO times keep their offset;
    local times get the dialect's zone."""
    for fmt in dialect.time_formats:
        if fmt == "iso" and len(text) < 16:
            continue  # a date alone is not the time of a pass
        try:
            moment = (
                datetime.datetime.fromisoformat(text)
                if fmt == "iso"
                else datetime.datetime.strptime(text, fmt)
            )
        except ValueError:
            continue
        if moment.tzinfo is None:
            return moment.replace(tzinfo=zone(dialect.timezone)).isoformat(), True
        return moment.isoformat(), False
    return None, False
