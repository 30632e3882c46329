"""A dialect plugin's folder is where its distribution is installed: a package folder (or a
dialect folder within it) that is a symbolic link leaving site-packages is refused and listed
with the reason by `ccstd adapters list`, and its files are never loaded; a plain one is read."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from tests.conftest import REPO_ROOT

ENV = {"CCSTD_PSEUDONYM_KEY": "0f3a9c2e7b1d4f8a6c5e0b9d2a7f3c1e"}
GATES = REPO_ROOT / "examples" / "dialects" / "shencheng-gates.toml"
LOG = REPO_ROOT / "examples" / "dialects" / "shencheng-gates.xml"


def ccstd(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args], env=ENV, terminal_width=400)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def _dialect(path: Path, name: str) -> None:
    path.write_text(GATES.read_text("utf-8").replace("shencheng-gates", name, 1), "utf-8")


def _site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry: str) -> Path:
    """site-packages holding one distribution `acme-link` whose entry point is `entry`."""
    site = tmp_path / "site"
    info = site / "acme_link-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-link\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[ccstd.dialects]\nlinkpkg = {entry}\n")
    monkeypatch.syspath_prepend(str(site))
    return site


@pytest.mark.parametrize("entry", ["acme_link_rt", "acme_link_rt/xml"])
def test_a_package_folder_linking_out_of_site_packages_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry: str
) -> None:
    outside = tmp_path / "outside"
    (outside / "xml").mkdir(parents=True)
    _dialect(outside / "stolen.toml", "xml-stolen")
    _dialect(outside / "xml" / "stolen.toml", "xml-stolen")
    site = _site(tmp_path, monkeypatch, entry)
    (site / "acme_link_rt").symlink_to(outside, target_is_directory=True)
    code, output = ccstd("adapters", "list")
    assert code == 0, output
    assert "xml-stolen" not in output
    assert f"{entry}: a folder that resolves outside where acme-link is installed" in output
    assert "refused (plugin acme-link)" in output
    out = tmp_path / "out.ndjson"
    code, output = ccstd("convert", LOG, "--from", "xml-stolen", "--out", out)
    assert code == 2 and not out.exists(), output


def test_a_package_linking_to_the_top_of_the_machine_cannot_name_site_packages_within_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`acme_link_rt -> /` with `acme_link_rt/<site-packages>/other`: the folder resolves inside
    site-packages, but the package it lies in does not."""
    site = _site(tmp_path, monkeypatch, "placeholder")
    other = site / "other_dialects"
    other.mkdir()
    _dialect(other / "stolen.toml", "xml-stolen")
    (site / "acme_link_rt").symlink_to("/", target_is_directory=True)
    entry = "acme_link_rt" + str(other.resolve())
    info = site / "acme_link-1.0.dist-info" / "entry_points.txt"
    info.write_text(f"[ccstd.dialects]\nlinkpkg = {entry}\n")
    code, output = ccstd("adapters", "list")
    assert code == 0 and "xml-stolen" not in output, output
    assert "resolves outside where acme-link is installed" in output


def test_a_plain_package_folder_in_site_packages_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _site(tmp_path, monkeypatch, "acme_link_rt/xml")
    (site / "acme_link_rt" / "xml").mkdir(parents=True)
    _dialect(site / "acme_link_rt" / "xml" / "own.toml", "acme-gates")
    code, output = ccstd("adapters", "list")
    assert code == 0 and "acme-gates" in output and "refused" not in output, output
    out = tmp_path / "out.ndjson"
    code, output = ccstd("convert", LOG, "--from", "acme-gates", "--out", out, "-q")
    assert code in (0, 1) and out.stat().st_size > 0, output
