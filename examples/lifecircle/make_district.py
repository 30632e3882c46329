"""Write the synthetic demo district of `ccstd lifecircle` (fixed seed; output committed).

    python examples/lifecircle/make_district.py [FOLDER]    # default: examples/lifecircle

A 1.2 km grid of streets in Nanjing's Qinhuai district, cut by a canal with one footbridge;
four communities (two too small to be shown: fewer than 5 households each, so that neither can be
told by difference from the district's totals); buildings, dwellings and
households; facilities of every category of the standard, some placed in GCJ-02 or BD-09 as
consumer-map vendors send them; a month of orders and deliveries, service requests and care
visits. Deliberate gaps the report must find: no day-care centre near 月牙湖社区, no kindergarten
on the far bank of the canal for 河畔社区 (straight-line close, far on foot), slow deliveries to
河畔社区; and a few invalid or unusable records that must be counted, not used. Every name and
id is invented.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ccstd.lifecircle.coords import gcj02_to_bd09, wgs84_to_gcj02

SEED = 20240501
LON0, LAT0 = 118.8050, 32.0300  # south-west corner of the grid
STEP_LON, STEP_LAT = 0.001059, 0.000904  # about 100 m east and north
GRID = 13  # 13 x 13 nodes, 1.2 km square
CANAL_ROW = 6  # no north-south street crosses between rows 6 and 7 except at the bridge
BRIDGE_COL = 11
TZ = timezone(timedelta(hours=8))
META = {"sourceSystem": "lifecircle-demo", "vendor": "Demo District Office",
        "receivedAt": "2024-06-01T09:00:00+08:00"}  # fmt: skip
COMMUNITIES = [
    # id, name, code, (col0, col1, row0, row1) block of the grid, buildings
    ("comm-yyh", "月牙湖社区", "320104001001", (0, 5, 0, 5), 24),
    ("comm-hp", "河畔社区", "320104001002", (1, 6, 8, 12), 20),
    ("comm-xx", "小巷社区", "320104001003", (9, 10, 2, 3), 1),
    ("comm-lx", "柳巷社区", "320104001004", (7, 8, 2, 3), 1),
]


def point(col: float, row: float) -> tuple[float, float]:
    """WGS 84 (lon, lat) of a grid position."""
    return LON0 + col * STEP_LON, LAT0 + row * STEP_LAT


def geo(col: float, row: float, crs: str = "WGS84") -> dict[str, object]:
    lon, lat = point(col, row)
    if crs in ("GCJ02", "BD09"):
        lon, lat = wgs84_to_gcj02(lon, lat)
    if crs == "BD09":
        lon, lat = gcj02_to_bd09(lon, lat)
    return {"lat": round(lat, 7), "lon": round(lon, 7), "crs": crs}


def record(kind: str, rid: str, **fields: object) -> dict[str, object]:
    return {"id": rid, "type": kind, "standardVersion": "1.2.0", "meta": META, **fields}


def osm_xml() -> str:
    """The street grid as OSM XML: rows and columns are ways; the canal cuts the columns."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="ccstd-demo">']
    for row in range(GRID):
        for col in range(GRID):
            lon, lat = point(col, row)
            lines.append(f'  <node id="{row * GRID + col + 1}" lat="{lat:.7f}" lon="{lon:.7f}"/>')
    way = 1
    for row in range(GRID):
        refs = "".join(f'<nd ref="{row * GRID + c + 1}"/>' for c in range(GRID))
        lines.append(f'  <way id="{way}">{refs}<tag k="highway" v="residential"/></way>')
        way += 1
    for col in range(GRID):
        spans = [range(0, CANAL_ROW + 1), range(CANAL_ROW + 1, GRID)]
        if col == BRIDGE_COL:
            spans = [range(GRID)]
        for span in spans:
            refs = "".join(f'<nd ref="{r * GRID + col + 1}"/>' for r in span)
            lines.append(f'  <way id="{way}">{refs}<tag k="highway" v="footway"/></way>')
            way += 1
    lines.append(f'  <way id="{way}"><nd ref="1"/><nd ref="{GRID * GRID}"/>'
                 '<tag k="highway" v="motorway"/></way>')  # fmt: skip
    lines.append("</osm>")
    return "\n".join(lines) + "\n"


