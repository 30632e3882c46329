"""`ccstd schemas`: browsing the standard from the command line."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from ccstd.cli.app import app

RUNNER = CliRunner()


def test_list_shows_every_entity() -> None:
    result = RUNNER.invoke(app, ["schemas", "list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "ServiceRequest" in result.stdout and "诉求工单" in result.stdout


def test_show_fields_with_sensitivity() -> None:
    result = RUNNER.invoke(app, ["schemas", "show", "Resident"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "nationalId" in result.stdout and "identifier" in result.stdout


def test_show_raw_schema() -> None:
    result = RUNNER.invoke(app, ["schemas", "show", "Facility", "--json", "--version", "1.0.0"])
    assert json.loads(result.stdout)["$id"].endswith("/1.0.0/facility.json")


def test_unknown_entity_and_version_exit_2() -> None:
    assert RUNNER.invoke(app, ["schemas", "show", "Nope"]).exit_code == 2
    assert RUNNER.invoke(app, ["schemas", "list", "--version", "0.0.1"]).exit_code == 2


def test_help_documents_exit_codes() -> None:
    result = RUNNER.invoke(app, ["validate", "--help"], env={"COLUMNS": "200"})
    assert "Exit codes: 0" in result.stdout
