"""`ccstd diff`, `release`, `codegen` and `docs` end to end through the CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from ccstd.cli.app import app
from ccstd.standard.publishing import releases
from tests.conftest import REPO_ROOT

RUNNER = CliRunner()


def test_diff_of_the_two_releases(tmp_path: Path) -> None:
    result = RUNNER.invoke(app, ["diff", "1.0.0", "1.1.0", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["requiredBump"], report["chosenBump"], report["honest"]) == (
        "minor",
        "minor",
        True,
    )
    added = next(c for c in report["changes"] if c["kind"] == "property-added")
    assert added["example"]["validUnderNew"] and not added["example"]["validUnderOld"]
    text = RUNNER.invoke(app, ["diff", "1.0.0", "1.1.0", "-o", str(tmp_path / "diff.txt")])
    assert text.exit_code == 0 and "wheelchairAccessible" in (tmp_path / "diff.txt").read_text()


def test_diff_exits_1_when_the_number_is_too_small() -> None:
    result = RUNNER.invoke(app, ["diff", "1.0.0", "1.1.0", "--version", "1.0.1", "-f", "markdown"])
    assert result.exit_code == 1 and "needs a **minor** version bump" in result.stdout


def test_diff_takes_folders_and_refuses_unknown_versions() -> None:
    folder = str(releases.PACKAGE_ROOT / "schemas" / "1.0.0")
    assert RUNNER.invoke(app, ["diff", folder, "1.1.0", "-f", "json"]).exit_code == 0
    unknown = RUNNER.invoke(app, ["diff", "1.0.0", "9.9.9"])
    assert unknown.exit_code == 2 and "not known" in unknown.stderr


def test_release_from_a_new_draft(tmp_path: Path) -> None:
    root = tmp_path / "standard"
    for tree in ("schemas", "examples"):  # a draft in progress is not the copy's business
        shutil.copytree(
            releases.PACKAGE_ROOT / tree, root / tree, ignore=shutil.ignore_patterns("draft")
        )
    shutil.copyfile(releases.LOCK_FILE, root / "releases.lock.json")
    common = ["--root", str(root), "--dist", str(tmp_path / "dist")]
    assert RUNNER.invoke(app, ["release", "--new-draft", *common]).exit_code == 0
    assert RUNNER.invoke(app, ["release", "--new-draft", *common]).exit_code == 2  # one at a time
    unchanged = RUNNER.invoke(app, ["release", "1.1.1", *common])
    assert unchanged.exit_code == 0, unchanged.output  # no change: any newer number is honest
    assert (tmp_path / "dist" / "standard-1.1.1" / "SHA256SUMS").exists()
    again = RUNNER.invoke(app, ["release", "1.1.1", *common])
    assert again.exit_code == 0 and "rebuilt" in again.stdout
    assert RUNNER.invoke(app, ["release", "1.2.0", *common]).exit_code == 2  # no draft


def test_codegen_writes_an_importable_module(tmp_path: Path) -> None:
    out = tmp_path / "ccstd_models.py"
    result = RUNNER.invoke(
        app, ["codegen", "--version", "1.1.0", "--lang", "python", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    probe = "import ccstd_models as m; print(m.Facility.model_fields['wheelchairAccessible'])"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert RUNNER.invoke(app, ["codegen", "--version", "7.0.0", "--out", str(out)]).exit_code == 2


def test_the_committed_reference_is_what_ccstd_docs_generates(tmp_path: Path) -> None:
    result = RUNNER.invoke(app, ["docs", "--out", str(tmp_path / "reference")])
    assert result.exit_code == 0, result.output
    committed = REPO_ROOT / "docs" / "reference"

    def tree(folder: Path) -> dict[str, bytes]:
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.md")}

    assert tree(tmp_path / "reference") == tree(committed), "run `make docs` (ccstd docs)"


def test_the_documentation_site_builds_strict(tmp_path: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
        cwd=REPO_ROOT, capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    assert (
        tmp_path / "site" / "reference" / "1.1.0" / "entities" / "Facility" / "index.html"
    ).exists()


def test_docs_site_from_the_cli(tmp_path: Path) -> None:
    result = RUNNER.invoke(
        app, ["docs", "--out", str(tmp_path / "md"), "--site", str(tmp_path / "site")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "site" / "index.html").exists()
