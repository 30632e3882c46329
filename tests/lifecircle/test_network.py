"""Walking on the street network: OSM XML and GraphML, routing from all facilities at once."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccstd.lifecircle.coords import Projector
from ccstd.lifecircle.network import NetworkError, load, route
from tests.lifecircle.conftest import NETWORK, RECORDS, report, run

PROJECTOR = Projector(118.8, 32.03)


def _types(out: Path, community: str, level: str) -> dict[str, dict[str, float]]:
    levels = report(out)["communities"][community]["levels"]
    types: dict[str, dict[str, float]] = levels[level]["types"]
    return types


def test_routed_report_is_not_an_estimate(routed: Path) -> None:
    method = report(routed)["method"]
    assert method["distance"] == "network" and method["estimate"] is False
    assert method["network"]["edges"] == 300  # the motorway is not walkable
    assert "circuityFactor" not in method


def test_the_canal_is_a_gap_only_the_network_sees(estimate: Path, routed: Path) -> None:
    assert _types(estimate, "comm-hp", "15-min")["school"]["residentsCovered"] == 1.0
    assert _types(routed, "comm-hp", "15-min")["school"]["residentsCovered"] == 0.0


def test_route_adds_snap_distances_and_takes_the_nearest_source() -> None:
    graph = nx.Graph()
    for node, x in (("a", 0.0), ("b", 100.0), ("c", 300.0)):
        graph.add_node(node, x=x, y=0.0)
    graph.add_edge("a", "b", length=100.0)
    graph.add_edge("b", "c", length=200.0)
    buildings = np.array([[0.0, 10.0], [300.0, 0.0]])
    facilities = np.array([[100.0, 5.0], [300.0, 20.0]])
    members = {"one": np.array([0]), "both": np.array([0, 1]), "none": np.array([], dtype=int)}
    found = route(graph, buildings, facilities, members, cutoff=1000.0).distances
    assert found["one"] == pytest.approx([115.0, 205.0])
    assert found["both"] == pytest.approx([115.0, 20.0])
    assert np.isinf(found["none"]).all()
    assert "__facilities__" not in graph  # the virtual source is removed


def test_graphml_gives_the_same_result_as_osm(tmp_path: Path, routed: Path) -> None:
    graph = load(NETWORK, PROJECTOR)
    exported = nx.Graph()
    inverse = {n: PROJECTOR.unproject(d["x"], d["y"]) for n, d in graph.nodes(data=True)}
    for node, (lon, lat) in inverse.items():
        exported.add_node(node, x=lon, y=lat)
    exported.add_edges_from(graph.edges())
    path = tmp_path / "district.graphml"
    nx.write_graphml(exported, path)
    out = tmp_path / "out"
    result = run("lifecircle", str(RECORDS), "--network", str(path), "--out", str(out), "-q")
    assert result.exit_code == 0, result.stderr
    assert report(out)["communities"] == report(routed)["communities"]


def test_graphml_edge_length_is_used_when_longer_than_the_chord(tmp_path: Path) -> None:
    source = nx.MultiDiGraph()  # as osmnx saves them
    source.add_node("a", x=118.8, y=32.03)
    source.add_node("b", x=118.801, y=32.03)
    source.add_node("c", x=118.802, y=32.03)
    source.add_edge("a", "b", length=250.0)  # a curved street
    source.add_edge("b", "c", length=1.0)  # shorter than the chord: not believed
    path = tmp_path / "curved.graphml"
    nx.write_graphml(source, path)
    graph = load(path, PROJECTOR)
    assert graph["a"]["b"]["length"] == 250.0
    assert graph["b"]["c"]["length"] == pytest.approx(94.4, abs=1.0)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('<osm><node id="1" lat="32" lon="118"/>\n<way id="1">', ":2: not well-formed"),
        ('<osm>\n<node id="1" lat="north" lon="118"/></osm>', ":2: node 1: lat/lon missing"),
        ('<osm><node id="1" lat="32" lon="118"/></osm>', "no walkable street"),
    ],
)
def test_bad_networks_are_one_line_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.osm"
    path.write_text(content, encoding="utf-8")
    result = run("lifecircle", str(RECORDS), "--network", str(path), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr and result.stderr.strip().count("\n") == 0
    assert not (tmp_path / "o" / "report.json").exists()


def test_gzip_osm_is_read_and_a_folder_or_garbage_is_refused(tmp_path: Path, routed: Path) -> None:
    packed = tmp_path / "district.osm.gz"
    packed.write_bytes(gzip.compress(NETWORK.read_bytes()))
    out = tmp_path / "out"
    assert (
        run("lifecircle", str(RECORDS), "--network", str(packed), "--out", str(out)).exit_code == 0
    )
    assert report(out)["communities"] == report(routed)["communities"]
    truncated = tmp_path / "cut.osm.gz"
    truncated.write_bytes(packed.read_bytes()[:200])
    garbage = tmp_path / "bad.graphml"
    garbage.write_text("garbage", encoding="utf-8")
    for network, message in ((truncated, "cannot read"), (tmp_path, "not a file"),
                             (garbage, "not a readable GraphML file")):  # fmt: skip
        result = run("lifecircle", str(RECORDS), "--network", str(network), "--out", str(out))
        assert result.exit_code == 2 and message in result.stderr, result.stderr


def test_entities_in_osm_xml_are_not_expanded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("118", encoding="utf-8")
    path = tmp_path / "xxe.osm"
    path.write_text(
        f'<?xml version="1.0"?><!DOCTYPE osm [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<osm><node id="1" lat="32" lon="&x;"/></osm>',
        encoding="utf-8",
    )
    result = run("lifecircle", str(RECORDS), "--network", str(path), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2


_OSM_PIECES = st.sampled_from([
    '<node id="1" lat="32.0" lon="118.8"/>', '<node id="2" lat="32.001" lon="118.8"/>',
    '<node id="3" lat="x" lon="118.8"/>', '<node id="4" lat="95" lon="118.8"/>',
    '<way id="9"><nd ref="1"/><nd ref="2"/><tag k="highway" v="path"/></way>',
    '<way id="8"><nd ref="1"/><nd ref="7"/><tag k="highway" v="footway"/></way>',
    '<way id="7"><nd ref="1"/><nd ref="2"/><tag k="highway" v="motorway"/></way>',
    '<way id="6"><nd ref="2"/><nd ref="1"/><tag k="highway" v="path"/><tag k="foot" v="no"/>'
    "</way>", "<relation/>", "<", "&amp;", "\x00", "é",
])  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(st.lists(_OSM_PIECES, max_size=12))
def test_any_osm_text_is_a_graph_or_a_network_error(
    tmp_path_factory: Any, pieces: list[str]
) -> None:
    path = tmp_path_factory.mktemp("osm") / "n.osm"
    path.write_text("<osm>" + "".join(pieces) + "</osm>", encoding="utf-8")
    try:
        graph = load(path, PROJECTOR)
    except NetworkError as exc:
        assert "\n" not in str(exc) and str(path) in str(exc)
    else:
        assert all(d["length"] >= 0 for _a, _b, d in graph.edges(data=True))


def test_a_network_of_somewhere_else_is_warned_about(tmp_path: Path) -> None:
    far = tmp_path / "far.osm"
    far.write_text(
        '<osm><node id="1" lat="32.2" lon="118.9"/><node id="2" lat="32.201" lon="118.9"/>'
        '<way id="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="path"/></way></osm>',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = run("lifecircle", str(RECORDS), "--network", str(far), "--out", str(out))
    assert result.exit_code == 0
    assert "46 of 46 buildings are more than 250 m from any node" in result.stderr
    assert report(out)["method"]["network"]["buildingsSnappedBeyond250M"] == 46


def test_the_demo_network_covers_the_demo(routed: Path) -> None:
    snapping = report(routed)["method"]["network"]
    assert snapping["buildingsSnappedBeyond250M"] == 0 and snapping["buildingMaxSnapM"] < 80
