"""--dask against what it was not designed for: servers that are not schedulers, workers that
run several threads."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import REPO_ROOT, valid_record

RUNNER = CliRunner()
ENV = {"CCSTD_PSEUDONYM_KEY": "scale-attack-test-key-0123456", "SOURCE_DATE_EPOCH": "1700000000"}
FHIR = REPO_ROOT / "examples" / "vendors" / "fhir" / "clinic-export.json"
_MAIN = (
    "import sys\nfrom ccstd.standard import scale\nscale.CONNECT_SECONDS = 2\n"
    "from ccstd.cli.app import main\nsys.argv = ['ccstd', *sys.argv[1:]]\nmain()\n"
)


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[str]:
    """A TCP server that is not a Dask scheduler: it accepts and says `request.param` (b"" for
    nothing), then holds the connection open."""
    greeting: bytes = request.param
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def serve() -> None:
        with contextlib.suppress(OSError):  # the listener closed: the test is over
            while True:
                conn, _ = listener.accept()
                held.append(conn)
                if greeting:
                    conn.sendall(greeting)

    threading.Thread(target=serve, daemon=True).start()
    yield f"tcp://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()
    for conn in held:
        conn.close()


@pytest.mark.parametrize(
    "server",
    [b"", b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"],
    ids=["silent", "http"],
    indirect=True,
)
def test_a_server_that_is_not_a_scheduler_is_exit_2_not_a_hang(server: str, tmp_path: Path) -> None:
    records = tmp_path / "r.ndjson"
    records.write_text(json.dumps(valid_record("Device")) + "\n")
    report = tmp_path / "report.json"
    run = subprocess.run(
        [sys.executable, "-c", _MAIN, "validate", str(records), "-q", "-o", str(report),
         "--dask", server],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert run.stderr.startswith(f"ccstd: error: --dask {server}: cannot reach the scheduler")
    assert "is it a Dask scheduler?" in run.stderr and run.stderr.count("\n") == 1
    assert not report.exists()
