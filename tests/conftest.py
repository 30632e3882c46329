"""Shared fixtures: the installed standard, its examples, and a CLI runner."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

from ccstd.standard.registry import EXAMPLES_ROOT, StandardRegistry, StandardVersion

REPO_ROOT = Path(__file__).resolve().parent.parent
ACCEPTANCE = REPO_ROOT.parent / "shared" / "acceptance"


@dataclass(frozen=True)
class Example:
    """One shipped example: its file, its record, and the finding it must produce (if invalid)."""

    path: Path
    record: dict[str, Any]
    expected_code: str | None = None
    expected_pointer: str | None = None

    @property
    def id(self) -> str:
        return f"{self.path.parent.name}/{self.path.name}"


def load_examples(version: str) -> list[Example]:
    """Every example of a version, valid and invalid."""
    examples = []
    for folder in sorted((EXAMPLES_ROOT / version).iterdir()):
        expected = tomllib.loads((folder / "expected.toml").read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*.json")):
            record = orjson.loads(path.read_bytes())
            case = expected.get(path.name, {})
            examples.append(Example(path, record, case.get("code"), case.get("pointer")))
    return examples


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
