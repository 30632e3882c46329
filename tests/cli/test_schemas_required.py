"""`ccstd schemas show` says which fields are required, as the schemas do; a retired division
code's finding names its successor where the code table knows one."""

from __future__ import annotations

import json
import re
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from ccstd.standard.registry import EXAMPLES_ROOT, StandardRegistry
from tests.conftest import valid_record

RUNNER = CliRunner()
LATEST = StandardRegistry().latest()


def _rows(entity: str) -> dict[str, list[str]]:
    result = RUNNER.invoke(app, ["schemas", "show", entity], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    header = next(line for line in lines if "field" in line and "required" in line)
    assert [c.strip() for c in header.strip("┃ ").split("┃")][:2] == ["field", "required"]
    rows = [
        [c.strip() for c in line.strip("│ ").split("│")] for line in lines if line.startswith("│")
    ]
    return {row[0]: row[1:] for row in rows}


def test_required_column_shows_yes_conditional_or_nothing() -> None:
    resident = _rows("Resident")
    assert resident["id"][0] == resident["type"][0] == resident["name"][0] == "yes"
    assert resident["gender"][0] == ""
    assert resident["contacts.*.value"][0] == "yes"  # required in each item
    assert _rows("AccessEvent")["denialReason"][0] == "conditional"


ENTITIES = sorted(p.name for p in (EXAMPLES_ROOT / LATEST).iterdir() if p.is_dir())


@pytest.mark.parametrize("entity", ENTITIES)
def test_every_field_the_column_calls_required_is_required(entity: str, tmp_path: Path) -> None:
    schema = StandardRegistry().get(LATEST).entity_schema(entity)
    rows = _rows(entity)
    required = sorted(f for f, row in rows.items() if row[0] == "yes" and "." not in f)
    assert set(schema.get("required", ())) <= set(required)
    example = json.loads(next((EXAMPLES_ROOT / LATEST / entity).glob("valid-*.json")).read_text())
    source = tmp_path / "missing.ndjson"
    lines = [orjson.dumps({k: v for k, v in example.items() if k != f}) for f in required]
    source.write_bytes(b"\n".join(lines) + b"\n")
    result = RUNNER.invoke(
        app, ["validate", str(source), "-q", "-f", "json", "--max-findings", "0"]
    )
    refusals = {"required-property-missing", "standard-version-missing", "record-type-missing"}
    missing = {f["line"] for f in json.loads(result.stdout)["findings"] if f["code"] in refusals}
    assert missing == set(range(1, len(required) + 1)), (entity, required, missing)


def _retired(code: str, tmp_path: Path) -> str:
    community = valid_record("Community") | {"divisionCode": code}
    source = tmp_path / "community.ndjson"
    source.write_bytes(orjson.dumps(community) + b"\n")
    result = RUNNER.invoke(
        app, ["validate", str(source), "-q", "-f", "json", "--fail-on", "warning"]
    )
    assert result.exit_code == 1
    [finding] = [
        f for f in json.loads(result.stdout)["findings"] if f["code"] == "retired-division-code"
    ]
    return str(finding["message"])


def test_retired_division_code_names_its_successor(tmp_path: Path) -> None:
    assert _retired("110103", tmp_path) == (
        "division code was retired in 2010; use 110101 (东城区) instead"
    )  # 崇文区, merged into 东城区
    assert _retired("130226", tmp_path) == (
        "division code was retired in 1996; use 130283 (迁安市) instead"
    )  # 迁安县 became 迁安市
    assert re.fullmatch(
        r"division code was retired in 1986; the code table names no successor",
        _retired("110110", tmp_path),  # 燕山区
    )
