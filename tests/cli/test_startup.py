"""Start-up: a command imports what it uses; the root help imports no command at all."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ccstd.cli.app import _Commands
from ccstd.cli.lazy import load_command

PROBE = """
import sys
from ccstd.cli.app import main
sys.argv = ["ccstd", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print("\\n".join(sorted(sys.modules)), file=sys.stderr)
"""
HEAVY = (
    "ccstd.conformance",
    "ccstd.standard.publishing",
    "ccstd.adapters",
    "datamodel_code_generator",
)


def imported_by(*args: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True
    )
    return set(result.stderr.split())


def heavy(modules: set[str]) -> set[str]:
    return {m for m in modules if m.startswith(HEAVY)}


def test_root_help_imports_no_command() -> None:
    modules = imported_by("--help")
    assert not heavy(modules)
    assert not {m for m in modules if m.startswith(("jsonschema", "ccstd.cli.validate"))}


def test_validate_imports_neither_certification_nor_publishing(tmp_path: object) -> None:
    assert not heavy(imported_by("validate", "--help"))


@pytest.mark.parametrize("name", list(_Commands.lazy_commands))
def test_listed_summary_is_the_commands_own(name: str) -> None:
    command = load_command(name, _Commands.lazy_commands[name])
    assert command.get_short_help_str(limit=1000) == _Commands.lazy_commands[name].summary
