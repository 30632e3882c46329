"""--dask when the cluster cannot do the run: one line, exit 2, nothing written; and start-up."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from distributed.diagnostics.plugin import WorkerPlugin
from typer.testing import CliRunner

from ccstd.cli.app import app
from ccstd.standard import scale
from ccstd.standard.scale import ClusterError, connect, in_order
from tests.conftest import REPO_ROOT, valid_record

RUNNER = CliRunner()
ENV = {"CCSTD_PSEUDONYM_KEY": "scale-convert-test-key-0123"}
ORDERS = REPO_ROOT / "examples" / "vendors" / "orders" / "taobao-trades.ndjson"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _records(tmp_path: Path) -> Path:
    path = tmp_path / "r.ndjson"
    path.write_text(__import__("json").dumps(valid_record("Device")) + "\n")
    return path


def test_unreachable_scheduler_is_one_line_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scale, "CONNECT_SECONDS", 1)
    address = f"tcp://127.0.0.1:{_closed_port()}"
    report = tmp_path / "report.json"
    checked = RUNNER.invoke(app, ["validate", str(_records(tmp_path)), "-q", "--dask", address,
                                  "-f", "json", "-o", str(report)])  # fmt: skip
    out = tmp_path / "out.ndjson"
    converted = RUNNER.invoke(
        app, ["convert", str(ORDERS), "--out", str(out), "-q", "--dask", address], env=ENV
    )
    for result in (checked, converted):
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert result.stderr.count("\n") == 1 and "cannot reach the scheduler" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.ndjson"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["validate", "-", "--dask", "local"], "not stdin"),
        (["validate", "R", "--dask", "http://x"], "give local, local:N or a scheduler address"),
        (["validate", "R", "--dask", "local:0"], "give local, local:N"),
        (["validate", "R", "--dask", "ucx://127.0.0.1:1"], "give local, local:N"),
        (["validate", "R", "--dask", "tls://127.0.0.1:1"], "check your TLS configuration"),
        (["convert", str(ORDERS), "--dask", "local", "--jobs", "2"], "neither --replay nor"),
        (["validate", "R", "--dask", "local", "-j", "2"], "give --jobs or --dask, not both"),
    ],
)
def test_usage_errors(args: list[str], message: str, tmp_path: Path) -> None:
    args = [str(_records(tmp_path)) if a == "R" else a for a in args]
    result = RUNNER.invoke(app, args, env=ENV)
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.output


def test_a_bad_partition_size_is_refused(tmp_path: Path) -> None:
    result = RUNNER.invoke(app, ["validate", str(_records(tmp_path)), "--dask", "local"],
                           env={scale.PARTITION_ENV: "lots"})  # fmt: skip
    assert result.exit_code == 2 and "positive number of bytes" in result.stderr


def test_a_worker_that_dies_names_its_partition(scheduler: str) -> None:
    with connect(scheduler) as client, pytest.raises(ClusterError) as raised:
        list(in_order(client, [("a.ndjson (bytes 0-100)", os._exit, (3,))]))
    assert str(raised.value) == "a.ndjson (bytes 0-100): the workers handling it died"
    with connect(scheduler) as client:  # the cluster carries on (a new worker takes the place)
        assert list(in_order(client, [("x", abs, (-2,))])) == [2]


class _DieOnCheck(WorkerPlugin):  # type: ignore[misc]
    """Ends the worker process as it starts to check a partition (what an OOM kill does)."""

    def transition(self, key: object, start: str, finish: str, **kwargs: object) -> None:
        if finish == "executing" and "check_partition" in str(key):
            os._exit(9)


def test_workers_that_die_are_exit_2_naming_the_partition(tmp_path: Path) -> None:
    import dask
    from distributed import Client, LocalCluster

    records = tmp_path / "r.ndjson"
    records.write_text(__import__("json").dumps(valid_record("Device")) + "\n")
    report = tmp_path / "report.json"
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 1}),
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                     dashboard_address="127.0.0.1:0", silence_logs=logging.CRITICAL) as cluster,
        Client(cluster) as client,
    ):  # fmt: skip
        client.register_plugin(_DieOnCheck(), name="die-on-check")
        result = RUNNER.invoke(app, ["validate", str(records), "-q", "-f", "json", "-o",
                                     str(report), "--dask", cluster.scheduler_address])  # fmt: skip
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr == f"ccstd: error: {records}: the workers handling it died\n"
    assert not report.exists()


def test_help_does_not_import_dask() -> None:
    probe = (
        "import sys\nfrom ccstd.cli.app import main\nsys.argv = ['ccstd', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(any(m.split('.')[0] in ('dask', 'distributed') for m in sys.modules))"
    )
    for args in (["--help"], ["validate", "--help"], ["convert", "--help"]):
        run = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True,
                             text=True, check=True)  # fmt: skip
        assert run.stdout.strip().endswith("False"), args
