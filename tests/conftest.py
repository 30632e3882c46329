"""Shared fixtures: the installed standard, its examples, and a CLI runner."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import settings

from ccstd.standard.publishing import examples_check
from ccstd.standard.publishing.examples_check import Example
from ccstd.standard.registry import EXAMPLES_ROOT, StandardRegistry, StandardVersion

REPO_ROOT = Path(__file__).resolve().parent.parent
ACCEPTANCE = REPO_ROOT.parent / "shared" / "acceptance"

# No test is timed (benchmarks measure speed): hypothesis's per-example deadline would fail
# property tests on a loaded machine, so it is off for every test that does not set its own.
settings.register_profile("untimed", deadline=None)
settings.load_profile("untimed")


def bumped(version: str, part: str) -> str:
    """The release after `version` that bumps `part` (`major`, `minor` or `patch`)."""
    major, minor, patch = (int(x) for x in version.split("."))
    if part == "major":
        return f"{major + 1}.0.0"
    return f"{major}.{minor + 1}.0" if part == "minor" else f"{major}.{minor}.{patch + 1}"


def repository_copy(target: Path) -> Path:
    """What a release writes, copied under `target` in the repository's layout: the standard's
    schemas, examples and lock file, conformance rule sets, golden models and the reference.
    Returns the copied standard folder (what `ccstd release --root` takes)."""
    from ccstd.standard.publishing import releases

    standard = target / "standard"
    for tree in ("schemas", "examples"):
        shutil.copytree(releases.PACKAGE_ROOT / tree, standard / tree)
    shutil.copyfile(releases.LOCK_FILE, standard / "releases.lock.json")
    for folder in ("conformance/rulesets", "tests/golden", "docs/reference"):
        shutil.copytree(REPO_ROOT / folder, target / folder)
    for tree in ("schemas", "examples"):  # a draft in progress is not the copy's business
        shutil.rmtree(standard / tree / "draft", ignore_errors=True)
    return standard


def load_examples(version: str) -> list[Example]:
    """Every example of a version, valid and invalid."""
    return examples_check.load_examples(EXAMPLES_ROOT, version)


@pytest.fixture(scope="session")
def registry() -> StandardRegistry:
    return StandardRegistry()


@pytest.fixture(scope="session")
def v1(registry: StandardRegistry) -> StandardVersion:
    return registry.get("1.0.0")


def valid_record(entity: str) -> dict[str, Any]:
    """A fresh copy of the first valid example of an entity."""
    path = EXAMPLES_ROOT / "1.0.0" / entity / "valid-1.json"
    record: dict[str, Any] = orjson.loads(path.read_bytes())
    return record


def proves(*codes: str) -> pytest.MarkDecorator:
    """Mark a test as one that makes these rule codes fire (every rule needs one)."""
    return pytest.mark.proves(*codes)
