"""Order platforms are files, found and checked like access-log dialects: `--dialect FILE`,
`$CCSTD_DIALECT_PATH`, the `ccstd.dialects` entry points and the built-in folder."""

from __future__ import annotations

import json
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccstd.adapters import dialect_files
from ccstd.adapters.registry import catalogue
from ccstd.cli.app import app
from tests.adapters.orders.test_tables import NEW_PLATFORM

RUNNER = CliRunner()
KEY = {"CCSTD_PSEUDONYM_KEY": "platform-files-test-key-5a4b3c2d1e0f", "COLUMNS": "300"}
BILLS = {
    "bills": [
        {"bill_no": "B-1", "at": "2024-05-01 09:30", "ccy": "JPY", "sum": "1500",
         "items": [{"label": "お茶", "qty": 3, "each": "500", "amount": "1500"}]},
        {"bill_no": "B-2", "at": "2024-05-01 09:31", "ccy": "JPY", "sum": "1501",
         "items": [{"label": "お茶", "qty": 3, "each": "500", "amount": "1500"}]},
    ]
}  # fmt: skip


def files(tmp_path: Path, platform: str = NEW_PLATFORM) -> tuple[Path, Path]:
    folder = tmp_path / "platforms"
    folder.mkdir(exist_ok=True)
    (folder / "corner-shop.toml").write_text(platform, encoding="utf-8")
    bills = tmp_path / "bills.json"
    bills.write_text(json.dumps(BILLS, ensure_ascii=False), encoding="utf-8")
    return folder / "corner-shop.toml", bills


def records(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_convert_with_a_platform_file_and_validate(tmp_path: Path) -> None:
    platform, bills = files(tmp_path)
    out, rejects = tmp_path / "out.ndjson", tmp_path / "rejects.ndjson"
    args = ["convert", str(bills), "--dialect", str(platform), "-o", str(out)]
    run = RUNNER.invoke(app, [*args, "--rejects", str(rejects)], env=KEY)
    assert run.exit_code == 1, run.output  # B-2's parts do not add up
    [order] = records(out)
    assert order["meta"]["sourceSystem"] == "orders-corner-shop"
    assert order["total"] == {"amount": "1500", "currency": "JPY"}
    [reject] = records(rejects)
    assert reject["reason"] == "order-total-mismatch" and reject["adapter"] == "orders-corner-shop"
    checked = RUNNER.invoke(app, ["validate", str(out), "--check-references"], env=KEY)
    assert checked.exit_code == 0, checked.output
    again = RUNNER.invoke(
        app,
        ["convert", "--replay", str(rejects), "--dialect", str(platform),
         "-o", str(tmp_path / "again.ndjson"), "--rejects", str(tmp_path / "still.ndjson")],
        env=KEY,
    )  # fmt: skip
    assert again.exit_code == 1 and records(tmp_path / "still.ndjson")[0]["locator"] == "bills[1]"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('id = "bill_no"', 'idd = "bill_no"'), ":13: order.idd: unknown key (did you mean id?)"),
        (('family = "orders"', 'family = "orderz"'), ":1: family 'orderz' is not installed"),
        (('standard = "1.1.0"', 'standard = "9.9.9"'), ":3: standard: no standard 9.9.9"),
    ],
)
def test_a_broken_platform_file_is_exit_2_naming_file_line_and_key(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    platform, bills = files(tmp_path, NEW_PLATFORM.replace(*change))
    out = tmp_path / "out.ndjson"
    run = RUNNER.invoke(app, ["convert", str(bills), "--dialect", str(platform), "-o", str(out)],
                        env=KEY)  # fmt: skip
    assert run.exit_code == 2 and not out.exists()
    message = run.stderr.strip().removeprefix("ccstd: error: ")
    assert message.startswith(str(platform)) and "\n" not in message, message
    assert expected.replace(":1: family", ": family") in message, message


def test_platforms_in_the_dialect_path_are_adapters_detected_and_checked(tmp_path: Path) -> None:
    platform, bills = files(tmp_path)
    env = {**KEY, "CCSTD_DIALECT_PATH": str(platform.parent)}
    listed = RUNNER.invoke(app, ["adapters", "list"], env=env)
    row = next(line for line in listed.stdout.splitlines() if "orders-corner-shop" in line)
    assert "$CCSTD_DIALECT_PATH" in row and "error" not in row
    out = tmp_path / "out.ndjson"
    detected = RUNNER.invoke(app, ["convert", str(bills), "-o", str(out)], env=env)
    assert detected.exit_code == 1 and "--from orders-corner-shop" in detected.stderr
    named = RUNNER.invoke(app, ["convert", str(bills), "--from", "orders-corner-shop", "-o",
                                str(out)], env=env)  # fmt: skip
    assert named.exit_code == 1 and len(records(out)) == 1
    checked = RUNNER.invoke(app, ["adapters", "check", str(platform)], env=env)
    assert checked.exit_code == 0 and "orders-corner-shop: platform file is valid" in checked.stdout
    assert "Order.total" in checked.stdout and "← sum" in checked.stdout


def test_a_broken_platform_in_the_path_is_listed_with_its_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform, _ = files(tmp_path, NEW_PLATFORM.replace('channel = "other"', 'chanel = "other"'))
    monkeypatch.setenv("CCSTD_DIALECT_PATH", str(platform.parent))
    [listing] = [entry for entry in catalogue() if entry.name == "orders-corner-shop"]
    assert listing.adapter is None and listing.error is not None
    assert listing.error.startswith(f"{platform}:8: chanel: unknown key"), listing.error


def test_a_distribution_ships_platforms_through_the_dialects_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "acme_shops"
    (package / "platforms").mkdir(parents=True)
    (package / "__init__.py").write_text("raise SystemExit('never imported')\n")
    (package / "platforms" / "corner-shop.toml").write_text(NEW_PLATFORM, encoding="utf-8")
    info = tmp_path / "acme_shops-1.0.dist-info"  # installed where its package is
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-shops\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        f"[{dialect_files.GROUP}]\nacme = acme_shops/platforms\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    _, bills = files(tmp_path)
    out = tmp_path / "out.ndjson"
    run = RUNNER.invoke(app, ["convert", str(bills), "-o", str(out)], env=KEY)
    assert run.exit_code == 1 and "--from orders-corner-shop" in run.stderr
    assert records(out)[0]["placedAt"] == "2024-05-01T09:30:00+09:00"


def test_the_built_in_platforms_are_files_of_one_family() -> None:
    points = {e.name: e.value for e in entry_points(group="ccstd.adapters")}
    assert points["orders"] == "ccstd.adapters.orders:family"
    assert not any(name.startswith("orders-") for name in points)
    listed = RUNNER.invoke(app, ["adapters", "list"], env=KEY)
    for name in ("orders-shopify", "orders-woocommerce", "orders-taobao"):
        row = next(line for line in listed.stdout.splitlines() if line.startswith(f"│ {name} "))
        assert "built-in" in row and "error" not in row
