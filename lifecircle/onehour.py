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
Cell = tuple[str, str, str]  # (community, kind, category)


def one_hour(data: Dataset) -> tuple[dict[str, Any], int]:
    """{community: {kind: {category: figures}}} and the number of records with end < start."""
    groups: dict[Cell, list[Timed]] = defaultdict(list)
    inconsistent = 0
    for timed in data.timed:
        if timed.end < timed.start:
            inconsistent += 1
            continue
        community = timed.community or UNKNOWN_COMMUNITY
        groups[(community, timed.kind, timed.category)].append(timed)
        groups[(community, timed.kind, ALL)].append(timed)
    homes = {
        cell: {_household(t, data.resident_household) for t in items}
        for cell, items in groups.items()
    }
    hidden = _suppressed(homes)
    table: dict[str, Any] = {}
    for cell, items in sorted(groups.items()):
        community, kind, category = cell
        figures = {"count": None, "suppressed": True} if cell in hidden else _figures(items)
        table.setdefault(community, {}).setdefault(kind, {})[category] = figures
    return table, inconsistent


def _household(timed: Timed, households: dict[str, str]) -> str:
    """The household of the record's person; a person in no household is one of their own, a
    record without a person is one of its own."""
    if timed.person is None:
        return f"record:{id(timed)}"
    return households.get(timed.person, f"person:{timed.person}")


def _suppressed(homes: dict[Cell, set[str]]) -> set[Cell]:
    """Cells over fewer than MIN_HOUSEHOLDS households, and then as many more as it takes so
    that no difference of published counts isolates them: the `*` rows of a kind add up to the
    kind's total in the inputs, and a community's category rows add up to its `*` row, so the
    suppressed part of each sum must be empty or span at least MIN_HOUSEHOLDS households."""
    hidden = {cell for cell, found in homes.items() if len(found) < MIN_HOUSEHOLDS}
    for kind in sorted({cell[1] for cell in homes}):
        totals = [cell for cell in homes if cell[1] == kind and cell[2] == ALL]
        for total in _complement(totals, homes, hidden):
            hidden |= {cell for cell in homes if cell[:2] == total[:2]}
    for total in [cell for cell in homes if cell[2] == ALL and cell not in hidden]:
        parts = [cell for cell in homes if cell[:2] == total[:2] and cell[2] != ALL]
        hidden |= set(_complement(parts, homes, hidden))
    return hidden


def _complement(cells: list[Cell], homes: dict[Cell, set[str]], hidden: set[Cell]) -> list[Cell]:
    """The further cells of one sum to suppress, fewest households first."""
    chosen: list[Cell] = []
    shown = sorted((c for c in cells if c not in hidden), key=lambda c: (len(homes[c]), c))
    covered: set[str] = set().union(*(homes[c] for c in cells if c in hidden))
    while covered and len(covered) < MIN_HOUSEHOLDS and shown:
        cell = shown.pop(0)
        chosen.append(cell)
        covered |= homes[cell]
    return chosen


def _figures(items: list[Timed]) -> dict[str, Any]:
    minutes = np.array([(t.end - t.start).total_seconds() / 60.0 for t in items])
    return {
        "count": len(items),
        "medianMinutes": round(float(np.median(minutes)), 1),
        "p90Minutes": round(float(np.percentile(minutes, 90)), 1),
        "shareWithin60Min": round(float(np.mean(minutes <= 60.0)), 4),
        "suppressed": False,
    }
