"""The shipped examples of a version and the proof that each behaves as labelled."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ccstd.standard.checker import RecordChecker
from ccstd.standard.reading import RawItem
from ccstd.standard.registry import StandardRegistry, StandardVersion


@dataclass(frozen=True)
class Example:
    """One example: its file, its record, and the finding it must produce (if invalid)."""

    path: Path
    record: Any
    expected_code: str | None = None
    expected_pointer: str | None = None

    @property
    def id(self) -> str:
        """`Entity/file.json`."""
        return f"{self.path.parent.name}/{self.path.name}"


def load_examples(examples_root: Path, version: str) -> list[Example]:
    """Every example of a version, valid and invalid, with its expectation."""
    examples = []
    for folder in sorted(p for p in (examples_root / version).iterdir() if p.is_dir()):
        expected = tomllib.loads((folder / "expected.toml").read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*.json")):
            case: dict[str, Any] = expected.get(path.name, {})
            record = orjson.loads(path.read_bytes())
            examples.append(Example(path, record, case.get("code"), case.get("pointer")))
    return examples


@functools.cache
def valid_records(version: StandardVersion, entity: str) -> list[dict[str, Any]]:
    """The valid examples of an entity shipped beside a version's schemas (none if there are
    none). Shared: copy before changing one."""
    root = version.root.parent.parent / "examples"
    if not (root / version.version).is_dir():
        return []
    return [
        e.record
        for e in load_examples(root, version.version)
        if e.path.parent.name == entity and e.expected_code is None and isinstance(e.record, dict)
    ]


def misbehaving(registry: StandardRegistry, examples: list[Example]) -> list[str]:
    """A line per example that does not behave as labelled (empty when all do)."""
    checker = RecordChecker(registry)
    problems = []
    for example in examples:
        outcome = checker.check(RawItem(str(example.path), None, value=example.record))
        found = [(f.code, f.location.pointer) for f in outcome.findings]
        wanted = (
            []
            if example.expected_code is None
            else [(example.expected_code, example.expected_pointer)]
        )
        if found != wanted:
            problems.append(f"{example.id}: expected {wanted or 'no finding'}, found {found}")
    return problems
