"""Ctrl-C and SIGTERM end a command with 130 / 143, after its temporaries and children are gone."""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.hostile.test_vendor_code import STUCK_ADAPTERS, STUCK_TEMPLATE, vendor


def start(*args: str | Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "ccstd.cli", *map(str, args)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def children_of(parent: int) -> list[int]:
    """Processes whose parent is `parent` (read from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            found.append(int(stat.parent.name))
    return found


def test_ctrl_c_while_reading_exits_130_quietly() -> None:
    process = start("validate", "-")
    time.sleep(1.5)  # well into reading stdin, which never ends
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert b"Traceback" not in err and b"Aborted" not in err


def test_sigterm_during_certification_leaves_no_folder_and_no_child(tmp_path: Path) -> None:
    source = STUCK_TEMPLATE.format(body=STUCK_ADAPTERS["sleeps"])
    manifest = vendor(tmp_path / "vendor", "stuck", source, "StuckAdapter")
    process = start("certify", "run", manifest, "--out", tmp_path / "out")
    temporary = Path(tempfile.gettempdir())
    pattern = f"ccstd-*-{process.pid}-*"
    deadline = time.monotonic() + 30
    while not list(temporary.glob(f"ccstd-sandbox-{process.pid}-*")):
        assert time.monotonic() < deadline, "the sandbox never started"
        time.sleep(0.1)
    time.sleep(1)  # the adapter is now asleep in its child
    children = children_of(process.pid)
    assert children, "the adapter's process was not found"
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 143, err
    assert b"Traceback" not in err
    assert not list(temporary.glob(pattern))
    time.sleep(0.5)
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()]  # no orphan left
