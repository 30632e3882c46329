"""Street networks: OSM XML (streamed with lxml) or GraphML (networkx), routed per facility type.

The graph is undirected (people walk both ways down one-way streets) with edge weight `length`
in metres of the projected system. Buildings and facilities are snapped to their nearest node
(a k-d tree); the snap distance is walked too. For each facility type one Dijkstra search runs
from all its facilities at once (a virtual source joined to every facility's node by its snap
distance), cut off at the widest threshold of the profile: distances beyond it stay unknown (inf).
"""

from __future__ import annotations

import gzip
import itertools
import math
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, cast
from xml.etree import ElementTree

import networkx as nx
import numpy as np
from lxml import etree
from scipy.spatial import cKDTree

from ccstd.lifecircle.access import Access
from ccstd.lifecircle.coords import Projector

Progress = Callable[[int, int | None], None]
# Ways that are not for walking: motorways and their ramps, and what is closed to people on foot.
_NOT_WALKABLE = {"motorway", "motorway_link", "trunk_link", "construction", "proposed"}
_NO_FOOT = {"no", "private"}
_SOURCE = object()  # the virtual source of the searches: equal to no node id of any file
_BATCH = 10_000
MAX_GRAPHML_BYTES = 256 << 20  # read whole: more is no district's network, or a gzip bomb
MAX_TAG_BYTES = 16 << 20  # an OSM element is a few hundred bytes
_CHUNK = 1 << 20
FAR_SNAP_M = 250.0  # a building this far from any node is probably off the network's map


class NetworkError(ValueError):
    """A network file that cannot be used: `file:line: why`."""


def load(path: Path, projector: Projector, progress: Progress | None = None) -> nx.Graph:
    """The walkable graph of an OSM XML or GraphML file, in metres; NetworkError otherwise."""
    if not path.exists():
        raise NetworkError(f"{path}: no such file")
    if not path.is_file():
        raise NetworkError(f"{path}: not a file (give an OSM XML or GraphML file)")
    suffix = path.name.lower().removesuffix(".gz")
    loader = _load_graphml if suffix.endswith((".graphml", ".xml.graphml")) else _load_osm
    graph = loader(path, projector, progress or (lambda _n, _t: None))
    if graph.number_of_edges() == 0:
        raise NetworkError(f"{path}: no walkable street in this network")
    return graph


def summary(graph: nx.Graph) -> dict[str, Any]:
    """Sizes for the report."""
    return {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges(),
            "snapping": "nearest node"}  # fmt: skip


def _load_osm(path: Path, projector: Projector, progress: Progress) -> nx.Graph:
    nodes: dict[str, tuple[float, float]] = {}
    ways: list[list[str]] = []
    try:
        with _open(path) as stream:
            _read_osm(_ShortTags(stream, path), nodes, ways, path, progress)
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else 1
        reason = " ".join(str(exc.msg).split())
        raise NetworkError(f"{path}:{line}: not well-formed OSM XML: {reason}") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise NetworkError(f"{path}: cannot read: {exc}") from None
    return _graph_of(nodes, ways, projector, path)


def _open(path: Path) -> IO[bytes]:
    """The file, decompressed when it is gzip (`.osm.gz`)."""
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


class _ShortTags:
    """A stream that refuses a tag longer than MAX_TAG_BYTES: libxml2 buffers a whole attribute
    before it checks its length, so a gzip bomb in one attribute would fill the memory."""

    def __init__(self, stream: IO[bytes], path: Path) -> None:
        self._stream, self._path, self._open_for = stream, path, 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size if 0 < size <= _CHUNK else _CHUNK)
        end = max(chunk.rfind(b">"), chunk.rfind(b"<"))
        self._open_for = len(chunk) - end - 1 if end >= 0 else self._open_for + len(chunk)
        if self._open_for > MAX_TAG_BYTES:
            limit = MAX_TAG_BYTES >> 20
            raise NetworkError(f"{self._path}: more than {limit} MB without a tag ending: not OSM")
        return chunk


def _read_osm(
    stream: _ShortTags,
    nodes: dict[str, tuple[float, float]],
    ways: list[list[str]],
    path: Path,
    progress: Progress,
) -> None:
    for _event, element in etree.iterparse(
        stream, events=("end",), tag=("node", "way"), resolve_entities=False,
        no_network=True,  # and not huge_tree: libxml2's caps on depth and text stay on
    ):  # fmt: skip
        if element.tag == "node":
            nodes[element.get("id")] = _lon_lat(element, path)
        elif _walkable(element):
            ways.append([nd.get("ref") for nd in element.iterfind("nd")])
        element.clear()
        if (len(nodes) + len(ways)) % _BATCH == 0:
            progress(_BATCH, None)


def _lon_lat(element: Any, path: Path) -> tuple[float, float]:
    try:
        lon, lat = float(element.get("lon")), float(element.get("lat"))
    except (TypeError, ValueError):
        raise NetworkError(
            f"{path}:{element.sourceline}: node {element.get('id')}: lat/lon missing or not a "
            "number"
        ) from None
    if not _in_degrees(lon, lat):
        raise NetworkError(f"{path}:{element.sourceline}: node {element.get('id')}: out of range")
    return lon, lat


def _in_degrees(lon: float, lat: float) -> bool:
    """Longitude and latitude in range (NaN fails every comparison)."""
    return -180 <= lon <= 180 and -90 <= lat <= 90


def _walkable(way: Any) -> bool:
    tags = {tag.get("k"): tag.get("v") for tag in way.iterfind("tag")}
    highway = tags.get("highway")
    if highway is None or highway in _NOT_WALKABLE:
        return False
    return tags.get("foot") not in _NO_FOOT and tags.get("access") not in _NO_FOOT


