"""Coordinates: GCJ-02 and BD-09 back to WGS 84, then metres in a projected system (pyproj).

GCJ-02 (the offset required of consumer maps in China) and BD-09 (Baidu's further offset) are
not in the EPSG registry, so pyproj cannot do them. The forward formulas below are the published
ones (the same constants every open implementation uses); the inverse of GCJ-02 is found by
fixed-point iteration to well under a millimetre instead of the usual one-step approximation
(about a metre off). CGCS2000 is taken as WGS 84: the two differ by centimetres, far below what
walking distances need.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from pyproj import Transformer

_A = 6378245.0  # the Krasovsky semi-major axis the GCJ-02 formulas use
_EE = 0.00669342162296594323  # and its first eccentricity squared
_X_PI = math.pi * 3000.0 / 180.0
CRS_CODES = ("WGS84", "GCJ02", "BD09", "CGCS2000")


def _offset_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _offset_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def in_china(lon: float, lat: float) -> bool:
    """The rough box outside which GCJ-02 applies no offset."""
    return 72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """WGS 84 to GCJ-02 (the published forward transform)."""
    if not in_china(lon, lat):
        return lon, lat
    dlat = _offset_lat(lon - 105.0, lat - 35.0)
    dlon = _offset_lon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02 to WGS 84 by iterating the forward transform until it lands on the input."""
    wlon, wlat = lon, lat
    for _ in range(30):
        glon, glat = wgs84_to_gcj02(wlon, wlat)
        dlon, dlat = glon - lon, glat - lat
        wlon, wlat = wlon - dlon, wlat - dlat
        if abs(dlon) < 1e-10 and abs(dlat) < 1e-10:
            break
    return wlon, wlat


def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02 to BD-09 (the published forward transform)."""
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """BD-09 to GCJ-02 (the published inverse)."""
    x, y = lon - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    return z * math.cos(theta), z * math.sin(theta)


def to_wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """A point of the standard's GeoPoint (`crs` one of CRS_CODES) in WGS 84."""
    if crs == "GCJ02":
        return gcj02_to_wgs84(lon, lat)
    if crs == "BD09":
        return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))
    return lon, lat  # WGS84, and CGCS2000 (centimetres apart)


def great_circle_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Haversine distance on a sphere of radius 6371 km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


class Projector:
    """WGS 84 longitude/latitude to metres in the UTM zone of a reference point."""

    def __init__(self, lon: float, lat: float) -> None:
        self.lon, self.lat = lon, lat
        zone = min(60, max(1, int((lon + 180.0) // 6.0) + 1))
        self.epsg = (32600 if lat >= 0 else 32700) + zone
        self._forward = Transformer.from_crs("EPSG:4326", f"EPSG:{self.epsg}", always_xy=True)
        self._inverse = Transformer.from_crs(f"EPSG:{self.epsg}", "EPSG:4326", always_xy=True)

    @classmethod
    def around(cls, points: Sequence[tuple[float, float]]) -> Projector:
        """The projector for the middle of `points` (lon, lat); Beijing when there are none."""
        if not points:
            return cls(116.4, 39.9)
        lons = sorted(p[0] for p in points)
        lats = sorted(p[1] for p in points)
        return cls(lons[len(lons) // 2], lats[len(lats) // 2])

    def project(self, lons: Sequence[float], lats: Sequence[float]) -> list[tuple[float, float]]:
        """Metres (easting, northing) of many points at once."""
        xs, ys = self._forward.transform(list(lons), list(lats))
        return list(zip(xs, ys, strict=True))

    def unproject(self, x: float, y: float) -> tuple[float, float]:
        """Longitude and latitude of a projected point."""
        lon, lat = self._inverse.transform(x, y)
        return float(lon), float(lat)
