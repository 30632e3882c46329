"""--dask against what it was not designed for: servers that are not schedulers, workers that
run several threads."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
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


@pytest.fixture(scope="module")
def threaded() -> Iterator[str]:
    """A LocalCluster of one worker process running 4 threads (`dask worker`'s default is one
    thread per core)."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=1,
        threads_per_worker=4,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        silence_logs=logging.CRITICAL,
    ) as cluster:
        yield cluster.scheduler_address


def _many_patients(path: Path, copies: int) -> Path:
    """The FHIR example `copies` times over, each copy with its own ids (many chunks)."""
    bundle = json.loads(FHIR.read_text(encoding="utf-8"))
    text = json.dumps(bundle["entry"])
    entries = []
    for copy in range(copies):
        renamed = re.sub(r'"(id|fullUrl)": "([^"]+)"', rf'"\1": "\2-c{copy}"', text)
        renamed = re.sub(r'"reference": "([^"]+)"', rf'"reference": "\1-c{copy}"', renamed)
        entries.extend(json.loads(renamed))
    path.write_text(json.dumps({**bundle, "entry": entries}), encoding="utf-8")
    return path


def test_convert_on_threaded_workers_counts_as_a_local_run(threaded: str, tmp_path: Path) -> None:
    source = _many_patients(tmp_path / "bundle.json", 6)
    summaries = []
    for name, extra in (("local", []), ("dask", ["--dask", threaded])):
        out = tmp_path / name
        out.mkdir()
        args = ["convert", str(source), "--out", str(out / "records.ndjson"), "--ledger",
                str(out / "ledger.json"), *extra]  # fmt: skip
        result = RUNNER.invoke(app, args, env={**ENV, "COLUMNS": "200"})
        assert result.exit_code in (0, 1), result.output
        # the title names the output, centred: compare lines without the padding
        summary = result.stderr.replace(str(out), "OUT")
        summaries.append([line.strip() for line in summary.splitlines()])
    assert summaries[0] == summaries[1]
    for output in ("records.ndjson", "ledger.json"):
        local, dask = (tmp_path / name / output for name in ("local", "dask"))
        assert local.read_bytes() == dask.read_bytes()


def _workers(pid: int) -> list[int]:
    """The worker processes (not multiprocessing's resource tracker) that `pid` started."""
    run = subprocess.run(["pgrep", "-P", str(pid), "-f", "spawn_main"], capture_output=True,
                         text=True)  # fmt: skip
    return [int(p) for p in run.stdout.split()]


def _ignores_ctrl_c(pid: int) -> bool:
    """Whether the process ignores SIGINT (its SigIgn mask in /proc)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    ignored = re.search(r"^SigIgn:\s*([0-9a-f]+)$", status, re.MULTILINE)
    return ignored is not None and bool(int(ignored[1], 16) & (1 << (signal.SIGINT - 1)))


@pytest.mark.slow
def test_ctrl_c_on_a_local_cluster_is_quiet_and_leaves_no_process(tmp_path: Path) -> None:
    from benchmarks.generate import generate

    records = tmp_path / "r.ndjson"
    generate(records, 20000, seed=3, invalid_share=0.05)
    records.write_bytes(records.read_bytes() * 5)  # long enough to be interrupted
    report = tmp_path / "report.json"
    command = ["validate", str(records), "-q", "-o", str(report), "--dask", "local:2"]
    run = subprocess.Popen([sys.executable, "-c", _MAIN, *command], stderr=subprocess.PIPE,
                           text=True, start_new_session=True, cwd=tmp_path)  # fmt: skip
    deadline = time.monotonic() + 60  # until the workers are up (and ready, with the fix)
    while time.monotonic() < deadline and not (
        len(workers := _workers(run.pid)) == 2 and all(map(_ignores_ctrl_c, workers))
    ):
        time.sleep(0.2)
    workers = _workers(run.pid)
    assert len(workers) == 2 and run.poll() is None
    os.killpg(run.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole group
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == 130 and stderr == "", stderr
    assert not report.exists()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [pid for pid in workers if Path(f"/proc/{pid}").exists()] == []


@pytest.mark.slow
def test_local_starts_one_worker_per_core_the_command_may_use(tmp_path: Path) -> None:
    """`--dask local` under a CPU affinity of one core (taskset, a batch job's cpuset) starts
    one worker, not one per core of the machine."""
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("needs 2 cores to restrict the command to 1")
    records = tmp_path / "r.ndjson"
    records.write_text(json.dumps(valid_record("Device")) + "\n")
    one_core = str(min(os.sched_getaffinity(0)))
    run = subprocess.Popen(["taskset", "-c", one_core, sys.executable, "-c", _MAIN, "validate",
                            str(records), "-q", "--dask", "local"], cwd=tmp_path)  # fmt: skip
    most = 0
    while run.poll() is None:
        most = max(most, len(_workers(run.pid)))
        time.sleep(0.1)
    assert run.returncode == 0 and most == 1


def test_a_record_too_large_is_reported_in_line_order(scheduler: str, tmp_path: Path) -> None:
    """A line over the record limit among invalid records: its finding comes where its line
    is, whatever the ranges or blocks (it came after the rest of its block's findings)."""
    from ccstd.standard.reading import MAX_RECORD_BYTES
    from ccstd.standard.scale import PARTITION_ENV

    bad = json.dumps({**valid_record("Device"), "id": 7}).encode() + b"\n"
    huge = b'{"id": "' + b"x" * MAX_RECORD_BYTES + b'"}\n'
    source = tmp_path / "big.ndjson"
    source.write_bytes(bad * 3 + huge + bad * 50)
    reports = []
    for extra in ([], ["--dask", scheduler]):
        result = RUNNER.invoke(app, ["validate", str(source), "-q", "-f", "json",
                                     "--max-findings", "0", *extra],
                               env={PARTITION_ENV: "4096"})  # fmt: skip
        assert result.exit_code == 1, result.output
        reports.append([(f["line"], f["code"]) for f in json.loads(result.stdout)["findings"]])
    assert reports[0] == reports[1]
    assert reports[0] == sorted(reports[0], key=lambda finding: finding[0])
