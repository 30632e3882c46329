"""The life-circle run: records in, report.json, report.html and coverage.geojson out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson

from ccstd.lifecircle import access as measure
from ccstd.lifecircle.coords import Projector, great_circle_km
from ccstd.lifecircle.coverage import community_figures, hide_residual_households, population
from ccstd.lifecircle.onehour import one_hour
from ccstd.lifecircle.profiles import Profile
from ccstd.lifecircle.records import MAX_PROBLEMS_LISTED, Dataset, Site, load
from ccstd.lifecircle.report import Analysis, geojson_document, report_document

MAX_SPREAD_KM = 100.0  # a district, even a city, fits; a swapped lat/lon does not
OUTPUTS = ("report.json", "report.html", "coverage.geojson")
Tick = Callable[[str, int, int | None], None]  # (task, advance, total when known)


@dataclass(frozen=True)
class Options:
    """What the user chose."""

    inputs: Sequence[str]
    out: Path
    profile: Profile
    network: Path | None = None
    circuity: float = measure.DEFAULT_CIRCUITY


def analyse(options: Options, tick: Tick | None = None) -> Analysis:
    """Read, measure and aggregate; InputError or NetworkError when an input cannot be used."""
    step = tick or (lambda _task, _n, _total: None)
    data = load(options.inputs, lambda n: step("records", n, None))
    projector = Projector.around([(s.lon, s.lat) for s in [*data.buildings.values()]])
    buildings = _near(data, "Building", data.buildings, projector)
    facilities = _near(data, "Facility", data.facilities, projector)
    building_xy = _project(projector, buildings)
    facility_xy = _project(projector, facilities)
    members = measure.facilities_by_type(options.profile, [f.category for f in facilities])
    network_summary, streets = None, None
    if options.network is not None:
        from ccstd.lifecircle import network

        graph = network.load(options.network, projector, lambda n, t: step("network", n, t))
        limit = max(level.max_distance_m for level in options.profile.levels)
        result = network.route(
            graph, building_xy, facility_xy, members, limit, lambda n, t: step("routing", n, t)
        )
        access_result = result
        network_summary = {**network.summary(graph), **(result.snapping or {})}
        streets = network.segments(graph)
    else:
        access_result = measure.straight_line(building_xy, facility_xy, members, options.circuity)
    people = population(data)
    coverage = community_figures(options.profile, buildings, access_result, people)
    hide_residual_households(coverage, data.used["Household"])
    hour, inconsistent = one_hour(data)
    return Analysis(
        options.profile, data, buildings, facilities, access_result, coverage, hour,
        inconsistent, f"EPSG:{projector.epsg}", network_summary, building_xy, facility_xy,
        streets,
    )  # fmt: skip


def _near(data: Dataset, kind: str, sites: dict[str, Site], projector: Projector) -> list[Site]:
    """The sites within MAX_SPREAD_KM of the district's middle, sorted by id; the others are
    counted as unusable (a swapped latitude and longitude, a wrong `crs`)."""
    kept = []
    for site in sorted(sites.values(), key=lambda s: s.id):
        away = great_circle_km(projector.lon, projector.lat, site.lon, site.lat)
        if away <= MAX_SPREAD_KM:
            kept.append(site)
            continue
        data.used[kind] -= 1
        data.unusable[kind] += 1
        if len(data.problems) < MAX_PROBLEMS_LISTED:
            data.problems.append(
                f"{kind} {site.id}: {away:,.0f} km from the district's middle "
                "(latitude and longitude swapped, or the wrong crs?): not used"
            )
    return kept


def _project(projector: Projector, sites: list[Site]) -> np.ndarray:
    if not sites:
        return np.zeros((0, 2))
    return np.array(projector.project([s.lon for s in sites], [s.lat for s in sites]))


def render_outputs(analysis: Analysis) -> dict[str, bytes]:
    """The bytes of each output file, by name."""
    from ccstd.lifecircle.html import render

    document = report_document(analysis)
    options = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
    return {
        "report.json": orjson.dumps(document, option=options) + b"\n",
        "report.html": render(analysis, document).encode("utf-8"),
        "coverage.geojson": orjson.dumps(geojson_document(analysis)) + b"\n",
    }


def summary_counts(data: Dataset) -> tuple[int, int, int, int, int]:
    """(read, used, invalid, unusable, ignored): read is the sum of the other four."""
    return (
        data.read.total(), data.used.total(), data.invalid.total(),
        data.unusable.total(), data.ignored.total(),
    )  # fmt: skip
