"""`ccstd certify` end to end on masked values: a "masked" value that still holds a whole number
is a `raw-identifier-leak`; a real mask (`138****5678`) is none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from tests.conftest import REPO_ROOT

RUNNER = CliRunner()
ORDER = REPO_ROOT / "standard" / "examples" / "1.0.0" / "Order" / "valid-1.json"
MANIFEST = """[vendor]
name = "Masked Shop"
product = "orders API"

[claim]
standard = "1.0.0"
profiles = ["commerce"]
level = "quality"

[data]
records = ["records/*.ndjson"]
"""


def vendor(tmp_path: Path, phone: str, name: str = "orders") -> Path:
    folder = tmp_path / "vendor"
    (folder / "records").mkdir(parents=True)
    (folder / "ccstd-vendor.toml").write_text(MANIFEST, encoding="utf-8")
    order = json.loads(ORDER.read_text(encoding="utf-8"))
    order["recipientPhone"] = {"protection": "masked", "value": phone}
    (folder / "records" / f"{name}.ndjson").write_text(
        json.dumps(order, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return folder


def certify(folder: Path, *more: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    out = folder.parent / "out"
    args = [str(folder / "ccstd-vendor.toml"), "--out", str(out), "-q", *more]
    result = RUNNER.invoke(app, ["certify", "run", *args])
    assert "Traceback" not in result.output
    return result.exit_code, json.loads((out / "report.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("phone", ["13812345678*", "138*1234*5678", "110101199003074514*"])
def test_a_masked_value_holding_a_whole_number_is_a_leak(tmp_path: Path, phone: str) -> None:
    code, report = certify(vendor(tmp_path, phone))
    assert code == 1 and report["verdict"] == "fail"
    found = [f for f in report["findings"] if f["code"] == "raw-identifier-leak"]
    assert [f["pointer"] for f in found] == ["/recipientPhone/value"]


def test_a_real_mask_is_no_leak(tmp_path: Path) -> None:
    code, report = certify(vendor(tmp_path, "138****5678"))
    assert code == 0 and "raw-identifier-leak" not in report["summary"]["byRule"]
