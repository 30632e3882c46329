"""Start-up of `ccstd validate ONE_FILE` (the pre-commit case): what one small record does not
need is not imported (issue 13)."""

from __future__ import annotations

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
)


def test_one_small_file_imports_only_what_it_checks(tmp_path: Path) -> None:
    resident = (EXAMPLES_ROOT / "1.2.0" / "Resident" / "valid-1.json").read_bytes()
    (tmp_path / "one.json").write_bytes(resident)
    modules = imported_by("validate", str(tmp_path / "one.json"), "-q")
    assert "ccstd.standard.checker" in modules  # it did validate
    assert not {m for m in modules if m.startswith(NOT_FOR_ONE_RESIDENT)}


def test_root_help_loads_no_finding_machinery() -> None:
    assert "ccstd.standard.results" not in imported_by("--help")
