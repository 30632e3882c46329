"""`ccstd certify` end to end on a sample file that only repeats another: its finding says its
items were skipped as duplicates, not "0 of its items rejected"."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from ccstd.cli.app import app
from tests.conftest import REPO_ROOT, proves

RUNNER = CliRunner()


@proves("samples-not-converted")
def test_a_sample_that_only_repeats_another_is_said_to_be_duplicates(tmp_path: Path) -> None:
    vendor = shutil.copytree(REPO_ROOT / "examples" / "vendors" / "linli-market", tmp_path / "v")
    manifest = vendor / "ccstd-vendor.toml"
    text = manifest.read_text(encoding="utf-8").replace(
        'golden = "golden/taobao-trades.ndjson"', ""
    )
    page = json.loads(
        (vendor / "sources" / "taobao-trades.ndjson").read_text("utf-8").split("\n")[0]
    )
    trades = page["trades_sold_get_response"]["trades"]
    trades["trade"] = [t for t in trades["trade"] if t["status"] == "TRADE_FINISHED"][:1]
    again = json.dumps(page, ensure_ascii=False) + "\n"
    (vendor / "sources" / "again.ndjson").write_text(again, encoding="utf-8")
    sources = '"sources/taobao-trades.ndjson", "sources/again.ndjson"'
    manifest.write_text(text.replace('"sources/taobao-trades.ndjson"', sources), encoding="utf-8")
    out = tmp_path / "out"
    result = RUNNER.invoke(app, ["certify", "run", str(manifest), "--out", str(out), "-q"])
    assert result.exit_code == 1, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    found = [f for f in report["findings"] if f["code"] == "samples-not-converted"]
    assert [f["file"] for f in found] == ["sources/again.ndjson"]
    assert found[0]["message"] == (
        "the sample gave no records (1 of its items skipped as duplicates of items read before, "
        "none new)"
    )
