"""Dialect files: checked before use (file, line, key), found the same way wherever they come
from, listed with their error when broken, and detection that never settles a tie by name."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccstd.adapters.access_xml.dialect import SCHEMA_FILE
from ccstd.adapters.dialect_files import _entry_folder
from ccstd.cli.app import app
from tests.conftest import REPO_ROOT

RUNNER = CliRunner()
KEY = {"CCSTD_PSEUDONYM_KEY": "dialect-files-test-key-5a4b3c2d1e0f"}

GATES = """\
family = "access-xml"
name = "my-gates"
description = "Swipes of a one-controller car-park barrier"
record = "Swipe"
markers = ["<Swipes", "<Swipe "]
time_formats = ["%d.%m.%Y %H:%M"]
timezone = "Asia/Chongqing"

[fields]
time = "@at"
method = "@how"
result = "@ok"
card = "@card"

[values.method]
C = "card"
P = "licence-plate"

[values.result]
Y = "granted"
N = "denied"

[constants]
device = "barrier-1"
device_name = "车库道闸"

[site]
id = "comm-cq-7"
"""

LOG = """<?xml version="1.0"?>
<Swipes>
<Swipe at="01.05.2024 07:30" how="C" ok="Y" card="A1001"/>
<Swipe at="01.05.2024 07:31" how="P" ok="N" card="A1002"/>
</Swipes>
"""


def write(tmp_path: Path, text: str = GATES, name: str = "my-gates.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (("[constants]", "[constants]\ncolour = 'red'"), ":24: constants.colour: unknown key"),
        (('how"', 'how"\nmetod = "@x"'), ":12: fields.metod: unknown key (did you mean method?)"),
        (('result = "@ok"\n', ""), ":9: fields.result: required mapping missing"),
        (('time = "@at"', 'time = "@at[1]"'), ":10: fields.time: bad XPath '@at[1]'"),
        (('record = "Swipe"\n', ""), ":1: record: required key missing"),
        (('timezone = "Asia/Chongqing"', 'timezone = "Mars/Olympus"'), ":7: timezone: not an IANA"),
        (("Y = ", "Y = \n"), ":20: not valid TOML"),
    ],
    ids=[
        "unknown-key",
        "misspelt-field",
        "missing-mapping",
        "bad-xpath",
        "no-record",
        "zone",
        "toml",
    ],
)
def test_a_broken_dialect_is_exit_2_naming_file_line_and_key(
    change: tuple[str, str], where: str, tmp_path: Path
) -> None:
    dialect = write(tmp_path, GATES.replace(*change, 1))
    log = tmp_path / "log.xml"
    log.write_text(LOG)
    for args in (
        ["convert", str(log), "--dialect", str(dialect)],
        ["adapters", "check", str(dialect)],
    ):
        result = RUNNER.invoke(app, args, env=KEY)
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in result.output
        assert lines[0].startswith(f"ccstd: error: {dialect}{where}"), lines[0]


def test_check_prints_what_a_dialect_maps(tmp_path: Path) -> None:
    result = RUNNER.invoke(app, ["adapters", "check", str(write(tmp_path))])
    assert result.exit_code == 0
    assert "dialect my-gates is valid" in result.stdout
    assert "method         ← @how (table of 2 codes) → AccessEvent.method" in result.stdout
    assert "device         = 'barrier-1' (constant)" in result.stdout


def test_a_single_controller_log_gets_its_device_site_and_zone_from_the_dialect(
    tmp_path: Path,
) -> None:
    log, out = tmp_path / "log.xml", tmp_path / "out.ndjson"
    log.write_text(LOG)
    result = RUNNER.invoke(
        app, ["convert", str(log), "--dialect", str(write(tmp_path)), "-o", str(out)], env=KEY
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    events = [r for r in records if r["type"] == "AccessEvent"]
    (device,) = [r for r in records if r["type"] == "Device"]
    assert device["id"] == "barrier-1" and device["name"] == "车库道闸"
    assert device["community"] == {"type": "Community", "id": "comm-cq-7"}
    assert [e["occurredAt"] for e in events] == [
        "2024-05-01T07:30:00+08:00",
        "2024-05-01T07:31:00+08:00",
    ]
    assert "expected from elsewhere: Community 1" in result.stderr


def test_dialects_in_the_path_are_installed_adapters_and_broken_ones_are_listed(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "dialects"
    folder.mkdir()
    write(folder)
    write(
        folder,
        GATES.replace('name = "my-gates"', 'name = "bad-gates"').replace("[site]", "[sight]"),
        "bad.toml",
    )
    env = {"CCSTD_DIALECT_PATH": str(folder), "COLUMNS": "300"}
    listed = RUNNER.invoke(app, ["adapters", "list"], env=env)
    assert listed.exit_code == 0
    row = next(line for line in listed.stdout.splitlines() if "bad-gates" in line)
    assert "error:" in row and "bad.toml:27: sight: unknown key" in row
    assert "my-gates" in listed.stdout and "xml-legacy-accesslog" in listed.stdout
    log, out = tmp_path / "log.xml", tmp_path / "out.ndjson"
    log.write_text(LOG)
    detected = RUNNER.invoke(app, ["convert", str(log), "-o", str(out)], env={**KEY, **env})
    assert detected.exit_code == 0 and "--from my-gates" in detected.stderr
    broken = RUNNER.invoke(app, ["convert", str(log), "--from", "bad-gates"], env={**KEY, **env})
    assert broken.exit_code == 2 and "cannot be used" in broken.stderr


def test_a_tie_between_dialects_is_exit_2_and_from_or_dialect_settles_it(tmp_path: Path) -> None:
    folder = tmp_path / "dialects"
    folder.mkdir()
    twin = GATES.replace('name = "my-gates"', 'name = "twin-gates"')
    write(folder, twin, "twin.toml")
    write(folder)
    log = tmp_path / "log.xml"
    log.write_text(LOG)
    env = {**KEY, "CCSTD_DIALECT_PATH": str(folder)}
    tie = RUNNER.invoke(app, ["convert", str(log), "-o", str(tmp_path / "a.ndjson")], env=env)
    assert tie.exit_code == 2
    assert "equally (my-gates, twin-gates)" in tie.stderr and "--dialect FILE" in tie.stderr
    chosen = RUNNER.invoke(
        app,
        ["convert", str(log), "--from", "twin-gates", "-o", str(tmp_path / "b.ndjson")],
        env=env,
    )
    assert chosen.exit_code == 0
    write(folder, twin.replace('record = "Swipe"', 'record = "Swipe"\npriority = 70'), "twin.toml")
    preferred = RUNNER.invoke(app, ["convert", str(log), "-o", str(tmp_path / "c.ndjson")], env=env)
    assert preferred.exit_code == 0 and "--from twin-gates" in preferred.stderr


def test_a_dialect_extends_a_built_in_one_to_add_its_site(tmp_path: Path) -> None:
    mine = write(tmp_path, 'family = "access-xml"\nname = "ly-site"\ndescription = "Our legacy '
                 'export"\nextends = "xml-legacy-accesslog"\n\n[site]\nid = "comm-ly"\nname = '
                 '"联洋花园"\ndivision_code = "310115"\n')  # fmt: skip
    out = tmp_path / "out.ndjson"
    sample = REPO_ROOT / "examples" / "vendors" / "access-xml" / "legacy-accesslog.xml"
    result = RUNNER.invoke(
        app, ["convert", str(sample), "--dialect", str(mine), "-o", str(out)], env=KEY
    )
    assert result.exit_code == 1  # the sample carries two bad events
    assert "every reference resolves" in result.stderr
    validated = RUNNER.invoke(app, ["validate", str(out), "--check-references", "-q"])
    assert validated.exit_code == 0, validated.output


def test_the_published_schema_is_documented_key_by_key() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    docs = (REPO_ROOT / "docs" / "dialects.md").read_text(encoding="utf-8")
    keys = [*schema["properties"], *schema["properties"]["fields"]["properties"]]
    keys += [
        *schema["properties"]["site"]["properties"],
        *schema["properties"]["constants"]["properties"],
    ]
    assert [key for key in keys if f"`{key}`" not in docs] == []
    assert "dialect.schema.json" in docs


def test_a_data_only_entry_point_names_a_folder_without_running_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "acme_dialects"
    (package / "xml").mkdir(parents=True)
    (package / "__init__.py").write_text("raise SystemExit('never imported')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _entry_folder("acme_dialects/xml") == package / "xml"
    assert _entry_folder("acme_dialects") == package
    assert _entry_folder("../etc") is None and "acme_dialects" not in sys.modules


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ":1: family: required key missing"),
        (b"name = '\xff'\n", ":1: not UTF-8"),
        ('family = "access-xml"\nfamily = "x"\n', ":2: not valid TOML"),
        (
            GATES.replace('record = "Swipe"', 'record = "Swipe"\ndevice_prefix = "-x"'),
            ":5: device_prefix:",
        ),
        (
            GATES + '\n[lookup]\nkey = "{time:>999999999}"\ncodes = {}\n',
            ":31: lookup.key: '{time:>999999999}' is not valid",
        ),
        (
            GATES + '\n[lookup]\nkey = "{colour}"\ncodes = {}\n',
            ":31: lookup.key: names no field: colour",
        ),
        (
            GATES.replace('record = "Swipe"', 'extends = "my-gates"'),
            ":4: extends: my-gates: a cycle",
        ),
        (
            GATES.replace('record = "Swipe"', 'extends = "nowhere"'),
            ":4: extends: nowhere: no such dialect",
        ),
        (
            GATES.replace('time = "@at"', 'time = "../../etc/@passwd"'),
            ":10: fields.time: bad XPath",
        ),
        (
            GATES.replace('record = "Swipe"', 'record = "Swipe"\nencoding = "hex"'),
            ":5: encoding: 'hex' is not a text encoding",
        ),
        (
            GATES.replace('C = "card"', 'C = "telepathy"').replace(
                "[values.method]", "[values.methods]"
            ),
            ":15: values.methods: unknown name",
        ),
    ],
    ids=[
        "empty",
        "not-utf8",
        "duplicate-key",
        "prefix",
        "format-spec",
        "key-field",
        "self",
        "missing-base",
        "escape",
        "encoding",
        "values-name",
    ],
)
def test_hostile_dialect_files_are_one_line_errors(
    text: str | bytes, expected: str, tmp_path: Path
) -> None:
    dialect = tmp_path / "d.toml"
    dialect.write_bytes(text if isinstance(text, bytes) else text.encode())
    result = RUNNER.invoke(app, ["adapters", "check", str(dialect)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.strip().startswith(f"ccstd: error: {dialect}{expected}"), result.stderr


def test_a_dialect_that_is_not_a_file_or_collides_with_an_output_is_refused(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    result = RUNNER.invoke(app, ["adapters", "check", str(fifo)])
    assert result.exit_code == 2 and "not a regular file" in result.stderr
    log, dialect = tmp_path / "log.xml", write(tmp_path)
    log.write_text(LOG)
    both = RUNNER.invoke(
        app, ["convert", str(log), "--dialect", str(dialect), "--from", "xml-acs-v2"], env=KEY
    )
    assert both.exit_code == 2 and "not both" in both.stderr
    clash = RUNNER.invoke(
        app, ["convert", str(log), "--dialect", str(dialect), "-o", str(dialect)], env=KEY
    )
    assert clash.exit_code == 2 and dialect.read_text() == GATES


def test_a_broken_plugin_is_listed_with_its_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib.metadata import EntryPoint

    from ccstd.adapters import registry

    real = registry.entry_points

    def with_broken(group: str) -> list[EntryPoint]:
        broken = EntryPoint("gate-csv", "ccstd_no_such_plugin:GateCsv", registry.GROUP)
        return [*real(group=group), broken]

    monkeypatch.setattr(registry, "entry_points", with_broken)
    listed = RUNNER.invoke(app, ["adapters", "list"], env={"COLUMNS": "300"})
    row = next(line for line in listed.stdout.splitlines() if "gate-csv" in line)
    assert "error: ModuleNotFoundError while loading ccstd_no_such_plugin:GateCsv" in row
    assert "xml-hikvision-isapi" in listed.stdout


def test_a_dialect_never_takes_the_name_of_an_adapter(tmp_path: Path) -> None:
    folder = tmp_path / "dialects"
    folder.mkdir()
    write(folder, GATES.replace('name = "my-gates"', 'name = "fhir-r4"'))
    listed = RUNNER.invoke(
        app, ["adapters", "list"], env={"CCSTD_DIALECT_PATH": str(folder), "COLUMNS": "300"}
    )
    rows = [line for line in listed.stdout.splitlines() if "fhir-r4" in line]
    assert len(rows) == 2 and "error: the name fhir-r4 is taken by built-in" in rows[1]


@pytest.mark.parametrize(
    ("content", "says"),
    [("a = " + "[" * 100_000 + "]" * 100_000, "nested too deeply"), ("a = " + "9" * 5000, "4300")],
    ids=["deep", "huge-integer"],
)
def test_a_dialect_file_tomllib_cannot_hold_is_one_line_and_listed(
    tmp_path: Path, content: str, says: str
) -> None:
    folder = tmp_path / "dialects"
    folder.mkdir()
    hostile = folder / "hostile.toml"
    hostile.write_text(content)
    check = RUNNER.invoke(app, ["adapters", "check", str(hostile)])
    assert check.exit_code == 2 and says in check.stderr, check.output
    assert len(check.stderr.splitlines()) == 1, check.stderr
    listed = RUNNER.invoke(app, ["adapters", "list"], env={"CCSTD_DIALECT_PATH": str(folder)})
    assert listed.exit_code == 0, listed.output
