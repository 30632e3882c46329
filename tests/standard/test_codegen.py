"""Generated models: imported and exercised on every example, stable, and additive in minors."""

from __future__ import annotations

import copy
import functools
import importlib.util
import inspect
import itertools
import json
import sys
import tempfile
from pathlib import Path
from types import ModuleType

import pydantic
import pytest

from ccstd.standard.publishing.codegen import python_models
from ccstd.standard.registry import StandardRegistry
from tests.conftest import REPO_ROOT, load_examples
from tests.standard.model_agreement import difference

VERSIONS = StandardRegistry().versions()
GOLDEN = REPO_ROOT / "tests" / "golden"


@functools.cache
def generated(version: str) -> str:
    return python_models(StandardRegistry().get(version))


@functools.cache
def models(version: str) -> ModuleType:
    folder = Path(tempfile.mkdtemp(prefix="ccstd-codegen-"))
    name = f"ccstd_models_{version.replace('.', '_')}"
    path = folder / f"{name}.py"
    path.write_text(generated(version), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


CASES = [
    pytest.param(v, e, id=f"{v}/{e.id}")
    for v in VERSIONS
    for e in load_examples(v)
    if e.expected_code is None
]


@pytest.mark.parametrize(("version", "example"), CASES)
def test_every_valid_example_round_trips_through_the_models(version: str, example) -> None:  # type: ignore[no-untyped-def]
    """Exactly: `difference` tells 2 from 2.0, which `==` does not."""
    model = getattr(models(version), example.path.parent.name)
    parsed = model.model_validate(example.record)
    for dump in (parsed.model_dump(mode="json"), json.loads(parsed.model_dump_json())):
        assert difference(dump, example.record, "") is None, dump


@pytest.mark.parametrize("version", VERSIONS)
def test_models_are_closed_like_the_schemas(version: str) -> None:
    example = next(e for e in load_examples(version) if e.expected_code is None)
    record = copy.deepcopy(example.record)
    record["colour"] = "blue"
    with pytest.raises(pydantic.ValidationError, match="colour"):
        getattr(models(version), example.path.parent.name).model_validate(record)


@pytest.mark.parametrize("version", VERSIONS)
def test_generated_code_matches_its_golden_file(version: str) -> None:
    golden = GOLDEN / f"models_{version.replace('.', '_')}.py"
    assert generated(version) == golden.read_text(encoding="utf-8"), (
        f"the generated API changed: review, then regenerate {golden.name} with "
        f"`ccstd codegen --version {version} --out {golden.relative_to(REPO_ROOT)}`"
    )


def test_generation_is_deterministic() -> None:
    assert python_models(StandardRegistry().get(VERSIONS[0])) == generated(VERSIONS[0])


def _api(module: ModuleType) -> dict[str, set[str]]:
    """Public classes and their fields (enum members for enums)."""
    api = {}
    for name, cls in inspect.getmembers(module, inspect.isclass):
        if cls.__module__ != module.__name__ or not name.isidentifier() or name[0] == "_":
            continue  # imports, private helpers, pydantic's parametrised generics (RootModel[str])
        fields = getattr(cls, "model_fields", None)
        api[name] = set(fields) if fields is not None else {m.name for m in cls}  # type: ignore[attr-defined]
    return api


def test_a_minor_release_only_adds_to_the_generated_api() -> None:
    registry = StandardRegistry()
    for older, newer in itertools.pairwise(VERSIONS):
        if older.split(".")[0] != newer.split(".")[0]:
            continue
        before, after = _api(models(older)), _api(models(newer))
        missing = {c: f - after.get(c, set()) for c, f in before.items() if f - after.get(c, set())}
        assert not (before.keys() - after.keys()) and not missing, (older, newer, missing)
    assert registry.latest() == VERSIONS[-1]


@pytest.mark.parametrize("version", VERSIONS)
def test_every_entity_model_extends_the_entity_base(version: str) -> None:
    """An entity whose schema adds constraints (`allOf`) beside its base still inherits the base's
    typed fields (id, meta, extensions) instead of getting `Any` for them or losing them."""
    module = models(version)
    for entity in StandardRegistry().get(version).entity_ids:
        assert issubclass(getattr(module, entity), module.EntityBase), entity
