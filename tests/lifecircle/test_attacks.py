"""Hostile inputs and privacy attacks on `ccstd lifecircle`, all through the CLI."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from tests.lifecircle.conftest import NETWORK, RECORDS, report, run

META = {"receivedAt": "2024-06-01T09:00:00+08:00", "sourceSystem": "t", "vendor": "t"}


def _places(tmp_path: Path, *extra: str) -> Path:
    """The demo's places with some hostile lines appended."""
    source = tmp_path / "places.ndjson"
    text = (RECORDS / "places.ndjson").read_text(encoding="utf-8")
    source.write_text(text + "".join(line + "\n" for line in extra), encoding="utf-8")
    return source


def _outputs(out: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(out.iterdir()))


def test_record_content_never_reaches_the_report_through_type_or_messages(tmp_path: Path) -> None:
    hostile = [
        json.dumps({"type": {"name": "李四光", "phone": "13900139000"}, "id": "x"}),
        json.dumps({"type": "张三丰 13700137000", "standardVersion": "1.2.0", "id": "y"}),
        json.dumps({"type": "Building", "standardVersion": "13800138000", "id": "z", "meta": META}),
    ]
    source = _places(tmp_path, *hostile)
    result = run("lifecircle", str(source), "--out", str(tmp_path / "o"), "-q")
    assert result.exit_code == 0, result.stderr
    written = _outputs(tmp_path / "o")
    for secret in ("李四光", "13900139000", "张三丰", "13700137000", "13800138000"):
        assert secret not in written
    inputs = report(tmp_path / "o")["inputs"]
    assert inputs["invalid"]["?"] == 2 and inputs["invalid"]["Building"] == 1


@pytest.mark.parametrize("x", ["nan", "inf", "1e300", "13000000"])
def test_graphml_coordinates_not_in_degrees_are_a_one_line_error(tmp_path: Path, x: str) -> None:
    network = tmp_path / "streets.graphml"
    network.write_text(
        '<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
        '<key id="x" for="node" attr.name="x" attr.type="double"/>'
        '<key id="y" for="node" attr.name="y" attr.type="double"/>'
        '<graph edgedefault="undirected">'
        '<node id="a"><data key="x">118.81</data><data key="y">32.03</data></node>'
        f'<node id="b"><data key="x">{x}</data><data key="y">32.031</data></node>'
        '<edge source="a" target="b"/></graph></graphml>',
        encoding="utf-8",
    )
    out = tmp_path / "o"
    result = run("lifecircle", str(RECORDS), "--network", str(network), "--out", str(out), "-q")
    assert result.exit_code == 2, result.output
    assert "streets.graphml" in result.stderr and "node b" in result.stderr
    assert not (out / "report.json").exists()


def test_a_street_node_named_like_the_routing_source_changes_nothing(
    tmp_path: Path, routed: Path
) -> None:
    text = NETWORK.read_text(encoding="utf-8")
    first = text.split('<nd ref="', 1)[1].split('"', 1)[0]
    renamed = text.replace(f'id="{first}"', 'id="__facilities__"').replace(
        f'ref="{first}"', 'ref="__facilities__"'
    )
    network = tmp_path / "streets.osm"
    network.write_text(renamed, encoding="utf-8")
    out = tmp_path / "o"
    result = run("lifecircle", str(RECORDS), "--network", str(network), "--out", str(out), "-q")
    assert result.exit_code == 0, result.stderr
    assert report(out)["communities"] == report(routed)["communities"]


