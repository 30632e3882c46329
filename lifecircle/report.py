"""report.json and coverage.geojson: every figure, aggregates only, keyed by community id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from ccstd import __version__
from ccstd.lifecircle.access import Access
from ccstd.lifecircle.coverage import reached
from ccstd.lifecircle.onehour import UNKNOWN_COMMUNITY
from ccstd.lifecircle.profiles import Profile
from ccstd.lifecircle.records import Dataset, Site

MAX_GAPS = 200
_ZH_OF = {"residents": "居民", "buildings": "楼栋"}


@dataclass(frozen=True)
class Analysis:
    """Everything measured, ready to be written."""

    profile: Profile
    data: Dataset
    buildings: list[Site]
    facilities: list[Site]
    access: Access
    coverage: dict[str, dict[str, Any]]
    one_hour: dict[str, Any]
    inconsistent_times: int
    crs: str
    network: dict[str, Any] | None
    building_xy: np.ndarray  # projected metres, aligned with `buildings`
    facility_xy: np.ndarray  # and with `facilities`
    streets: np.ndarray | None = None  # street segments (n, 2, 2) in metres, for the maps


def report_document(analysis: Analysis) -> dict[str, Any]:
    """The content of report.json."""
    data, profile = analysis.data, analysis.profile
    communities: dict[str, Any] = {}
    facility_counts = _facility_counts(analysis)
    measured = set(analysis.one_hour) - {UNKNOWN_COMMUNITY}  # named by requests, not read
    for community_id in sorted(set(analysis.coverage) | set(data.communities) | measured):
        known = data.communities.get(community_id)
        entry: dict[str, Any] = {"name": known.name if known else community_id}
        entry.update(analysis.coverage.get(community_id, {"buildings": 0, "levels": {}}))
        entry["facilities"] = dict(sorted(facility_counts.get(community_id, {}).items()))
        entry["oneHour"] = analysis.one_hour.get(community_id, {})
        communities[community_id] = entry
    return {
        "report": "ccstd-lifecircle",
        "toolVersion": __version__,
        "profile": _profile_part(profile),
        "method": _method(analysis),
        "inputs": _inputs(data, analysis.inconsistent_times),
        "communities": communities,
        "oneHourUnknownCommunity": analysis.one_hour.get("unknown", {}),
        "gaps": gaps(analysis, communities),
    }


def _method(analysis: Analysis) -> dict[str, Any]:
    access = analysis.access
    method: dict[str, Any] = {
        "distance": access.method,
        "estimate": access.method == "straight-line",
        "projectedCrs": analysis.crs,
        "minHouseholdsPerFigure": 5,
    }
    if access.circuity is not None:
        method["circuityFactor"] = access.circuity
    if analysis.network is not None:
        method["network"] = analysis.network
    return method


def _profile_part(profile: Profile) -> dict[str, Any]:
    return {
        "name": profile.name,
        "title": profile.title,
        "titleZh": profile.title_zh,
        "source": profile.source,
        "levels": [
            {"id": lv.id, "title": lv.title, "titleZh": lv.title_zh, "minutes": lv.minutes,
             "maxDistanceM": lv.max_distance_m, "source": lv.source, "requires": list(lv.requires)}
            for lv in profile.levels
        ],
        "types": {
            t.id: {"title": t.title, "titleZh": t.title_zh, "categories": list(t.categories)}
            for t in profile.types.values()
        },
    }  # fmt: skip


def _inputs(data: Dataset, inconsistent: int) -> dict[str, Any]:
    return {
        "read": dict(sorted(data.read.items())),
        "used": dict(sorted(data.used.items())),
        "invalid": dict(sorted(data.invalid.items())),
        "unusable": dict(sorted(data.unusable.items())),
        "ignored": dict(sorted(data.ignored.items())),
        "timesEndingBeforeStart": inconsistent,
        "problems": list(data.problems),
    }


def facility_communities(analysis: Analysis) -> list[str]:
    """Each facility's community: its own `community`, else that of the nearest building."""
    if not len(analysis.building_xy):
        return [site.community or "unknown" for site in analysis.facilities]
    _, nearest = cKDTree(analysis.building_xy).query(analysis.facility_xy.reshape(-1, 2), k=1)
    return [
        site.community or analysis.buildings[int(index)].community or "unknown"
        for site, index in zip(analysis.facilities, np.atleast_1d(nearest), strict=True)
    ]


