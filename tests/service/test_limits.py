"""Every limit is a clear 4xx (or 503 with Retry-After for capacity), never a 500; a hostile body
costs one answer, never the process."""

from __future__ import annotations

import gzip
import re
import socket
import time
import zlib
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import valid_record
from tests.service.conftest import (
    VENDOR_EXPORT,
    health_when,
    heavy_body,
    in_background,
    limited,
    running,
)

RECORD = orjson.dumps(valid_record("Resident")) + b"\n"


def raw_request(url: str, head_body: bytes, content_length: int) -> socket.socket:
    """A request whose body is announced as `content_length` bytes but only begun."""
    where = urlsplit(url)
    connection = socket.create_connection((where.hostname, where.port), timeout=30)
    connection.sendall(
        b"POST /v1/validate HTTP/1.1\r\nHost: test\r\n"
        + f"Content-Length: {content_length}\r\n\r\n".encode()
        + head_body
    )
    return connection


def status_of(connection: socket.socket) -> tuple[int, bytes]:
    """The status and the whole answer (headers, then Content-Length bytes of body)."""
    answer = b""
    while b"\r\n\r\n" not in answer and (chunk := connection.recv(65536)):
        answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    length = re.search(rb"(?i)content-length: (\d+)", head)
    while length and len(body) < int(length.group(1)) and (chunk := connection.recv(65536)):
        body += chunk
    return int(head.split(b" ", 2)[1]), head + b"\r\n\r\n" + body


def gzip_bomb(size: int) -> bytes:
    """`size` bytes of newlines as one gzip member (what a bomb is: tiny, and huge unpacked)."""
    packer = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\n" * (1 << 24)
    return b"".join(packer.compress(block) for _ in range(size >> 24)) + packer.flush()


def until_not_503(url: str) -> httpx.Response:
    """The first answer that is not 503 (a worker given back), within 10 s."""
    deadline = time.monotonic() + 10
    while (answer := httpx.post(url + "/v1/validate", content=RECORD)).status_code == 503:
        assert time.monotonic() < deadline, "the worker was not given back"
        time.sleep(0.05)
    return answer


def until_not_200(client: httpx.Client) -> httpx.Response:
    """The first answer that is not 200: once the holding request has the worker."""
    deadline = time.monotonic() + 10
    while (answer := client.post("/v1/validate", content=RECORD)).status_code == 200:
        assert time.monotonic() < deadline, "the holding request never took the worker"
        time.sleep(0.05)
    return answer


def problem(answer: httpx.Response, status: int) -> str:
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"] == "application/problem+json"
    detail: str = answer.json()["detail"]
    assert "\n" not in detail
    return detail


