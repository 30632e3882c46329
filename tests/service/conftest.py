"""Running the service for tests: in a thread of the test process (a real uvicorn on a loopback
port), or as `ccstd serve` in a child process, as a vendor would start it."""

from __future__ import annotations

import contextlib
import functools
import gzip
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import uvicorn

from ccstd.service.app import listener, server_config
from ccstd.service.config import Limits, ServiceConfig
from tests.conftest import REPO_ROOT, valid_record

VENDOR_EXPORT = REPO_ROOT / "examples" / "validate" / "vendor-export.ndjson"
_LISTENING = re.compile(r"listening on (http://\S+?)/ ")


@contextlib.contextmanager
def running(config: ServiceConfig) -> Iterator[str]:
    """The service with `config`, served by uvicorn in a thread; yields its base URL."""
    sock = listener("127.0.0.1", 0)
    server = uvicorn.Server(server_config(config))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the service did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(20)
        sock.close()


@functools.cache
def heavy_body(records: int = 200_000) -> bytes:
    """A small gzip body whose validation keeps a worker busy for seconds (a real validation,
    of `records` valid records; cut short by the service's time limit when one is set).
    Packed once per size for the session (bytes, immutable)."""
    record = orjson.dumps(valid_record("Resident")) + b"\n"
    return gzip.compress(record * records, 1)


def health_when(url: str, ready: Callable[[dict[str, Any]], bool]) -> httpx.Response:
    """The first /healthz answer whose document satisfies `ready`, within 20 s."""
    deadline = time.monotonic() + 20
    while not ready((answer := httpx.get(url + "/healthz", timeout=10)).json()):
        assert time.monotonic() < deadline, f"/healthz never got there: {answer.text}"
        time.sleep(0.02)
    return answer


def in_background(
    send: Callable[[], httpx.Response],
) -> tuple[threading.Thread, list[httpx.Response]]:
    """`send` run in a thread; its answer lands in the list."""
    answers: list[httpx.Response] = []
    thread = threading.Thread(target=lambda: answers.append(send()), daemon=True)
    thread.start()
    return thread, answers


Serve = Callable[..., contextlib.AbstractContextManager[str]]


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """The service with its default limits (shared by a module's tests)."""
    with running(ServiceConfig()) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=60) as http:
        yield http


def limited(**limits: float) -> ServiceConfig:
    """A configuration with some limits changed."""
    return ServiceConfig(limits=Limits(**limits))  # type: ignore[arg-type]


@dataclass
class Child:
    """`ccstd serve` in a child process, its stderr in `log`."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextlib.contextmanager
def child_service(
    *args: str,
    log: Path,
    env: dict[str, str] | None = None,
    preexec: Callable[[], None] | None = None,
) -> Iterator[Child]:
    """`ccstd serve --port 0 ARGS` started as a vendor would (`preexec` runs in the child
    before it); stopped with SIGTERM."""
    with log.open("ab") as stream:  # appending: the child's writes never race our reads
        process = subprocess.Popen(
            [sys.executable, "-m", "ccstd.cli", "serve", "--port", "0", *args],
            stderr=stream,
            stdout=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            preexec_fn=preexec,
        )
    try:
        yield Child(process, _wait_for_url(process, log), log)
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(20)


def _wait_for_url(process: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = _LISTENING.search(log.read_text(encoding="utf-8", errors="replace"))
        if found:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(found.group(1) + "/healthz", timeout=5).status_code == 200:
                    return found.group(1)
        if process.poll() is not None:
            raise AssertionError(f"ccstd serve exited {process.returncode}: {log.read_text()}")
        time.sleep(0.1)
    raise AssertionError("ccstd serve did not start within 30 s")
