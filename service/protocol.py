"""uvicorn's HTTP/1.1 protocol with a deadline on each request's head (without one, a client that
sends its headers a byte at a time, or nothing at all, holds its connection for ever: uvicorn
times out idle keep-alive connections only), and no request framed two ways.

h11 accepts a request with both Content-Length and Transfer-Encoding and frames it by the
latter (RFC 9112 §6.3 allows that); a proxy in front may frame it by the former, and a second
request hidden in the body would then reach the service as if the proxy had sent it (request
smuggling). Such a request is refused on its head: 400, connection closed, before the body is
read or the application called."""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

_LATE = "the request's headers did not arrive within the time limit\n"
AMBIGUOUS_LENGTH = "Content-Length and Transfer-Encoding together: give one"


class _OneFraming(h11.Connection):
    """An h11 connection that refuses a request whose head gives both framings."""

    refusal: str | None = None

    def next_event(self) -> Any:
        """As h11's, but a request with Content-Length and Transfer-Encoding is a protocol
        error (uvicorn answers 400 and closes the connection)."""
        event = super().next_event()
        if type(event) is h11.Request:
            names = {name for name, _ in event.headers}
            if b"content-length" in names and b"transfer-encoding" in names:
                self.refusal = AMBIGUOUS_LENGTH
                raise h11.RemoteProtocolError(AMBIGUOUS_LENGTH, error_status_hint=400)
        return event


class HeadDeadlineProtocol(H11Protocol):
    """A connection's first request head must be complete `head_seconds` after the accept (a
    connection that sent nothing by then is closed without an answer; one that sent part of a
    head gets 408 and is closed). A later request's head has `head_seconds` from its first byte;
    between requests, uvicorn's keep-alive timeout closes the idle connection."""

    head_seconds = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None
        size = self.config.h11_max_incomplete_event_size  # None: h11's default, as uvicorn's
        self.conn = _OneFraming(h11.SERVER) if size is None else _OneFraming(h11.SERVER, size)

    def send_400_response(self, msg: str) -> None:
        """uvicorn's 400 for a request h11 refused, saying why when the reason is ours."""
        refusal = getattr(self.conn, "refusal", None)
        super().send_400_response(refusal or msg)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock on the accept: a connection that never sends must not hold a slot."""
        super().connection_made(transport)
        self._head_timer = self.loop.call_later(self.head_seconds, self._head_late)

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
        if not self.conn.trailing_data[0]:  # not a byte of a request: nothing to answer
            self.transport.close()
            return
        self.transport.write(
            b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
            + f"content-length: {len(_LATE)}\r\nconnection: close\r\n\r\n{_LATE}".encode()
        )
        self.transport.close()


def with_head_deadline(seconds: float) -> type[HeadDeadlineProtocol]:
    """The protocol class for uvicorn.Config(http=...), with its deadline."""
    return type("HeadDeadline", (HeadDeadlineProtocol,), {"head_seconds": seconds})
