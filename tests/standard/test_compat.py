"""The compatibility rule table: one OLD/NEW pair per rule, each change found, classified, and
(where a record can show it) shown by a record validated against both versions."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccstd.standard.checker import build_plan
from ccstd.standard.publishing import drafting
from ccstd.standard.publishing.compat import CHANGE_RULES, Bump, diff, normalise, version_bump
from ccstd.standard.publishing.compatreport import compatibility_page
from ccstd.standard.publishing.examples_check import load_examples as load_examples_from
from ccstd.standard.registry import EXAMPLES_ROOT, SCHEMAS_ROOT, StandardRegistry
from tests.conftest import REPO_ROOT

Docs = dict[str, Any]  # file name (relative to the version folder) -> parsed schema
Edit = Callable[[Docs], None]


def _load(folder: Path) -> Docs:
    return {
        p.relative_to(folder).as_posix(): json.loads(p.read_text()) for p in folder.rglob("*.json")
    }


def _save(folder: Path, docs: Docs) -> None:
    for name, document in docs.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(drafting.dump(document))


def pair(tmp_path: Path, new_edit: Edit, old_edit: Edit | None = None) -> StandardRegistry:
    """A package root holding 1.0.0 (edited by old_edit) and 2.0.0 (edited by new_edit)."""
    for tree, source in (("schemas", SCHEMAS_ROOT), ("examples", EXAMPLES_ROOT)):
        shutil.copytree(source / "1.0.0", tmp_path / tree / "1.0.0")
    if old_edit is not None:
        docs = _load(tmp_path / "schemas" / "1.0.0")
        old_edit(docs)
        _save(tmp_path / "schemas" / "1.0.0", docs)
    drafting.copy_version(tmp_path, "1.0.0", "2.0.0")
    folder = tmp_path / "schemas" / "2.0.0"
    docs = _load(folder)
    new_edit(docs)
    shutil.rmtree(folder)
    _save(folder, docs)
    return StandardRegistry(tmp_path / "schemas")


def facility(docs: Docs) -> dict[str, Any]:
    return docs["facility.json"]["properties"]  # type: ignore[no-any-return]


def _set(target: Callable[[Docs], dict[str, Any]], key: str, value: Any) -> Edit:
    return lambda docs: target(docs).__setitem__(key, value)


def _remove_required(name: str) -> Edit:
    return lambda docs: docs["facility.json"]["required"].remove(name)


def _add_required(name: str) -> Edit:
    return lambda docs: docs["facility.json"]["required"].append(name)


def _categories(edit: Callable[[list[str]], None]) -> Edit:
    return lambda docs: edit(docs["codelists/facility-category.json"]["enum"])


def _new_entity(docs: Docs) -> None:
    pet = json.loads(json.dumps(docs["facility.json"]))
    pet["$id"] = pet["$id"].replace("facility.json", "pet.json")
    pet["properties"]["type"]["const"] = "Pet"
    docs["pet.json"] = pet


def _rename_definition(docs: Docs) -> None:
    common = docs["common.json"]["$defs"]
    common["Attachment"] = common.pop("Media")
    text = json.dumps(docs["service-request.json"]).replace("#/$defs/Media", "#/$defs/Attachment")
    docs["service-request.json"] = json.loads(text)


def _either(types: list[str]) -> Edit:
    return _set(facility, "capacity", {"type": types})


def _branches(count: int) -> Edit:
    shapes = [{"type": "integer"}, {"type": "string"}, {"type": "null"}][:count]
    return _set(facility, "capacity", {"anyOf": shapes})


def _deprecate(removal: str) -> Edit:
    def edit(docs: Docs) -> None:
        facility(docs)["phone"].update(
            {"deprecated": True, "x-ccstd-deprecated-since": "1.0.0", "x-ccstd-removal-in": removal}
        )

    return edit


def _drop(name: str) -> Edit:
    return lambda docs: facility(docs).pop(name)


def _exclude_with_new(name: str) -> Edit:
    """A new property that may not be given together with an old one."""

    def edit(docs: Docs) -> None:
        facility(docs)[name] = {"type": "number"}
        docs["facility.json"].setdefault("allOf", []).append({"not": {"required": ["phone", name]}})

    return edit


CASES: list[Any] = [
    ("entity-added", _new_entity, None),
    ("entity-removed", lambda docs: docs.pop("dwelling.json"), None),
    ("property-added", _set(facility, "floorArea", {"type": "number"}), None),
    ("property-removed", _drop("phone"), None),
    ("required-added", _add_required("address"), None),
    ("required-removed", _remove_required("travelTimeBand"), None),
    ("type-widened", _either(["integer", "string"]), None),
    ("type-narrowed", _either(["integer"]), _either(["integer", "string"])),
    ("enum-value-added", _categories(lambda codes: codes.append("night-market")), None),
    ("enum-value-removed", _categories(lambda codes: codes.remove("hospital")), None),
    (
        "constraint-tightened",
        _set(facility, "capacity", {"type": "integer", "minimum": 0, "maximum": 3}),
        None,
    ),
    ("constraint-relaxed", _set(facility, "capacity", {"type": "integer"}), None),
    ("branch-added", _branches(3), _branches(2)),
    ("branch-removed", _branches(2), _branches(3)),
    (
        "id-changed",
        lambda docs: docs["facility.json"].update(
            {"$id": docs["facility.json"]["$id"].replace("facility", "service-point")}
        ),
        None,
    ),
    ("definition-removed", _rename_definition, None),
    ("definition-added", lambda docs: docs["common.json"]["$defs"].update({"Note": {}}), None),
    ("property-deprecated", _deprecate("3.0.0"), None),
    (
        "annotation-changed",
        lambda docs: facility(docs)["name"].update({"x-ccstd-title-zh": "设施名称"}),
        None,
    ),
    ("exclusion-added", _exclude_with_new("floorArea"), None),
    (
        "keyword-changed",
        lambda docs: docs["facility.json"].update({"not": {"required": ["phone", "capacity"]}}),
        None,
    ),
]


def test_every_rule_has_a_case() -> None:
    assert {case[0] for case in CASES} == set(CHANGE_RULES)


@pytest.mark.parametrize(("kind", "new_edit", "old_edit"), CASES, ids=[c[0] for c in CASES])
def test_each_change_is_found_classified_and_shown(
    tmp_path: Path, kind: str, new_edit: Edit, old_edit: Edit | None
) -> None:
    registry = pair(tmp_path, new_edit, old_edit)
    report = diff(registry.get("1.0.0"), registry.get("2.0.0"))
    found = [c for c in report.changes if c.kind == kind]
    assert found, [(c.kind, c.path) for c in report.changes]
    rule = CHANGE_RULES[kind]
    assert report.required >= rule.bump
    if rule.shown_by:
        example = found[0].example
        assert example is not None, f"no record shows {kind}"
        assert example.valid_under_old == (rule.shown_by == "old")
        assert example.valid_under_new == (rule.shown_by == "new")


def test_an_unchanged_copy_has_no_changes(tmp_path: Path) -> None:
    registry = pair(tmp_path, lambda docs: None)
    report = diff(registry.get("1.0.0"), registry.get("2.0.0"))
    assert report.changes == () and report.required is Bump.NONE


def test_a_removal_announced_by_deprecation_is_planned(tmp_path: Path) -> None:
    def deprecated_then_removed(docs: Docs) -> None:
        facility(docs).pop("phone")

    registry = pair(tmp_path, deprecated_then_removed, _deprecate("2.0.0"))
    removed = diff(registry.get("1.0.0"), registry.get("2.0.0")).changes
    assert [(c.kind, c.planned) for c in removed] == [("property-removed", True)]


def test_the_bump_chosen_must_be_honest(tmp_path: Path) -> None:
    registry = pair(tmp_path, _drop("phone"))
    report = diff(registry.get("1.0.0"), registry.get("2.0.0"), new_number="1.1.0")
    assert report.required is Bump.MAJOR and report.chosen is Bump.MINOR
    assert not report.honest and report.suggested() == "2.0.0"


def test_version_bumps() -> None:
    assert version_bump("1.0.0", "2.0.0") is Bump.MAJOR
    assert version_bump("1.0.0", "1.1.0") is Bump.MINOR
    assert version_bump("1.0.0", "1.0.1") is Bump.PATCH
    assert version_bump("1.1.0", "1.0.9") is Bump.NONE


def test_the_real_1_1_0_release_is_minor() -> None:
    registry = StandardRegistry()
    report = diff(registry.get("1.0.0"), registry.get("1.1.0"))
    assert report.required is Bump.MINOR and report.honest
    kinds = {(c.kind, c.entity, c.path) for c in report.changes}
    assert ("property-added", "Facility", "wheelchairAccessible") in kinds
    assert ("enum-value-added", "Facility", "category") in kinds
    assert ("property-deprecated", "Resident", "livesAlone") in kinds


def test_compatibility_page_is_up_to_date() -> None:
    committed = (REPO_ROOT / "docs" / "reference" / "compatibility.md").read_text(encoding="utf-8")
    assert committed == compatibility_page(), "docs/reference/compatibility.md is stale: make docs"


def _unions_rewritten(kind: str) -> Edit:
    """Every `if {type: string} then X else Y` of common.json written as a `kind` union."""

    def edit(docs: Docs) -> None:
        for definition in docs["common.json"]["$defs"].values():
            if definition.get("if") == {"type": "string"}:
                then, otherwise = definition.pop("then"), definition.pop("else")
                del definition["if"]
                definition[kind] = [{"type": "string", **then}, otherwise]

    return edit


@pytest.mark.parametrize("kind", ["anyOf", "oneOf"])
def test_a_union_rewritten_from_if_then_else_is_no_change(tmp_path: Path, kind: str) -> None:
    registry = pair(tmp_path, _unions_rewritten(kind))
    rewritten = (tmp_path / "schemas" / "2.0.0" / "common.json").read_text()
    assert f'"{kind}"' in rewritten and '"if": {\n        "type": "string"' not in rewritten
    report = diff(registry.get("1.0.0"), registry.get("2.0.0"))
    assert report.changes == () and report.required is Bump.NONE


def test_a_rewritten_union_that_changes_a_branch_is_still_a_change(tmp_path: Path) -> None:
    def rewritten_and_tightened(docs: Docs) -> None:
        _unions_rewritten("anyOf")(docs)
        docs["common.json"]["$defs"]["PhoneNumber"]["anyOf"][0]["maxLength"] = 5

    registry = pair(tmp_path, rewritten_and_tightened)
    report = diff(registry.get("1.0.0"), registry.get("2.0.0"))
    assert report.required is Bump.MAJOR
    assert {c.kind for c in report.changes} == {"keyword-changed"}


def test_a_string_union_whose_other_branch_takes_strings_is_not_rewritten() -> None:
    schema = {"if": {"type": "string"}, "then": {"format": "phone"}, "else": {"maxLength": 3}}
    assert normalise(schema) == schema
    union = {"oneOf": [{"type": "integer"}, {"type": "number"}]}
    assert normalise(union) == union  # 1 is both: oneOf and anyOf differ


def test_diff_of_a_newer_to_an_older_version_is_a_downgrade() -> None:
    registry = StandardRegistry()
    latest, *_ = reversed(registry.versions())
    previous = registry.versions()[-2]
    report = diff(registry.get(latest), registry.get(previous))
    assert report.downgrade and report.verdict == "downgrade" and report.changes == ()
    forward = diff(registry.get(previous), registry.get(latest))
    assert not forward.downgrade and forward.verdict == forward.required.label


@pytest.fixture(scope="module")
def rewritten(tmp_path_factory: pytest.TempPathFactory) -> StandardRegistry:
    """1.0.0 and 2.0.0, the same standard with its string unions written as `anyOf`."""
    return pair(tmp_path_factory.mktemp("unions"), _unions_rewritten("anyOf"))


def _verdicts(registry: StandardRegistry, entity: str, record: dict[str, Any]) -> list[bool]:
    verdicts = []
    for name in ("1.0.0", "2.0.0"):
        claimed = {**record, "standardVersion": name}
        verdicts.append(bool(build_plan(registry.get(name), entity).validator.is_valid(claimed)))
    return verdicts


def test_a_rewritten_union_accepts_the_same_examples(rewritten: StandardRegistry) -> None:
    examples = load_examples_from(rewritten.schemas_root.parent / "examples", "2.0.0")
    assert len(examples) > 40
    for example in examples:
        verdicts = _verdicts(rewritten, example.path.parent.name, example.record)
        assert verdicts[0] == verdicts[1], example.path
        assert verdicts[0] or example.expected_code is not None, example.path


_PROTECTION = st.fixed_dictionaries(
    {"protection": st.sampled_from(["pseudonymised", "masked", "other"]),
     "value": st.one_of(st.text(max_size=8), st.just("hmac-sha256:" + "a" * 64))},
    optional={"keyId": st.text(max_size=4), "extra": st.integers()},
)  # fmt: skip
_VALUES = st.one_of(
    st.text(max_size=20),
    st.from_regex(r"1101021948031506[0-9][0-9X]", fullmatch=True),
    st.from_regex(r"\+86138[0-9]{8}", fullmatch=True),
    st.integers(),
    st.none(),
    st.booleans(),
    st.lists(st.text(max_size=3), max_size=2),
    _PROTECTION,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=st.sampled_from(["nationalId", "phone"]), value=_VALUES)
def test_a_rewritten_union_accepts_the_same_values(
    rewritten: StandardRegistry, field: str, value: Any
) -> None:
    record = json.loads((EXAMPLES_ROOT / "1.0.0" / "Resident" / "valid-1.json").read_text())
    record[field] = value
    verdicts = _verdicts(rewritten, "Resident", record)
    assert verdicts[0] == verdicts[1], (field, value)


def test_an_entity_allof_beside_its_base_ref_removes_no_property(tmp_path: Path) -> None:
    # The entity's own allOf once replaced the branch its $ref to EntityBase was inlined into.
    registry = pair(tmp_path, _exclude_with_new("floorArea"))
    report = diff(registry.get("1.0.0"), registry.get("2.0.0"))
    assert {(c.kind, c.path) for c in report.changes} == {
        ("property-added", "floorArea"),
        ("exclusion-added", ""),
    }
    assert report.required is Bump.MINOR