# (category, name, col, row, crs): every category of the standard, with deliberate gaps
FACILITIES = [
    ("clinic", "月牙湖社区卫生服务站", 2.5, 2.5, "GCJ02"),
    ("clinic", "河畔卫生服务站", 3.5, 10.5, "WGS84"),
    ("hospital", "秦淮区第二医院", 9.0, 5.0, "BD09"),
    ("pharmacy", "百姓大药房", 4.0, 3.5, "GCJ02"),
    ("pharmacy", "河畔药房", 5.5, 9.0, "WGS84"),
    ("grocery", "苏果便利店", 1.5, 1.5, "GCJ02"),
    ("grocery", "河畔便利店", 2.5, 9.5, "GCJ02"),
    ("supermarket", "金润发超市", 6.0, 2.0, "BD09"),
    ("market", "月牙湖菜市场", 3.5, 0.5, "WGS84"),
    ("canteen", "社区食堂", 1.0, 4.0, "WGS84"),
    ("elderly-canteen", "老年助餐点", 4.5, 11.5, "WGS84"),
    ("kindergarten", "月牙湖幼儿园", 2.0, 3.0, "GCJ02"),
    ("kindergarten", "南岸幼儿园", 3.0, 5.5, "GCJ02"),  # across the canal from 河畔社区
    ("school", "月牙湖小学", 5.0, 5.0, "WGS84"),
    ("elderly-care-centre", "秦淮区养老服务中心", 8.0, 8.0, "WGS84"),
    ("day-care-centre", "东郊日间照料中心", 12.0, 1.0, "WGS84"),  # far from 月牙湖社区
    ("parcel-locker", "丰巢快递柜", 3.0, 2.0, "WGS84"),
    ("post-office", "中国邮政月牙湖支局", 6.5, 4.0, "BD09"),
    ("park", "月牙湖公园", 0.5, 5.5, "WGS84"),
    ("park", "河畔绿地", 1.5, 11.5, "WGS84"),
    ("sports", "全民健身广场", 4.5, 1.0, "WGS84"),
    ("library", "秦淮区图书馆分馆", 7.0, 6.0, "WGS84"),
    ("community-centre", "月牙湖社区服务中心", 2.0, 1.0, "WGS84"),
    ("community-centre", "河畔社区服务站", 2.0, 10.0, "WGS84"),
    ("police-station", "月牙湖派出所", 7.5, 3.0, "GCJ02"),
    ("bank", "工商银行月牙湖支行", 5.5, 2.5, "BD09"),
    ("other", "修鞋配钥匙", 3.0, 4.0, "WGS84"),
]


def places(rng: random.Random) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for cid, name, code, _block, _n in COMMUNITIES:
        address = {"divisionCode": "320104", "communityCode": code}
        out.append(record("Community", cid, name=name, divisionCode="320104",
                          communityCode=code, address=address))  # fmt: skip
    weekdays = [{"days": ["mo", "tu", "we", "th", "fr"], "opens": "08:00", "closes": "17:30"}]
    daily = [{"days": ["mo", "tu", "we", "th", "fr", "sa", "su"], "opens": "07:00",
              "closes": "22:00"}]  # fmt: skip
    for index, (category, name, col, row, crs) in enumerate(FACILITIES):
        hours = daily if index % 2 else weekdays
        out.append(record("Facility", f"fac-{index + 1:02d}-{category}", name=name,
                          category=category, location=geo(col, row, crs),
                          travelTimeBand="15-min", capacity=rng.randint(20, 200),
                          openingHours=hours))  # fmt: skip
    return out


def homes(rng: random.Random) -> tuple[list[dict[str, object]], dict[str, list[str]]]:
    """Buildings, dwellings, households; residents (ids only) per community."""
    out: list[dict[str, object]] = []
    residents: dict[str, list[str]] = {}
    person = 0
    for cid, _name, _code, (c0, c1, r0, r1), count in COMMUNITIES:
        residents[cid] = []
        for b in range(count):
            bid = f"bldg-{cid[5:]}-{b + 1:02d}"
            col, row = rng.uniform(c0, c1), rng.uniform(r0, r1)
            crs = "GCJ02" if b % 3 == 0 else "WGS84"
            out.append(record("Building", bid, community={"type": "Community", "id": cid},
                              name=f"{b + 1}号楼", location=geo(col, row, crs),
                              floorsAboveGround=6))  # fmt: skip
            dwellings = 3 if count == 1 else rng.randint(4, 8)
            for d in range(dwellings):
                did, hid = f"dw-{bid[5:]}-{d + 1}", f"hh-{bid[5:]}-{d + 1}"
                out.append(record("Dwelling", did, building={"type": "Building", "id": bid},
                                  room=f"{d + 1}01"))  # fmt: skip
                members = []
                for m in range(rng.randint(1, 4)):
                    person += 1
                    rid = f"res-{person:04d}"
                    residents[cid].append(rid)
                    members.append(
                        {
                            "resident": {"type": "Resident", "id": rid},
                            "relationship": "head" if m == 0 else "spouse",
                        }
                    )
                out.append(record("Household", hid, dwelling={"type": "Dwelling", "id": did},
                                  members=members))  # fmt: skip
    return out, residents


