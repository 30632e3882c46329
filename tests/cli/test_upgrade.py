"""`ccstd upgrade` end to end: every older release to the latest, refusals, a major release
with a mapping shipped as data, outputs that are whole and never overwrite inputs."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from ccstd.standard.checker import RecordChecker
from ccstd.standard.reading import RawItem
from ccstd.standard.registry import EXAMPLES_ROOT, SCHEMAS_ROOT, StandardRegistry

RUNNER = CliRunner()
REGISTRY = StandardRegistry()
LATEST = REGISTRY.latest()
OLDER = REGISTRY.versions()[:-1]
NAME = "张秀英"  # a personal value that must never leave the record


def examples(version: str, kind: str = "valid") -> list[dict[str, Any]]:
    """The packaged examples of a version."""
    paths = sorted((EXAMPLES_ROOT / version).glob(f"*/{kind}-*.json"))
    return [json.loads(p.read_text(encoding="utf-8")) for p in paths]


def ndjson(path: Path, records: list[Any]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def read_ndjson(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def counts_line(stderr: str) -> str:
    return next(line for line in stderr.splitlines() if line.startswith("read "))


@pytest.mark.parametrize("version", OLDER)
def test_valid_records_of_every_older_release_upgrade_and_validate(
    tmp_path: Path, version: str
) -> None:
    records = examples(version)
    source = ndjson(tmp_path / "records.ndjson", records)
    out = tmp_path / "upgraded.ndjson"
    result = RUNNER.invoke(app, ["upgrade", str(source), "--to", LATEST, "--out", str(out)])
    assert result.exit_code == 0, result.output
    n = len(records)
    assert counts_line(result.stderr).startswith(
        f"read {n} = upgraded {n} + already {LATEST} 0 + refused 0"
    )
    upgraded = read_ndjson(out)
    assert [r["standardVersion"] for r in upgraded] == [LATEST] * n
    for before, after in zip(records, upgraded, strict=True):  # nothing invented, nothing lost
        assert {k: v for k, v in after.items() if k != "standardVersion"} == {
            k: v for k, v in before.items() if k != "standardVersion"
        }
    checked = RUNNER.invoke(app, ["validate", str(out), "--standard", LATEST, "-q"])
    assert checked.exit_code == 0, checked.output


def test_refusals_are_counted_explained_and_free_of_personal_values(tmp_path: Path) -> None:
    old, current = examples(OLDER[0]), examples(LATEST)[0]
    resident = next(r for r in old if r["type"] == "Resident")
    invalid = {**resident, "id": "rec-1", "unknownField": NAME}
    raw_id = {**invalid, "id": "11010519491231002X"}  # a resident ID number as record id
    newer = {**current, "standardVersion": "99.0.0"}
    named = {**invalid, "id": NAME}  # an id that is no Id at all is not repeated
    lines = [old[0], current, invalid, raw_id, [1, 2], "{not json", {"id": "x"}, newer, named]
    source = ndjson(tmp_path / "in.ndjson", lines)
    out, rejects = tmp_path / "out.ndjson", tmp_path / "rejects.ndjson"
    args = ["upgrade", str(source), "--to", LATEST, "--out", str(out), "--rejects", str(rejects)]
    result = RUNNER.invoke(app, args)
    assert result.exit_code == 1
    assert counts_line(result.stderr) == (
        f"read 9 = upgraded 1 + already {LATEST} 1 + refused 7 (invalid-under-declared-version"
        " 3, no-version 1, not-an-object 1, unknown-version 1, unreadable 1)"
    )
    assert len(read_ndjson(out)) == 2
    refused = read_ndjson(rejects)
    assert [r["line"] for r in refused] == [3, 4, 5, 6, 7, 8, 9]
    assert refused[-1]["recordId"] is None and refused[-1]["type"] == "Resident"
    assert refused[0]["recordId"] == "rec-1" and refused[0]["type"] == "Resident"
    assert "unknownField" in refused[0]["message"]
    for text in (rejects.read_text(encoding="utf-8"), result.stderr):
        assert NAME not in text and "11010519491231002X" not in text


def test_a_record_newer_than_the_target_is_refused(tmp_path: Path) -> None:
    source = ndjson(tmp_path / "in.ndjson", examples(LATEST)[:1] + examples(OLDER[0])[:1])
    out, rejects = tmp_path / "out.ndjson", tmp_path / "rejects.ndjson"
    args = ["upgrade", str(source), "--to", OLDER[-1], "--out", str(out), "--rejects", str(rejects)]
    result = RUNNER.invoke(app, args)
    assert result.exit_code == 1
    assert [r["reason"] for r in read_ndjson(rejects)] == ["newer-than-target"]
    assert [r["standardVersion"] for r in read_ndjson(out)] == [OLDER[-1]]


def test_json_arrays_and_gzip_are_read_as_validate_reads_them(tmp_path: Path) -> None:
    records = examples(OLDER[-1])
    array = tmp_path / "array.json"
    array.write_text(json.dumps(records[:3]), encoding="utf-8")
    zipped = tmp_path / "more.ndjson.gz"
    zipped.write_bytes(gzip.compress(b"".join(json.dumps(r).encode() + b"\n" for r in records[3:])))
    out = tmp_path / "out.ndjson"
    result = RUNNER.invoke(app, ["upgrade", str(tmp_path), "--to", LATEST, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(read_ndjson(out)) == len(records)


def test_usage_problems_exit_2_and_write_nothing(tmp_path: Path) -> None:
    source = ndjson(tmp_path / "in.ndjson", examples(OLDER[0])[:2])
    out = tmp_path / "out.ndjson"
    cases = [
        (["--to", LATEST, "--out", str(source)], "is the input"),
        (["--to", "7.0.0", "--out", str(out)], "--to: standard version '7.0.0' is not known"),
        (["--to", "draft", "--out", str(out)], "is not known"),
        (["--out", str(out)], "--to VERSION"),
        (["--to", LATEST, "--out", str(out), "--rejects", str(out)], "give each output"),
        (["--to", LATEST, "--out", str(tmp_path / "no" / "out.ndjson")], "no such folder"),
        (["--to", LATEST, "--out", str(tmp_path)], "is a folder"),
        (["--to", LATEST, "--out", str(out), "--root", str(tmp_path)], "no schemas/ folder"),
    ]
    for extra, message in cases:
        result = RUNNER.invoke(app, ["upgrade", str(source), *extra])
        assert result.exit_code == 2, extra
        assert message in result.stderr and "Traceback" not in result.output
    assert not out.exists()
    assert len(read_ndjson(source)) == 2
    empty = tmp_path / "empty.ndjson"
    empty.write_bytes(b"\n\n")
    result = RUNNER.invoke(app, ["upgrade", str(empty), "--to", LATEST, "--out", str(out)])
    assert result.exit_code == 2 and "no records to upgrade" in result.stderr
    assert not out.exists()


def test_an_input_that_breaks_midway_leaves_no_output(tmp_path: Path) -> None:
    good = ndjson(tmp_path / "a.ndjson", examples(OLDER[0]))
    broken = tmp_path / "b.ndjson.gz"
    broken.write_bytes(gzip.compress(b'{"a": 1}\n' * 1000)[:-40])
    out = tmp_path / "out.ndjson"
    out.write_bytes(b"previous\n")
    args = ["upgrade", str(good), str(broken), "--to", LATEST, "--out", str(out)]
    result = RUNNER.invoke(app, args)
    assert result.exit_code == 2 and "cannot read" in result.stderr
    assert out.read_bytes() == b"previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.ndjson", "b.ndjson.gz", "out.ndjson"]


# A major release, built in a scratch copy of the standard: 2.0.0 drops the deprecated
# Resident.livesAlone, renames Device.channel, moves Device.macAddress under `network`, and
# renames the resident status code `moved-out`.

MAPPING = f"""
from = "{LATEST}"
to = "2.0.0"
description = "Standard 2.0.0 removes what 1.x deprecated and regroups device networking."

