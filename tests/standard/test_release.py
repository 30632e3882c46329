"""Releasing: draft → locked version, honest bumps only, byte-identical artifacts."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from ccstd.standard.publishing import drafting, releases
from ccstd.standard.publishing.release import DishonestVersionError, ReleaseError, release
from ccstd.standard.registry import StandardRegistry


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A copy of the standard's folder: released versions, their lock, no draft."""
    package = tmp_path / "standard"
    for tree in ("schemas", "examples"):
        shutil.copytree(
            releases.PACKAGE_ROOT / tree, package / tree, ignore=shutil.ignore_patterns("draft")
        )
    shutil.copyfile(releases.LOCK_FILE, package / "releases.lock.json")
    return package


def _draft_with(root: Path, edit: object) -> None:
    drafting.start_draft(root, StandardRegistry(root / "schemas").latest())
    facility = root / "schemas" / "draft" / "facility.json"
    document = json.loads(facility.read_text())
    edit(document)  # type: ignore[operator]
    facility.write_bytes(drafting.dump(document))


def _tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_releasing_a_draft_freezes_it_and_writes_every_artifact(root: Path, tmp_path: Path) -> None:
    _draft_with(root, lambda d: d["properties"].update({"seats": {"type": "integer"}}))
    made = release("1.2.0", root, tmp_path / "dist")
    assert made.promoted and made.previous == "1.1.0" and made.report is not None
    assert not (root / "schemas" / "draft").exists()
    assert "1.2.0" in releases.load_lock(root / "releases.lock.json")
    files = set(made.files)
    assert {"index.json", "SHA256SUMS", "CHANGELOG.md", "compat-report.json"} <= files
    assert "schemas/facility.json" in files and "models/ccstd_models_1_2_0.py" in files
    bundled = (made.artifacts / "schemas" / "facility.json").read_text()
    assert '"$ref"' not in bundled and "seats" in bundled
    sums = (made.artifacts / "SHA256SUMS").read_text().splitlines()
    for line in sums:
        digest, name = line.split("  ")
        assert hashlib.sha256((made.artifacts / name).read_bytes()).hexdigest() == digest


def test_building_a_release_twice_gives_identical_bytes(root: Path, tmp_path: Path) -> None:
    first = release("1.1.0", root, tmp_path / "one").artifacts
    second = release("1.1.0", root, tmp_path / "two").artifacts
    assert _tree(first) == _tree(second) and _tree(first)


def test_a_breaking_draft_cannot_be_a_minor_release(root: Path, tmp_path: Path) -> None:
    _draft_with(root, lambda d: d["properties"]["capacity"].update({"maximum": 100_000}))
    with pytest.raises(DishonestVersionError, match="need a major bump"):
        release("1.2.0", root, tmp_path / "dist")
    assert (root / "schemas" / "draft").exists()  # nothing was frozen
    assert release("2.0.0", root, tmp_path / "dist").promoted


def test_a_changed_released_file_is_refused(root: Path, tmp_path: Path) -> None:
    schema = root / "schemas" / "1.0.0" / "facility.json"
    schema.write_bytes(schema.read_bytes().replace(b"Facility", b"Facilities", 1))
    with pytest.raises(ReleaseError, match=r"released files of 1\.0\.0 changed"):
        release("1.0.0", root, tmp_path / "dist")


def test_no_draft_no_release(root: Path, tmp_path: Path) -> None:
    with pytest.raises(ReleaseError, match="no draft"):
        release("1.2.0", root, tmp_path / "dist")


def test_a_draft_whose_examples_misbehave_is_refused(root: Path, tmp_path: Path) -> None:
    _draft_with(root, lambda d: d["required"].append("capacity"))
    with pytest.raises(ReleaseError, match="examples of the draft misbehave"):
        release("2.0.0", root, tmp_path / "dist")


NOT_VERSIONS = ["1.2.0\n", "1.2.0 ", " 1.2.0", "v1.2.0", "1.2", "01.2.0", "1.2.0-rc", "\u0661.2.0"]


@pytest.mark.parametrize("version", NOT_VERSIONS)
def test_only_a_whole_version_is_released(root: Path, tmp_path: Path, version: str) -> None:
    _draft_with(root, lambda d: d["properties"].update({"seats": {"type": "integer"}}))
    before = sorted(p.name for p in (root / "schemas").iterdir())
    with pytest.raises(ReleaseError, match="not a release version"):
        release(version, root, tmp_path / "dist")
    assert sorted(p.name for p in (root / "schemas").iterdir()) == before  # the draft is intact
    assert not (tmp_path / "dist").exists()


@pytest.mark.parametrize("args", [["release", "1.2.0\n"], ["diff", "1.0.0", "1.1.0\n"],
                                  ["diff", "1.0.0", "1.1.0", "--version", "1.2.0\n"]])  # fmt: skip
def test_the_cli_refuses_a_version_with_a_newline(
    root: Path, tmp_path: Path, args: list[str]
) -> None:
    _draft_with(root, lambda d: d["properties"].update({"seats": {"type": "integer"}}))
    common = ["--root", str(root), "--dist", str(tmp_path / "dist")] if args[0] == "release" else []
    result = CliRunner().invoke(app, [*args, *common])
    assert result.exit_code == 2 and "not a release version" in result.stderr, result.output
    assert "draft" in {p.name for p in (root / "schemas").iterdir()}
