"""Device ids derived from names are injective: a name that already has the shape of a derived
id (`dong-men-79f2d165`, what 东门 becomes) gets a digest of its own, so two devices never merge;
ordinary ids keep their value."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ccstd.adapters.access_xml.mapping import readable_id
from ccstd.cli.app import app
from tests.adapters.test_personal_data_screen import DIALECT, KEY

RUNNER = CliRunner()


def swipe(door: str, minute: int) -> str:
    return (
        f'<刷卡 门="{door}"><时间>2024年05月01日 07:{minute:02d}:00</时间><方式>刷卡</方式>'
        f"<结果>通过</结果><卡号>3100000{minute}</卡号></刷卡>\n"
    )


def test_a_name_shaped_like_a_derived_id_is_another_device(tmp_path: Path) -> None:
    derived = readable_id("东门")
    assert derived.startswith("dong-men-")
    doors = ["东门", derived, "gate-1", "x-" + derived.rsplit("-", 1)[1]]
    log = tmp_path / "log.xml"
    body = "".join(swipe(door, minute) for minute, door in enumerate(doors))
    log.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n<门禁记录>\n{body}</门禁记录>\n')
    dialect = tmp_path / "d.toml"
    text = DIALECT.format(extra='device_name = "@门"') + 'name = "联洋花园"\n'  # under [site]
    dialect.write_text(text, encoding="utf-8")
    out = tmp_path / "out.ndjson"
    done = RUNNER.invoke(
        app, ["convert", str(log), "--dialect", str(dialect), "-o", str(out)], env=KEY
    )
    assert done.exit_code == 0, done.output
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    devices = {r["id"]: r["name"] for r in records if r["type"] == "Device"}
    events = [r["device"]["id"] for r in records if r["type"] == "AccessEvent"]
    assert len(devices) == 4 and len(set(events)) == 4
    assert sorted(devices.values()) == sorted(doors)
    assert devices[derived] == "东门" and devices["gate-1"] == "gate-1"  # ordinary ids unchanged
    checked = RUNNER.invoke(app, ["validate", str(out), "--check-references"])
    assert checked.exit_code == 0, checked.output


def test_a_long_name_after_a_prefix_is_not_cut_into_anothers_id() -> None:
    first, second = "a" * 127 + "1", "a" * 127 + "2"
    ids = {readable_id(first, "community-"), readable_id(second, "community-")}
    assert len(ids) == 2 and all(len(i) <= 128 for i in ids)


def test_a_site_id_shaped_like_a_named_sites_id_is_another_site(tmp_path: Path) -> None:
    """A site known by name only gets `community-<name>`; a site id of that shape read from
    another log row gets a digest, so the two sites' devices do not share a Community."""
    text = DIALECT.format(extra='site_id = "@编号"\nsite_name = "@小区"')
    text = text.replace('[site]\nid = "comm-x"\ndivision_code = "310115"\n', "")
    dialect = tmp_path / "d.toml"
    dialect.write_text(text, encoding="utf-8")
    rows = [swipe("A", 1).replace("<刷卡 ", '<刷卡 编号="community-foo" '),
            swipe("B", 2).replace("<刷卡 ", '<刷卡 小区="foo" ')]  # fmt: skip
    log = tmp_path / "log.xml"
    log.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<门禁记录>\n{"".join(rows)}</门禁记录>\n'
    )
    out = tmp_path / "out.ndjson"
    done = RUNNER.invoke(
        app, ["convert", str(log), "--dialect", str(dialect), "-o", str(out)], env=KEY
    )
    assert done.exit_code == 0, done.output
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    # a Device id read with its site: `<site id>-<device>-<digest>`
    sites = {r["id"].split("-")[-2]: r["community"]["id"] for r in records if r["type"] == "Device"}
    assert sites["B"] == "community-foo"
    assert sites["A"].startswith("community-foo-") and sites["A"] != sites["B"]


def test_two_sites_of_one_name_in_two_divisions_are_two_communities(tmp_path: Path) -> None:
    """A Community id made from the site's name holds the division code: 阳光花园 in Pudong
    (310115) and 阳光花园 in Dongcheng (110101) are two communities."""
    ids = set()
    for division in ("310115", "110101"):
        text = DIALECT.format(extra='site_name = "@小区"')
        text = text.replace('id = "comm-x"\n', "").replace("310115", division)
        dialect = tmp_path / f"{division}.toml"
        dialect.write_text(text, encoding="utf-8")
        log = tmp_path / "log.xml"
        row = swipe("A", 1).replace("<刷卡 ", '<刷卡 小区="阳光花园" ')
        log.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n<门禁记录>\n{row}</门禁记录>\n')
        out = tmp_path / f"{division}.ndjson"
        done = RUNNER.invoke(
            app, ["convert", str(log), "--dialect", str(dialect), "-o", str(out)], env=KEY
        )
        assert done.exit_code == 0, done.output
        records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
        (community,) = [r for r in records if r["type"] == "Community"]
        assert community["divisionCode"] == division and community["name"] == "阳光花园"
        assert {r["community"]["id"] for r in records if r["type"] == "Device"} == {community["id"]}
        ids.add(community["id"])
    assert len(ids) == 2
