"""Start-up of `ccstd validate ONE_FILE` (the pre-commit case): what one small record does not
need is not imported (issue 13)."""

from __future__ import annotations

import itertools
from pathlib import Path

from ccstd.standard.registry import EXAMPLES_ROOT
from tests.cli.test_startup import imported_by

NOT_FOR_ONE_RESIDENT = (
    "referencing",  # python-jsonschema's registry: the reference validators only
    "distributed",  # --dask only
    "ccstd.standard.scale",
    "ccstd.standard.money",  # orders only
    "iso4217",
    "ijson",  # large JSON arrays only
    "pydantic",  # typer's coercion of values that need none (cli/coercion.py)
    "rich",  # nothing is rendered for a valid file with -q
)


def test_one_small_file_imports_only_what_it_checks(tmp_path: Path) -> None:
    resident = (EXAMPLES_ROOT / "1.2.0" / "Resident" / "valid-1.json").read_bytes()
    (tmp_path / "one.json").write_bytes(resident)
    modules = imported_by("validate", str(tmp_path / "one.json"), "-q")
    assert "ccstd.standard.checker" in modules  # it did validate
    assert not {m for m in modules if m.startswith(NOT_FOR_ONE_RESIDENT)}


def test_root_help_loads_no_finding_machinery() -> None:
    assert "ccstd.standard.results" not in imported_by("--help")


def test_values_coerced_without_pydantic_keep_typers_messages(tmp_path: Path) -> None:
    """Choices, defaults and plain strings skip typer's pydantic adapters; a value they refuse
    still gets typer's own message (and a number to parse still goes through pydantic)."""
    import subprocess
    import sys

    def error(*args: str) -> str:
        command = [sys.executable, "-m", "ccstd.cli", "validate", *args, "x.json"]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        assert done.returncode == 2
        return done.stderr

    assert "'--format' / '-f': 'xx' is not one of 'text', 'json'" in error("--format", "xx")
    assert "'--fail-on': 'ERROR' is not one of 'error', 'warning'" in error("--fail-on", "ERROR")
    assert "'--input-format': 'x' is not one of 'auto', 'json'" in error("--input-format", "x")
    assert "Input should be greater than or equal to 1" in error("--jobs", "0")
    assert "unable to parse string as an integer" in error("--jobs", "two")


def test_too_many_jobs_is_a_usage_error_not_a_traceback(tmp_path: Path) -> None:
    import subprocess
    import sys

    resident = (EXAMPLES_ROOT / "1.2.0" / "Resident" / "valid-1.json").read_bytes()
    (tmp_path / "one.json").write_bytes(resident)
    commands = (["validate"], ["convert", "--from", "fhir-r4", "-o", str(tmp_path / "out")])
    for command, jobs in itertools.product(commands, ("1025", "99999999999999999999")):
        run = [sys.executable, "-m", "ccstd.cli", *command, str(tmp_path / "one.json")]
        done = subprocess.run([*run, "--jobs", jobs], capture_output=True, text=True)
        assert done.returncode == 2
        assert "Traceback" not in done.stderr
        assert "'--jobs' / '-j': Input should be less than or equal to 1024" in done.stderr