def orders(rng: random.Random, residents: dict[str, list[str]]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    channels = ["offline", "taobao", "jd", "wechat-mini-program"]
    start = datetime(2024, 5, 1, 8, tzinfo=TZ)
    for n in range(400):
        small = COMMUNITIES[2 + n // 10 % 2]  # one order in ten goes to a small community
        cid, _name, code, _block, _count = COMMUNITIES[n % 3] if n % 10 else small
        placed = start + timedelta(days=rng.randint(0, 30), minutes=rng.randint(0, 720))
        slow = cid == "comm-hp"
        minutes = rng.lognormvariate(4.4 if slow else 3.5, 0.35)
        price = {"amount": f"{rng.randint(10, 200)}.00", "currency": "CNY"}
        oid = f"ord-{n + 1:04d}"
        out.append(record(
            "Order", oid, orderNumber=f"{n + 1:06d}", channel=channels[n % 4],
            merchant={"name": "月牙湖生鲜"}, customer={"type": "Resident",
            "id": rng.choice(residents[cid])}, placedAt=placed.isoformat(),
            status="completed", lines=[{"name": "生鲜", "quantity": 1, "unitPrice": price,
            "total": price}], subtotal=price, total=price,
            shippingAddress={"communityCode": code},
        ))  # fmt: skip
        done = placed + timedelta(minutes=minutes)
        status = "delivered" if n % 25 else "failed"
        timeline = [{"status": "picked-up", "at": (placed + timedelta(minutes=5)).isoformat()},
                    {"status": status, "at": done.isoformat()}]  # fmt: skip
        out.append(record("Delivery", f"dlv-{n + 1:04d}", order={"type": "Order", "id": oid},
                          carrier={"name": "美团配送", "code": "MT"},
                          trackingNumber=f"MT{n + 1:08d}", status=status,
                          destination={"communityCode": code}, timeline=timeline))  # fmt: skip
    return out


def services(rng: random.Random, residents: dict[str, list[str]]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    start = datetime(2024, 5, 1, 9, tzinfo=TZ)
    for n in range(60):
        cid = COMMUNITIES[n % 2][0]
        asked = start + timedelta(days=rng.randint(0, 29), minutes=rng.randint(0, 600))
        served = asked + timedelta(minutes=rng.lognormvariate(5.0, 0.8))
        out.append(record(
            "ServiceRequest", f"sr-{n + 1:03d}", category=["road", "sanitation", "noise"][n % 3],
            status="resolved", description="演示诉求", requestedAt=asked.isoformat(),
            requester={"type": "Resident", "id": rng.choice(residents[cid])},
            community={"type": "Community", "id": cid},
            statusHistory=[{"status": "submitted", "at": asked.isoformat()},
                           {"status": "resolved", "at": served.isoformat()}],
        ))  # fmt: skip
    for n in range(80):
        cid = COMMUNITIES[n % 2][0]
        building = f"bldg-{cid[5:]}-{n % 10 + 1:02d}"
        planned = start + timedelta(days=rng.randint(0, 29), hours=2)
        actual = planned + timedelta(minutes=rng.randint(-5, 90))
        out.append(record(
            "CareVisit", f"cv-{n + 1:03d}", resident={"type": "Resident",
            "id": rng.choice(residents[cid])}, serviceType=["meal-delivery", "bathing"][n % 2],
            status="completed", scheduled={"start": planned.isoformat()},
            actual={"start": actual.isoformat()},
            dwelling={"type": "Dwelling", "id": f"dw-{building[5:]}-1"},
        ))  # fmt: skip
    return out


def broken() -> list[dict[str, object]]:
    """Records that must be counted and not used."""
    bad_lat = record(
        "Facility",
        "fac-bad-lat",
        name="坐标错误的药店",
        category="pharmacy",
        location={"lat": 132.03, "lon": 118.81},
        travelTimeBand="15-min",
    )
    no_place = record(
        "Building", "bldg-yyh-99", community={"type": "Community", "id": "comm-yyh"}, name="99号楼"
    )  # valid, but cannot be placed
    bad_category = record(
        "Facility",
        "fac-bad-cat",
        name="未知设施",
        category="cinema",
        location=geo(3, 3),
        travelTimeBand="15-min",
    )
    return [bad_lat, no_place, bad_category]  # fmt: skip


def main(folder: Path) -> None:
    rng = random.Random(SEED)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "district.osm").write_text(osm_xml(), encoding="utf-8")
    built, residents = homes(rng)
    files = {
        "places.ndjson": places(rng) + built + broken(),
        "orders.ndjson": orders(rng, residents),
        "services.ndjson": services(rng, residents),
    }
    for name, items in files.items():
        text = "".join(json.dumps(i, ensure_ascii=False, sort_keys=True) + "\n" for i in items)
        (folder / "records" / name).parent.mkdir(exist_ok=True)
        (folder / "records" / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent)
