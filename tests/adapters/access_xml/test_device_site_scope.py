"""A device id is scoped to its site when the dialect reads the site from the log: GATE-A at two
sites is two Devices, each in its own Community, in any file order and with any number of jobs;
a constant site (or none) keeps the device's own id."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ccstd.adapters.access_xml.mapping import readable_id
from ccstd.cli.app import app

RUNNER = CliRunner()
ENV = {"CCSTD_PSEUDONYM_KEY": "device-site-scope-key-7c1e", "SOURCE_DATE_EPOCH": "1700000000"}
DIALECT = """family = "access-xml"
name = "two-site-gates"
description = "gates of two sites"
record = "E"
markers = ["<Log"]
time_formats = ["iso"]
[fields]
time = "@t"
device = "@d"
device_name = "@n"
method = "@m"
result = "@r"
{site_field}
[values.method]
c = "card"
[values.result]
ok = "granted"
[site]
division_code = "310115"
{site_constant}
"""


def _log(folder: Path, stem: str, site: str, door: str, day: int) -> Path:
    rows = "".join(
        f'<E t="2024-05-0{day}T00:00:0{n}+08:00" d="GATE-A" n="{door}" m="c" r="ok"/>\n'
        for n in range(3)
    )
    path = folder / f"{stem}.xml"
    path.write_text(f'<Log site="{site}">\n{rows}</Log>\n', encoding="utf-8")
    return path


def _inputs(folder: Path, site_field: str, site_constant: str = "") -> list[str]:
    dialect = folder / "g.toml"
    dialect.write_text(DIALECT.format(site_field=site_field, site_constant=site_constant), "utf-8")
    logs = [_log(folder, "j0", "申城花园", "东门", 1), _log(folder, "k1", "浦江小区", "北门", 2)]
    return ["--dialect", str(dialect), *map(str, logs)]


def _convert(folder: Path, args: list[str], name: str, check: bool = True) -> list[str]:
    out = folder / f"{name}.ndjson"
    done = RUNNER.invoke(app, ["convert", *args, "-o", str(out), "-q"], env=ENV)
    assert done.exit_code == 0, done.output
    if not check:  # a log without a site: its Community is expected from elsewhere
        return out.read_text("utf-8").splitlines()
    checked = RUNNER.invoke(app, ["validate", str(out), "--check-references"])
    assert checked.exit_code == 0, checked.output
    return out.read_text("utf-8").splitlines()


def _devices(lines: list[str]) -> dict[str, tuple[str, str]]:
    records = [json.loads(line) for line in lines]
    return {r["id"]: (r["name"], r["community"]["id"]) for r in records if r["type"] == "Device"}


def test_one_device_name_at_two_sites_is_two_devices(tmp_path: Path) -> None:
    args = _inputs(tmp_path, 'site_name = "/Log/@site"')
    lines = _convert(tmp_path, args, "a")
    devices = _devices(lines)
    assert sorted(name for name, _ in devices.values()) == ["东门", "北门"]
    assert len({site for _, site in devices.values()}) == 2
    for device_id, (_, site) in devices.items():
        assert device_id == readable_id(f"{site}/GATE-A")
    events = [json.loads(x) for x in lines if '"AccessEvent"' in x]
    assert {e["device"]["id"] for e in events} == set(devices)
    swapped = _convert(tmp_path, [*args[:2], args[3], args[2]], "b")
    assert sorted(swapped) == sorted(lines)  # the other file order: the same records
    assert _convert(tmp_path, [*args, "--jobs", "2"], "c") == lines


def test_a_constant_site_keeps_the_devices_own_id(tmp_path: Path) -> None:
    args = _inputs(tmp_path, 'site_name = "/Log/@site"', 'id = "comm-x"')
    assert set(_devices(_convert(tmp_path, args, "a"))) == {"GATE-A"}
    args = _inputs(tmp_path, "")  # no site at all
    assert set(_devices(_convert(tmp_path, args, "b", check=False))) == {"GATE-A"}
