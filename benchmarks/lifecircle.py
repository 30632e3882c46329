"""Life-circle benchmark: a generated district of 10,000 buildings (a household each), 2,000
facilities and a 50,000-edge street network (OSM XML), through `run.analyse` and the outputs,
end to end; and the routing against the naive baseline (each building's nearest facility of
each type by its own shortest-path search, with the same cutoff), measured on a sample and
extrapolated. Targets (issue 15): at least 20x the naive baseline, under a minute on 2 cores."""

from __future__ import annotations

import json
import random
import tempfile
import time
from pathlib import Path

import networkx as nx
import numpy as np

from ccstd.lifecircle import access, network, run
from ccstd.lifecircle.coords import Projector
from ccstd.lifecircle.profiles import facility_categories, load_profile

SIDE = 159  # a SIDE x SIDE grid has 2 * SIDE * (SIDE - 1) = 50,244 edges
STEP_LON, STEP_LAT = 0.00053, 0.00045  # about 50 m
LON0, LAT0 = 118.70, 31.95
BUILDINGS, FACILITIES, SAMPLE = 10_000, 2_000, 25
META = {"sourceSystem": "bench", "vendor": "Bench", "receivedAt": "2024-06-01T09:00:00+08:00"}


def _write_network(path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n')
        for row in range(SIDE):
            for col in range(SIDE):
                lat, lon = LAT0 + row * STEP_LAT, LON0 + col * STEP_LON
                out.write(f'<node id="{row * SIDE + col + 1}" lat="{lat:.7f}" lon="{lon:.7f}"/>\n')
        for way, refs in enumerate(_lines()):
            nds = "".join(f'<nd ref="{r}"/>' for r in refs)
            out.write(f'<way id="{way + 1}">{nds}<tag k="highway" v="residential"/></way>\n')
        out.write("</osm>\n")


def _lines() -> list[list[int]]:
    rows = [[r * SIDE + c + 1 for c in range(SIDE)] for r in range(SIDE)]
    cols = [[r * SIDE + c + 1 for r in range(SIDE)] for c in range(SIDE)]
    return rows + cols


def _write_records(path: Path, rng: random.Random) -> None:
    categories = facility_categories()
    span_lon, span_lat = (SIDE - 1) * STEP_LON, (SIDE - 1) * STEP_LAT

    def where() -> dict[str, float]:
        return {"lon": LON0 + rng.random() * span_lon, "lat": LAT0 + rng.random() * span_lat}

    base = {"standardVersion": "1.2.0", "meta": META}
    community = {"type": "Community", "id": "comm-bench"}
    with path.open("w", encoding="utf-8") as out:
        for n in range(BUILDINGS):
            item = {"id": f"b{n}", "type": "Building", "community": community, "name": f"{n}",
                    "location": where(), **base}  # fmt: skip
            out.write(json.dumps(item) + "\n")
            dwelling = {"id": f"d{n}", "type": "Dwelling", "room": "101",
                        "building": {"type": "Building", "id": f"b{n}"}, **base}  # fmt: skip
            members = [
                {"resident": {"type": "Resident", "id": f"r{n}-{rel}"}, "relationship": rel}
                for rel in ("head", "spouse")
            ]
            household = {"id": f"h{n}", "type": "Household", "members": members,
                         "dwelling": {"type": "Dwelling", "id": f"d{n}"}, **base}  # fmt: skip
            out.write(json.dumps(dwelling) + "\n" + json.dumps(household) + "\n")
        for n in range(FACILITIES):
            item = {"id": f"f{n}", "type": "Facility", "name": f"{n}", "category":
                    categories[n % len(categories)], "location": where(),
                    "travelTimeBand": "15-min", **base}  # fmt: skip
            out.write(json.dumps(item) + "\n")


def _naive_seconds(analysis: run.Analysis, graph: nx.Graph, cutoff: float) -> float:
    """Per building and type, one Dijkstra from the building: timed on a sample, extrapolated."""
    names = list(graph.nodes)
    coords = np.array([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in names])
    from scipy.spatial import cKDTree

    tree = cKDTree(coords)
    _, b_node = tree.query(analysis.building_xy[:SAMPLE])
    _, f_node = tree.query(analysis.facility_xy)
    members = access.facilities_by_type(analysis.profile, [f.category for f in analysis.facilities])
    started = time.perf_counter()
    for node in b_node:
        for index in members.values():
            targets = {names[f_node[i]] for i in index}
            reach = nx.single_source_dijkstra_path_length(
                graph, names[node], cutoff=cutoff, weight="length"
            )
            min((reach[t] for t in targets if t in reach), default=float("inf"))
    return (time.perf_counter() - started) / SAMPLE * len(analysis.buildings)


def main() -> None:
    rng = random.Random(15)
    profile = load_profile("gb50180")
    with tempfile.TemporaryDirectory() as tmp:
        osm, records = Path(tmp) / "bench.osm", Path(tmp) / "records.ndjson"
        _write_network(osm)
        _write_records(records, rng)
        options = run.Options([str(records)], Path(tmp) / "out", profile, osm)
        started = time.perf_counter()
        analysis = run.analyse(options)
        outputs = run.render_outputs(analysis)
        total = time.perf_counter() - started
        projector = Projector.around([(b.lon, b.lat) for b in analysis.buildings])
        graph = network.load(osm, projector)
        cutoff = max(level.max_distance_m for level in profile.levels)
        members = access.facilities_by_type(profile, [f.category for f in analysis.facilities])
        started = time.perf_counter()
        network.route(graph, analysis.building_xy, analysis.facility_xy, members, cutoff)
        routing = time.perf_counter() - started
        naive = _naive_seconds(analysis, graph, cutoff)
    sizes = (len(analysis.buildings), len(analysis.facilities), graph.number_of_edges())
    print("district: {:,} buildings, {:,} facilities, {:,} edges".format(*sizes))
    print(f"{'end to end (read, network, route, outputs)':<46} {total:8.1f} s   "
          f"({sum(len(v) for v in outputs.values()) / 1e6:.1f} MB written)")  # fmt: skip
    print(f"{'routing: multi-source per type':<46} {routing:8.2f} s")
    print(f"{'naive: one search per building and type':<46} {naive:8.1f} s (sample of {SAMPLE})")
    print(f"{'ratio (naive / multi-source routing)':<46} {naive / routing:8.0f} x   target >= 20")
    print(f"{'ratio (naive / end to end)':<46} {naive / total:8.0f} x")


if __name__ == "__main__":
    main()
