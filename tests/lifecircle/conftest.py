"""Shared fixtures: the demo district (committed under examples/lifecircle/) and a runner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app

DEMO = Path(__file__).resolve().parents[2] / "examples" / "lifecircle"
RECORDS = DEMO / "records"
NETWORK = DEMO / "district.osm"
PERSON_LINKED = ("res-", "hh-", "dw-", "ord-", "dlv-", "sr-", "cv-")  # demo id prefixes


def run(*args: str) -> Any:
    """`ccstd ARGS` in-process; the result has exit_code, stdout, stderr."""
    return CliRunner().invoke(app, list(args))


def report(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def estimate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's report without a network (straight-line estimate)."""
    out = tmp_path_factory.mktemp("estimate")
    result = run("lifecircle", str(RECORDS), "--out", str(out), "-q")
    assert result.exit_code == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def routed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's report on its street network."""
    out = tmp_path_factory.mktemp("routed")
    result = run("lifecircle", str(RECORDS), "--network", str(NETWORK), "--out", str(out), "-q")
    assert result.exit_code == 0, result.stderr
    return out
