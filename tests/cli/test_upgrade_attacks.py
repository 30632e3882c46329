"""`ccstd upgrade` against inputs it was not designed for: stdin named twice, a mapping that
moves a field into itself, every record refused, record keys that are personal values."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from tests.cli.test_upgrade import (
    LATEST,
    NAME,
    OLDER,
    _major_release,
    examples,
    ndjson,
    read_ndjson,
)

RUNNER = CliRunner()
DOCS = Path(__file__).parents[2] / "docs" / "upgrade.md"


def _resident(version: str) -> dict[str, Any]:
    return next(r for r in examples(version) if r["type"] == "Resident")


def test_stdin_named_twice_is_a_usage_error_not_a_traceback(tmp_path: Path) -> None:
    out = tmp_path / "out.ndjson"
    line = json.dumps(_resident(OLDER[0]), ensure_ascii=False) + "\n"
    args = ["upgrade", "-", "-", "--to", LATEST, "--out", str(out)]
    result = RUNNER.invoke(app, args, input=line)
    stderr = result.stderr
    assert result.exit_code == 2, result.output
    assert "Traceback" not in stderr and "- (stdin) is given more than once" in stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            'action = "move"\nfield = "address"\nto = "address.postalCode"\n',
            "changes.1.to: address.postalCode is inside address",
        ),
        ('action = "move"\nfield = "address"\nto = "address"\n', "changes.1.to: address is inside"),
        (
            'action = "rename"\nfield = "address"\nto = "address"\n',
            "changes.1.to: address is the field itself",
        ),
    ],
)
def test_a_mapping_that_moves_a_field_into_itself_is_refused_before_use(
    tmp_path: Path, change: str, message: str
) -> None:
    root = _major_release(tmp_path)
    mapping = root / "upgrades" / f"{LATEST}-to-2.0.0.toml"
    mapping.write_text(
        f'from = "{LATEST}"\nto = "2.0.0"\ndescription = "d"\n[[changes]]\n'
        'entity = "Resident"\naction = "drop"\nfield = "livesAlone"\nreason = "r"\n[[changes]]\n'
        f'entity = "Resident"\n{change}reason = "r"\n',
        encoding="utf-8",
    )
    source = ndjson(tmp_path / "in.ndjson", [_resident(LATEST)])
    out = tmp_path / "out.ndjson"
    args = ["upgrade", str(source), "--to", "2.0.0", "--out", str(out), "--root", str(root)]
    result = RUNNER.invoke(app, args)
    assert result.exit_code == 2, result.output  # not a record silently losing its address
    assert message in result.stderr
    assert not out.exists()


def test_when_every_record_is_refused_out_is_written_empty(tmp_path: Path) -> None:
    out, rejects = tmp_path / "out.ndjson", tmp_path / "rejects.ndjson"
    out.write_text('{"stale": "from an earlier run"}\n', encoding="utf-8")
    source = ndjson(tmp_path / "in.ndjson", [{**_resident(LATEST), "standardVersion": "9.0.0"}])
    args = ["upgrade", str(source), "--to", LATEST, "--out", str(out), "--rejects", str(rejects)]
    result = RUNNER.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert out.read_bytes() == b""  # this run's output: nothing, not the earlier run's records
    assert [r["reason"] for r in read_ndjson(rejects)] == ["unknown-version"]
    assert "is written even when it is empty" in " ".join(DOCS.read_text("utf-8").split())


def test_record_keys_and_types_from_the_record_stay_out_of_refusals(tmp_path: Path) -> None:
    old = _resident(OLDER[0])
    records = [
        {**old, NAME: "x", "13800138000": 1},  # unknown properties: a name, a phone
        {**old, "extensions": {NAME: {"x": 1}}},  # an extension namespace that is a name
        {**old, "type": NAME},  # an entity that does not exist
    ]
    source = ndjson(tmp_path / "in.ndjson", records)
    repeated = f'{{"id": "a", "standardVersion": "{OLDER[0]}", "{NAME}": 1, "{NAME}": 2}}\n'
    source.write_text(source.read_text("utf-8") + repeated, "utf-8")
    out, rejects = tmp_path / "out.ndjson", tmp_path / "rejects.ndjson"
    args = ["upgrade", str(source), "--to", LATEST, "--out", str(out), "--rejects", str(rejects)]
    result = RUNNER.invoke(app, args)
    assert result.exit_code == 1, result.output
    written = rejects.read_text("utf-8")
    for leak in (NAME, "13800138000"):
        assert leak not in result.stderr and leak not in written
    messages = [r["message"] for r in read_ndjson(rejects)]
    assert [m.split(": ")[1].split()[0] for m in messages] == [
        "unknown-property",
        "invalid-extension-namespace",
        "unknown-record-type",
        "duplicate-key",
    ]
    assert "unknown-property at /…: property '…' is not defined here" in messages[0]
    assert "at /extensions/…: extension namespace '…' must be" in messages[1]
    floors = {**examples(OLDER[0])[0], "floors": 3}  # a key that is a field name is named
    ndjson(source, [floors])
    RUNNER.invoke(app, [*args[:1], str(source), *args[2:]])
    assert "unknown-property at /floors: property 'floors'" in read_ndjson(rejects)[0]["message"]


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (lambda p: p.write_text(f"x = {'[' * 5000}{']' * 5000}\n", "utf-8"), "nested"),
        (lambda p: p.write_text(f"x = {'{a=' * 5000}1{'}' * 5000}\n", "utf-8"), "nested"),
        (lambda p: p.symlink_to("/dev/zero"), "not a regular file"),
        (lambda p: os.mkfifo(p), "not a regular file"),
        (lambda p: p.symlink_to(p.parent / "gone.toml"), "cannot read"),
    ],
)
def test_a_mapping_that_cannot_be_read_is_one_line_exit_2(
    tmp_path: Path, write: Callable[[Path], None], message: str
) -> None:
    root = _major_release(tmp_path)
    mapping = root / "upgrades" / f"{LATEST}-to-2.0.0.toml"
    write(mapping)
    source = ndjson(tmp_path / "in.ndjson", [_resident(LATEST)])
    out = tmp_path / "out.ndjson"
    args = ["upgrade", str(source), "--to", "2.0.0", "--out", str(out), "--root", str(root)]
    result = RUNNER.invoke(app, args)
    assert result.exit_code == 2, result.output  # not a traceback, not "ships no mapping"
    assert f"{mapping}: " in result.stderr and message in result.stderr
    assert not out.exists()


def test_a_file_named_after_a_number_is_redacted_in_refusals(tmp_path: Path) -> None:
    phone = "13811112222"  # exports are sometimes named after the person they hold
    source = ndjson(tmp_path / f"{phone}.ndjson", [{**_resident(LATEST), "standardVersion": "x"}])
    out, rejects = tmp_path / "out.ndjson", tmp_path / "rejects.ndjson"
    args = ["upgrade", str(source), "--to", LATEST, "--out", str(out), "--rejects", str(rejects)]
    result = RUNNER.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert "unknown-version" in result.stderr and phone not in result.stderr
    assert read_ndjson(rejects)[0]["file"].endswith("[redacted].ndjson")


def test_an_output_device_that_fails_is_named(tmp_path: Path) -> None:
    source = ndjson(tmp_path / "in.ndjson", [_resident(OLDER[0])])
    result = RUNNER.invoke(app, ["upgrade", str(source), "--to", LATEST, "--out", "/dev/full"])
    assert result.exit_code == 2, result.output
    assert "--out /dev/full: cannot write: No space left on device" in result.stderr


def test_stdin_redirected_from_the_output_file_is_refused(tmp_path: Path) -> None:
    source = ndjson(tmp_path / "in.ndjson", [_resident(OLDER[0])])
    before = source.read_bytes()
    with source.open("rb") as stdin:  # ccstd upgrade - --out in.ndjson < in.ndjson
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                "from ccstd.cli.app import main; main()",
                "upgrade",
                "-",
                "--to",
                LATEST,
                "--out",
                str(source),
            ],
            stdin=stdin,
            capture_output=True,
            text=True,
            check=False,
        )
    assert result.returncode == 2, result.stderr
    assert "is the input - (stdin, redirected from that file)" in result.stderr
    assert source.read_bytes() == before


def test_parse_errors_keep_the_punctuation_they_expect(tmp_path: Path) -> None:
    source = tmp_path / "in.ndjson"
    source.write_text(f'{{"name": "{NAME}" "x": 1}}\n', encoding="utf-8")
    out, rejects = tmp_path / "out.ndjson", tmp_path / "rejects.ndjson"
    args = ["upgrade", str(source), "--to", LATEST, "--out", str(out), "--rejects", str(rejects)]
    result = RUNNER.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert "expected ',' or '}'" in read_ndjson(rejects)[0]["message"]
    assert NAME not in result.stderr


def test_no_upgrade_path_names_the_mapping_file_it_looked_for(tmp_path: Path) -> None:
    root = _major_release(tmp_path)
    (root / "upgrades" / f"{LATEST.rsplit('.', 1)[0]}-to-2.0.toml").write_text("", "utf-8")
    source = ndjson(tmp_path / "in.ndjson", [_resident(LATEST)])
    out, rejects = tmp_path / "out.ndjson", tmp_path / "rejects.ndjson"
    args = ["upgrade", str(source), "--to", "2.0.0", "--out", str(out), "--root", str(root)]
    result = RUNNER.invoke(app, [*args, "--rejects", str(rejects)])
    assert result.exit_code == 1, result.output
    assert f"(upgrades/{LATEST}-to-2.0.0.toml)" in read_ndjson(rejects)[0]["message"]


def test_a_raw_id_number_grouped_as_an_id_allows_is_redacted_in_refusals(tmp_path: Path) -> None:
    ids = ["110105:19491231:002X", "110105_19491231_002X", "110105-19491231-002X"]
    records = [{**_resident(OLDER[0]), "id": i, "bogus": 1} for i in ids]
    source = ndjson(tmp_path / "in.ndjson", records)
    out, rejects = tmp_path / "out.ndjson", tmp_path / "rejects.ndjson"
    args = ["upgrade", str(source), "--to", LATEST, "--out", str(out), "--rejects", str(rejects)]
    result = RUNNER.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert [r["recordId"] for r in read_ndjson(rejects)] == ["[redacted]"] * 3
    assert "19491231" not in result.stderr