[[changes]]
entity = "Resident"
action = "drop"
field = "livesAlone"
reason = "Deprecated since 1.1.0: derive it from the household's members."

[[changes]]
entity = "Device"
action = "rename"
field = "channel"
to = "channelNumber"
reason = "Named for what it holds."

[[changes]]
entity = "Device"
action = "move"
field = "macAddress"
to = "network.macAddress"
reason = "Network identity is grouped."

[[changes]]
entity = "Resident"
action = "map-values"
field = "status"
values = {{ "moved-out" = "left" }}
reason = "The code says what the community records."
"""


def _major_release(tmp_path: Path) -> Path:
    root = tmp_path / "standard"
    shutil.copytree(SCHEMAS_ROOT, root / "schemas")
    major = root / "schemas" / "2.0.0"
    shutil.copytree(root / "schemas" / LATEST, major)
    for path in major.rglob("*.json"):
        text = path.read_text(encoding="utf-8")
        text = text.replace(f"/{LATEST}/", "/2.0.0/").replace(f'"{LATEST}"', '"2.0.0"')
        path.write_text(text, encoding="utf-8")
    _edit(major / "resident.json", lambda d: d["properties"].pop("livesAlone"))
    _edit(major / "codelists" / "resident-status.json", _rename_code)
    _edit(major / "device.json", _regroup_device)
    (root / "upgrades").mkdir()
    return root


def _edit(path: Path, change: Any) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")


def _rename_code(doc: dict[str, Any]) -> None:
    doc["enum"] = ["left" if c == "moved-out" else c for c in doc["enum"]]
    doc["x-ccstd-codes"]["left"] = doc["x-ccstd-codes"].pop("moved-out")


def _regroup_device(doc: dict[str, Any]) -> None:
    props = doc["properties"]
    props["channelNumber"] = props.pop("channel")
    network = {"type": "object", "properties": {"macAddress": props.pop("macAddress")}}
    props["network"] = {**network, "title": "Network", "unevaluatedProperties": False}


def _old_records() -> list[dict[str, Any]]:
    old = [r for r in examples(OLDER[0]) if r["type"] == "Resident"]
    devices = [r for r in examples(LATEST) if r["type"] == "Device"]
    moved = [{**r, "id": f"moved-{i}", "status": "moved-out"} for i, r in enumerate(old)]
    return old + moved + devices


def test_a_major_release_upgrades_by_its_mapping(tmp_path: Path) -> None:
    root = _major_release(tmp_path)
    (root / "upgrades" / f"{LATEST}-to-2.0.0.toml").write_text(MAPPING, encoding="utf-8")
    records = _old_records()
    assert any("livesAlone" in r for r in records) and any("channel" in r for r in records)
    source = ndjson(tmp_path / "in.ndjson", records)
    out = tmp_path / "out.ndjson"
    args = ["upgrade", str(source), "--to", "2.0.0", "--out", str(out), "--root", str(root)]
    result = RUNNER.invoke(app, args)
    assert result.exit_code == 0, result.output
    upgraded = read_ndjson(out)
    assert len(upgraded) == len(records)
    assert not any("livesAlone" in r or "channel" in r or "macAddress" in r for r in upgraded)
    assert {r.get("status") for r in upgraded if r["type"] == "Resident"} >= {"left"}
    device = next(r for r in upgraded if "network" in r)
    source_device = next(r for r in records if r["id"] == device["id"])
    assert device["network"] == {"macAddress": source_device["macAddress"]}
    checker = RecordChecker(StandardRegistry(root / "schemas"))
    for record in upgraded:
        assert checker.check(RawItem("out", None, value=record)).invalid == 0


def test_without_a_mapping_a_major_release_is_refused(tmp_path: Path) -> None:
    root = _major_release(tmp_path)
    source = ndjson(tmp_path / "in.ndjson", _old_records()[:1])
    out, rejects = tmp_path / "out.ndjson", tmp_path / "rejects.ndjson"
    args = ["upgrade", str(source), "--to", "2.0.0", "--out", str(out), "--root", str(root)]
    result = RUNNER.invoke(app, [*args, "--rejects", str(rejects)])
    assert result.exit_code == 1
    assert read_ndjson(rejects)[0]["reason"] == "no-upgrade-path"
    assert "ships no mapping" in result.stderr


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (('action = "drop"', 'action = "delete"'), "changes.0.action"),
        (('field = "livesAlone"', 'field = "livesAlon"'), "changes.0.field: livesAlon"),
        (('to = "channelNumber"', 'to = "channelNo"'), "changes.1.to: channelNo is not a field"),
        (('entity = "Device"', 'entity = "Gadget"'), "changes.1.entity: Gadget"),
        (('reason = "Named for what it holds."\n', "\n"), "changes.1"),
        (("description =", "descr ="), "(top)"),
        (('to = "2.0.0"', 'to = "2.0.0'), "not valid TOML"),
    ],
)
def test_a_mapping_is_checked_before_use(
    tmp_path: Path, edit: tuple[str, str], message: str
) -> None:
    root = _major_release(tmp_path)
    mapping = root / "upgrades" / f"{LATEST}-to-2.0.0.toml"
    mapping.write_text(MAPPING.replace(*edit), encoding="utf-8")
    source = ndjson(tmp_path / "in.ndjson", _old_records())
    out = tmp_path / "out.ndjson"
    args = ["upgrade", str(source), "--to", "2.0.0", "--out", str(out), "--root", str(root)]
    result = RUNNER.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert str(mapping) in result.stderr and message in result.stderr
    assert not out.exists()
