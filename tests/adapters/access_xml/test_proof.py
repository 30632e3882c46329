"""The proof that a new vendor is a data file: a dialect written here for a log shape the project
has never seen (GB18030, local times, Chinese door names), converted through the CLI with
`--dialect` only, and the output passes `validate --check-references` on its own."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ccstd.cli.app import app
from tests.conftest import REPO_ROOT

RUNNER = CliRunner()
KEY = {"CCSTD_PSEUDONYM_KEY": "proof-test-key-6f1e2d3c4b5a69788"}

DIALECT = """\
# 门禁记录 as a residential gate system of 申城 exports it: one <刷卡> per swipe, in GB18030.
family = "access-xml"
name = "shencheng-gates"
description = "申城门禁 <门禁记录><刷卡> export, GB18030, local times, doors by name"
record = "刷卡"
markers = ["<门禁记录", "<刷卡"]
time_formats = ["%Y年%m月%d日 %H:%M:%S"]
timezone = "Asia/Shanghai"
device_prefix = "sc-"

[fields]
time = "时间"
device = "@门"
device_name = "@门"
method = "方式"
result = "结果"
reason = "结果"
card = "卡号"
exported_at = "/门禁记录/@导出时间"

[values.method]
"刷卡" = "card"
"人脸" = "face"
"二维码" = "qr-code"

[values.result]
"通过" = "granted"
"无权限" = "denied"
"过期" = "denied"

[values.reason]
"通过" = "other"
"无权限" = "not-authorised-here"
"过期" = "expired-credential"

[site]
id = "comm-shencheng-01"
name = "申城花园"
division_code = "310115"

[device]
kind = "gate"

[dropped]
"/门禁记录.@小区" = "the site is a constant of this dialect"
"备注" = "free text"
"""

DOORS = ["东门", "北门", "地下车库", "东门", "北门", "地下车库"]


def gb18030_log() -> bytes:
    swipes = "".join(
        f'<刷卡 门="{door}"><时间>2024年05月0{1 + n % 3}日 {7 + n:02d}:1{n}:00</时间>'
        f"<方式>{['刷卡', '人脸', '二维码'][n % 3]}</方式>"
        f"<结果>{['通过', '无权限', '过期'][n % 3]}</结果>"
        f"<卡号>{31000000 + n}</卡号><备注>第{n}条</备注></刷卡>\n"
        for n, door in enumerate(DOORS)
    )
    text = (
        '<?xml version="1.0" encoding="GB18030"?>\n'
        f'<门禁记录 小区="申城花园" 导出时间="2024-05-03 00:00:00">\n{swipes}</门禁记录>\n'
    )
    return text.encode("gb18030")


def test_a_new_dialect_file_converts_and_every_reference_resolves(tmp_path: Path) -> None:
    dialect, log = tmp_path / "shencheng-gates.toml", tmp_path / "gates.xml"
    dialect.write_text(DIALECT, encoding="utf-8")
    log.write_bytes(gb18030_log())
    out, ledger = tmp_path / "out.ndjson", tmp_path / "ledger.json"
    converted = RUNNER.invoke(
        app,
        ["convert", str(log), "--dialect", str(dialect), "-o", str(out), "--ledger", str(ledger)],
        env=KEY,
    )
    assert converted.exit_code == 0, converted.output
    assert "every reference resolves" in converted.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    events = [r for r in records if r["type"] == "AccessEvent"]
    devices = {r["id"]: r for r in records if r["type"] == "Device"}
    assert len(events) == 6 and len(devices) == 3
    assert {d["name"] for d in devices.values()} == {"东门", "北门", "地下车库"}
    assert all(
        d["id"].startswith(("sc-dong-men-", "sc-bei-men-", "sc-di-xia-che-ku-"))
        for d in devices.values()
    )
    assert {r["type"] for r in records} == {"AccessEvent", "Device", "Community"}
    assert all(e["occurredAt"].endswith("+08:00") for e in events)
    assert events[1]["denialReason"] == "not-authorised-here"
    report = json.loads(ledger.read_text())
    assert report["unknown"] == {}
    assert "shencheng-gates.=assumed_timezone" not in report["dropped"]
    assert {e["meta"]["assumedTimeZone"] for e in events} == {"Asia/Shanghai"}  # provenance
    validated = RUNNER.invoke(app, ["validate", str(out), "--check-references", "-q"])
    assert validated.exit_code == 0, validated.output


def test_the_demo_shows_this_very_dialect() -> None:
    folder = REPO_ROOT / "examples" / "dialects"
    assert (folder / "shencheng-gates.toml").read_text(encoding="utf-8") == DIALECT
    assert (folder / "shencheng-gates.xml").read_bytes() == gb18030_log()
