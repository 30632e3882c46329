"""Capacity: slow uploads hold no validation worker, /healthz tells a load balancer how full the
pool is, and validators are compiled once per process, not once per request."""

from __future__ import annotations

import contextlib
import socket
import tempfile
import threading
import time
from pathlib import Path

import httpx
import orjson

from ccstd.service.body import SPOOL_IN_MEMORY
from ccstd.standard.checker import build_plan
from tests.conftest import valid_record
from tests.service.conftest import health_when, heavy_body, in_background, limited, running
from tests.service.test_api import schema_of
from tests.service.test_limits import RECORD, problem, raw_request, status_of

SLOW_CLIENTS = 6


def trickle(connections: list[socket.socket], stop: threading.Event) -> None:
    """One byte to each connection every 0.2 s until `stop` (a slowloris client)."""
    while not stop.wait(0.2):
        for connection in connections:
            with contextlib.suppress(OSError):  # answered (408) and closed by the service
                connection.sendall(b" ")


def test_slow_bodies_hold_no_worker_and_end_in_408() -> None:
    config = limited(workers=1, queue=0, timeout_seconds=30.0, receive_timeout_seconds=5.0)
    with running(config) as url:
        slow = [raw_request(url, RECORD[:10], 10_000) for _ in range(SLOW_CLIENTS)]
        stop = threading.Event()
        threading.Thread(target=trickle, args=(slow, stop), daemon=True).start()
        health_when(url, lambda h: h["workers"]["receiving"] == SLOW_CLIENTS)
        started = time.monotonic()
        answer = httpx.post(url + "/v1/validate", content=RECORD, timeout=30)
        assert answer.status_code == 200, answer.text  # the one worker was free: not 503
        assert time.monotonic() - started < 4  # well before the slow ones end (5 s)
        state = httpx.get(url + "/healthz").json()["workers"]
        assert state["busy"] == 0 and state["receiving"] == SLOW_CLIENTS
        for connection in slow:
            status, said = status_of(connection)
            assert status == 408 and b"did not arrive within the time limit" in said
            connection.close()
        stop.set()
        assert time.monotonic() - started < 10
        health_when(url, lambda h: h["workers"]["receiving"] == 0)


def unlinked_temporaries() -> set[str]:
    """This process's open files in the temporary folder that have no name any more."""
    found = set()
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = str(fd.readlink())
        except OSError:
            continue
        if target.startswith(tempfile.gettempdir()) and target.endswith("(deleted)"):
            found.add(f"{fd.name}:{target}")
    return found


def test_a_large_body_waits_in_an_unlinked_file_gone_with_the_request() -> None:
    body = RECORD * (SPOOL_IN_MEMORY // len(RECORD) + 50)
    with running(limited(timeout_seconds=30.0)) as url:
        before = unlinked_temporaries()
        connection = raw_request(url, body[: -len(RECORD)], len(body))
        deadline = time.monotonic() + 20
        while not unlinked_temporaries() - before:  # over the threshold: out of memory, no name
            assert time.monotonic() < deadline, "the body never went to a temporary file"
            time.sleep(0.05)
        connection.sendall(body[-len(RECORD) :])
        status, answer = status_of(connection)
        connection.close()
        assert status == 200
        report = orjson.loads(answer.partition(b"\r\n\r\n")[2])
        assert report["summary"]["records"] == len(body) // len(RECORD)
        while unlinked_temporaries() - before:
            assert time.monotonic() < deadline, "the temporary file outlived the request"
            time.sleep(0.05)


def test_healthz_reports_the_pool_and_is_503_when_saturated() -> None:
    with running(limited(workers=1, queue=1, timeout_seconds=3.0)) as url:
        idle = httpx.get(url + "/healthz")
        assert idle.status_code == 200 and idle.headers["Ccstd-Health"] == "ok"
        assert idle.json()["workers"] == {
            "busy": 0,
            "capacity": 1,
            "queued": 0,
            "queueCapacity": 1,
            "receiving": 0,
        }
        holding, held = in_background(
            lambda: httpx.post(url + "/v1/validate", content=heavy_body(), timeout=30)
        )
        busy = health_when(url, lambda h: h["workers"]["busy"] == 1)
        assert busy.status_code == 200 and busy.json()["status"] == "busy"
        assert busy.headers["Ccstd-Health"] == "busy"
        waiting, waited = in_background(
            lambda: httpx.post(url + "/v1/validate", content=RECORD, timeout=30)
        )
        full = health_when(url, lambda h: h["workers"]["queued"] == 1)
        assert full.status_code == 503 and full.json()["status"] == "saturated"
        assert full.headers["Ccstd-Health"] == "saturated" and int(full.headers["Retry-After"]) > 0
        for answer in (idle, busy, full):  # as the OpenAPI document says
            schema_of("Health").validate(answer.json())
        problem(httpx.post(url + "/v1/validate", content=RECORD), 503)  # what the LB was told
        holding.join(30)
        waiting.join(30)
        assert held[0].status_code == 408 and waited[0].status_code == 200
        assert health_when(url, lambda h: h["status"] == "ok").status_code == 200


def test_validators_are_compiled_once_per_process() -> None:
    """build_plan's own cache statistics count compilations: a miss is one jsonschema-rs
    compilation of an entity's schema, a hit is a request that reused it."""
    version = valid_record("Resident")["standardVersion"]
    build_plan.cache_clear()
    with running(limited()) as url, httpx.Client(base_url=url, timeout=30) as client:
        assert client.post("/v1/validate", content=RECORD).status_code == 200
        assert build_plan.cache_info().misses == 1
        for options in (
            {"checkReferences": "true"},
            {"failOn": "warning", "format": "sarif"},
            {"type": "Resident", "standard": version},
        ):
            assert client.post("/v1/validate", params=options, content=RECORD).status_code == 200
        assert build_plan.cache_info().misses == 1
        assert build_plan.cache_info().hits >= 3
        bogus = b"".join(
            orjson.dumps({"type": f"Made{n}", "standardVersion": f"9.{n}.0", "id": str(n)}) + b"\n"
            for n in range(300)
        )  # types and versions no standard has are never compiled: the cache stays bounded
        assert client.post("/v1/validate", content=bogus).json()["summary"]["records"] == 300
        assert build_plan.cache_info().misses == 1


def test_connections_beyond_the_limit_get_503_and_the_rest_go_on() -> None:
    with running(limited(max_connections=3, timeout_seconds=30.0)) as url:
        slow = [raw_request(url, RECORD[:10], 10_000) for _ in range(3)]
        deadline = time.monotonic() + 20
        while httpx.get(url + "/healthz").status_code != 503:  # the 4th connection: refused
            assert time.monotonic() < deadline, "the limit was never reached"
            time.sleep(0.05)
        refused = httpx.post(url + "/v1/validate", content=RECORD)
        assert refused.status_code == 503 and refused.headers["Connection"] == "close"
        slow[0].close()
        deadline = time.monotonic() + 20
        while (answer := httpx.post(url + "/v1/validate", content=RECORD)).status_code == 503:
            assert time.monotonic() < deadline, "a closed connection was never given back"
            time.sleep(0.05)
        assert answer.status_code == 200
        for connection in slow[1:]:
            connection.sendall(b"x" * (10_000 - 10))
            assert status_of(connection)[0] == 422  # their bodies were received, not dropped
            connection.close()
