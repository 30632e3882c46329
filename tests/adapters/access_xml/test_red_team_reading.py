"""What a hostile or unusual access log, rejects file or dialect made the reading side do wrong,
each driven through the `ccstd` CLI: refused the same way by `convert` and `convert --replay`,
read in the encoding it declares, and accounted for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from tests.conftest import REPO_ROOT

ENV = {"CCSTD_PSEUDONYM_KEY": "0f3a9c2e7b1d4f8a6c5e0b9d2a7f3c1e"}
EVENT = (
    '<Event id="1" time="2024-05-01 07:00:49" controller="LY-1" door="{door}" reader="1">'
    '<Card>23930928</Card><Result code="OK"/><Method>{method}</Method></Event>'
)


def ccstd(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args], env=ENV)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def lines(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_replay_refuses_the_entity_declarations_convert_refuses(tmp_path: Path) -> None:
    log = tmp_path / "log.xml"
    log.write_text(f"<AccessLog>{EVENT.format(door=1, method='ZAP')}</AccessLog>")
    rejects = tmp_path / "rejects.ndjson"
    code, _ = ccstd("convert", log, "--from", "xml-legacy-accesslog",
                    "--out", tmp_path / "a.ndjson", "--rejects", rejects)  # fmt: skip
    assert code == 1
    [line] = lines(rejects)
    bomb = '<!DOCTYPE Event [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
    line["raw"]["text"] = bomb + EVENT.format(door="&b;", method="CARD")
    rejects.write_text(json.dumps(line) + "\n", encoding="utf-8")
    out, still = tmp_path / "b.ndjson", tmp_path / "still.ndjson"
    code, output = ccstd("convert", "--replay", rejects, "--from", "xml-legacy-accesslog",
                         "--out", out, "--rejects", still)  # fmt: skip
    assert code == 1, output
    [again] = lines(still)
    assert "unsafe XML refused" in again["message"]
    assert "aaaa" not in out.read_text(encoding="utf-8")


def test_a_log_declared_gb2312_is_read_as_gb18030(tmp_path: Path) -> None:
    text = '<?xml version="1.0" encoding="GB2312"?>\n<AccessLog site="申城·喆园">{}</AccessLog>'
    log = tmp_path / "log.xml"
    log.write_bytes(text.format(EVENT.format(door=1, method="CARD")).encode("gbk"))  # 喆: GBK only
    out = tmp_path / "out.ndjson"
    code, output = ccstd("convert", log, "--from", "xml-legacy-accesslog", "--out", out)
    assert code == 0, output
    assert [r["type"] for r in lines(out)].count("AccessEvent") == 1


def test_the_gb18030_worked_example_is_detected_on_the_dialect_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "dialects").mkdir()
    example = REPO_ROOT / "examples/dialects"
    (tmp_path / "dialects/shencheng-gates.toml").write_bytes(
        (example / "shencheng-gates.toml").read_bytes()
    )
    monkeypatch.setenv("CCSTD_DIALECT_PATH", str(tmp_path / "dialects"))
    out = tmp_path / "out.ndjson"
    code, output = ccstd("convert", example / "shencheng-gates.xml", "--out", out)
    assert code == 0, output
    assert "shencheng-gates" in output and out.stat().st_size > 0


ISAPI = (
    '<EventNotificationAlert version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">'
    "<ipAddress>{ip}</ipAddress><dateTime>2024-05-01T07:10:00+08:00</dateTime>"
    "<AccessControllerEvent><majorEventType>5</majorEventType><subEventType>1</subEventType>"
    "<doorNo>{door}</doorNo><cardReaderNo>{reader}</cardReaderNo></AccessControllerEvent>"
    "</EventNotificationAlert>\n"
)


def test_values_that_fit_no_property_are_dropped_with_a_reason_and_the_event_kept(
    tmp_path: Path,
) -> None:
    log, out, ledger = tmp_path / "alerts.xml", tmp_path / "out.ndjson", tmp_path / "ledger.json"
    log.write_text(ISAPI.format(ip="fe80::1%eth0", door="一号门", reader="-1"), encoding="utf-8")
    code, output = ccstd("convert", log, "--from", "xml-hikvision-isapi",
                         "--out", out, "--ledger", ledger)  # fmt: skip
    assert code == 0, output
    [event] = [r for r in lines(out) if r["type"] == "AccessEvent"]
    [device] = [r for r in lines(out) if r["type"] == "Device"]
    assert device["ipAddress"] == "fe80::1" and "doorNo" not in event and "readerNo" not in event
    book = json.loads(ledger.read_text(encoding="utf-8"))
    for path, what in (("doorNo", "door"), ("cardReaderNo", "reader")):
        key = f"xml-hikvision-isapi.AccessControllerEvent.{path}"
        assert key not in book["mapped"]
        assert book["dropped"][key]["reason"].startswith(f"{what} number: not a whole number")


def test_attribute_values_are_trimmed_as_element_text_is(tmp_path: Path) -> None:
    padded = EVENT.replace('controller="LY-1"', 'controller="东门 "').replace('"OK"', '" OK "')
    plain = EVENT.replace('controller="LY-1"', 'controller="东门"')
    log, out = tmp_path / "log.xml", tmp_path / "out.ndjson"
    log.write_text(f"<AccessLog>{padded}{plain}</AccessLog>".format(door=1, method="CARD"))
    code, output = ccstd("convert", log, "--from", "xml-legacy-accesslog", "--out", out)
    assert code == 0, output
    kinds = [r["type"] for r in lines(out)]
    assert (kinds.count("AccessEvent"), kinds.count("Device")) == (2, 1)


def test_control_characters_in_a_dialect_are_printed_escaped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialect = (REPO_ROOT / "examples/dialects/shencheng-gates.toml").read_text(encoding="utf-8")
    forged = 'description = "d\\u001b[31mRED\\r\\nccstd: error: fake"'
    (tmp_path / "forged.toml").write_text(
        "\n".join(forged if line.startswith("description") else line
                  for line in dialect.splitlines()),
        encoding="utf-8",
    )  # fmt: skip
    monkeypatch.setenv("CCSTD_DIALECT_PATH", str(tmp_path))
    for command in (("adapters", "list"), ("adapters", "check", tmp_path / "forged.toml")):
        code, output = ccstd(*command)
        assert code == 0, output
        assert "\x1b" not in output and "\r" not in output, command
        assert not any(line.startswith("ccstd: error: fake") for line in output.splitlines())
    assert "d\\x1b[31mRED\\r\\nccstd: error: fake" in output  # `check` shows it whole


def _dialect(tmp_path: Path, replace: dict[str, str], extra: str = "") -> Path:
    text = (REPO_ROOT / "examples/dialects/shencheng-gates.toml").read_text(encoding="utf-8")
    for old, new in replace.items():
        text = text.replace(old, new)
    (tmp_path / "mine.toml").write_text(text + extra, encoding="utf-8")
    return tmp_path / "mine.toml"


def test_a_skip_table_without_a_lookup_key_is_refused_at_load_time(tmp_path: Path) -> None:
    dialect = _dialect(tmp_path, {}, '\n[skip]\n"无权限" = "alarm"\n')
    code, output = ccstd("adapters", "check", dialect)
    assert code == 2
    assert "mine.toml:" in output and "skip" in output and "[lookup] gives no key" in output


def test_a_record_element_absent_from_the_log_is_one_accounted_rejection(tmp_path: Path) -> None:
    dialect = _dialect(tmp_path, {'record = "刷卡"': 'record = "刷咔"'})
    out, ledger, rejects = (tmp_path / f"out.{n}" for n in ("ndjson", "ledger", "rejects"))
    log = REPO_ROOT / "examples/dialects/shencheng-gates.xml"
    code, output = ccstd("convert", log, "--dialect", dialect, "--out", out,
                         "--ledger", ledger, "--rejects", rejects)  # fmt: skip
    assert code == 1, output
    [rejected] = lines(rejects)
    assert rejected["reason"] == "no-records"
    assert "no <刷咔> element found" in rejected["message"]
    assert ledger.exists() and out.read_text(encoding="utf-8") == ""


def test_a_dialects_entry_point_naming_a_folder_outside_its_package_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "planted.toml").write_text(
        (REPO_ROOT / "examples/dialects/shencheng-gates.toml")
        .read_text(encoding="utf-8")
        .replace('name = "shencheng-gates"', 'name = "planted-gates"'),
        encoding="utf-8",
    )
    site = tmp_path / "site"
    (site / "acme_dialects").mkdir(parents=True)
    info = site / "acme_dialects-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-dialects\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        f"[ccstd.dialects]\nabsolute = {outside}\nclimbing = acme_dialects/../../elsewhere\n"
    )
    monkeypatch.syspath_prepend(str(site))
    code, output = ccstd("adapters", "list")
    assert code == 0, output
    assert "planted-gates" not in output
    assert output.count("not a folder inside the package") == 2


def test_dialect_given_twice_is_a_usage_error(tmp_path: Path) -> None:
    dialect = REPO_ROOT / "examples/dialects/shencheng-gates.toml"
    log = REPO_ROOT / "examples/dialects/shencheng-gates.xml"
    out = tmp_path / "out.ndjson"
    code, output = ccstd("convert", log, "--dialect", dialect, "--dialect", dialect, "--out", out)
    assert code == 2 and "--dialect given 2 times" in output and not out.exists()
