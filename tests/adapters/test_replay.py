"""Rejects are replayable: after a mapping fix, only the rejected items are converted again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccstd.adapters.orders import ShopifyOrders
from ccstd.adapters.orders.adapter import OrdersAdapter
from ccstd.adapters.orders.tables import BUILTIN, load_platform
from ccstd.adapters.privacy import Protector
from ccstd.adapters.runner import Outputs, ReplayError, convert_paths, replay_rejects
from ccstd.cli.app import app
from ccstd.standard.registry import StandardRegistry
from tests.conftest import REPO_ROOT

SHOPIFY = REPO_ROOT / "examples" / "vendors" / "orders" / "shopify-orders.json"
FHIR = REPO_ROOT / "examples" / "vendors" / "fhir" / "clinic-export.json"
PROTECTOR_KEY = b"replay-test-key-7f3a9c2e0b1d4f8a"
KEY = {"CCSTD_PSEUDONYM_KEY": PROTECTOR_KEY.decode()}


def protector() -> Protector:
    return Protector(StandardRegistry().get("1.0.0"), PROTECTOR_KEY)


def test_replay_after_a_mapping_fix_converts_what_the_fix_covers(tmp_path: Path) -> None:
    first = convert_paths(
        ShopifyOrders(),
        [SHOPIFY],
        Outputs(tmp_path / "a.ndjson", tmp_path / "rejects.ndjson"),
        protector(),
    )
    assert first.rejected == 2
    table = (
        (BUILTIN / "shopify.toml")
        .read_text(encoding="utf-8")
        .replace("codes = {pending = ", 'codes = {chargeback = "refunded", pending = ', 1)
    )  # the fix is an edit of the platform's table
    (tmp_path / "shopify.toml").write_text(table, encoding="utf-8")
    fixed = OrdersAdapter(load_platform(tmp_path / "shopify.toml"))
    outputs = Outputs(tmp_path / "b.ndjson", tmp_path / "still.ndjson")
    again = replay_rejects(tmp_path / "rejects.ndjson", outputs, PROTECTOR_KEY, adapter=fixed)
    assert (again.read, again.converted, again.rejected) == (2, 1, 1)
    [still] = [json.loads(line) for line in (tmp_path / "still.ndjson").read_text().splitlines()]
    assert still["reason"] == "invalid-money"
    records = [json.loads(line) for line in (tmp_path / "b.ndjson").read_text().splitlines()]
    [order] = [r for r in records if r["type"] == "Order"]
    assert order["paymentStatus"] == "refunded"


def test_fhir_rejects_keep_the_bundle_references_they_need(tmp_path: Path) -> None:
    runner = CliRunner()
    first_run = [
        "convert",
        str(FHIR),
        "-o",
        str(tmp_path / "a.ndjson"),
        "--rejects",
        str(tmp_path / "r.ndjson"),
    ]
    first = runner.invoke(app, [*first_run, "-q"], env=KEY)
    assert first.exit_code == 1
    lines = [json.loads(line) for line in (tmp_path / "r.ndjson").read_text().splitlines()]
    assert any(line["context"].get("fullUrls") for line in lines)
    replay = ["convert", "--replay", str(tmp_path / "r.ndjson"), "-o", str(tmp_path / "b.ndjson")]
    again = runner.invoke(app, [*replay, "--rejects", str(tmp_path / "r2.ndjson"), "-q"], env=KEY)
    assert again.exit_code == 1  # the same two items, rejected for the same reasons
    reasons = [
        json.loads(line)["reason"] for line in (tmp_path / "r2.ndjson").read_text().splitlines()
    ]
    assert sorted(reasons) == sorted(line["reason"] for line in lines)


def test_a_file_that_is_not_a_rejects_file_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.ndjson"
    bogus.write_text("{not json\n")
    with pytest.raises(ReplayError, match="not a readable rejects file"):
        replay_rejects(bogus, Outputs(tmp_path / "o.ndjson"), PROTECTOR_KEY)
    result = CliRunner().invoke(
        app, ["convert", "--replay", str(bogus), "-o", str(tmp_path / "o.ndjson")], env=KEY
    )
    assert result.exit_code == 2 and "Traceback" not in result.output
