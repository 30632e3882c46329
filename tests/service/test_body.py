"""The body decoder: whatever the chunking, gzip or not, it gives back the bytes sent, bounded."""

from __future__ import annotations

import gzip
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccstd.service.body import (
    BodyDecoder,
    BodyError,
    BodyTooLargeError,
    UnsupportedEncodingError,
    declared_gzip,
)


class Fed:
    """A decoder fed `data` cut at `cuts`: what came out, and the decoder."""

    def __init__(self, data: bytes, cuts: list[int], limit: int = 1 << 20, header: bool = False):
        points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
        self.decoder = BodyDecoder(header, limit)
        out = [p for a, b in itertools.pairwise(points) for p in self.decoder.feed(data[a:b])]
        self.output = b"".join(out) + self.decoder.finish()


def reader(data: bytes, cuts: list[int], limit: int = 1 << 20, header: bool = False) -> Fed:
    return Fed(data, cuts, limit, header)


def read_all(fed: Fed) -> bytes:
    return fed.output


@given(st.binary(max_size=2000), st.lists(st.integers(0, 4000), max_size=12), st.booleans())
def test_any_chunking_gives_back_the_bytes(data: bytes, cuts: list[int], packed: bool) -> None:
    sent = gzip.compress(data) + (gzip.compress(data[:5]) if packed else b"") if packed else data
    expected = data + data[:5] if packed else data
    if not packed and data[:2] == b"\x1f\x8b":
        return  # plain data that starts like gzip is gzip
    body = reader(sent, cuts, header=packed and bool(cuts) and cuts[0] % 2 == 0)
    assert read_all(body) == expected
    decoder = body.decoder
    assert decoder.received == len(sent) and decoder.size == len(expected)
    assert decoder.compressed == packed


def test_limits_count_after_decompression() -> None:
    with pytest.raises(BodyTooLargeError, match="after decompression"):
        read_all(reader(gzip.compress(b"x" * 5000), [3, 100], limit=4096))
    with pytest.raises(BodyTooLargeError):
        read_all(reader(b"x" * 5000, [100, 4000], limit=4096))
    assert read_all(reader(b"x" * 4096, [1, 2], limit=4096)) == b"x" * 4096


@pytest.mark.parametrize(
    ("data", "header", "said"),
    [
        (b"{", True, "not gzip data"),
        (b"{}", True, "not gzip data"),
        (gzip.compress(b"{}", mtime=0)[:-3], False, "truncated"),
        (gzip.compress(b"{}", mtime=0) + b"\x00", False, "trailing data"),
        (gzip.compress(b"{}", mtime=0) + b"\x1f", False, "trailing data"),
        (b"\x1f\x8b\x08\x00garbage-garbage", False, "corrupt"),
    ],
)
def test_bad_gzip_is_a_body_error(data: bytes, header: bool, said: str) -> None:
    with pytest.raises(BodyError, match=said):
        read_all(reader(data, [1], header=header))


member_data = st.one_of(
    st.binary(max_size=3000),
    st.builds(lambda b, n: b * n, st.binary(min_size=1, max_size=3), st.integers(1, 90_000)),
)


@given(
    st.lists(member_data, min_size=1, max_size=5), st.lists(st.integers(0, 1 << 18), max_size=12)
)
def test_gzip_members_of_any_size_in_any_chunking(members: list[bytes], cuts: list[int]) -> None:
    """Members whose output spans several reads, cut anywhere (a member's end in the middle of
    a long output once left its tail undrained and the reader spinning)."""
    sent = b"".join(gzip.compress(m) for m in members)
    assert read_all(reader(sent, cuts, limit=1 << 22)) == b"".join(members)


def test_thousands_of_empty_members_are_a_loop_not_a_recursion() -> None:
    sent = gzip.compress(b"") * 5000
    assert read_all(reader(sent, [])) == b""


@pytest.mark.parametrize(
    ("headers", "gzip"),
    [
        ([], False),
        ([""], False),
        (["identity"], False),
        (["gzip"], True),
        (["X-GZIP "], True),
        (["identity, gzip"], True),
        (["gzip,"], True),
        (["identity", "gzip"], True),
    ],
)
def test_content_encodings_that_mean_gzip_or_nothing(headers: list[str], gzip: bool) -> None:
    assert declared_gzip(headers) is gzip


@pytest.mark.parametrize(
    ("headers", "said"),
    [
        (["br"], "only gzip"),
        (["gzip", "br"], "only gzip"),
        (["deflate, gzip"], "only gzip"),
        (["gzip, gzip"], "more than once"),
        (["gzip", "x-gzip"], "more than once"),
    ],
)
def test_other_content_encodings_are_415(headers: list[str], said: str) -> None:
    with pytest.raises(UnsupportedEncodingError, match=said) as raised:
        declared_gzip(headers)
    assert raised.value.status == 415
