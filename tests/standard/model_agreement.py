"""The differential between the generated models and `ccstd validate`: a corpus and its verdicts.

The corpus is every shipped example (valid and invalid) of every release, plus mutations of the
valid ones: a property dropped, set to a value of another shape, grafted from a sibling example,
an array item repeated, a string's last character changed. Each record gets two verdicts: does
the generated model accept it, and does `ccstd validate` find an error in it. A disagreement is
classed by its direction, validate's error code (or pydantic's first error type) and the property
it is about.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pydantic

from ccstd.standard.checker import RecordChecker
from ccstd.standard.findings import Severity
from ccstd.standard.publishing.examples_check import Example
from ccstd.standard.reading import RawItem

Path_ = list[str | int]
Disagreement = tuple[str, str, str]  # (ACCEPTS or REFUSES, error code or type, property)
ACCEPTS, REFUSES = "model accepts", "model refuses"
REPLACEMENTS: tuple[Any, ...] = (None, {}, [], "", "x", 0, -1, 1.5, True, "2024-13-40")


def _objects(value: Any, path: Path_) -> Iterator[Path_]:
    if isinstance(value, dict):
        yield path
        for key, child in value.items():
            yield from _objects(child, [*path, key])
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _objects(child, [*path, index])


def _at(record: Any, path: Path_) -> Any:
    for step in path:
        record = record[step]
    return record


def _changed(record: dict[str, Any], path: Path_, key: str, value: Any = ...) -> dict[str, Any]:
    """A copy of the record with `key` of the object at `path` set (or dropped, by default)."""
    mutant = copy.deepcopy(record)
    target = _at(mutant, path)
    if value is ...:
        del target[key]
    else:
        target[key] = copy.deepcopy(value)
    return mutant


def _values(value: Any, sibling_values: list[Any]) -> Iterator[Any]:
    yield from REPLACEMENTS
    yield from sibling_values
    if isinstance(value, list) and value:
        yield [*value, value[0]]
    if isinstance(value, str) and value:
        yield value[:-1] + ("1" if value[-1] == "0" else "0")


def mutations(record: dict[str, Any], siblings: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every single-step mutation of a valid record (see the module docstring)."""
    for path in list(_objects(record, [])):
        target = _at(record, path)
        found = [s for s in (_at_or_none(s, path) for s in siblings) if isinstance(s, dict)]
        for key in target:
            yield _changed(record, path, key)
            others = [s[key] for s in found if key in s and s[key] != target[key]]
            for value in _values(target[key], others):
                yield _changed(record, path, key, value)
        for sibling in found:
            for key in sibling.keys() - target.keys():
                yield _changed(record, path, key, sibling[key])


def _at_or_none(record: Any, path: Path_) -> Any:
    try:
        return _at(record, path)
    except (KeyError, IndexError, TypeError):
        return None


def _tail(pointer: str) -> str:
    """The last property name of a JSON Pointer (array indices skipped; '' for the record)."""
    names = [step for step in pointer.split("/") if step and not step.isdigit()]
    return names[-1] if names else ""


def errors(checker: RecordChecker, record: Any) -> set[tuple[str, str]]:
    """(code, property) of each error `ccstd validate` finds in a record (warnings do not
    refuse one)."""
    outcome = checker.check(RawItem("record", None, value=record))
    return {
        (f.code, _tail(f.location.pointer))
        for f in outcome.findings
        if f.severity is Severity.ERROR
    }


def disagreements(
    module: ModuleType, entity: str, checker: RecordChecker, record: Any
) -> set[Disagreement]:
    """How the model and validate disagree on a record (empty when they agree): each error
    validate finds that the model lets through, or the model's first error if validate finds
    none."""
    found = errors(checker, record)
    try:
        getattr(module, entity).model_validate(record)
    except pydantic.ValidationError as error:
        if found:
            return set()
        first = error.errors()[0]
        return {(REFUSES, first["type"], _tail("/".join(map(str, first["loc"]))))}
    return {(ACCEPTS, code, name) for code, name in found}


def corpus(examples: list[Example]) -> Iterator[tuple[str, Any]]:
    """(entity, record) for every example and every mutation of the valid ones."""
    by_entity: dict[str, list[dict[str, Any]]] = {}
    for example in examples:
        if example.expected_code is None and isinstance(example.record, dict):
            by_entity.setdefault(example.path.parent.name, []).append(example.record)
    for example in examples:
        entity = example.path.parent.name
        yield entity, example.record
        if example.expected_code is None and isinstance(example.record, dict):
            siblings = [r for r in by_entity[entity] if r is not example.record]
            for mutant in mutations(example.record, siblings):
                yield entity, mutant


def classes(
    module: ModuleType, examples: list[Example], checker: RecordChecker
) -> Counter[Disagreement]:
    """Each disagreement class over a version's corpus, with how many records fall in it."""
    found: Counter[Disagreement] = Counter()
    for entity, record in corpus(examples):
        found.update(disagreements(module, entity, checker, record))
    return found
