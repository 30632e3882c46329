"""The generated models agree with `ccstd validate`, up to a documented list of disagreements.

Real generated code (written by `ccstd codegen` through the CLI, imported) and the verdicts of
the real validator. A new class of disagreement fails; so does, over every release, a documented
one that no longer occurs (docs/codegen.md would then be wrong). Corpus and classes:
tests/standard/model_agreement.py.
"""

from __future__ import annotations

import datetime
import functools
import json
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ccstd.cli.app import app
from ccstd.standard.checker import RecordChecker
from ccstd.standard.formats import is_uri
from ccstd.standard.registry import StandardRegistry
from tests.conftest import REPO_ROOT, load_examples
from tests.standard.generated import codegen_models
from tests.standard.model_agreement import (
    ACCEPTS,
    Disagreement,
    classes,
    difference,
    disagreements,
    errors,
    mutations,
)

VERSIONS = StandardRegistry().versions()
# What the generated models cannot check, as (direction, validate's error code, property): each is
# explained in docs/codegen.md ("What the models leave to `ccstd validate`"). No "model refuses".
DOCUMENTED: set[Disagreement] = {
    *(
        (ACCEPTS, "invalid-phone", p)
        for p in ("phone", "recipientPhone", "committeePhone", "value")
    ),
    (ACCEPTS, "invalid-cn-division-code", "divisionCode"),
    (ACCEPTS, "invalid-cn-resident-id", "nationalId"),
    (ACCEPTS, "invalid-cn-uscc", "operatorUscc"),
    (ACCEPTS, "invalid-cn-uscc", "uscc"),
    (ACCEPTS, "order-currency-mismatch", "currency"),
    (ACCEPTS, "order-total-mismatch", "total"),
    (ACCEPTS, "order-lines-exceed-subtotal", "subtotal"),
    (ACCEPTS, "conflicting-properties", ""),  # an exclusion that holds for one value only
    (ACCEPTS, "pattern-mismatch", "value"),  # a pseudonym's pattern
    (ACCEPTS, "no-matching-alternative", "effectiveAt"),  # a partial date that does not exist
    (ACCEPTS, "no-matching-alternative", "end"),
}


@functools.cache
def _checker() -> RecordChecker:
    return RecordChecker(StandardRegistry())


@pytest.fixture(scope="module")
def modules(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ModuleType]]:
    folder = tmp_path_factory.mktemp("agreement")
    generators = [
        codegen_models(v, Path(folder, f"agreement_{v.replace('.', '_')}.py")) for v in VERSIONS
    ]
    yield {v: next(g) for v, g in zip(VERSIONS, generators, strict=True)}
    for generator in generators:
        generator.close()


def test_the_models_agree_with_validate_on_every_example(
    modules: dict[str, ModuleType],
) -> None:
    found: set[Disagreement] = set()
    for version in VERSIONS:
        for example in load_examples(version):
            entity = example.path.parent.name
            found |= disagreements(modules[version], entity, _checker(), example.record)
    assert found <= DOCUMENTED, sorted(found - DOCUMENTED)


def test_the_mutations_of_every_release_disagree_exactly_as_documented(
    modules: dict[str, ModuleType],
) -> None:
    found: set[Disagreement] = set()
    for version in VERSIONS:
        found |= set(classes(modules[version], load_examples(version), _checker()))
    assert found <= DOCUMENTED, f"new disagreements: {sorted(found - DOCUMENTED)}"
    gone = DOCUMENTED - found
    assert not gone, f"no longer disagreeing (update docs/codegen.md): {sorted(gone)}"


def _valid(version: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (e.path.parent.name, e.record)
        for e in load_examples(version)
        if e.expected_code is None and isinstance(e.record, dict)
    ]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_two_step_mutations_disagree_only_as_documented(
    modules: dict[str, ModuleType], data: st.DataObject
) -> None:
    version = data.draw(st.sampled_from(VERSIONS))
    entity, record = data.draw(st.sampled_from(_valid(version)))
    for _ in range(2):
        record = data.draw(st.sampled_from(list(mutations(record, []))))
    found = disagreements(modules[version], entity, _checker(), record)
    assert found <= DOCUMENTED, (sorted(found - DOCUMENTED), record)


def test_the_documentation_lists_every_pinned_disagreement() -> None:
    page = (REPO_ROOT / "docs" / "codegen.md").read_text(encoding="utf-8")
    missing = {code for _, code, _ in DOCUMENTED if f"`{code}`" not in page}
    assert not missing, missing


PROBE = """
import json, sys
import pydantic
from ccstd_models import Communication

def verdict(record):
    try:
        Communication.model_validate(record)
    except pydantic.ValidationError as error:
        return error.errors()[0]["type"]
    return "ok"

valid, both = (json.loads(open(p, encoding="utf-8").read()) for p in sys.argv[1:3])
print(verdict(valid), verdict(both), verdict({**valid, "topic": None}))
"""


def test_the_models_refuse_in_a_fresh_interpreter_as_integrators_import_them(
    tmp_path: Path,
) -> None:
    """`ccstd codegen` through the CLI, then a new Python that knows nothing of ccstd's tests:
    a text beside a record in one payload (`not required`) and a null are refused there too."""
    version = VERSIONS[-1]
    out = tmp_path / "ccstd_models.py"
    result = CliRunner().invoke(app, ["codegen", "--version", version, "--out", str(out)])
    assert result.exit_code == 0, result.output
    folder = REPO_ROOT / "standard" / "examples" / version / "Communication"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(folder / "valid-1.json"), str(folder / "invalid-1.json")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["ok", "value_error", "value_error"]


