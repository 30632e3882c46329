"""A dialect plugin's files are its own: a symbolic link out of its dialect folder is refused
and listed with the reason, through `ccstd adapters list` and `convert`; one within it is read."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from tests.conftest import REPO_ROOT

ENV = {"CCSTD_PSEUDONYM_KEY": "0f3a9c2e7b1d4f8a6c5e0b9d2a7f3c1e"}
GATES = REPO_ROOT / "examples" / "dialects" / "shencheng-gates.toml"


def ccstd(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args], env=ENV, terminal_width=400)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def _dialect(path: Path, name: str) -> Path:
    text = GATES.read_text("utf-8").replace('name = "shencheng-gates"', f'name = "{name}"')
    path.write_text(text, "utf-8")
    return path


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An installed distribution `acme-dialects` whose entry point names acme_dialects/xml."""
    site = tmp_path / "site"
    folder = site / "acme_dialects" / "xml"
    folder.mkdir(parents=True)
    info = site / "acme_dialects-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-dialects\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[ccstd.dialects]\nacme = acme_dialects/xml\n")
    monkeypatch.syspath_prepend(str(site))
    return folder


def test_a_plugin_file_linking_out_of_its_folder_is_refused(tmp_path: Path, plugin: Path) -> None:
    outside = _dialect(tmp_path / "elsewhere.toml", "planted-gates")
    (plugin / "planted.toml").symlink_to(outside)
    _dialect(plugin / "own.toml", "acme-gates")
    (plugin / "alias.toml").symlink_to("own.toml")  # within the folder: read as usual
    code, output = ccstd("adapters", "list")
    assert code == 0, output
    assert "planted-gates" not in output and "acme-gates" in output
    assert "planted.toml: a symbolic link to a file outside the plugin's dialect folder" in output
    assert "(plugin acme-dialects)" in output
    log = REPO_ROOT / "examples" / "dialects" / "shencheng-gates.xml"
    out = tmp_path / "out.ndjson"
    code, output = ccstd("convert", log, "--from", "planted-gates", "--out", out)
    assert code == 2 and not out.exists(), output
    code, output = ccstd("convert", log, "--from", "acme-gates", "--out", out, "-q")
    assert code in (0, 1) and out.stat().st_size > 0, output
