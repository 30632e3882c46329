"""GCJ-02 / BD-09 against published reference pairs, and the projection in metres."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccstd.lifecircle import coords

# The pairs printed in the README test of wandergis/coordtransform (the widely used
# implementation of the published formulas), for the point 116.404, 39.915 (Beijing).
PAIRS = [
    (coords.wgs84_to_gcj02, (116.41024449916938, 39.91640428150164)),
    (coords.gcj02_to_bd09, (116.41036949371029, 39.92133699351021)),
    (coords.bd09_to_gcj02, (116.39762729119315, 39.90865673957631)),
]


@pytest.mark.parametrize(("transform", "expected"), PAIRS)
def test_published_reference_pairs(transform: object, expected: tuple[float, float]) -> None:
    got = transform(116.404, 39.915)  # type: ignore[operator]
    assert got == pytest.approx(expected, abs=1e-9)


@given(st.floats(73.0, 135.0), st.floats(18.0, 53.0))
def test_gcj02_inverse_lands_within_a_millimetre(lon: float, lat: float) -> None:
    back = coords.to_wgs84(*coords.wgs84_to_gcj02(lon, lat), "GCJ02")
    assert math.dist(back, (lon, lat)) < 1e-8  # degrees: about a millimetre


def test_bd09_goes_through_gcj02() -> None:
    gcj = coords.wgs84_to_gcj02(118.8, 32.03)
    back = coords.to_wgs84(*coords.gcj02_to_bd09(*gcj), "BD09")
    assert math.dist(back, (118.8, 32.03)) < 1e-6


def test_outside_china_no_offset_and_cgcs2000_is_wgs84() -> None:
    assert coords.wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
    assert coords.to_wgs84(118.8, 32.03, "CGCS2000") == (118.8, 32.03)


def test_projection_measures_metres() -> None:
    projector = coords.Projector(118.8, 32.03)
    assert projector.epsg == 32650
    (x1, y1), (x2, y2) = projector.project([118.8, 118.8], [32.03, 32.04])
    assert math.dist((x1, y1), (x2, y2)) == pytest.approx(1109, abs=3)  # 0.01 deg of latitude
