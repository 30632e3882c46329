"""What data-file adapters write as identities, end to end through `ccstd convert`: no person's
data as a Device's id, name or serial number; one Device per MAC address however written; one
Resident per ID number however written; local times that happened exactly once; shared rejects
that do not echo unknown codes; a file named like a built-in said to replace it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ccstd.cli.app import app

RUNNER = CliRunner()
KEY = {"CCSTD_PSEUDONYM_KEY": "identity-screening-test-key-9f8e7d6c", "COLUMNS": "300"}
ALERT = """<EventNotificationAlert version="2.0"><ipAddress>{ip}</ipAddress>{mac}
<dateTime>2024-05-01T07:10:00+08:00</dateTime><AccessControllerEvent><deviceName>{name}</deviceName>
<majorEventType>5</majorEventType><subEventType>75</subEventType><ref>{ref}</ref>
<certificateNumber>{card}</certificateNumber></AccessControllerEvent></EventNotificationAlert>
"""
DIALECT = """family = "access-xml"
name = "{name}"
description = "test"
record = "EventNotificationAlert"
markers = ["<EventNotificationAlert"]
[fields]
time = "dateTime"
{fields}
result = "AccessControllerEvent/majorEventType"
method = "AccessControllerEvent/subEventType"
[values.result]
"5" = "granted"
[values.method]
"75" = "face"
"""


def alert(
    ip: str = "10.0.0.1", mac: str = "", name: str = "gate", ref: str = "x", card: str = ""
) -> str:
    tag = f"<macAddress>{mac}</macAddress>" if mac else ""
    return ALERT.format(ip=ip, mac=tag, name=name, ref=ref, card=card)


def convert(tmp_path: Path, text: str, *args: str, env: dict[str, str] | None = None) -> dict:  # type: ignore[type-arg]
    log = tmp_path / "log.xml"
    log.write_text(text, encoding="utf-8")
    out = tmp_path / "out.ndjson"
    paths = {name: tmp_path / f"{name}.json" for name in ("ledger", "rejects", "redacted")}
    run = RUNNER.invoke(
        app,
        ["convert", str(log), *args, "-o", str(out), "--ledger", str(paths["ledger"]),
         "--rejects", str(paths["rejects"]), "--rejects-redacted", str(paths["redacted"])],
        env={**KEY, **(env or {})},
    )  # fmt: skip
    assert "Traceback" not in run.output
    return {
        "run": run,
        "records": lines(out),
        "rejects": lines(paths["rejects"]),
        "redacted": lines(paths["redacted"]),
        "ledger": json.loads(paths["ledger"].read_text()) if paths["ledger"].exists() else {},
    }


def lines(path: Path) -> list[dict]:  # type: ignore[type-arg]
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def dialect(tmp_path: Path, fields: str, name: str = "screened") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(DIALECT.format(name=name, fields=fields), encoding="utf-8")
    return path


def test_a_dialect_reading_a_persons_data_into_a_device_field_is_refused(tmp_path: Path) -> None:
    for fields, key in [
        ('device = ["AccessControllerEvent/certificateNumber", "ip"]', "fields.device.0"),
        ('device = "ip"\ndevice_name = "AccessControllerEvent/name"', "fields.device_name"),
        ('device = "ip"\ndevice_serial = "AccessControllerEvent/phoneNo"', "fields.device_serial"),
        ('device = "Event/ref"\nperson = "Event/ref"', "fields.device"),
    ]:
        path = dialect(tmp_path, fields)
        checked = RUNNER.invoke(app, ["adapters", "check", str(path)], env=KEY)
        assert checked.exit_code == 2, (fields, checked.output)
        assert (
            f"{key}: " in checked.stderr
            and "a person's data cannot identify a device" in checked.stderr
        )


def test_a_resident_id_or_phone_number_read_as_a_device_is_rejected_never_written(
    tmp_path: Path,
) -> None:
    path = dialect(tmp_path, 'device = "AccessControllerEvent/ref"\ndevice_serial = "ipAddress"')
    log = "".join(
        alert(ref=ref)
        for ref in ("11010519491231002X", "13812345678", "+86 138 1234 5678", "G-7", "20240501")
    )
    done = convert(tmp_path, log, "--dialect", str(path))
    text = json.dumps(done["records"]) + json.dumps(done["redacted"]) + json.dumps(done["ledger"])
    for raw in ("11010519491231002X", "13812345678", "138 1234"):
        assert raw not in text
    reasons = [(r["reason"], r["message"]) for r in done["rejects"]]
    said = "device holds a {}: not written (privacy)"
    whats = ("resident ID number", "phone number", "phone number")
    assert reasons == [("personal-data", said.format(what)) for what in whats]
    devices = sorted(r["id"] for r in done["records"] if r["type"] == "Device")
    assert devices == ["20240501", "G-7"]  # numeric device ids are not taken for phones


def test_one_device_per_mac_however_written_and_an_invalid_mac_is_passed_over(
    tmp_path: Path,
) -> None:
    log = "".join(
        alert(ip=ip, mac=mac)
        for ip, mac in (("10.0.0.1", "44-19-B6-0A-1B-2C"), ("10.0.0.2", "4419b60a1b2c"),
                        ("10.0.0.3", "44:19:b6:0a:1b:2c"), ("10.0.0.4", "zz"))
    )  # fmt: skip
    done = convert(tmp_path, log, "--from", "xml-hikvision-isapi")
    devices = sorted(r["id"] for r in done["records"] if r["type"] == "Device")
    assert devices == ["hik-10.0.0.4", "hik-44:19:b6:0a:1b:2c"]


def test_a_placeholder_mac_is_passed_over_for_the_next_identity(tmp_path: Path) -> None:
    """All zeros, broadcast and multicast MACs are held by no one device: terminals sending
    one are told apart by the next path (here the IP address), never merged into one Device."""
    placeholders = (
        "00:00:00:00:00:00",
        "ff:ff:ff:ff:ff:ff",
        "01:00:5e:00:00:01",
        "33-33-00-00-00-01",
    )
    log = "".join(alert(ip=f"10.0.0.{n}", mac=mac) for n, mac in enumerate(placeholders, 1))
    done = convert(tmp_path, log, "--from", "xml-hikvision-isapi")
    devices = sorted(r["id"] for r in done["records"] if r["type"] == "Device")
    assert devices == [f"hik-10.0.0.{n}" for n in range(1, 5)]
    assert all("macAddress" not in r for r in done["records"] if r["type"] == "Device")


def test_id_card_numbers_are_normalised_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "idc.toml"
    path.write_text(
        'family = "access-xml"\nname = "idc"\ndescription = "d"\n'
        'record = "EventNotificationAlert"\n'
        'extends = "xml-hikvision-isapi"\n'
        '[fields]\nid_card = "AccessControllerEvent/certificateNumber"\n',
        encoding="utf-8",
    )
    wide = "".join(chr(ord(c) + 0xFEE0) for c in "11010519491231002X")  # full-width digits
    cards = ("11010519491231002X", "11010519491231002x", " 110105 19491231 002X ", wide,
             "110105194912310021", "abc", "13812345678")  # fmt: skip
    done = convert(tmp_path, "".join(alert(card=card) for card in cards), "--dialect", str(path))
    events = [r for r in done["records"] if r["type"] == "AccessEvent"]
    assert len(events) == 7 and not done["rejects"]  # a bad number is left out, the event kept
    subjects = [e.get("subject", {}).get("id") for e in events]
    assert len(set(subjects[:4])) == 1 and subjects[0] is not None
    assert subjects[4:] == [None, None, None]
    assert all("credential" not in e or "value" not in e["credential"] for e in events[4:])
    dropped = done["ledger"]["dropped"]["idc.AccessControllerEvent.certificateNumber"]
    assert "not a valid resident ID number" in dropped["reason"]


def test_local_times_that_did_not_happen_or_happened_twice_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "ny.toml"
    path.write_text(
        'family = "access-xml"\nname = "ny"\ndescription = "d"\nrecord = "Event"\n'
        'timezone = "America/New_York"\ntime_formats = ["%Y-%m-%d %H:%M:%S"]\n'
        '[fields]\ntime = "@time"\ndevice = "@controller"\nmethod = "@m"\nresult = "@r"\n'
        '[values.method]\nCARD = "card"\n[values.result]\nOK = "granted"\n',
        encoding="utf-8",
    )
    times = (
        "2024-03-10 02:30:00",
        "2024-11-03 01:30:00",
        "2024-11-03 02:30:00",
        "2024-03-10 03:30:00",
    )
    log = (
        "<Log>"
        + "".join(f'<Event time="{t}" controller="G1" m="CARD" r="OK"/>' for t in times)
        + "</Log>"
    )
    done = convert(tmp_path, log, "--dialect", str(path))
    assert [r["occurredAt"] for r in done["records"] if r["type"] == "AccessEvent"] == [
        "2024-11-03T02:30:00-05:00", "2024-03-10T03:30:00-04:00"]  # fmt: skip
    messages = [r["message"] for r in done["rejects"]]
    assert messages == [
        "local time 2024-03-10T02:30:00 does not exist in America/New_York (clocks went forward)",
        "local time 2024-11-03T01:30:00 happened twice in America/New_York (clocks went back): "
        "ambiguous",
    ]


def test_shared_rejects_do_not_echo_an_unknown_code(tmp_path: Path) -> None:
    path = dialect(tmp_path, 'device = "ipAddress"').read_text(encoding="utf-8")
    path = path.replace(
        'method = "AccessControllerEvent/subEventType"', 'method = "AccessControllerEvent/ref"'
    )
    (tmp_path / "m.toml").write_text(path, encoding="utf-8")
    done = convert(tmp_path, alert(ref="张三丰"), "--dialect", str(tmp_path / "m.toml"))
    [private], [shared] = done["rejects"], done["redacted"]
    assert "张三丰" in private["message"] and "张三丰" not in json.dumps(shared, ensure_ascii=False)
    assert "method code withheld (an unknown code of 3 chars) not in" in shared["message"]


def test_a_dialect_named_like_a_built_in_is_said_to_replace_it(tmp_path: Path) -> None:
    folder = tmp_path / "dialects"
    folder.mkdir()
    dialect(folder, 'device = "ipAddress"', name="xml-hikvision-isapi")
    env = {"CCSTD_DIALECT_PATH": str(folder)}
    done = convert(tmp_path, alert(), "--from", "xml-hikvision-isapi", env=env)
    assert "xml-hikvision-isapi from $CCSTD_DIALECT_PATH" in done["run"].stderr
    assert "replaces the built-in" in done["run"].stderr
    version = done["records"][0]["meta"]["adapter"]["version"]
    assert (
        version.endswith("($CCSTD_DIALECT_PATH; not the built-in)") and str(folder) not in version
    )
