"""One hour: how long deliveries and services that come to the door actually take.

Per community, kind (delivery, service request, care visit) and category (order channel,
request category, care service type): the count, median and 90th percentile in minutes and the
share within 60 minutes. A figure over fewer than `MIN_HOUSEHOLDS` households is suppressed.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from ccstd.lifecircle.records import Dataset, Timed

MIN_HOUSEHOLDS = 5
ALL = "*"  # the row of every category of a kind
UNKNOWN_COMMUNITY = "unknown"


def one_hour(data: Dataset) -> tuple[dict[str, Any], int]:
    """{community: {kind: {category: figures}}} and the number of records with end < start."""
    groups: dict[tuple[str, str, str], list[Timed]] = defaultdict(list)
    inconsistent = 0
    for timed in data.timed:
        if timed.end < timed.start:
            inconsistent += 1
            continue
        community = timed.community or UNKNOWN_COMMUNITY
        groups[(community, timed.kind, timed.category)].append(timed)
        groups[(community, timed.kind, ALL)].append(timed)
    table: dict[str, Any] = {}
    for (community, kind, category), items in sorted(groups.items()):
        figures = _figures(items, data.resident_household)
        table.setdefault(community, {}).setdefault(kind, {})[category] = figures
    return table, inconsistent


def _figures(items: list[Timed], households: dict[str, str]) -> dict[str, Any]:
    distinct = {households.get(t.person or "", t.person or str(id(t))) for t in items}
    if len(distinct) < MIN_HOUSEHOLDS:
        return {"count": None, "suppressed": True}
    minutes = np.array([(t.end - t.start).total_seconds() / 60.0 for t in items])
    return {
        "count": len(items),
        "medianMinutes": round(float(np.median(minutes)), 1),
        "p90Minutes": round(float(np.percentile(minutes, 90)), 1),
        "shareWithin60Min": round(float(np.mean(minutes <= 60.0)), 4),
        "suppressed": False,
    }
