"""A record id is never derived from a value holding a number, end to end through `ccstd
convert`: a site or device name with a mobile number in Chinese numerals (一三八…) rejects the
event as `personal-data` instead of spelling the number out in pinyin in an id."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ccstd.cli.app import app

RUNNER = CliRunner()
KEY = {"CCSTD_PSEUDONYM_KEY": "ids-from-numbers-test-key-1a2b3c4d5e", "COLUMNS": "300"}
NUMBER = "一三八一二三四五六七八"
LEGACY = f"""<?xml version="1.0" encoding="GB18030"?>
<AccessLog site="{NUMBER}" exported="2024-05-02 01:00:00">
  <Event id="1" time="2024-05-01 07:00:49" controller="LY-1" door="1" reader="1"><Card>23930928</Card><Result code="OK"/><Method>CARD</Method><Direction>IN</Direction></Event>
</AccessLog>
"""
HIKVISION = f"""<?xml version="1.0" encoding="UTF-8"?>
<EventNotificationAlert version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">
<dateTime>2024-05-01T06:00:54+08:00</dateTime>
<eventType>AccessControllerEvent</eventType>
<AccessControllerEvent>
<deviceName>{NUMBER}</deviceName>
<majorEventType>5</majorEventType>
<subEventType>1</subEventType>
<cardNo>12345678</cardNo>
<doorNo>1</doorNo>
<serialNo>1000</serialNo>
</AccessControllerEvent>
</EventNotificationAlert>
"""


def convert(tmp_path: Path, data: bytes, adapter: str) -> tuple[str, list[dict]]:  # type: ignore[type-arg]
    source, out, rejects = tmp_path / "log.xml", tmp_path / "out.ndjson", tmp_path / "rej.ndjson"
    source.write_bytes(data)
    result = RUNNER.invoke(
        app,
        ["convert", str(source), "--from", adapter, "-o", str(out), "--rejects-redacted",
         str(rejects)],
        env=KEY,
    )  # fmt: skip
    assert "Traceback" not in result.output
    written = out.read_text("utf-8") if out.exists() else ""
    lines = rejects.read_text("utf-8").splitlines() if rejects.exists() else []
    return written, [json.loads(line) for line in lines if '"reason"' in line]


def test_a_site_named_by_a_number_in_chinese_numerals_rejects_the_event(tmp_path: Path) -> None:
    written, rejects = convert(tmp_path, LEGACY.encode("gb18030"), "xml-legacy-accesslog")
    assert "yi-san-ba" not in written and NUMBER not in written
    assert [r["reason"] for r in rejects] == ["personal-data"]


def test_a_device_named_by_a_number_in_chinese_numerals_rejects_the_event(tmp_path: Path) -> None:
    written, rejects = convert(tmp_path, HIKVISION.encode(), "xml-hikvision-isapi")
    assert "yi-san-ba" not in written and NUMBER not in written
    assert [r["reason"] for r in rejects] == ["personal-data"]
