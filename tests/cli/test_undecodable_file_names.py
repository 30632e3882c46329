"""A file name that is not UTF-8 (bytes a Latin-1 system wrote) is read, and named in every
report with `\\xNN` escapes, never a traceback."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from ccstd.standard.registry import EXAMPLES_ROOT, StandardRegistry

RUNNER = CliRunner()
RECORD = EXAMPLES_ROOT / StandardRegistry().latest() / "Facility" / "valid-1.json"


@pytest.mark.parametrize(
    "options", [[], ["-f", "sarif"], ["-f", "junit"], ["--check-references", "-f", "json"]]
)
def test_an_undecodable_file_name_is_read_and_escaped(tmp_path: Path, options: list[str]) -> None:
    name = os.fsdecode(b"caf\xe9.ndjson")  # the OS layer keeps the byte as a lone surrogate
    try:
        (tmp_path / name).write_bytes(RECORD.read_bytes().replace(b"\n", b" ") + b"\n")
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system refuses names that are not UTF-8")
    result = RUNNER.invoke(app, ["validate", str(tmp_path), *options])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == (1 if "--check-references" in options else 0), result.output
    if "json" in options:  # the unresolved Community is a finding that names the file
        assert json.loads(result.stdout)["findings"][0]["file"].endswith("caf\\xe9.ndjson")
