"""Outputs never clobber inputs, and temporaries never outlive a run: refuse_collisions and
atomic_output under interruption, with real files and real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ccstd.standard.files import (
    PathCollisionError,
    atomic_output,
    refuse_collisions,
    remove_stale_temporaries,
)


def test_an_input_reached_by_any_spelling_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data.json"
    data.write_text("{}")
    (tmp_path / "alias.json").symlink_to(data)
    os.link(data, tmp_path / "hard.json")
    for spelling in ("data.json", "./sub/../data.json", "alias.json", "hard.json"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        with pytest.raises(PathCollisionError, match="refusing to overwrite") as caught:
            refuse_collisions([str(data)], [("--output", tmp_path / spelling)])
        assert "\n" not in str(caught.value) and isinstance(caught.value, ValueError)


def test_two_outputs_naming_one_new_file_are_refused(tmp_path: Path) -> None:
    outputs = [("--output", tmp_path / "r.json"), ("--write-baseline", tmp_path / "x/../r.json")]
    with pytest.raises(PathCollisionError, match="give each output its own file"):
        refuse_collisions([], outputs)


def test_distinct_files_stdin_and_devices_pass(tmp_path: Path) -> None:
    (tmp_path / "in.json").write_text("{}")
    refuse_collisions(
        ["-", str(tmp_path / "in.json")],
        [
            ("--output", tmp_path / "out.json"),
            ("--write-baseline", None),
            ("--a", Path("/dev/null")),
            ("--b", Path("/dev/null")),
        ],
    )


def test_an_interrupted_write_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt), atomic_output(target) as handle:
        handle.write(b"half")
        raise KeyboardInterrupt
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
    assert target.read_bytes() == b"old"


_WRITE_THEN_SIGTERM = """
import os, signal, sys
from pathlib import Path
from ccstd.standard.files import atomic_output
with atomic_output(Path(sys.argv[1])) as handle:
    handle.write(b"half")
    os.kill(os.getpid(), signal.SIGTERM)
    handle.write(b"never")
"""


def test_sigterm_during_a_write_removes_the_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_bytes(b"old")
    done = subprocess.run(
        [sys.executable, "-c", _WRITE_THEN_SIGTERM, str(target)], capture_output=True, timeout=60
    )
    assert done.returncode == 128 + signal.SIGTERM, done.stderr
    assert b"Traceback" not in done.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
    assert target.read_bytes() == b"old"


def test_only_temporaries_of_finished_processes_are_removed(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    dead = tmp_path / ".out.json.4194304.k2j3h4.tmp"  # no pid reaches pid_max's ceiling
    alive = tmp_path / f".out.json.{os.getppid()}.a1b2c3.tmp"  # a run in progress
    other = tmp_path / ".other.json.4194304.k2j3h4.tmp"  # another target's
    for path in (dead, alive, other):
        path.write_bytes(b"partial")
    assert remove_stale_temporaries(target) == [dead]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, other.name])
