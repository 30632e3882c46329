"""A vendor the project has never seen, written as a file only: a ZKAccess-style event report
(the shape of its "All Access Control Events" export, written here), in GB18030 without an
encoding declaration, local times, Chinese door names, event descriptions to map through a
lookup with alarms skipped, verify modes through a values table, a person's name dropped."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ccstd.cli.app import app

RUNNER = CliRunner()
KEY = {"CCSTD_PSEUDONYM_KEY": "new-vendor-test-key-0f1e2d3c4b5a6978", "COLUMNS": "200"}

DIALECT = """\
family = "access-xml"
name = "zkaccess-report"
description = "ZKAccess-style 门禁事件报表 export (GB18030, local times, Chinese door names)"
record = "记录"
markers = ["<门禁事件报表"]
encoding = "gb18030"
time_formats = ["%Y/%m/%d %H:%M:%S"]
timezone = "Asia/Shanghai"
device_prefix = "zk-"

[fields]
time = "时间"
device = "事件点"
device_name = "事件点"
device_serial = "设备"
method = "验证方式"
direction = "出入状态"
card = "卡号"
person = "人员编号"
exported_at = "/门禁事件报表/@导出时间"

[values.method]
"仅卡" = "card"
"仅指纹" = "fingerprint"
"卡加密码" = "card"

[values.direction]
"入" = "in"
"出" = "out"

[lookup]
key = "{event}"
fields.event = "事件描述"
codes."正常验证开门" = {result = "granted"}
codes."反潜回" = {result = "denied", reason = "anti-passback"}
codes."卡已过期" = {result = "denied", reason = "expired-credential"}

[skip]
"门被意外打开" = "a door alarm, not a pass"

[site]
id = "comm-zk-hq"
name = "总部园区"
division_code = "440305"

[device]
kind = "card-reader"
manufacturer = "ZKTeco"

[dropped]
"姓名" = "a person's name: the card and person numbers are carried pseudonymised"
"/门禁事件报表.@区域" = "the site is a constant of this dialect"
"""

ROWS = [  # door, event, verify mode, direction, card, name
    ("1号门-入", "正常验证开门", "仅卡", "入", "0012345", "张三"),
    ("1号门-出", "反潜回", "仅指纹", "出", "0012346", "李四"),
    ("地下车库", "门被意外打开", "", "入", "", ""),
    ("北门", "卡已过期", "卡加密码", "入", "0012347", "王五"),
    ("东门", "正常验证开门", "人脸", "入", "0012348", "赵六"),
]


def report() -> bytes:
    rows = "".join(
        f"<记录><时间>2024/05/0{1 + n // 3} {7 + n:02d}:10:05</时间><设备>CGXH20116000{n % 2}</设备>"
        f"<事件点>{door}</事件点><事件描述>{event}</事件描述>"
        + (f"<卡号>{card}</卡号><人员编号>{1000 + n}</人员编号><姓名>{name}</姓名>" if card else "")
        + (f"<验证方式>{mode}</验证方式>" if mode else "")
        + f"<出入状态>{way}</出入状态></记录>\n"
        for n, (door, event, mode, way, card, name) in enumerate(ROWS)
    )
    text = f'<?xml version="1.0"?>\n<门禁事件报表 导出时间="2024/05/03 08:00:00" 区域="总部">\n{rows}</门禁事件报表>\n'
    return text.encode("gb18030")


def records(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_zkaccess_style_report_converts_with_a_dialect_file_only(tmp_path: Path) -> None:
    dialect, log = tmp_path / "zk.toml", tmp_path / "report.xml"
    dialect.write_text(DIALECT, encoding="utf-8")
    log.write_bytes(report())
    out, rejects, ledger = tmp_path / "out.ndjson", tmp_path / "r.ndjson", tmp_path / "l.json"
    run = RUNNER.invoke(app, ["convert", str(log), "--dialect", str(dialect), "-o", str(out),
                              "--rejects", str(rejects), "--ledger", str(ledger)], env=KEY)  # fmt: skip
    assert run.exit_code == 1, run.output  # 人脸 is not in values.method
    [reject] = [r for r in records(rejects) if "locator" in r]
    assert reject["reason"] == "unknown-vendor-code" and reject["path"] == "验证方式"
    assert "method code '人脸' not in the dialect's table values.method" in reject["message"]
    converted = records(out)
    events = [r for r in converted if r["type"] == "AccessEvent"]
    devices = {r["name"]: r for r in converted if r["type"] == "Device"}
    assert [e["result"] for e in events] == ["granted", "denied", "denied"]
    assert [e.get("denialReason") for e in events] == [None, "anti-passback", "expired-credential"]
    assert set(devices) == {"1号门-入", "1号门-出", "北门"}
    assert all(
        d["kind"] == "card-reader" and d["manufacturer"] == "ZKTeco" for d in devices.values()
    )
    assert events[0]["occurredAt"] == "2024-05-01T07:10:05+08:00"
    assert "张三" not in out.read_text(encoding="utf-8")
    assert "张三" not in ledger.read_text(encoding="utf-8")
    summary = json.loads(ledger.read_text(encoding="utf-8"))
    assert summary["unknown"] == {} and "zkaccess-report.姓名" in summary["dropped"]
    assert summary["skipped"] == {"zkaccess-report: not-an-access-event": 1}
    fixed = tmp_path / "zk-fixed.toml"
    fixed.write_text(
        DIALECT.replace('"仅卡" = "card"', '"仅卡" = "card"\n"人脸" = "face"'), "utf-8"
    )
    again = tmp_path / "again.ndjson"
    replay = RUNNER.invoke(app, ["convert", "--replay", str(rejects), "--dialect", str(fixed),
                                 "-o", str(again)], env=KEY)  # fmt: skip
    assert replay.exit_code == 0, replay.output
    both = RUNNER.invoke(app, ["validate", str(out), str(again), "--check-references", "-q"])
    assert both.exit_code == 0, both.output


def test_a_reason_table_needs_only_the_codes_of_denials(tmp_path: Path) -> None:
    dialect = DIALECT.replace('"卡加密码" = "card"', '"卡加密码" = "card"\n"人脸" = "face"')
    dialect = dialect.replace(', reason = "anti-passback"', "").replace(
        ', reason = "expired-credential"', ""
    ).replace("[values.direction]", '[values.reason]\n"反潜回" = "anti-passback"\n\n'
              "[values.direction]").replace('person = "人员编号"', 'person = "人员编号"\nreason = "事件描述"')  # fmt: skip
    (tmp_path / "zk.toml").write_text(dialect, encoding="utf-8")
    log, out, rejects = tmp_path / "report.xml", tmp_path / "out.ndjson", tmp_path / "r.ndjson"
    log.write_bytes(report())
    run = RUNNER.invoke(app, ["convert", str(log), "--dialect", str(tmp_path / "zk.toml"),
                              "-o", str(out), "--rejects", str(rejects)], env=KEY)  # fmt: skip
    assert run.exit_code == 1, run.output  # 卡已过期: a denial whose reason the table lacks
    [reject] = [r for r in records(rejects) if "locator" in r]
    assert "reason code '卡已过期' not in the dialect's table values.reason" in reject["message"]
    events = [r for r in records(out) if r["type"] == "AccessEvent"]
    assert [(e["result"], e.get("denialReason")) for e in events] == [
        ("granted", None), ("denied", "anti-passback"), ("granted", None)
    ]  # fmt: skip
