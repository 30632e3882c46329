"""Walking distance from every building to the nearest facility of every profile type.

Two methods, one result (metres per building per type, `inf` when none is in reach):
- straight line x circuity factor: a k-d tree over each type's facilities, one query for all
  buildings; an estimate, labelled as one in the report;
- street network: `network.route` (multi-source Dijkstra per type from all its facilities).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from ccstd.lifecircle.profiles import Profile

Points = np.ndarray  # shape (n, 2), metres in the projected system

# Road-network circuity (network distance / straight-line distance) is commonly reported at
# about 1.2 to 1.4 for urban areas (e.g. Ballou, Rahardja & Sakai 2002, Transportation Research
# Part A 36(9); Giacomin & Levinson 2015, Environment and Planning B 42(6)): 1.3 is the middle.
DEFAULT_CIRCUITY = 1.3


@dataclass(frozen=True)
class Access:
    """Distances (metres) per profile type, aligned with the buildings measured."""

    method: str  # "network" or "straight-line"
    distances: dict[str, np.ndarray]
    circuity: float | None = None  # the factor applied, for the straight-line estimate
    snapping: dict[str, float] | None = None  # network: how far buildings are from its nodes


def facilities_by_type(profile: Profile, categories: Sequence[str]) -> dict[str, np.ndarray]:
    """For each profile type, the indexes of the facilities (by category) that count as it."""
    return {
        type_id: np.array(
            [i for i, c in enumerate(categories) if c in kind.categories], dtype=np.intp
        )
        for type_id, kind in profile.types.items()
    }


def straight_line(
    buildings: Points,
    facilities: Points,
    members: dict[str, np.ndarray],
    circuity: float = DEFAULT_CIRCUITY,
) -> Access:
    """Nearest facility of each type as the crow flies, times the circuity factor."""
    distances = {}
    for type_id, index in members.items():
        if len(index) == 0 or len(buildings) == 0:
            distances[type_id] = np.full(len(buildings), np.inf)
            continue
        tree = cKDTree(facilities[index])
        found, _ = tree.query(buildings, k=1)
        distances[type_id] = np.asarray(found, dtype=float) * circuity
    return Access("straight-line", distances, circuity)