def _facility_counts(analysis: Analysis) -> dict[str, dict[str, dict[str, Any]]]:
    """Per community and category: count, summed capacity, how many open at weekends."""
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for site, community in zip(analysis.facilities, facility_communities(analysis), strict=True):
        entry = found.setdefault(community, {}).setdefault(
            site.category, {"count": 0, "capacity": None, "openWeekends": None}
        )
        entry["count"] += 1
        if site.capacity is not None:
            entry["capacity"] = (entry["capacity"] or 0) + site.capacity
        if site.open_weekends is not None:
            entry["openWeekends"] = (entry["openWeekends"] or 0) + int(site.open_weekends)
    return found


def gaps(analysis: Analysis, communities: dict[str, Any]) -> list[dict[str, Any]]:
    """Uncovered shares, worst first: which type is missing at which level, for whom."""
    profile = analysis.profile
    found = []
    for community_id, entry in communities.items():
        for level in profile.levels:
            types = entry.get("levels", {}).get(level.id, {}).get("types", {})
            for type_id, shares in types.items():
                base = shares.get("residentsCovered")
                measure = "residents"
                if base is None:
                    base, measure = shares.get("buildingsCovered"), "buildings"
                if base is None or base >= 1.0:
                    continue
                kind = profile.types[type_id]
                share = round(1.0 - base, 4)
                percent = round(share * 100)
                found.append({
                    "community": community_id, "level": level.id, "type": type_id,
                    "uncovered": share, "of": measure,
                    "en": f"no {kind.title.lower()} within the {level.title} for {percent}% of "
                          f"{measure} of {entry['name']}",
                    "zh": f"{entry['name']}{percent}%的{_ZH_OF[measure]}"
                          f"在{level.title_zh}内没有{kind.title_zh}",
                })  # fmt: skip
    found.sort(key=lambda g: (-g["uncovered"], g["community"], g["level"], g["type"]))
    return found[:MAX_GAPS]


def geojson_document(analysis: Analysis) -> dict[str, Any]:
    """One feature per building (what it reaches) and per facility (what it counts as)."""
    profile, access = analysis.profile, analysis.access
    counts = [reached(profile, access, i) for i in range(len(profile.levels))]
    features = []
    for index, site in enumerate(analysis.buildings):
        nearest = {
            t: (round(float(d[index])) if np.isfinite(d[index]) else None)
            for t, d in access.distances.items()
        }
        reach = {
            lv.id: f"{int(counts[i][index])}/{len(lv.requires)}"
            for i, lv in enumerate(profile.levels)
        }
        props: dict[str, Any] = {"kind": "building", "id": site.id, "name": site.name,
                 "community": site.community, "reached": reach, "nearestM": nearest}  # fmt: skip
        if analysis.coverage.get(site.community or "unknown", {}).get("suppressed", True):
            props.update(reached=None, nearestM=None, suppressed=True)
        features.append(_feature(site, props))
    places = facility_communities(analysis)
    for site, community in zip(analysis.facilities, places, strict=True):
        props = {"kind": "facility", "id": site.id, "name": site.name, "category": site.category,
                 "community": community, "types": profile.types_of(site.category),
                 "capacity": site.capacity}  # fmt: skip
        features.append(_feature(site, props))
    return {"type": "FeatureCollection", "features": features}


def _feature(site: Site, properties: dict[str, Any]) -> dict[str, Any]:
    point = {"type": "Point", "coordinates": [round(site.lon, 7), round(site.lat, 7)]}
    return {"type": "Feature", "geometry": point, "properties": properties}