def _one_hour_rows(document: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    communities = document["communities"].items()
    return {community: entry["oneHour"].get(kind, {}) for community, entry in communities}


def test_a_suppressed_community_cannot_be_recovered_from_the_district_total(estimate: Path) -> None:
    """comm-xx has 3 households: its delivery count must not be `used - the published rows`."""
    document = report(estimate)
    rows = _one_hour_rows(document, "delivery")
    hidden = sorted(c for c, row in rows.items() if row.get("*", {}).get("suppressed"))
    assert "comm-xx" in hidden and len(hidden) >= 2  # a second community hides it
    for community in hidden:
        assert all(figures["suppressed"] for figures in rows[community].values())


def test_a_suppressed_category_cannot_be_recovered_from_its_community_total(tmp_path: Path) -> None:
    """Two households' orders on a channel of their own: `*` minus the others would give them."""
    lines = (RECORDS / "orders.ndjson").read_text(encoding="utf-8").splitlines()
    chosen: list[str] = []
    changed = []
    for line in lines:
        record = json.loads(line)
        if record["type"] == "Order" and record["shippingAddress"]["communityCode"].endswith("01"):
            customer = record["customer"]["id"]
            if customer not in chosen and len(chosen) < 2:
                chosen.append(customer)
            if customer in chosen:
                record["channel"] = "tmall"
        changed.append(json.dumps(record, ensure_ascii=False))
    orders = tmp_path / "orders.ndjson"
    orders.write_text("\n".join(changed) + "\n", encoding="utf-8")
    places = RECORDS / "places.ndjson"
    out = tmp_path / "o"
    result = run("lifecircle", str(places), str(orders), "--out", str(out), "-q")
    assert result.exit_code == 0, result.stderr
    row = _one_hour_rows(report(out), "delivery")["comm-yyh"]
    assert row["tmall"]["suppressed"] and not row["*"]["suppressed"]
    hidden = [category for category, figures in row.items() if figures["suppressed"]]
    assert len(hidden) >= 2, hidden  # another channel hides tmall's count


def test_a_suppressed_household_count_is_not_the_total_minus_the_others(estimate: Path) -> None:
    document = report(estimate)
    shown = [e["households"] for e in document["communities"].values() if e["households"]]
    residual = document["inputs"]["used"]["Household"] - sum(shown)
    assert residual == 0 or residual >= 5, residual  # comm-xx has 3


_PROFILE = """name = "mine"
title = "Mine"
titleZh = "自定义"
source = "test"
[types.shop]
title = "Shop"
titleZh = "商店"
categories = ["grocery", "supermarket"]
"""


def _level(level_id: str, minutes: str, metres: str) -> str:
    return (
        f'[[levels]]\nid = "{level_id}"\ntitle = "{level_id}"\ntitleZh = "{level_id}"\n'
        f'minutes = {minutes}\nmaxDistanceM = {metres}\nsource = "c"\nrequires = ["shop"]\n'
    )


@pytest.mark.parametrize(("minutes", "metres"), [("5", "nan"), ("nan", "300"), ("-nan", "300")])
def test_a_profile_with_nan_is_refused(tmp_path: Path, minutes: str, metres: str) -> None:
    profile = tmp_path / "mine.toml"
    profile.write_text(_PROFILE + _level("near", minutes, metres), encoding="utf-8")
    out = tmp_path / "o"
    result = run("lifecircle", str(RECORDS), "--profile", str(profile), "--out", str(out), "-q")
    assert result.exit_code == 2, result.output
    assert "mine.toml:" in result.stderr and "levels[0]" in result.stderr
    assert not out.exists() or not any(out.iterdir())


def test_the_widest_level_marks_the_uncovered_whatever_the_order(tmp_path: Path) -> None:
    """A building that reaches a shop within 3000 m is not marked as missing it."""
    pages = []
    for name, levels in (("up", [("near", "300"), ("far", "3000")]),
                         ("down", [("far", "3000"), ("near", "300")])):  # fmt: skip
        profile = tmp_path / f"{name}.toml"
        text = _PROFILE + "".join(_level(i, "5", m) for i, m in levels)
        profile.write_text(text, encoding="utf-8")
        out = tmp_path / name
        result = run("lifecircle", str(RECORDS), "--profile", str(profile), "--out", str(out))
        assert result.exit_code == 0, result.output
        pages.append((out / "report.html").read_text(encoding="utf-8"))
    assert pages[0].count('class="uncovered"') == pages[1].count('class="uncovered"') == 0


def test_records_given_twice_are_used_once(tmp_path: Path, estimate: Path) -> None:
    again = tmp_path / "again"
    again.mkdir()
    for source in RECORDS.iterdir():
        (again / source.name).write_bytes(source.read_bytes())
    out = tmp_path / "o"
    result = run("lifecircle", str(RECORDS), str(again), "--out", str(out), "-q")
    assert result.exit_code == 0, result.stderr
    once, twice = report(estimate), report(out)
    assert twice["communities"] == once["communities"]
    assert twice["inputs"]["used"] == once["inputs"]["used"]
    read, unusable = twice["inputs"]["read"], twice["inputs"]["unusable"]
    assert unusable["Household"] == read["Household"] // 2 and unusable["Order"] == 400


def test_one_uncovered_household_is_not_told_by_the_residents_share(tmp_path: Path) -> None:
    """A lone building 5 km off with one household of 3: 1 - residentsCovered would give the 3."""
    far = {"type": "Building", "standardVersion": "1.2.0", "id": "bldg-far", "name": "远楼",
           "community": {"type": "Community", "id": "comm-yyh"}, "meta": META,
           "location": {"lat": 32.08, "lon": 118.81}}  # fmt: skip
    dwelling = {"type": "Dwelling", "standardVersion": "1.2.0", "id": "dw-far", "meta": META,
                "building": {"type": "Building", "id": "bldg-far"}, "room": "101"}  # fmt: skip
    members = [
        {"resident": {"type": "Resident", "id": f"res-far-{n}"}, "relationship": "non-relative"}
        for n in range(3)
    ]
    household = {"type": "Household", "standardVersion": "1.2.0", "id": "hh-far", "meta": META,
                 "dwelling": {"type": "Dwelling", "id": "dw-far"}, "members": members}  # fmt: skip
    source = _places(tmp_path, *(json.dumps(r) for r in (far, dwelling, household)))
    profile = tmp_path / "wide.toml"
    profile.write_text(_PROFILE + _level("wide", "40", "3000"), encoding="utf-8")
    out = tmp_path / "o"
    result = run("lifecircle", str(source), "--profile", str(profile), "--out", str(out), "-q")
    assert result.exit_code == 0, result.output
    yyh = report(out)["communities"]["comm-yyh"]
    shop = yyh["levels"]["wide"]["types"]["shop"]
    assert report(out)["inputs"]["used"]["Household"] == 269
    assert 0 < shop["buildingsCovered"] < 1 and yyh["residents"] is not None
    assert shop["residentsCovered"] is None
    assert yyh["levels"]["wide"]["allRequired"]["residentsCovered"] is None


def test_requests_of_a_community_without_its_record_are_reported(tmp_path: Path) -> None:
    """Service requests naming a community absent from the inputs were dropped from the report."""
    text = (RECORDS / "services.ndjson").read_text(encoding="utf-8")
    services = tmp_path / "services.ndjson"
    services.write_text(text.replace('"id": "comm-hp"', '"id": "comm-ghost"'), encoding="utf-8")
    out = tmp_path / "o"
    result = run("lifecircle", str(RECORDS / "places.ndjson"), str(services), "--out", str(out))
    assert result.exit_code == 0, result.output
    document = report(out)
    rows = _one_hour_rows(document, "service-request")
    shown = sum(row["*"]["count"] for row in rows.values() if row and row["*"]["count"])
    assert shown == document["inputs"]["used"]["ServiceRequest"] == 60
    assert 'data-community="comm-ghost"' in (out / "report.html").read_text(encoding="utf-8")


def _bomb(path: Path, head: bytes, megabytes: int, tail: bytes) -> None:
    """A small gzip file that decompresses to `megabytes` of one letter between head and tail."""
    with gzip.open(path, "wb", compresslevel=1) as stream:
        stream.write(head)
        chunk = b"a" * (1 << 20)
        for _ in range(megabytes):
            stream.write(chunk)
        stream.write(tail)


def test_a_gzip_bomb_in_an_osm_attribute_is_refused_early(tmp_path: Path) -> None:
    network = tmp_path / "streets.osm.gz"
    head = b'<?xml version="1.0"?><osm><node id="1" lat="32.03" lon="118.81"><tag k="n" v="'
    _bomb(network, head, 40, b'"/></node></osm>')
    out = tmp_path / "o"
    result = run("lifecircle", str(RECORDS), "--network", str(network), "--out", str(out), "-q")
    assert result.exit_code == 2, result.output
    assert "streets.osm.gz: more than 16 MB without a tag ending: not OSM" in result.stderr


def test_a_gzip_bomb_of_graphml_is_refused_before_parsing(tmp_path: Path) -> None:
    network = tmp_path / "streets.graphml.gz"
    head = b'<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns"><!--'
    _bomb(network, head, 260, b"--></graphml>")
    out = tmp_path / "o"
    result = run("lifecircle", str(RECORDS), "--network", str(network), "--out", str(out), "-q")
    assert result.exit_code == 2, result.output
    assert "streets.graphml.gz: more than 256 MB of GraphML" in result.stderr
