"""The phone check's fast path for +86 mobile numbers answers as phonenumbers' parser does."""

from __future__ import annotations

import random

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st

from ccstd.standard.formats import is_phone

_check = is_phone.__wrapped__  # past the cache: every value is computed


def _parsed(value: str) -> bool:
    try:
        return bool(phonenumbers.is_valid_number(phonenumbers.parse(value, "CN")))
    except phonenumbers.NumberParseException:
        return False


def test_every_mobile_prefix_agrees_with_the_parser() -> None:
    rng = random.Random(13)
    for prefix in range(1000, 2000):  # national numbers 1000xxxxxxx .. 1999xxxxxxx
        for _ in range(2):
            value = f"+86{prefix}{rng.randrange(10**7):07d}"
            assert _check(value) == _parsed(value), value


@settings(max_examples=500, deadline=None)
@given(st.from_regex(r"\A\+?8?6?1[0-9]{8,11}\Z") | st.text(alphabet="+861790 -", max_size=16))
def test_near_misses_agree_with_the_parser(value: str) -> None:
    assert _check(value) == _parsed(value)


def test_compiled_cn_patterns_agree_with_the_library_on_every_five_digit_prefix() -> None:
    """formats._is_valid_cn_number replays phonenumbers' type lookup with CN's patterns compiled
    once; it must answer as phonenumbers.is_valid_number on the same +86 number."""
    from ccstd.standard.formats import _is_valid_cn_number

    rng = random.Random(2026)
    for prefix in range(10000, 20000):
        national = f"{prefix}{rng.randrange(10**6):06d}"
        number = phonenumbers.PhoneNumber(country_code=86, national_number=int(national))
        assert _is_valid_cn_number(national) == phonenumbers.is_valid_number(number), national
