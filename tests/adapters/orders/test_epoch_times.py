"""Epoch times (adapters/local_times.py): exact for every plausible value, None for the rest."""

from __future__ import annotations

import datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ccstd.adapters.local_times import epoch_time

LAST = 253402300799  # 9999-12-31T23:59:59Z


@given(st.integers(min_value=0, max_value=LAST), st.booleans())
def test_seconds_as_numbers_or_text_are_exact(seconds: int, as_text: bool) -> None:
    written = epoch_time(str(seconds) if as_text else seconds, "s")
    assert written is not None
    moment = datetime.datetime.fromisoformat(written)
    assert moment.utcoffset() == datetime.timedelta(0)
    assert int(moment.timestamp()) == seconds


@given(st.integers(min_value=0, max_value=LAST * 1000 + 999))
def test_milliseconds_keep_their_milliseconds(millis: int) -> None:
    written = epoch_time(millis, "ms")
    assert written is not None
    moment = datetime.datetime.fromisoformat(written)
    exact = Decimal(int(moment.timestamp() // 1)) * 1000 + moment.microsecond // 1000
    assert exact == millis


@given(
    st.one_of(
        st.integers(max_value=-1),
        st.integers(min_value=LAST + 1),
        st.floats(allow_nan=True).filter(lambda f: not 0 <= f <= LAST),
        st.text().filter(lambda t: not t.strip().isascii() or not t.strip().isdigit()),
        st.booleans(),
        st.none(),
    )
)
def test_anything_else_is_not_an_epoch_time(value: object) -> None:
    if isinstance(value, str) and epoch_time(value, "s") is not None:
        float(value)  # only a decimal text of a plausible number is read
        return
    assert epoch_time(value, "s") is None
