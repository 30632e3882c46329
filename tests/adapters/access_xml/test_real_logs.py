"""Logs as vendors really write them (samples written here in those shapes): alerts without a MAC
address, people known only by ID-card or card number, sites on the root element, files where
every event is rejected, and replay through another mapping."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ccstd.adapters.access_xml.mapping import readable_id
from ccstd.cli.app import app

RUNNER = CliRunner()
KEY = {"CCSTD_PSEUDONYM_KEY": "real-logs-test-key-0f1e2d3c4b5a6978"}
ID_NUMBER = "11010519491231002X"


def alert(identity: str, sub: int = 1, extra: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<EventNotificationAlert version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">\n'
        f"{identity}<channelID>2</channelID><dateTime>2024-05-01T07:00:00+08:00</dateTime>"
        "<eventType>AccessControllerEvent</eventType><AccessControllerEvent>"
        f"<deviceName>东门闸机</deviceName><majorEventType>5</majorEventType><subEventType>{sub}"
        f"</subEventType><doorNo>1</doorNo>{extra}</AccessControllerEvent></EventNotificationAlert>\n"
    )


def convert(tmp_path: Path, log: Path, *args: str) -> tuple[int, str, list[dict]]:  # type: ignore[type-arg]
    out = tmp_path / "out.ndjson"
    result = RUNNER.invoke(app, ["convert", str(log), "-o", str(out), *args], env=KEY)
    assert "Traceback" not in result.output
    records = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    return result.exit_code, result.stderr, records


def test_an_isapi_alert_without_mac_address_falls_back_in_the_documented_order(
    tmp_path: Path,
) -> None:
    log = tmp_path / "alerts.xml"
    log.write_text(
        alert("<macAddress>44:19:b6:0a:00:3c</macAddress><ipAddress>10.0.0.7</ipAddress>")
        + alert("<serialNumber>DS-K1T671-2024</serialNumber><ipAddress>10.0.0.8</ipAddress>")
        + alert("<ipAddress>10.0.0.9</ipAddress>")
        + alert(""),
        encoding="utf-8",
    )
    code, _, records = convert(tmp_path, log, "--ledger", str(tmp_path / "ledger.json"))
    assert code == 0
    events = [r for r in records if r["type"] == "AccessEvent"]
    assert [e["device"]["id"] for e in events] == [
        "hik-44:19:b6:0a:00:3c",
        "hik-DS-K1T671-2024",
        "hik-10.0.0.9",
        "hik-" + readable_id("东门闸机"),
    ]
    ledger = json.loads((tmp_path / "ledger.json").read_text())
    devices = {r["id"]: r for r in records if r["type"] == "Device"}
    first = devices["hik-44:19:b6:0a:00:3c"]
    assert (first["macAddress"], first["ipAddress"], first["channel"]) == (
        "44:19:b6:0a:00:3c",
        "10.0.0.7",
        2,
    )
    assert devices["hik-DS-K1T671-2024"]["serialNumber"] == "DS-K1T671-2024"
    assert "xml-hikvision-isapi.ipAddress" not in ledger["dropped"]


def test_a_person_known_by_id_card_number_is_a_pseudonymised_subject_and_credential(
    tmp_path: Path,
) -> None:
    dialect = tmp_path / "idcard.toml"
    dialect.write_text(
        'family = "access-xml"\nname = "hik-idcard"\ndescription = "ISAPI with ID cards"\n'
        'extends = "xml-hikvision-isapi"\n\n[fields]\nid_card = "AccessControllerEvent/certificateNumber"\n'
        '\n[site]\nid = "comm-1"\n',
        encoding="utf-8",
    )
    log = tmp_path / "alerts.xml"
    card_only = "<cardNo>88001234</cardNo>"
    log.write_text(
        alert(
            "<macAddress>a</macAddress>", 1, f"<certificateNumber>{ID_NUMBER}</certificateNumber>"
        )
        + alert("<macAddress>a</macAddress>", 1, card_only),
        encoding="utf-8",
    )
    code, stderr, records = convert(tmp_path, log, "--dialect", str(dialect))
    assert code == 0
    text = (tmp_path / "out.ndjson").read_text()
    assert ID_NUMBER not in text and "88001234" not in text
    first, second = [r for r in records if r["type"] == "AccessEvent"]
    assert first["subject"]["type"] == "Resident" and len(first["subject"]["id"]) == 64
    assert first["credential"]["value"]["protection"] == "pseudonymised"
    assert (
        "subject" not in second and second["credential"]["value"]["protection"] == "pseudonymised"
    )
    assert "employeeNo" not in first["credential"]  # never a field of another meaning
    assert "expected from elsewhere: Community 1, Resident 1" in stderr


def test_chinese_names_never_collapse_and_ids_are_stable() -> None:
    names = ["东门", "北门", "地下车库", "东 门", "LY 1", "LY-1", "★"]
    ids = [readable_id(name) for name in names]
    assert len(set(ids)) == len(ids)
    assert ids[0].startswith("dong-men-") and ids[2].startswith("di-xia-che-ku-")
    assert ids[5] == "LY-1" and ids == [readable_id(name) for name in names]


def test_root_attributes_reach_the_dialect(tmp_path: Path) -> None:
    log = tmp_path / "log.xml"
    log.write_text(
        '<AccessLog site="联洋花园" exported="2024-05-02 01:00:00">'
        '<Event time="2024-05-01 07:00:49" controller="LY-1"><Result code="OK"/><Method>CARD</Method>'
        "</Event></AccessLog>",
        encoding="utf-8",
    )
    code, stderr, records = convert(tmp_path, log, "--ledger", str(tmp_path / "l.json"))
    assert code == 0
    (device,) = [r for r in records if r["type"] == "Device"]
    assert device["community"]["id"] == "community-" + readable_id("联洋花园")
    assert "expected from elsewhere: Community 1" in stderr
    ledger = json.loads((tmp_path / "l.json").read_text())
    assert ledger["mapped"]["xml-legacy-accesslog./AccessLog.@site"] == 1
    assert "export time" in ledger["dropped"]["xml-legacy-accesslog./AccessLog.@exported"]["reason"]


def test_when_every_item_is_rejected_the_ledger_still_shows_what_to_map(tmp_path: Path) -> None:
    log = tmp_path / "log.xml"
    log.write_text(
        '<AccessLog><Event time="yesterday" controller="LY-1" colour="red"><Result code="OK"/>'
        "<Method>CARD</Method></Event></AccessLog>",
        encoding="utf-8",
    )
    code, _, _ = convert(
        tmp_path, log, "--from", "xml-legacy-accesslog", "--ledger", str(tmp_path / "l.json")
    )
    assert code == 1
    seen = json.loads((tmp_path / "l.json").read_text())["rejectedItems"]
    assert seen["unknown"] == {"xml-legacy-accesslog.@colour": 1}
    assert "xml-legacy-accesslog.@time" in seen["mapped"]


LEGACY_CODES = """\
family = "access-xml"
name = "legacy-fixed"
description = "The legacy export with the code E77 this site uses"
extends = "xml-legacy-accesslog"