@pytest.mark.parametrize("when", ["2016-12-31T23:59:60Z", "0000-01-01T00:00:00Z"])
def test_the_models_refuse_only_what_python_dates_cannot_hold(
    modules: dict[str, ModuleType], when: str
) -> None:
    """The one documented way a model refuses what validate accepts (docs/codegen.md)."""
    version = VERSIONS[-1]
    example = next(e for e in load_examples(version) if e.id == "AccessEvent/valid-1.json")
    record = {**example.record, "occurredAt": when}
    found = disagreements(modules[version], "AccessEvent", _checker(), record)
    assert [(kind, name) for kind, _, name in found] == [("model refuses", "occurredAt")]


def test_the_models_pass_ruff_as_integrators_run_it(
    modules: dict[str, ModuleType], tmp_path: Path
) -> None:
    """ruff's default rules, none of ccstd's settings (`--isolated`), on every release's module."""
    paths = [str(module.__file__) for module in modules.values()]
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", *paths],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("entity", "key", "value"),
    [
        ("Facility", "capacity", 80.0),  # JSON Schema's integer; --strict-types refused it
        ("Facility", "capacity", 80),
        ("Order", "id", "ord-1"),  # lines[].quantity 2 came back 2.0
        ("Delivery", "weightG", 1800),
        ("AccessEvent", "doorNo", 3.0),
    ],
)
def test_numbers_are_read_as_validate_reads_them_and_written_back_as_read(
    modules: dict[str, ModuleType], entity: str, key: str, value: Any
) -> None:
    """x.0 where the schema says integer is accepted, and every number keeps its Python type
    through both dumps (a JSON dump of 2 used to say 2.0)."""
    version = VERSIONS[-1]
    record = {**next(r for e, r in _valid(version) if e == entity), key: value}
    assert not disagreements(modules[version], entity, _checker(), record)
    model = getattr(modules[version], entity).model_validate(record)
    assert difference(json.loads(model.model_dump_json()), record, "") is None
    assert difference(model.model_dump(mode="json"), record, "") is None


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("https://", True),
        ("https://example.org/a.jpg", True),
        ("https://[::1]/a", True),
        ("https://[zz]/a", False),
        ("https://x/a b", False),
        ("https://x/%zz", False),
        ("https://x/<x>", False),
        ("https://x/é", False),
        (" https://x/a", False),
        ("\thttps://x/a", False),
        ("https://x/a\n", False),
        ("https://x/a\t", False),
        ("https://x/a\u00a0", False),
    ],
)
def test_a_uri_is_what_validate_takes_and_is_kept_as_written(
    modules: dict[str, ModuleType], url: str, accepted: bool
) -> None:
    """The model's URI check is validate's (standard/formats.py): AnyUrl refused `https://`,
    took a space or `%zz`, stripped blanks, and wrote back `https://x/` for `https://x`."""
    version = VERSIONS[-1]
    record = {**next(r for e, r in _valid(version) if "policyUri" in r), "policyUri": url}
    assert (not errors(_checker(), record)) == accepted
    assert not disagreements(modules[version], "Consent", _checker(), record)  # round trip too


@given(st.text(alphabet=st.sampled_from("ahps:/[]%0f@?#.v1 é\n"), max_size=24))
@settings(max_examples=300, deadline=None)
def test_the_generated_uri_check_is_the_standards(text: str) -> None:
    """The check written into the module (codegen_types.py) against formats.is_uri itself."""
    try:
        _latest().Uri.model_validate(text)
    except pydantic.ValidationError:
        assert not is_uri(text)
    else:
        assert is_uri(text)


@functools.cache
def _latest() -> ModuleType:
    path = Path(tempfile.mkdtemp(prefix="ccstd-codegen-")) / "agreement_latest_uri.py"
    return next(codegen_models(VERSIONS[-1], path))


@pytest.mark.parametrize(
    "when", ["2024-05-01T09:00:00.5Z", "2024-05-01t09:00:00z", "2024-05-01T09:00:00+00:00"]
)
def test_a_date_time_is_written_back_as_the_text_it_was_read_from(
    modules: dict[str, ModuleType], when: str
) -> None:
    """pydantic wrote `.500000` for `.5`, `T` for `t`, `Z` for `+00:00`; a deep copy or a pickle
    keeps the text; a date-time made from the one read (a day later) is in pydantic's form."""
    version = VERSIONS[-1]
    record = {**next(r for e, r in _valid(version) if e == "AccessEvent"), "occurredAt": when}
    assert not disagreements(modules[version], "AccessEvent", _checker(), record)
    model = modules[version].AccessEvent.model_validate(record)
    later = model.occurredAt.root + datetime.timedelta(days=1)
    moved = model.model_copy(update={"occurredAt": modules[version].DateTime(later)})
    assert moved.model_dump(mode="json")["occurredAt"].startswith("2024-05-02T09:00:00")
    for copied in (model.model_copy(deep=True), pickle.loads(pickle.dumps(model))):
        assert copied.model_dump(mode="json")["occurredAt"] == when