def _graph_of(
    nodes: dict[str, tuple[float, float]], ways: list[list[str]], projector: Projector, path: Path
) -> nx.Graph:
    used = sorted({ref for way in ways for ref in way if ref in nodes})
    xy = projector.project([nodes[n][0] for n in used], [nodes[n][1] for n in used])
    position = dict(zip(used, xy, strict=True))
    graph = nx.Graph()
    for node, (x, y) in position.items():
        graph.add_node(node, x=x, y=y)
    for way in ways:
        known = [ref for ref in way if ref in position]
        for a, b in itertools.pairwise(known):
            if a != b:
                _add_edge(graph, a, b, math.dist(position[a], position[b]))
    return graph


def _add_edge(graph: nx.Graph, a: Any, b: Any, length: float) -> None:
    if not graph.has_edge(a, b) or graph[a][b]["length"] > length:
        graph.add_edge(a, b, length=length)


def _load_graphml(path: Path, projector: Projector, progress: Progress) -> nx.Graph:
    try:
        with _open(path) as stream:
            data = stream.read(MAX_GRAPHML_BYTES + 1)
        if len(data) > MAX_GRAPHML_BYTES:
            raise NetworkError(
                f"{path}: more than {MAX_GRAPHML_BYTES >> 20} MB of GraphML (once decompressed); "
                "give the district's streets as OSM XML, which is read as a stream"
            )
        source = nx.parse_graphml(data)
    except NetworkError:
        raise
    except (EOFError, zlib.error) as exc:
        raise NetworkError(f"{path}: cannot read: {exc}") from None
    except (ElementTree.ParseError, nx.NetworkXError, ValueError, KeyError, OSError) as exc:
        reason = " ".join(str(exc).split())
        raise NetworkError(f"{path}: not a readable GraphML file: {reason}") from None
    lon_lat = {}
    for node, attrs in source.nodes(data=True):
        try:
            lon = float(attrs.get("x", attrs.get("lon")))
            lat = float(attrs.get("y", attrs.get("lat")))
        except (TypeError, ValueError):
            lon = lat = math.nan
        if not _in_degrees(lon, lat):
            raise NetworkError(f"{path}: node {node}: needs x/y (or lon/lat) in WGS 84 degrees")
        lon_lat[node] = (lon, lat)
    ids = list(lon_lat)
    xy = projector.project([lon_lat[n][0] for n in ids], [lon_lat[n][1] for n in ids])
    position = dict(zip(ids, xy, strict=True))
    graph = nx.Graph()
    for node, (x, y) in position.items():
        graph.add_node(node, x=x, y=y)
    for a, b, attrs in source.edges(data=True):
        if a != b:
            _add_edge(graph, a, b, _length(attrs, math.dist(position[a], position[b])))
    progress(graph.number_of_edges(), graph.number_of_edges())
    return graph


def segments(graph: nx.Graph) -> np.ndarray:
    """Every edge as ((x1, y1), (x2, y2)) in metres, for drawing."""
    nodes = graph.nodes
    pairs = [
        ((nodes[a]["x"], nodes[a]["y"]), (nodes[b]["x"], nodes[b]["y"])) for a, b in graph.edges()
    ]
    return np.array(pairs, dtype=float).reshape(-1, 2, 2)


def _length(attrs: dict[str, Any], chord: float) -> float:
    """An edge's own `length` in metres (osmnx writes one: curves are longer than the chord),
    else the straight line between its ends."""
    try:
        given = float(attrs["length"])
    except (KeyError, TypeError, ValueError):
        return chord
    return given if math.isfinite(given) and given >= chord * 0.99 else chord


def route(
    graph: nx.Graph,
    buildings: np.ndarray,
    facilities: np.ndarray,
    members: dict[str, np.ndarray],
    cutoff: float,
    progress: Progress | None = None,
) -> Access:
    """Network distance from every building to the nearest facility of every type."""
    step = progress or (lambda _n, _t: None)
    names = list(graph.nodes)
    coords = np.array([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in names])
    tree = cKDTree(coords)
    b_gap, b_node = tree.query(buildings, k=1) if len(buildings) else (np.zeros(0), [])
    f_gap, f_node = tree.query(facilities, k=1) if len(facilities) else (np.zeros(0), [])
    distances = {}
    for type_id, index in members.items():
        reach = _from_all(graph, [(names[f_node[i]], float(f_gap[i])) for i in index], cutoff)
        found = np.array([reach.get(names[n], math.inf) for n in b_node], dtype=float)
        distances[type_id] = found + np.asarray(b_gap, dtype=float)
        step(1, len(members))
    return Access("network", distances, snapping=_snapping(np.asarray(b_gap, dtype=float)))


def _snapping(gaps: np.ndarray) -> dict[str, float]:
    """How far buildings lie from the network: a network of somewhere else shows here."""
    if not len(gaps):
        return {}
    return {
        "buildingMedianSnapM": round(float(np.median(gaps)), 1),
        "buildingMaxSnapM": round(float(gaps.max()), 1),
        "buildingsSnappedBeyond250M": int((gaps > FAR_SNAP_M).sum()),
    }


def _from_all(graph: nx.Graph, sources: list[tuple[Any, float]], cutoff: float) -> dict[Any, float]:
    """Distance to every node within `cutoff` of the nearest source (node, snap distance)."""
    if not sources:
        return {}
    graph.add_node(_SOURCE)
    try:
        for node, gap in sources:
            if not graph.has_edge(_SOURCE, node) or graph[_SOURCE][node]["length"] > gap:
                graph.add_edge(_SOURCE, node, length=gap)
        found: dict[Any, float] = nx.single_source_dijkstra_path_length(
            graph, _SOURCE, cutoff=cutoff, weight="length"
        )
    finally:
        graph.remove_node(_SOURCE)
    return found
