"""The request body, received whole before it takes a validation worker: gunzipped as it arrives
(when the header or the magic bytes say so), held to the size limit after decompression, and
spooled to memory up to a threshold, then to an unlinked temporary file that is gone when the
request ends."""

from __future__ import annotations

import asyncio
import tempfile
import zlib
from collections.abc import AsyncIterator, Iterator
from typing import IO, BinaryIO

_GZIP_MAGIC = b"\x1f\x8b"
_OUT_CHUNK = 1 << 16  # decompressed bytes produced per step: a bomb never inflates in one go
SPOOL_IN_MEMORY = 1 << 20  # bytes of a body held in memory before it goes to a temporary file


class BodyError(Exception):
    """A body that cannot be read; `status` is the HTTP status that answers it."""

    status = 400


class BodyTooLargeError(BodyError):
    """More bytes than the limit (after decompression)."""

    status = 413


class UnsupportedEncodingError(BodyError):
    """A Content-Encoding other than gzip (or none)."""

    status = 415


_GZIP_CODINGS = ("gzip", "x-gzip")


def declared_gzip(values: list[str]) -> bool:
    """Whether the Content-Encoding headers (every one, each a list) say gzip; False for none or
    `identity`; UnsupportedEncodingError for another coding or gzip applied twice."""
    codings = [c.strip().lower() for value in values for c in value.split(",")]
    codings = [c for c in codings if c not in ("", "identity")]
    if not codings:
        return False
    if len(codings) == 1 and codings[0] in _GZIP_CODINGS:
        return True
    if all(c in _GZIP_CODINGS for c in codings):
        raise UnsupportedEncodingError("Content-Encoding: gzip applied more than once")
    raise UnsupportedEncodingError("Content-Encoding: only gzip (or none) is accepted")


class BodyDecoder:
    """Received chunks in, decompressed pieces out: gzip undone, bytes counted against `limit`."""

    def __init__(self, gzip: bool, limit: int) -> None:
        self._gzip = gzip  # Content-Encoding: gzip; also decided by the magic bytes
        self._limit = limit
        self._inflater: zlib._Decompress | None = None
        self._input = b""  # compressed bytes received and not yet decompressed
        self._between = False  # a gzip member has ended; another must follow, or the end
        self._output_pending = False  # the last step filled its chunk: zlib may hold more
        self._head = b""  # the first bytes, held until the magic bytes can be checked
        self._decided = False  # gzip or not, known once two bytes have come
        self._inner = b""  # the first decompressed bytes, until gzip twice is ruled out
        self.received = 0  # bytes as sent
        self.size = 0  # bytes after decompression
        self.compressed = False

    def feed(self, chunk: bytes) -> Iterator[bytes]:
        """The decompressed pieces (at most 64 KiB each) that `chunk` completes."""
        self.received += len(chunk)
        if self.received > self._limit:
            raise BodyTooLargeError(f"the body is larger than {self._limit:,} bytes")
        if not self._decided:
            self._head += chunk
            if len(self._head) < len(_GZIP_MAGIC):
                return  # wait for the second byte
            chunk, self._head = self._head, b""
            self._start(chunk)
        if self._inflater is None:
            yield self._counted(chunk)
            return
        self._input += chunk
        while self._can_step():
            yield self._inflate_step()

    def finish(self) -> bytes:
        """The last piece, once the body has ended; BodyError when it ended badly."""
        if self._head:  # a one-byte body
            if self._gzip:
                raise BodyError("Content-Encoding is gzip but the body is not gzip data")
            return self._counted(self._head)
        if self._inflater is not None and not self._between:
            raise BodyError("gzip body: the compressed stream is truncated")
        if self._input:
            raise BodyError("gzip body: trailing data after the compressed stream")
        return b""

    def _can_step(self) -> bool:
        """True when the held input (or zlib's held output) allows progress without more input;
        every step consumes input or produces output, so a body of many members is a loop."""
        if self._between:  # the next member's magic bytes must be seen first
            return len(self._input) >= len(_GZIP_MAGIC)
        return bool(self._input) or self._output_pending

    def _start(self, first: bytes) -> None:
        """Decide from the first bytes whether the body is gzip."""
        self._decided = True
        if first.startswith(_GZIP_MAGIC):
            self.compressed = True
            self._inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        elif self._gzip:
            raise BodyError("Content-Encoding is gzip but the body is not gzip data")

    def _inflate_step(self) -> bytes:
        """Decompress at most one output chunk of the held input; start the next member when
        one ends (what follows a member must be another one)."""
        if self._between:
            if not self._input.startswith(_GZIP_MAGIC):
                raise BodyError("gzip body: trailing data after the compressed stream")
            self._inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            self._between = False
        inflater = self._inflater
        assert inflater is not None
        try:
            out = inflater.decompress(self._input, _OUT_CHUNK)
        except zlib.error as exc:
            raise BodyError(f"gzip body: corrupt compressed data ({exc})") from None
        self._output_pending = len(out) == _OUT_CHUNK  # zlib may hold more for empty input
        if inflater.eof:
            self._input, self._between = inflater.unused_data, True
        else:
            self._input = inflater.unconsumed_tail
        return self._counted(out)

    def _counted(self, data: bytes) -> bytes:
        if self.compressed and len(self._inner) < len(_GZIP_MAGIC):
            self._inner += data[: len(_GZIP_MAGIC)]
            if self._inner[: len(_GZIP_MAGIC)] == _GZIP_MAGIC:  # no record starts so
                raise UnsupportedEncodingError(
                    "gzip applied twice: the decompressed body is gzip data again"
                )
        self.size += len(data)
        if self.size > self._limit:
            raise BodyTooLargeError(
                f"the body is larger than {self._limit:,} bytes after decompression"
            )
        return data


def new_spool() -> IO[bytes]:
    """Where a body waits for its worker: memory up to SPOOL_IN_MEMORY, then a temporary file
    unlinked from the start (nothing to clean up; gone when closed or when the process ends)."""
    return tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY, "w+b")


async def receive(
    chunks: AsyncIterator[bytes], decoder: BodyDecoder, spool: IO[bytes], keep: BinaryIO | None
) -> None:
    """Every chunk of the body through `decoder` into `spool` (a copy as sent to `keep`, when
    given); the spool is rewound. The caller bounds the time this takes."""
    async for chunk in chunks:
        if keep is not None:
            keep.write(chunk)
        for piece in decoder.feed(chunk):
            spool.write(piece)
            await asyncio.sleep(0)  # a bomb inflates step by step; other requests go on
    spool.write(decoder.finish())
    spool.seek(0)