def test_body_size_counted_after_decompression() -> None:
    with running(limited(max_body_bytes=100_000)) as url, httpx.Client(base_url=url) as client:
        big = RECORD * (100_000 // len(RECORD) + 1)
        assert "larger than 100,000 bytes" in problem(client.post("/v1/validate", content=big), 413)

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
            yield from (big[i : i + 4096] for i in range(0, len(big), 4096))

        problem(client.post("/v1/validate", content=chunks()), 413)
        packed = gzip.compress(big)
        assert len(packed) < 100_000
        detail = problem(client.post("/v1/validate", content=packed), 413)
        assert "after decompression" in detail
        small = client.post("/v1/validate", content=gzip.compress(RECORD * 100))
        assert small.status_code == 200 and small.json()["summary"]["records"] == 100


def test_a_gzip_bomb_costs_one_413_quickly() -> None:
    bomb = gzip_bomb(1 << 28)  # 256 MiB of newlines in about 1 MB
    with running(limited(max_body_bytes=10 << 20)) as url, httpx.Client(base_url=url) as client:
        started = time.monotonic()
        problem(client.post("/v1/validate", content=bomb), 413)
        assert time.monotonic() - started < 10
        assert client.get("/healthz").status_code == 200


def test_records_per_request() -> None:
    with running(limited(max_records=100)) as url, httpx.Client(base_url=url) as client:
        detail = problem(client.post("/v1/validate", content=RECORD * 101), 413)
        assert "more than 100 records" in detail
        assert client.post("/v1/validate", content=RECORD * 100).status_code == 200


def test_time_per_request_for_a_body_that_stalls() -> None:
    with running(limited(timeout_seconds=1.0)) as url:
        started = time.monotonic()
        connection = raw_request(url, RECORD, 10_000)
        status, answer = status_of(connection)
        connection.close()
        assert status == 408 and b"time limit" in answer
        assert time.monotonic() - started < 5
        assert httpx.get(url + "/healthz").status_code == 200


def post_heavy(url: str) -> httpx.Response:
    return httpx.post(url + "/v1/validate", content=heavy_body(), timeout=30)


def test_busy_workers_answer_503_with_retry_after_or_let_a_request_wait() -> None:
    config = limited(workers=1, queue=0, timeout_seconds=3.0)
    with running(config) as url, httpx.Client(base_url=url) as client:
        holding, held = in_background(lambda: post_heavy(url))
        health_when(url, lambda h: h["workers"]["busy"] == 1)
        busy = client.post("/v1/validate", content=RECORD)
        assert "busy" in problem(busy, 503)
        assert int(busy.headers["Retry-After"]) > 0
        holding.join(30)
        assert held[0].status_code == 408  # the time limit cut the long validation short
        assert until_not_503(url).status_code == 200
    with running(limited(workers=1, queue=1, timeout_seconds=3.0)) as url:
        holding, held = in_background(lambda: post_heavy(url))
        health_when(url, lambda h: h["workers"]["busy"] == 1)
        second, waited = in_background(lambda: httpx.post(url + "/v1/validate", content=RECORD))
        health_when(url, lambda h: h["workers"]["queued"] == 1)
        holding.join(30)
        second.join(30)
        assert held[0].status_code == 408 and waited[0].status_code == 200


def test_hostile_bodies_cost_one_4xx(client: httpx.Client) -> None:
    deep = 100_000
    bodies = {
        b"[" * deep + b"]" * deep: "nesting-too-deep",
        b'{"a":' * deep + b"1" + b"}" * deep: "nesting-too-deep",
        b'{"id": "\xff\xfe\xc3"}': "invalid-encoding",
        b"\xff\xfe{\x00}\x00": "invalid-encoding",
        b"{" * 10: "malformed-json",
        b"NaN": "non-standard-number",
    }
    for body, code in bodies.items():
        answer = client.post("/v1/validate", content=body)
        assert answer.status_code == 422, (code, answer.text)
        report = answer.json()
        assert report["detail"].startswith("no record could be read")
        assert [f["code"] for f in report["findings"]] == [code]
    for nothing in (b"", b" \n", b"[]", b"\xef\xbb\xbf[]", gzip.compress(b"")):
        empty = client.post("/v1/validate", content=nothing)
        assert empty.status_code == 422 and empty.json()["verdict"] == 2  # the CLI's exit 2
        assert empty.json()["detail"] == "the body holds no records"
    for where in ("/v2/13912345678", "/v1/standard/1.0.0/schemas/..%2f..%2fcommon"):
        assert problem(client.get(where), 404) == "Not Found"
    assert problem(client.put("/healthz"), 405) == "Method Not Allowed"
    assert client.get("/healthz").status_code == 200


def test_bad_gzip_and_encodings(client: httpx.Client) -> None:
    packed = gzip.compress(VENDOR_EXPORT.read_bytes())
    said = {
        (packed[:-20], ""): (400, "truncated"),
        (packed[:30] + b"\x00" * 50 + packed[80:], ""): (400, "corrupt"),
        (packed + b"junk", ""): (400, "trailing data"),
        (VENDOR_EXPORT.read_bytes(), "gzip"): (400, "not gzip data"),
        (b"{", "gzip"): (400, "not gzip data"),
        (packed, "br"): (415, "only gzip"),
    }
    for (body, encoding), (status, words) in said.items():
        headers = {"Content-Encoding": encoding} if encoding else {}
        assert words in problem(client.post("/v1/validate", content=body, headers=headers), status)


def test_some_bad_lines_among_good_ones_are_findings_not_a_refusal(client: httpx.Client) -> None:
    other = orjson.dumps(valid_record("Building")) + b"\n"
    answer = client.post("/v1/validate", content=RECORD + b"{oops\n" + b"\xff\n" + other)
    assert answer.status_code == 200 and answer.json()["verdict"] == 1
    assert answer.json()["summary"]["valid"] == 2


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.binary(max_size=300), packed=st.booleans(), ndjson=st.booleans())
def test_any_bytes_get_an_answer_never_a_500(
    client: httpx.Client, body: bytes, packed: bool, ndjson: bool
) -> None:
    data = gzip.compress(body) if packed else body
    kind = "application/x-ndjson" if ndjson else "application/json"
    answer = client.post("/v1/validate", content=data, headers={"Content-Type": kind})
    assert answer.status_code in (200, 400, 422), answer.text


def test_clients_that_go_away_mid_body_leave_nothing_held() -> None:
    with running(limited(workers=1, queue=0, timeout_seconds=5.0)) as url:
        for _ in range(3):
            gone = raw_request(url, RECORD, 10_000)
            health_when(url, lambda h: h["workers"]["receiving"] == 1)
            gone.close()
        health_when(url, lambda h: h["workers"]["receiving"] == 0)
        assert httpx.post(url + "/v1/validate", content=RECORD).status_code == 200


def test_a_timed_out_validation_gives_its_worker_back() -> None:
    with running(limited(workers=1, queue=0, timeout_seconds=1.5)) as url:
        answer = httpx.post(url + "/v1/validate", content=heavy_body(), timeout=30)
        assert "took longer than the time limit" in problem(answer, 408)  # not the upload's
        health_when(url, lambda h: h["workers"]["busy"] == 0)
        assert until_not_503(url).status_code == 200
