"""The byte pre-filter's quick exits never clear a text its shapes would find (issues 11/13)."""

from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccstd.standard import redaction
from ccstd.standard.redaction import (
    _FEWEST_DIGITS,
    _PREFIXED,
    _SHAPED,
    _SHAPES,
    _shaped,
    might_hold_identifier,
    might_hold_identifier_json,
)

# Texts of byte classes ("0" a digit, "s" a separator, "x" anything else), with the runs that
# make numbers more often than single bytes would.
CLASSES = st.lists(
    st.sampled_from(["0", "s", "x", "000", "0000", "00000000", "ss", "sss", "ssss"]), max_size=30
).map(lambda parts: ("x" + "".join(parts)).encode())
# JSON-ish texts whose digits are ASCII: digits, separators, letters, "86".
TEXTS = st.lists(
    st.sampled_from(
        [
            *"0123456789",
            "86",
            "138",
            "1234",
            "5678",
            " ",
            "-",
            "(",
            ")",
            "+",
            "a",
            '"',
            "  ",
            "1 3 8 ",
            "12 34 ",
            "\\t",
            "\\u0020",
            ":",
            ".",
            "\x1f",
        ]
    ),
    max_size=30,
).map(lambda parts: "".join(parts).encode())


@settings(max_examples=600, deadline=None)
@given(CLASSES)
def test_where_the_edgeless_shape_finds_nothing_no_shape_does(classes: bytes) -> None:
    if _SHAPED.search(classes) is None:
        assert all(shape.search(classes) is None for shape in _SHAPES)


@settings(max_examples=600, deadline=None)
@given(CLASSES)
def test_no_shape_holds_fewer_digits_than_the_fewest(classes: bytes) -> None:
    if classes.count(b"0") < _FEWEST_DIGITS:
        assert all(shape.search(classes) is None for shape in _SHAPES)
        assert _PREFIXED.search(classes.replace(b"0", b"8")) is None


@settings(max_examples=600, deadline=None)
@given(TEXTS)
def test_the_quick_exits_agree_with_the_shapes_they_skip(data: bytes) -> None:
    classes = b"x" + data.translate(redaction._CLASSES)
    prefixed = b"x" + data.translate(redaction._CLASSES_86)
    expected = any(s.search(classes) for s in _SHAPES) or _PREFIXED.search(prefixed) is not None
    spread = redaction._spread_shaped(data)
    assert _shaped(data) == (expected or spread)
    if list(redaction._spread_spans(data.decode("ascii"), strict=False)):
        assert spread  # the byte search never clears a spread-out number the exact test finds


# Bytes that make numbers in UTF-8, whole or cut: Chinese digits, non-ASCII separators and spaces,
# characters that share their lead bytes, lone lead and continuation bytes.
_PIECES = [
    *"0123456789",
    "138",
    "1234",
    "5678",
    *' -.()+x"',
    "一",
    "八六",
    "\u3007",
    "○",
    "捌",
    "陸",
    "\u3000",
    "\uff0d",
    "\uff08",
    "\u2010",
    "\uff0c",
    "\u201c",
    "\u3001",
    "张",
    "\uff13",
    "\uff0b",
    "\xa0",
    "\u200b",
    "\uff20",
    "1 3 8 ",
    "1 2 3 4",
    "13 81 ",
    "\u4e09 ",
    "\u3000",
    "\u2013",
    " - ",
    "\\t",
    "\\u0020",
    "2026-11-27 13:46:10",
    "\u2460\u2462\u2467",
    "\u00b9\u00b3\u2078",
    "\u2467\u2465",
    "\u277d",
]
BYTES = st.lists(
    st.one_of(
        st.sampled_from([p.encode() for p in _PIECES]),
        st.sampled_from([b"\xe4", b"\xe4\xb8", b"\xb8", b"\x80", b"\xef\xbc", b"\xff"]),
    ),
    max_size=30,
).map(b"".join)


@settings(max_examples=800, deadline=None)
@given(BYTES)
def test_the_json_scan_holds_wherever_the_text_scan_does_on_any_bytes(data: bytes) -> None:
    if might_hold_identifier(data.decode("utf-8", "replace")):
        assert might_hold_identifier_json(data)


@pytest.mark.parametrize(
    "text",
    [
        "张三\u3000138\u30001234\u30005678",
        "\uff0b86\u3000138-1234-5678",
        "电话\uff1a\uff08021\uff09\u20106320\u20108888",
        "一三八\uff0d一二三四\uff0d五六七八\uff0c谢谢",
    ],
)
def test_numbers_grouped_by_wide_separators_pass_the_json_scan(text: str) -> None:
    assert might_hold_identifier(text)
    assert might_hold_identifier_json(orjson.dumps({"note": text}))


def test_chinese_text_with_wide_punctuation_is_cleared_without_the_text_scan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def text_scan(text: str) -> bool:
        raise AssertionError(f"the text scan ran on {text!r}")

    monkeypatch.setattr(redaction, "might_hold_identifier", text_scan)
    record = {"name": "张三", "address": "朝阳区\u3000建国路\uff0c“幸福里”3号楼2单元", "floor": 12}
    assert not might_hold_identifier_json(orjson.dumps(record))


# Mobile numbers spread out or grouped otherwise than 3-4-4 (issue 10): the exact test finds each,
# and both pre-filters pass it, written as it is or in a JSON text, raw or escaped.
SPREAD = [
    "1 3 8 1 2 3 4 5 6 7 8",
    "138 12 34 56 78",
    "1-3-8-1-2-3-4-5-6-7-8",
    "138-1234-56-78",
    "1381 2345 678",
    "13 81 23 45 67 8",
    "\u4e00 \u4e09 \u516b \u4e00 \u4e8c \u4e09 \u56db \u4e94 \u516d \u4e03 \u516b",
    "1\uff0d3\uff0d8\u30001\u30002 3 4 5 6 7 8",
    "+86 138 12 34 56 78",
    "138\u201312 \u2014 34\xa056\u200b 78",
    "\u623f 5 1 3 8 1 2 3 4 5 6 7 8",
    "1\t3\t8\t1\t2\t3\t4\t5\t6\t7\t8",
    "\uff11\uff13\uff18 12 34 56 78",
]


@pytest.mark.parametrize("text", SPREAD)
def test_spread_out_mobile_numbers_pass_both_pre_filters(text: str) -> None:
    assert redaction.raw_identifier_kind(text) == "mobile number"
    assert might_hold_identifier(text)
    for ascii_only in (False, True):
        document = json.dumps({"name": f"sc-dong-men-{text}"}, ensure_ascii=ascii_only)
        assert might_hold_identifier_json(document.encode())


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-27 13:46:10",
        "2026-11-27T13:46:10Z 2026-11-28 09:15:00",
        "15/8/2026 14:30",
        "1,380,000.50",
        "192.168.10.101 192.168.1.64:80",
        "2026 11 27 13 46 10",
    ],
)
def test_timestamps_and_addresses_are_cleared_without_the_exact_test(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    """The spread-out shape's quick search lets ordinary timestamps, dates, amounts and IP
    addresses pass by without a window being counted."""

    def spans(text: str, strict: bool) -> list[tuple[int, int]]:
        raise AssertionError(f"the windows were counted on {text!r}")

    monkeypatch.setattr(redaction, "_spread_spans", spans)
    assert not might_hold_identifier_json(orjson.dumps({"at": text, "n": 12}))
    assert not might_hold_identifier(text)