[values.result]
E77 = "denied"

[values.reason]
E77 = "blocklisted"
"""


def test_replay_through_a_dialect_file_or_another_adapter(tmp_path: Path) -> None:
    log, rejects = tmp_path / "log.xml", tmp_path / "rejects.ndjson"
    log.write_text(
        '<AccessLog site="s"><Event time="2024-05-01 07:00:49" controller="LY-1"><Result code="E77"/>'
        "<Method>CARD</Method></Event></AccessLog>",
        encoding="utf-8",
    )
    code, _, _ = convert(tmp_path, log, "--rejects", str(rejects))
    assert code == 1 and "unknown-vendor-code" in rejects.read_text()
    dialect = tmp_path / "fixed.toml"
    dialect.write_text(LEGACY_CODES, encoding="utf-8")
    out = tmp_path / "fixed.ndjson"
    replayed = RUNNER.invoke(
        app,
        ["convert", "--replay", str(rejects), "--dialect", str(dialect), "-o", str(out)],
        env=KEY,
    )
    assert replayed.exit_code == 0, replayed.output
    (event,) = [json.loads(x) for x in out.read_text().splitlines() if '"AccessEvent"' in x]
    assert (
        event["denialReason"] == "blocklisted"
        and event["meta"]["adapter"]["name"] == "legacy-fixed"
    )
    assert any(json.loads(x)["type"] == "Device" for x in out.read_text().splitlines())
    other = RUNNER.invoke(
        app, ["convert", "--replay", str(rejects), "--from", "xml-acs-v2", "-o", str(out),
              "--rejects", str(tmp_path / "again.ndjson")], env=KEY,
    )  # fmt: skip
    assert other.exit_code == 1
    assert json.loads((tmp_path / "again.ndjson").read_text())["adapter"] == "xml-acs-v2"


def test_a_refused_document_keeps_its_reason_on_replay(tmp_path: Path) -> None:
    log, rejects = tmp_path / "log.xml", tmp_path / "rejects.ndjson"
    log.write_text(
        '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><AccessLog><Event/></AccessLog>'
    )
    code, _, _ = convert(tmp_path, log, "--from", "xml-legacy-accesslog", "--rejects", str(rejects))
    first = json.loads(rejects.read_text())
    assert code == 1 and first["message"].startswith("unsafe XML refused")
    again = tmp_path / "again.ndjson"
    for extra in ([], ["--from", "xml-hikvision-isapi"]):
        result = RUNNER.invoke(
            app, ["convert", "--replay", str(rejects), "-o", str(tmp_path / "o.ndjson"),
                  "--rejects", str(again), *extra], env=KEY,
        )  # fmt: skip
        assert result.exit_code == 1
        line = json.loads(again.read_text())
        assert (line["reason"], line["message"]) == (first["reason"], first["message"])


def test_records_with_chinese_element_names_replay(tmp_path: Path) -> None:
    from tests.adapters.access_xml.test_proof import DIALECT, gb18030_log

    log, rejects = tmp_path / "gates.xml", tmp_path / "rejects.ndjson"
    log.write_bytes(gb18030_log().decode("gb18030").replace("人脸", "指纹", 1).encode("gb18030"))
    first = tmp_path / "first.toml"
    first.write_text(DIALECT, encoding="utf-8")
    code, _, _ = convert(tmp_path, log, "--dialect", str(first), "--rejects", str(rejects))
    assert code == 1 and json.loads(rejects.read_text())["locator"] == "/门禁记录/刷卡[2]"
    fixed = tmp_path / "fixed.toml"
    fixed.write_text(
        DIALECT.replace('"人脸" = "face"', '"人脸" = "face"\n"指纹" = "fingerprint"'),
        encoding="utf-8",
    )
    out = tmp_path / "fixed.ndjson"
    replayed = RUNNER.invoke(
        app, ["convert", "--replay", str(rejects), "--dialect", str(fixed), "-o", str(out)], env=KEY
    )
    assert replayed.exit_code == 0, replayed.output
    (event,) = [json.loads(x) for x in out.read_text().splitlines() if '"AccessEvent"' in x]
    assert event["method"] == "fingerprint"


def test_a_replay_through_an_edited_device_prefix_is_warned_of(tmp_path: Path) -> None:
    """The first output wrote Device `gate-community-s-LY-1-…` (site `s` read from the log); a
    dialect replaying its rejects with another `device_prefix` makes `door-…` for the same door:
    the replay says so on stderr."""
    device = readable_id("community-s/LY-1", "gate-")
    log, rejects = tmp_path / "log.xml", tmp_path / "rejects.ndjson"
    event = '<Event time="2024-05-01 07:00:4{n}" controller="LY-1"><Result code="{code}"/>'
    events = [event.format(n=n, code=c) + "<Method>CARD</Method></Event>" for n, c in
              ((1, "OK"), (2, "E77"))]  # fmt: skip
    log.write_text(f'<AccessLog site="s">{"".join(events)}</AccessLog>', encoding="utf-8")
    code, _, _ = convert(tmp_path, log, "--rejects", str(rejects))
    assert code == 1 and f'"Device":["{device}"]' in rejects.read_text()
    for prefix, warned in (("gate-", False), ("door-", True)):
        dialect = tmp_path / "fixed.toml"
        line = f'device_prefix = "{prefix}"\n\n[values.result]'
        text = LEGACY_CODES.replace("\n[values.result]", line, 1)
        dialect.write_text(text, encoding="utf-8")
        out = tmp_path / f"{prefix}ndjson"
        replayed = RUNNER.invoke(
            app,
            ["convert", "--replay", str(rejects), "--dialect", str(dialect), "-o", str(out)],
            env=KEY,
        )
        assert replayed.exit_code == 0, replayed.output
        said = f"ccstd: warning: no Device of the first output ({device}, ...)"
        assert (said in replayed.stderr) is warned, replayed.stderr


def test_a_replay_of_rejects_written_before_site_scoped_device_ids_is_warned_of(
    tmp_path: Path,
) -> None:
    """A rejects file from before Device ids were scoped to the site read from the log names
    Device `gate-LY-1`; replayed now, the same door is `gate-community-s-LY-1-…`: warned once,
    naming the dialect. A rejects file written now replays without a warning."""
    log, rejects = tmp_path / "log.xml", tmp_path / "rejects.ndjson"
    event = '<Event time="2024-05-01 07:00:4{n}" controller="LY-1"><Result code="{code}"/>'
    events = [event.format(n=n, code=c) + "<Method>CARD</Method></Event>" for n, c in
              ((1, "OK"), (2, "E77"))]  # fmt: skip
    log.write_text(f'<AccessLog site="s">{"".join(events)}</AccessLog>', encoding="utf-8")
    code, _, _ = convert(tmp_path, log, "--rejects", str(rejects))
    assert code == 1
    scoped = readable_id("community-s/LY-1", "gate-")
    old = tmp_path / "old-rejects.ndjson"
    old.write_text(rejects.read_text().replace(scoped, "gate-LY-1"), encoding="utf-8")
    dialect = tmp_path / "fixed.toml"
    dialect.write_text(LEGACY_CODES, encoding="utf-8")
    siteless, siteless_rejects = tmp_path / "siteless.xml", tmp_path / "siteless.rejects.ndjson"
    siteless.write_text(f"<AccessLog>{''.join(events)}</AccessLog>", encoding="utf-8")
    code, _, _ = convert(tmp_path, siteless, "--rejects", str(siteless_rejects))
    assert code == 1 and '"Device":["gate-LY-1"]' in siteless_rejects.read_text()  # not scoped
    for replayed_file, warned in ((rejects, False), (siteless_rejects, False), (old, True)):
        out = tmp_path / f"{replayed_file.stem}.out.ndjson"
        args = [
            "convert",
            "--replay",
            str(replayed_file),
            "--dialect",
            str(dialect),
            "-o",
            str(out),
        ]
        replayed = RUNNER.invoke(app, args, env=KEY)
        assert replayed.exit_code == 0, replayed.output
        said = "ccstd: warning: Devices of the first output (gate-LY-1, ...) have ids not scoped"
        assert (said in replayed.stderr) is warned, replayed.stderr
        assert replayed.stderr.count("warning") == int(warned)
        assert ("legacy-fixed reads the site from the log" in replayed.stderr) is warned
