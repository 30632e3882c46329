"""Coverage shares, suppression at 5 households, one-hour figures, and the progress bars."""

from __future__ import annotations

import io
from collections import Counter
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from ccstd.cli.lifecircle import _progress
from ccstd.lifecircle.access import Access, straight_line
from ccstd.lifecircle.coverage import Population, community_figures
from ccstd.lifecircle.onehour import one_hour
from ccstd.lifecircle.profiles import load_profile
from ccstd.lifecircle.records import Dataset, Site, Timed

PROFILE = load_profile("city15")
T0 = datetime(2024, 5, 1, 12, tzinfo=timezone(timedelta(hours=8)))


def _buildings(n: int) -> list[Site]:
    return [Site(f"b{i}", f"{i}", "c", 118.8, 32.0) for i in range(n)]


def _access(distances: list[float]) -> Access:
    values = np.array(distances, dtype=float)
    return Access("straight-line", dict.fromkeys(PROFILE.types, values), 1.3)


@pytest.mark.parametrize(("households", "suppressed"), [(4, True), (5, False)])
def test_suppression_starts_below_five_households(households: int, suppressed: bool) -> None:
    people = Population(Counter({"b0": households}), Counter({"b0": 2 * households}))
    figures = community_figures(PROFILE, _buildings(1), _access([100.0]), people)["c"]
    assert figures["suppressed"] is suppressed
    shares = figures["levels"]["15-min"]["types"]["food"]
    assert (shares["residentsCovered"] is None) is suppressed


def test_residents_weight_the_share() -> None:
    people = Population(Counter({"b0": 5, "b1": 5}), Counter({"b0": 9, "b1": 1}))
    figures = community_figures(PROFILE, _buildings(2), _access([100.0, 5000.0]), people)["c"]
    shares = figures["levels"]["15-min"]["types"]["food"]
    assert shares["buildingsCovered"] == 0.5 and shares["residentsCovered"] == 0.9


@given(st.lists(st.floats(0, 5000), min_size=1, max_size=30), st.floats(1.0, 3.0))
def test_straight_line_is_nearest_times_the_factor(xs: list[float], factor: float) -> None:
    buildings = np.array([[x, 0.0] for x in xs])
    facilities = np.array([[0.0, 0.0], [2500.0, 0.0]])
    found = straight_line(buildings, facilities, {"t": np.array([0, 1])}, factor).distances["t"]
    expected = [min(abs(x), abs(x - 2500.0)) * factor for x in xs]
    assert found == pytest.approx(expected)


def test_one_hour_median_p90_and_share() -> None:
    data = Dataset()
    for minutes in range(10, 110, 10):  # 10 .. 100 minutes, ten households
        person = f"p{minutes}"
        data.resident_household[person] = f"h{minutes}"
        end = T0 + timedelta(minutes=minutes)
        data.timed.append(Timed("delivery", "jd", T0, end, "c", person))
    data.timed.append(Timed("delivery", "jd", T0, T0 - timedelta(minutes=1), "c", "p10"))
    table, inconsistent = one_hour(data)
    figures = table["c"]["delivery"]["jd"]
    assert inconsistent == 1
    assert figures["count"] == 10 and figures["medianMinutes"] == 55.0
    assert figures["p90Minutes"] == 91.0 and figures["shareWithin60Min"] == 0.6


def test_one_hour_counts_households_not_records() -> None:
    data = Dataset()
    for n in range(20):  # twenty orders, four households
        data.resident_household[f"p{n}"] = f"h{n % 4}"
        data.timed.append(Timed("delivery", "jd", T0, T0 + timedelta(minutes=30), "c", f"p{n}"))
    table, _ = one_hour(data)
    assert table["c"]["delivery"]["jd"] == {"count": None, "suppressed": True}


class _Terminal(io.StringIO):
    """A stream that says it is a terminal, as a real one does (`isatty`)."""

    def isatty(self) -> bool:
        return True


def test_progress_bars_on_a_terminal() -> None:
    console = Console(file=_Terminal(), force_terminal=True, width=80)
    with _progress(console, enabled=True) as tick:
        assert tick is not None
        tick("records", 5, None)
        tick("routing", 1, 3)
    with _progress(Console(file=io.StringIO()), enabled=True) as tick:
        assert tick is None  # not a terminal: no bar
