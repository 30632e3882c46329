"""The request body as a blocking stream for the validating thread: pulled from the event loop
chunk by chunk (never loaded whole), gunzipped when the header or the magic bytes say so, and
held to the size limit after decompression."""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable
from typing import BinaryIO

_GZIP_MAGIC = b"\x1f\x8b"
_OUT_CHUNK = 1 << 16  # decompressed bytes produced per step: a bomb never inflates in one go


class BodyError(Exception):
    """A body that cannot be read; `status` is the HTTP status that answers it."""

    status = 400


class BodyTooLargeError(BodyError):
    """More bytes than the limit (after decompression)."""

    status = 413


NextChunk = Callable[[], bytes | None]  # the next received chunk, None at the end


class BodyReader(io.RawIOBase):
    """Raw stream over the received chunks: gzip undone, bytes counted, a copy kept if asked."""

    def __init__(
        self, next_chunk: NextChunk, gzip: bool, limit: int, keep: BinaryIO | None = None
    ) -> None:
        super().__init__()
        self._next_chunk = next_chunk
        self._gzip = gzip  # Content-Encoding: gzip; also decided by the magic bytes
        self._limit = limit
        self._keep = keep
        self._inflater: zlib._Decompress | None = None
        self._pending = memoryview(b"")
        self._input = b""  # compressed bytes received and not yet decompressed
        self._between = False  # a gzip member has ended; another must follow, or the end
        self._output_pending = False  # the last step filled its chunk: zlib may hold more
        self._head = b""  # the first bytes, held until the magic bytes can be checked
        self._ended = False
        self._decided = False  # gzip or not, known once two bytes have come
        self.received = 0  # bytes as sent
        self.size = 0  # bytes after decompression
        self.compressed = False

    def readable(self) -> bool:
        """Always: this is an input stream."""
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        """Fill `buffer` with the next decompressed bytes; 0 at the end of the body."""
        while not self._pending:
            if self._ended:
                return 0
            self._pending = memoryview(self._produce())
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count

    def _produce(self) -> bytes:
        """The next piece of decompressed body (may be empty); sets `_ended` at the end.

        Each call receives a chunk or makes progress on the compressed input it holds, so a
        body of many gzip members is a loop over them, never a recursion or a spin."""
        if self._inflater is not None and not self._needs_input():
            return self._inflate_step()
        chunk = self._receive()
        if chunk is None:
            self._ended = True
            return self._finish()
        if not self._decided:
            self._head += chunk
            if len(self._head) < len(_GZIP_MAGIC):
                return b""  # wait for the second byte
            chunk, self._head = self._head, b""
            self._start(chunk)
        if self._inflater is None:
            return self._counted(chunk)
        self._input += chunk
        return b"" if self._needs_input() else self._inflate_step()

    def _needs_input(self) -> bool:
        if self._between:  # the next member's magic bytes must be seen first
            return len(self._input) < len(_GZIP_MAGIC)
        return not self._input and not self._output_pending

    def _receive(self) -> bytes | None:
        chunk = self._next_chunk()
        if chunk is None:
            return None
        self.received += len(chunk)
        if self._keep is not None:
            self._keep.write(chunk)
        if self.received > self._limit:
            raise BodyTooLargeError(f"the body is larger than {self._limit:,} bytes")
        return chunk

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

    def _finish(self) -> bytes:
        if self._head:  # a one-byte body
            if self._gzip:
                raise BodyError("Content-Encoding is gzip but the body is not gzip data")
            return self._counted(self._head)
        if self._inflater is not None and not self._between:
            raise BodyError("gzip body: the compressed stream is truncated")
        if self._input:
            raise BodyError("gzip body: trailing data after the compressed stream")
        return b""

    def _counted(self, data: bytes) -> bytes:
        self.size += len(data)
        if self.size > self._limit:
            raise BodyTooLargeError(
                f"the body is larger than {self._limit:,} bytes after decompression"
            )
        return data
