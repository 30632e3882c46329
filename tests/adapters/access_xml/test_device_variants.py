"""A Device read again with another name or kind is not settled silently: the first is written,
every event kept and referring to it, and the run warns naming the id, the fields and where each
was read, never the names (with any --jobs, and with --quiet)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from tests.adapters.access_xml.test_device_site_scope import DIALECT, ENV

RUNNER = CliRunner()


def _inputs(folder: Path, names: list[str]) -> list[str]:
    dialect = folder / "g.toml"
    dialect.write_text(
        DIALECT.format(site_field="", site_constant='id = "comm-x"\nname = "申城花园"'), "utf-8"
    )
    rows = "".join(
        f'<E t="2024-05-01T00:00:{n:02d}+08:00" d="GATE-A" n="{name}" m="c" r="ok"/>\n'
        for n, name in enumerate(names)
    )
    log = folder / "log.xml"
    log.write_text(f"<Log>\n{rows}</Log>\n", encoding="utf-8")
    return ["--dialect", str(dialect), str(log)]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_renamed_device_is_warned_of(tmp_path: Path, jobs: str) -> None:
    names = ["东门"] * 3 + ["张三门"] * 3 + ["李四门", "东门"]  # told once, the first other
    out = tmp_path / "out.ndjson"
    args = [*_inputs(tmp_path, names), "-o", str(out), "--jobs", jobs, "-q"]
    done = RUNNER.invoke(app, ["convert", *args], env=ENV)
    assert done.exit_code == 0, done.output
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    devices = [r for r in records if r["type"] == "Device"]
    assert [d["name"] for d in devices] == ["东门"]
    assert sum(r["type"] == "AccessEvent" for r in records) == len(names)
    warnings = [x for x in done.stderr.splitlines() if x.startswith("ccstd: warning:")]
    assert warnings == [
        "ccstd: warning: Device GATE-A was read at source 1 /Log/E[1] line 2 and with another "
        "name at source 1 /Log/E[4] line 5: the first is written, and what refers to the id "
        "refers to it"
    ]
    assert "张三" not in done.output and "李四" not in done.output
    checked = RUNNER.invoke(app, ["validate", str(out), "--check-references"])
    assert checked.exit_code == 0, checked.output


def test_a_device_read_alike_is_not_warned_of(tmp_path: Path) -> None:
    out = tmp_path / "out.ndjson"
    args = [*_inputs(tmp_path, ["东门"] * 4), "-o", str(out)]
    done = RUNNER.invoke(app, ["convert", *args], env=ENV)
    assert done.exit_code == 0, done.output
    assert "warning" not in done.output and "read differently" not in done.output
