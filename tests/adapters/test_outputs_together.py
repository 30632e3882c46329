"""Outputs that go together: a replay's output joined with the first validates without a
duplicate Device, and compressed logs in a folder are converted like plain ones."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from typer.testing import CliRunner

from ccstd.adapters.access_xml.mapping import readable_id
from ccstd.cli.app import app

RUNNER = CliRunner()
KEY = {"CCSTD_PSEUDONYM_KEY": "outputs-together-test-key-0a1b2c3d", "COLUMNS": "300"}


def event(controller: str, code: str, method: str = "CARD") -> str:
    return (
        f'<Event id="1" time="2024-05-01 07:42:13" controller="{controller}" door="1">'
        f'<Result code="{code}"/><Method>{method}</Method><Direction>IN</Direction></Event>'
    )


def log_text(*events: str) -> str:
    return f'<?xml version="1.0"?>\n<AccessLog site="联洋花园">\n{"".join(events)}\n</AccessLog>\n'


def gate(controller: str) -> str:
    """The Device id of a controller at 联洋花园 (the site is read from the log: scoped to it)."""
    return readable_id(f"{readable_id('联洋花园', 'community-')}/{controller}", "gate-")


def lines(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_replay_output_joined_with_the_first_has_each_device_once(tmp_path: Path) -> None:
    log = tmp_path / "log.xml"
    # gate A: one event converts, one is rejected (an unknown method), and a later one converts;
    # gate B: its only event is rejected, so only the replay can write its Device.
    log.write_text(
        log_text(event("A", "OK", "IRIS"), event("A", "OK"), event("B", "OK", "IRIS")),
        encoding="utf-8",
    )
    first, rejects = tmp_path / "first.ndjson", tmp_path / "rejects.ndjson"
    run = RUNNER.invoke(app, ["convert", str(log), "-o", str(first), "--rejects", str(rejects)],
                        env=KEY)  # fmt: skip
    assert run.exit_code == 1, run.output
    entries = lines(rejects)
    assert [e["reason"] for e in entries] == ["unknown-vendor-code"] * 2
    assert "written" not in entries[0] and entries[-1]["written"]["Device"] == [gate("A")]
    dialect = tmp_path / "iris.toml"
    dialect.write_text(
        'family = "access-xml"\nname = "legacy-with-iris"\ndescription = "with iris scans"\n'
        'extends = "xml-legacy-accesslog"\n[values.method]\nIRIS = "face"\n',
        encoding="utf-8",
    )
    second = tmp_path / "second.ndjson"
    again = RUNNER.invoke(
        app, ["convert", "--replay", str(rejects), "--dialect", str(dialect), "-o", str(second)],
        env=KEY,
    )  # fmt: skip
    assert again.exit_code == 0, again.output
    devices = [r["id"] for r in lines(second) if r["type"] == "Device"]
    assert devices == [gate("B")]  # gate A is in the first output
    assert "expected from elsewhere: Community 1, Device 1" in again.stderr
    both = RUNNER.invoke(app, ["validate", str(first), str(second), "--check-references",
                               "--format", "json"])  # fmt: skip
    findings = json.loads(both.stdout)["findings"]
    assert not [f for f in findings if f["code"] == "duplicate-id"], findings
    assert not [f for f in findings if f["code"] == "unresolved-reference"
                and "Device" in f["message"]]  # fmt: skip


def test_a_malformed_written_list_is_a_one_line_replay_error(tmp_path: Path) -> None:
    log = tmp_path / "log.xml"
    log.write_text(log_text(event("A", "OK"), event("A", "OK", "IRIS")), encoding="utf-8")
    rejects = tmp_path / "rejects.ndjson"
    RUNNER.invoke(app, ["convert", str(log), "-o", str(tmp_path / "a.ndjson"), "--rejects",
                        str(rejects)], env=KEY)  # fmt: skip
    [entry] = lines(rejects)
    entry["written"] = {"Resident": ["someone"]}
    rejects.write_text(json.dumps(entry) + "\n", encoding="utf-8")
    again = RUNNER.invoke(app, ["convert", "--replay", str(rejects), "-o",
                                str(tmp_path / "b.ndjson")], env=KEY)  # fmt: skip
    assert again.exit_code == 2 and "rejects.ndjson:1: 'written' is not" in again.stderr
    assert "Traceback" not in again.output


def test_compressed_logs_in_a_folder_are_converted(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    text = log_text(event("A", "OK"), event("B", "OK")).encode("utf-8")
    (folder / "monday.xml.gz").write_bytes(gzip.compress(text))
    other_day = text.replace(b"2024-05-01", b"2024-05-02")  # the same events would be duplicates
    (folder / "tuesday.xml").write_bytes(other_day)
    out = tmp_path / "out.ndjson"
    run = RUNNER.invoke(app, ["convert", str(folder), "-o", str(out)], env=KEY)
    assert run.exit_code == 0, run.output
    records = lines(out)
    assert len([r for r in records if r["type"] == "AccessEvent"]) == 4
    devices = sorted(r["id"] for r in records if r["type"] == "Device")
    assert devices == sorted([gate("A"), gate("B")])
