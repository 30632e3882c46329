"""Shared fixtures: the installed standard, its examples, and a CLI runner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from ccstd.standard.publishing import examples_check
from ccstd.standard.publishing.examples_check import Example
from ccstd.standard.registry import EXAMPLES_ROOT, StandardRegistry, StandardVersion

REPO_ROOT = Path(__file__).resolve().parent.parent
ACCEPTANCE = REPO_ROOT.parent / "shared" / "acceptance"


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
