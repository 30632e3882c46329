"""Coverage: the share of buildings and of residents that reach each facility type per level.

Figures are aggregates per community. A community with fewer than `MIN_HOUSEHOLDS` households has
its figures suppressed (null, `suppressed: true`); residents are the members of the households
whose dwelling is in the building.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from ccstd.lifecircle.access import Access
from ccstd.lifecircle.onehour import MIN_HOUSEHOLDS
from ccstd.lifecircle.profiles import Profile
from ccstd.lifecircle.records import Dataset, Site


@dataclass(frozen=True)
class Population:
    """Households and residents per building id."""

    households: Counter[str]
    residents: Counter[str]


def population(data: Dataset) -> Population:
    """Count households and their members per building (through their dwelling)."""
    households: Counter[str] = Counter()
    residents: Counter[str] = Counter()
    for household, dwelling in data.household_dwelling.items():
        building = data.dwelling_building.get(dwelling)
        if building is not None:
            households[building] += 1
            residents[building] += data.household_members.get(household, 0)
    return Population(households, residents)


def reached(profile: Profile, access: Access, level_index: int) -> np.ndarray:
    """Per building, how many of the level's required types are within its threshold."""
    level = profile.levels[level_index]
    count = np.zeros(len(next(iter(access.distances.values()))), dtype=int)
    for type_id in level.requires:
        count += access.distances[type_id] <= level.max_distance_m
    return count


def community_figures(
    profile: Profile, buildings: list[Site], access: Access, people: Population
) -> dict[str, dict[str, Any]]:
    """{community id: {level id: {"allRequired": shares, "types": {type: shares}}}}."""
    rows: dict[str, list[int]] = defaultdict(list)
    for position, site in enumerate(buildings):
        rows[site.community or "unknown"].append(position)
    weights = np.array([people.residents[b.id] for b in buildings], dtype=float)
    homes = np.array([people.households[b.id] for b in buildings], dtype=int)
    result: dict[str, dict[str, Any]] = {}
    for community, index_list in sorted(rows.items()):
        index = np.array(index_list, dtype=np.intp)
        households = sum(people.households[buildings[i].id] for i in index_list)
        suppressed = households < MIN_HOUSEHOLDS
        levels: dict[str, Any] = {}
        for level_index, level in enumerate(profile.levels):
            everything = reached(profile, access, level_index)[index] == len(level.requires)
            types = {
                t: _shares(access.distances[t][index] <= level.max_distance_m,
                           (weights[index], homes[index]), suppressed, access.distances[t][index])
                for t in level.requires
            }  # fmt: skip
            levels[level.id] = {
                "allRequired": _shares(
                    everything, (weights[index], homes[index]), suppressed, None
                ),
                "types": types,
            }
        result[community] = {
            "buildings": len(index_list),
            "households": None if suppressed else households,
            "residents": None if suppressed else int(weights[index].sum()),
            "suppressed": suppressed,
            "levels": levels,
        }
    return result


def hide_residual_households(figures: dict[str, dict[str, Any]], households_used: int) -> None:
    """Null the household and resident counts of the smallest communities shown until the
    households not shown (the inputs' Household count minus those published) are none or at
    least MIN_HOUSEHOLDS: else the difference gives a suppressed community's count."""
    shown = sorted(
        (entry["households"], community)
        for community, entry in figures.items()
        if entry["households"] is not None
    )
    residual = households_used - sum(count for count, _ in shown)
    while 0 < residual < MIN_HOUSEHOLDS and shown:
        count, community = shown.pop(0)
        figures[community].update(households=None, residents=None)
        residual += count


def _shares(
    covered: np.ndarray,
    people: tuple[np.ndarray, np.ndarray],
    suppressed: bool,
    distances: np.ndarray | None,
) -> dict[str, Any]:
    """Shares of buildings and residents; the residents' share is null when the covered or the
    uncovered part spans 1 to 4 households: it and the community's residents would give theirs."""
    if suppressed or len(covered) == 0:
        return {"buildingsCovered": None, "residentsCovered": None, "suppressed": True}
    weights, homes = people
    total = float(weights.sum())
    parts = (int(homes[covered].sum()), int(homes[~covered].sum()))
    few = any(0 < part < MIN_HOUSEHOLDS for part in parts)
    shares: dict[str, Any] = {
        "buildingsCovered": round(float(covered.mean()), 4),
        "residentsCovered": round(float(weights[covered].sum()) / total, 4)
        if total and not few
        else None,
        "suppressed": False,
    }
    if distances is not None:
        finite = distances[np.isfinite(distances)]
        shares["medianDistanceM"] = round(float(np.median(finite))) if len(finite) else None
    return shares
