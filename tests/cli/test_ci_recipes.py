"""The CI recipes vendors copy: the GitHub Action, the pre-commit hooks and docs/ci.md."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ccstd import __version__
from tests.cli.test_validate import valid_record

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"
ACTION_SCRIPT = ROOT / "scripts" / "github_action.sh"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
CI_GUIDE = ROOT / "docs" / "ci.md"
BIN = str(Path(sys.executable).parent)


def write_export(folder: Path) -> None:
    """A small export whose Household and Residents refer to each other and to a Dwelling."""
    folder.mkdir(parents=True)
    first = valid_record("Resident")
    second = dict(first, id="res-0002")
    lines = [json.dumps(r, ensure_ascii=False) for r in (first, second)]
    (folder / "residents.ndjson").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for entity in ("Community", "Building", "Dwelling", "Household"):
        record = valid_record(entity)
        (folder / f"{entity.lower()}.json").write_text(json.dumps(record), encoding="utf-8")


def run_action_script(cwd: Path, *args: str, **options: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": f"{BIN}:{os.environ['PATH']}", "HOME": str(cwd), **options}
    return subprocess.run(
        ["bash", str(ACTION_SCRIPT), *args], cwd=cwd, env=env, capture_output=True, text=True
    )


def test_action_declares_every_input_it_uses_and_never_pastes_one_into_a_script() -> None:
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    declared = set(action["inputs"])
    used = set(re.findall(r"\binputs\.([\w-]+)", ACTION.read_text(encoding="utf-8")))
    assert used == declared
    for step in action["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), f"expression inside a script: {step.get('name')}"


def test_action_script_annotates_findings_and_fails(tmp_path: Path) -> None:
    write_export(tmp_path / "exports")
    household = valid_record("Household")
    household["registeredAt"] = "2015-02-30"
    (tmp_path / "exports" / "household.json").write_text(json.dumps(household), encoding="utf-8")
    result = run_action_script(tmp_path, "github", CCSTD_PATHS="exports/")
    assert result.returncode == 1, result.stderr
    assert re.search(
        r"^::error file=exports/household\.json,title=invalid-date::/registeredAt",
        result.stdout,
        re.M,
    )


def test_action_script_writes_sarif_and_passes_a_clean_export(tmp_path: Path) -> None:
    write_export(tmp_path / "exports")
    clean = run_action_script(tmp_path, "github", CCSTD_PATHS="exports/")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    sarif = run_action_script(tmp_path, "sarif", "ccstd.sarif", CCSTD_PATHS="exports/")
    assert sarif.returncode == 0, sarif.stderr
    document = json.loads((tmp_path / "ccstd.sarif").read_text(encoding="utf-8"))
    assert document["version"] == "2.1.0"


def test_action_script_takes_hostile_paths_literally(tmp_path: Path) -> None:
    result = run_action_script(tmp_path, "github", CCSTD_PATHS="$(touch pwned) *")
    assert result.returncode == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def hook_command(hook: dict[str, object], staged: list[str], args: list[str]) -> list[str]:
    """The command pre-commit runs: entry, then args, then the staged files unless told not to."""
    command = shlex.split(str(hook["entry"])) + args
    return command + (staged if hook.get("pass_filenames", True) else [])


@pytest.fixture()
def partial_commit(tmp_path: Path) -> Path:
    """An export committed earlier; this commit stages only its Household file."""
    write_export(tmp_path / "exports")
    return tmp_path


def test_hooks_pass_on_a_partial_commit(partial_commit: Path) -> None:
    hooks = {h["id"]: h for h in yaml.safe_load(HOOKS.read_text(encoding="utf-8"))}
    staged = ["exports/household.json"]
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}
    for hook_id, args in (("ccstd-validate", []), ("ccstd-validate-references", ["exports/"])):
        hook = hooks[hook_id]
        assert re.search(str(hook["files"]), staged[0])
        command = hook_command(hook, staged, args)
        result = subprocess.run(
            command, cwd=partial_commit, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, (hook_id, result.stdout, result.stderr)
    # Reading only the staged file, references to earlier commits could not resolve:
    alone = hook_command({"entry": hooks["ccstd-validate-references"]["entry"]}, staged, [])
    result = subprocess.run(alone, cwd=partial_commit, env=env, capture_output=True, text=True)
    assert result.returncode == 1 and "unresolved-reference" in result.stdout


def test_ci_guide_names_the_distribution_and_an_existing_release_tag() -> None:
    guide = CI_GUIDE.read_text(encoding="utf-8")
    assert f"rev: v{__version__}" in guide
    assert f"@v{__version__}" in guide
    installs = re.findall(r"^\s*-? ?(?:run: )?pip install (\S+)$", guide, re.M)
    assert installs and set(installs) == {"ccstd-toolkit"}
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^name = "ccstd-toolkit"', pyproject, re.M)
