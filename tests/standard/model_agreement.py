"""The differential between the generated models and `ccstd validate`: a corpus and its verdicts.

The corpus is every shipped example (valid and invalid) of every release, plus mutations of the
valid ones: a property dropped, set to a value of another shape, grafted from a sibling example,
an array item repeated, a string's last character changed, a whole number written with a decimal
point (`80.0`), a URI made odd (`https://`, a space, `%zz`, `<x>`, `é`, blanks around it), a
date-time written otherwise (`t`, `z`, `.5`, `+00:00` for `Z` and back). Each
record gets two verdicts: does the generated model accept it, and does `ccstd validate` find an
error in it. A disagreement is classed by its direction, validate's error code (or pydantic's
first error type) and the property it is about. A record both accept must also come back from
the model's JSON dump exactly as it was read (every number of the same Python type), else it is
a ROUND_TRIP disagreement.
"""

from __future__ import annotations

import copy
import json
import re
import warnings
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
ACCEPTS, REFUSES, ROUND_TRIP = "model accepts", "model refuses", "model dump differs"
REPLACEMENTS: tuple[Any, ...] = (None, {}, [], "", "x", 0, -1, 1.5, True, "2024-13-40")
ODD_URIS: tuple[str, ...] = ("https://", "https://x/a b", "https://x/%zz", "https://x/<x>")
URI_EDITS: tuple[tuple[str, str], ...] = (("", "/é"), (" ", ""), ("\t", ""), ("", "\n"))
URI_EDITS += (("", "\t"), ("", "\u00a0"))
DATE_TIME = re.compile(r"([0-9-]{10}T[0-9:]{8})(Z|[+-][0-9:]{5})")


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
    if type(value) is int:
        yield float(value)  # 80.0: an integer for JSON Schema
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        yield from ODD_URIS
        yield from (before + value + after for before, after in URI_EDITS)
    if isinstance(value, str) and (moment := DATE_TIME.fullmatch(value)):
        yield f"{moment[1].lower()}.5{moment[2].lower()}"  # 2024-05-01t09:00:00.5z
        yield f"{moment[1]}{'+00:00' if moment[2] == 'Z' else 'Z'}"


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
        model = getattr(module, entity).model_validate(record)
    except pydantic.ValidationError as error:
        if found:
            return set()
        first = error.errors()[0]
        return {(REFUSES, first["type"], _tail("/".join(map(str, first["loc"]))))}
    if not found and (changed := round_trip(model, record)):
        return {(ROUND_TRIP, "", changed)}
    return {(ACCEPTS, code, name) for code, name in found}


def round_trip(model: pydantic.BaseModel, record: Any) -> str | None:
    """None if both of the model's JSON dumps (`model_dump_json()`, and with `exclude_unset` and
    `by_alias`) read back as exactly the record, without a warning; else the first property
    that differs ('' for the record itself)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            dumps = [
                model.model_dump_json(),
                model.model_dump_json(exclude_unset=True, by_alias=True),
            ]
        except Warning as warning:  # PydanticSerializationUnexpectedValue
            named = re.search(r"field_name='([^']*)'", str(warning))
            return named.group(1) if named else ""
    for dump in dumps:
        if (path := difference(json.loads(dump), record, "")) is not None:
            return _tail(path)
    return None


def difference(left: Any, right: Any, pointer: str) -> str | None:
    """The pointer of the first place two JSON values differ, Python types included (2 is not
    2.0), or None."""
    if type(left) is not type(right):
        return pointer
    if isinstance(left, dict):
        if left.keys() != right.keys():
            return f"{pointer}/{sorted(left.keys() ^ right.keys())[0]}"
        pairs: Iterator[tuple[Any, Any, str]] = (
            (left[k], right[k], f"{pointer}/{k}") for k in left
        )
    elif isinstance(left, list):
        if len(left) != len(right):
            return pointer
        pairs = ((a, b, f"{pointer}/{i}") for i, (a, b) in enumerate(zip(left, right, strict=True)))
    else:
        return None if left == right else pointer
    return next((p for a, b, at in pairs if (p := difference(a, b, at)) is not None), None)


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
