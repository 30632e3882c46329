"""Running the service for tests: in a thread of the test process (a real uvicorn on a loopback
port), or as `ccstd serve` in a child process, as a vendor would start it."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from ccstd.service.app import create_app
from ccstd.service.config import Limits, ServiceConfig
from tests.conftest import REPO_ROOT

VENDOR_EXPORT = REPO_ROOT / "examples" / "validate" / "vendor-export.ndjson"
_LISTENING = re.compile(r"listening on (http://\S+?)/ ")


@contextlib.contextmanager
def running(config: ServiceConfig) -> Iterator[str]:
    """The service with `config`, served by uvicorn in a thread; yields its base URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config),
            root_path=config.root_path,
            log_config=None,
            access_log=False,
            lifespan="on",
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the service did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(20)
        listener.close()


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
def child_service(*args: str, log: Path, env: dict[str, str] | None = None) -> Iterator[Child]:
    """`ccstd serve --port 0 ARGS` started as a vendor would; stopped with SIGTERM."""
    with log.open("ab") as stream:  # appending: the child's writes never race our reads
        process = subprocess.Popen(
            [sys.executable, "-m", "ccstd.cli", "serve", "--port", "0", *args],
            stderr=stream,
            stdout=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
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
