"""HTTP-level tricks against a real uvicorn: each is a 4xx (or a closed connection), never a 500,
never a stall of the other clients."""

from __future__ import annotations

import contextlib
import gzip
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from ccstd.service.config import Limits, ServiceConfig, load_tokens
from tests.service.conftest import running
from tests.service.test_limits import RECORD, status_of

PACKED = gzip.compress(RECORD)
TWICE = gzip.compress(PACKED)
TOKEN = "vendor-ci-token-0123456789abcdef"


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with running(ServiceConfig(limits=Limits(head_timeout_seconds=1.5))) as base:
        yield base


def connect(url: str) -> socket.socket:
    where = urlsplit(url)
    return socket.create_connection((where.hostname, where.port), timeout=30)


def exchange(url: str, request: bytes) -> tuple[int, bytes]:
    """Send raw bytes; the status and the answer (0 when the service just closed)."""
    with connect(url) as connection:
        try:
            connection.sendall(request)
            return status_of(connection)
        except (IndexError, ConnectionError):  # refused while it was being sent
            return 0, b""


def post(headers: bytes, body: bytes, target: bytes = b"/v1/validate") -> bytes:
    return b"POST " + target + b" HTTP/1.1\r\nHost: t\r\n" + headers + b"\r\n" + body


def chunked(body: bytes, size: int = 7) -> bytes:
    pieces = (body[i : i + size] for i in range(0, len(body), size))
    return b"".join(b"%x\r\n%b\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"


def length(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n" % len(body)


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        (b"Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", chunked(PACKED), 200),
        (b"Content-Encoding: identity, gzip\r\n" + length(PACKED), PACKED, 200),
        (b"Content-Encoding: gzip,\r\n" + length(PACKED), PACKED, 200),
        (b"Content-Encoding: gzip\r\nContent-Encoding: br\r\n" + length(PACKED), PACKED, 415),
        (b"Content-Encoding: gzip, gzip\r\n" + length(PACKED), PACKED, 415),
        (b"Content-Encoding: gzip\r\n" + length(TWICE), TWICE, 415),  # gzip twice, said once
        (length(TWICE), TWICE, 415),  # gzip twice, found by the magic bytes
        (b"Content-Encoding: gzip\r\nContent-Encoding: gzip\r\n" + length(PACKED), PACKED, 415),
        (b"Content-Encoding: \xff\xfe\r\n" + length(PACKED), PACKED, 415),
        (b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", chunked(RECORD), 400),
        (b"Content-Length: 5\r\n", RECORD, 422),  # the first 5 bytes are the body
        (b"Content-Length: 5\r\nContent-Length: 6\r\n", RECORD, 400),
        (b"Content-Length: 5, 6\r\n", RECORD, 400),
        (length(RECORD) * 2, RECORD, 200),  # identical repeats are one length (RFC 9112 6.3)
        (length(RECORD)[:-2] + b", %d\r\n" % len(RECORD), RECORD, 200),
        (b"Content-Length: -1\r\n", RECORD, 400),
        (b"Content-Length: 99999999999999999999999\r\n", RECORD, 400),
        (b"Transfer-Encoding: gzip, chunked\r\n", chunked(PACKED), 400),
        (b"Content-Type: \xff\xfe\r\n" + length(RECORD), RECORD, 200),
        (b"X-Request-Id: \xff\xfe\r\n" + length(RECORD), RECORD, 200),
    ],
)
def test_framing_and_encoding_tricks(url: str, headers: bytes, body: bytes, status: int) -> None:
    got, answer = exchange(url, post(headers, body))
    assert got == status, answer
    if status == 400 and b"Transfer-Encoding: chunked" in headers:
        assert b"connection: close" in answer.lower()  # no second request on that framing


def test_bare_lf_line_endings_are_accepted(url: str) -> None:
    request = post(length(RECORD), RECORD).replace(b"\r\n", b"\n")
    assert exchange(url, request)[0] == 200  # RFC 9112 2.2: a recipient may accept a bare LF


@pytest.mark.parametrize(
    "target",
    [
        b"/v1/standard/..%2F..%2F/schemas/Resident",
        b"/v1/standard/1.0.0/schemas/..%2f..%2f..%2fetc%2fpasswd",
        b"/v1/standard/../../../etc/passwd/schemas/x",
        b"/v1/standard/%2e%2e/schemas/%00",
        b"/v1/standard/draft/schemas/Resident",
        b"/v1/standard/1.0.0/schemas/__class__",
        b"/v1/standard/1.0.0/schemas/%ff%fe",
        b"/v1/standard/\xff/schemas/\xfe",
    ],
)
def test_schema_paths_that_escape_are_404_or_400(url: str, target: bytes) -> None:
    got, answer = exchange(url, b"GET " + target + b" HTTP/1.1\r\nHost: t\r\n\r\n")
    assert got in (400, 404), answer
    assert b"root:" not in answer and b"$defs" not in answer


def test_huge_query_strings_and_headers_are_refused(url: str) -> None:
    name = b"n" * 100_000
    got, _ = exchange(url, post(length(RECORD), RECORD, b"/v1/validate?name=" + name))
    assert got == 400
    assert exchange(url, post(length(RECORD), RECORD, b"/v1/validate?" + b"a=1&" * 3000))[0] == 200
    assert exchange(url, b"GET /v1/rules?" + b"a" * 10_000_000 + b" HTTP/1.1\r\n\r\n")[0] in (
        0,
        400,
    )
    many = b"GET /healthz HTTP/1.1\r\nHost: t\r\n" + b"X-A: b\r\n" * 20_000 + b"\r\n"
    assert exchange(url, many)[0] == 400
    odd = b"/v1/validate?name=%ff%fe&standard=%c3&maxFindings=99999999999999999999"
    assert exchange(url, post(length(RECORD), RECORD, odd))[0] == 400
    assert httpx.get(url + "/healthz").status_code == 200


def test_slow_headers_end_in_408_and_stall_nobody(url: str) -> None:
    slow = [connect(url) for _ in range(20)]
    stop = threading.Event()

    def trickle() -> None:
        while not stop.wait(0.3):
            for connection in slow:
                with contextlib.suppress(OSError):
                    connection.sendall(b"X-Slow: a\r\n")

    for connection in slow:
        connection.sendall(b"POST /v1/validate HTTP/1.1\r\nHost: t\r\n")
    threading.Thread(target=trickle, daemon=True).start()
    started = time.monotonic()
    assert httpx.post(url + "/v1/validate", content=RECORD).status_code == 200
    assert time.monotonic() - started < 5  # not held up by the 20 slow heads
    for connection in slow:
        status, answer = status_of(connection)
        assert status == 408 and b"headers did not arrive" in answer
        connection.close()
    stop.set()
    assert time.monotonic() - started < 10


def test_many_tiny_pipelined_requests_all_answered(url: str) -> None:
    count = 1000
    with connect(url) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n" * count)
        started = time.monotonic()
        assert httpx.post(url + "/v1/validate", content=RECORD).status_code == 200
        assert time.monotonic() - started < 5
        answers = b""
        while answers.count(b"HTTP/1.1 200 ") < count and (chunk := connection.recv(1 << 20)):
            answers += chunk
    assert answers.count(b"HTTP/1.1 200 ") == count


def test_tokens_that_are_not_utf8_are_401(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens"
    tokens.write_text(TOKEN + "\n", encoding="utf-8")
    with running(ServiceConfig(tokens=load_tokens(tokens))) as base:
        for token in (b"\xff\xfe\xc3", TOKEN.encode() + b"\xff", b"\x00" * 40, b"\r"):
            request = b"GET /v1/rules HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + token
            assert exchange(base, request + b"\r\n\r\n")[0] in (400, 401)
        good = b"GET /v1/rules HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + TOKEN.encode()
        assert exchange(base, good + b"\r\n\r\n")[0] == 200


SMUGGLED = b"GET /v1/rules HTTP/1.1\r\nHost: t\r\n\r\n"


def _answers(connection: socket.socket) -> bytes:
    """Everything the service sends until it closes (or resets) the connection."""
    received = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := connection.recv(65536):
            received += chunk
    return received


@pytest.mark.parametrize("encoding", [b"chunked", b"Chunked", b" chunked"])
def test_length_and_chunked_together_are_refused_before_the_body_and_the_connection_closed(
    url: str, encoding: bytes
) -> None:
    """CL.TE smuggling: a proxy framing by Content-Length would forward a second request hidden
    in the body; here the head alone is refused (nothing of the body is waited for or reaches
    the application) and the connection closed, so the hidden request is never answered."""
    head = post(b"Content-Length: 40\r\nTransfer-Encoding: " + encoding + b"\r\n", b"")
    with connect(url) as connection:
        connection.sendall(head)  # the head only: the answer must not wait for a body
        connection.settimeout(5)
        first = connection.recv(65536)
        assert first.startswith(b"HTTP/1.1 400 "), first
        with contextlib.suppress(OSError):
            connection.sendall(b"0\r\n\r\n" + SMUGGLED)  # what the proxy would forward next
        answer = first + _answers(connection)
    assert answer.count(b"HTTP/1.1 ") == 1, answer  # the hidden GET got no answer
    assert b"connection: close" in answer.lower()
    assert b"x-request-id" not in answer.lower()  # refused by the server, before the application
    assert b"Content-Length and Transfer-Encoding" in answer
    with connect(url) as connection:  # and the service still serves the next client
        connection.sendall(SMUGGLED.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
        assert _answers(connection).startswith(b"HTTP/1.1 200 ")
