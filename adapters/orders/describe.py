"""What a platform file maps, in words (`ccstd adapters check FILE`)."""

from __future__ import annotations

from collections.abc import Iterator

from ccstd.adapters.orders.tables import Platform


def describe(platform: Platform) -> Iterator[str]:
    """Lines saying what the platform reads and where it goes."""
    yield f"{platform.name}: platform file is valid ({platform.description})"
    markers = ", ".join(m.decode("utf-8", "replace") for m in platform.markers)
    yield f"  markers: {markers}; priority {platform.priority}; standard {platform.standard}"
    pages = ", ".join(platform.pages) or "none (JSON arrays and NDJSON only)"
    yield f"  orders in: {pages}; local times in {platform.timezone}; channel {platform.channel}"
    if platform.json_text:
        yield f"  JSON text parsed: {', '.join(path.dotted for path in platform.json_text)}"
    if platform.minor_units:
        yield "  amounts: whole numbers of the currency's minor units"
    if not platform.whole_quantities:
        yield "  quantities: decimals (sold by weight or length), not only whole numbers"
    for target in ("id", "number", "placed_at", "currency", "merchant", "prices_include_tax"):
        if target in platform.order:
            yield f"  Order.{target:<18} ← {platform.labels.get(target, '(constant)')}"
    for target in platform.money:
        yield f"  Order.{target:<18} ← {platform.labels.get(target, '(computed)')}"
    statuses = ", ".join(f"{name} ← {codes.path} ({len(codes.codes)} codes)"
                         for name, codes in platform.statuses.items())  # fmt: skip
    yield f"  statuses: {statuses}"
    yield f"  lines: {len(platform.lines)} kind(s); deliveries: {len(platform.deliveries)} kind(s)"
    for path, why in platform.dropped.items():
        yield f"  dropped {path}: {why}"
