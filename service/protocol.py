"""uvicorn's HTTP/1.1 protocol with a deadline on each request's head: without one, a client that
sends its headers a byte at a time holds its connection for ever (uvicorn times out idle
keep-alive connections only)."""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

_LATE = "the request's headers did not arrive within the time limit\n"


class HeadDeadlineProtocol(H11Protocol):
    """Headers still incomplete `head_seconds` after their first byte: 408, connection closed."""

    head_seconds = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None

    def data_received(self, data: bytes) -> None:
        """Start the clock on a request's first bytes; stop it once its head is parsed."""
        if self._head_timer is None and self.conn.their_state is h11.IDLE:
            self._head_timer = self.loop.call_later(self.head_seconds, self._head_late)
        super().data_received(data)
        if self._head_timer is not None and self.conn.their_state is not h11.IDLE:
            self._head_timer.cancel()
            self._head_timer = None

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the clock with the connection."""
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        super().connection_lost(exc)

    def _head_late(self) -> None:
        self._head_timer = None
        if self.conn.their_state is not h11.IDLE or self.transport.is_closing():
            return
        self.transport.write(
            b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
            + f"content-length: {len(_LATE)}\r\nconnection: close\r\n\r\n{_LATE}".encode()
        )
        self.transport.close()


def with_head_deadline(seconds: float) -> type[HeadDeadlineProtocol]:
    """The protocol class for uvicorn.Config(http=...), with its deadline."""
    return type("HeadDeadline", (HeadDeadlineProtocol,), {"head_seconds": seconds})
