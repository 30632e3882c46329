"""What a dialect maps, in words (`ccstd adapters check FILE`)."""

from __future__ import annotations

from collections.abc import Iterator

from ccstd.adapters.access_xml.dialect import Dialect
from ccstd.adapters.access_xml.mapping import DEVICE_PROPERTIES, NO_PLACE, unnamed_site

TARGETS = {
    "time": "AccessEvent.occurredAt",
    "device": "AccessEvent.device → Device.id",
    "method": "AccessEvent.method",
    "result": "AccessEvent.result",
    "reason": "AccessEvent.denialReason",
    "direction": "AccessEvent.direction",
    "code": "AccessEvent.vendorEventCode",
    "door": "AccessEvent.doorNo",
    "reader": "AccessEvent.readerNo",
    "card": "AccessEvent.credential.value (pseudonymised)",
    "person": "AccessEvent.credential.employeeNo (pseudonymised)",
    "id_card": "AccessEvent.subject → Resident, credential.value (pseudonymised)",
    "device_kind": "Device.kind",
    "site_id": "Device.community → Community.id",
    "site_name": "Community.name",
    "exported_at": f"dropped: {NO_PLACE}",
    **{
        name: f"Device.{target}" if target else f"dropped: {NO_PLACE}"
        for name, (target, _make) in DEVICE_PROPERTIES.items()
    },
}


def describe(dialect: Dialect) -> Iterator[str]:
    """Lines saying where each field comes from and where it goes."""
    yield f"{dialect.path}: dialect {dialect.name} is valid ({dialect.description})"
    markers = _markers(dialect)
    yield f"  record element: <{dialect.record}>; markers: {markers}; priority {dialect.priority}"
    yield f"  times: {', '.join(dialect.time_formats)}; local times in {dialect.timezone}"
    if dialect.encoding:
        yield f"  encoding when the log declares none: {dialect.encoding}"
    for name, alternatives in dialect.fields.items():
        paths = " | ".join("/".join(steps).replace("//", "/") for steps in alternatives)
        table = f" (table of {len(dialect.values[name])} codes)" if name in dialect.values else ""
        yield f"  {name:<14} ← {paths}{table} → {TARGETS.get(name, 'lookup key only')}"
    for name, value in dialect.constants.items():
        yield f"  {name:<14} = {value!r} (constant) → {TARGETS.get(name, '')}"
    if dialect.lookup_key:
        yield (f"  lookup {dialect.lookup_key}: {len(dialect.lookup)} codes mapped, "
               f"{len(dialect.skip)} skipped")  # fmt: skip
    site = dialect.site
    if site:
        community = (
            "written" if "division_code" in site and "name" in site else "expected from elsewhere"
        )
        shown = ", ".join(f"{key} {value}" for key, value in site.items())
        yield f"  site: {shown} (Community record {community})"
    elif "site_id" not in dialect.fields and "site_name" not in dialect.fields:
        yield (f"  site: none; Devices refer to Community {unnamed_site(dialect)}, expected "
               "from elsewhere (give [site] id)")  # fmt: skip
    for path, why in dialect.dropped.items():
        yield f"  dropped {path}: {why}"


def _markers(dialect: Dialect) -> str:
    return ", ".join(m.decode("utf-8", "replace") for m in dialect.markers) or "none (use --from)"
