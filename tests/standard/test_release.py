"""Releasing: draft → locked version, honest bumps only, byte-identical artifacts."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from ccstd.conformance import ruleset
from ccstd.standard.publishing import drafting, releases
from ccstd.standard.publishing.release import (
    ConventionGapsError,
    DishonestVersionError,
    ReleaseError,
    release,
)
from ccstd.standard.registry import StandardRegistry
from tests.conftest import bumped, repository_copy

RELEASED = StandardRegistry().versions()
LATEST = RELEASED[-1]
NEXT_MINOR, NEXT_MAJOR = bumped(LATEST, "minor"), bumped(LATEST, "major")
SEATS = {"type": "integer", "title": "Seats", "x-ccstd-title-zh": "座位数"}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A copy of the standard's folder (released versions, their lock, no draft) in a copy of
    the repository's layout."""
    return repository_copy(tmp_path / "repo")


def _draft_with(root: Path, edit: object) -> None:
    drafting.start_draft(root, StandardRegistry(root / "schemas").latest())
    facility = root / "schemas" / "draft" / "facility.json"
    document = json.loads(facility.read_text())
    edit(document)  # type: ignore[operator]
    facility.write_bytes(drafting.dump(document))


def _tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_releasing_a_draft_freezes_it_and_writes_every_artifact(root: Path, tmp_path: Path) -> None:
    _draft_with(root, lambda d: d["properties"].update({"seats": SEATS}))
    made = release(NEXT_MINOR, root, tmp_path / "dist")
    assert made.promoted and made.previous == LATEST and made.report is not None
    assert not (root / "schemas" / "draft").exists()
    assert NEXT_MINOR in releases.load_lock(root / "releases.lock.json")
    files = set(made.files)
    assert {"index.json", "SHA256SUMS", "CHANGELOG.md", "compat-report.json"} <= files
    module = f"models/ccstd_models_{NEXT_MINOR.replace('.', '_')}.py"
    assert "schemas/facility.json" in files and module in files
    bundled = (made.artifacts / "schemas" / "facility.json").read_text()
    assert bundled.count('"$id"') == 1 and "seats" in bundled  # each document once, no nested $id
    sums = (made.artifacts / "SHA256SUMS").read_text().splitlines()
    for line in sums:
        digest, name = line.split("  ")
        assert hashlib.sha256((made.artifacts / name).read_bytes()).hexdigest() == digest


def test_building_a_release_twice_gives_identical_bytes(root: Path, tmp_path: Path) -> None:
    first = release(LATEST, root, tmp_path / "one").artifacts
    second = release(LATEST, root, tmp_path / "two").artifacts
    assert _tree(first) == _tree(second) and _tree(first)


def test_a_breaking_draft_cannot_be_a_minor_release(root: Path, tmp_path: Path) -> None:
    _draft_with(root, lambda d: d["properties"]["capacity"].update({"maximum": 100_000}))
    with pytest.raises(DishonestVersionError, match="need a major bump"):
        release(NEXT_MINOR, root, tmp_path / "dist")
    assert (root / "schemas" / "draft").exists()  # nothing was frozen
    assert release(NEXT_MAJOR, root, tmp_path / "dist").promoted


def test_a_changed_released_file_is_refused(root: Path, tmp_path: Path) -> None:
    first = RELEASED[0]  # any released version
    schema = root / "schemas" / first / "facility.json"
    schema.write_bytes(schema.read_bytes().replace(b"Facility", b"Facilities", 1))
    with pytest.raises(ReleaseError, match=f"released files of {re.escape(first)} changed"):
        release(first, root, tmp_path / "dist")


def test_no_draft_no_release(root: Path, tmp_path: Path) -> None:
    with pytest.raises(ReleaseError, match="no draft"):
        release(NEXT_MINOR, root, tmp_path / "dist")


def test_a_draft_whose_examples_misbehave_is_refused(root: Path, tmp_path: Path) -> None:
    _draft_with(root, lambda d: d["required"].append("capacity"))
    with pytest.raises(ReleaseError, match="examples of the draft misbehave"):
        release(NEXT_MAJOR, root, tmp_path / "dist")


_N = NEXT_MINOR
NOT_VERSIONS = [f"{_N}\n", f"{_N} ", f" {_N}", f"v{_N}", _N.rsplit(".", 1)[0], f"0{_N}",
                f"{_N}-rc", "\u0661" + _N[1:]]  # fmt: skip


@pytest.mark.parametrize("version", NOT_VERSIONS)
def test_only_a_whole_version_is_released(root: Path, tmp_path: Path, version: str) -> None:
    _draft_with(root, lambda d: d["properties"].update({"seats": SEATS}))
    before = sorted(p.name for p in (root / "schemas").iterdir())
    with pytest.raises(ReleaseError, match="not a release version"):
        release(version, root, tmp_path / "dist")
    assert sorted(p.name for p in (root / "schemas").iterdir()) == before  # the draft is intact
    assert not (tmp_path / "dist").exists()


NEWLINE_CASES = [
    ["release", f"{NEXT_MINOR}\n"],
    ["diff", RELEASED[0], f"{LATEST}\n"],
    ["diff", RELEASED[0], LATEST, "--version", f"{NEXT_MINOR}\n"],
]


@pytest.mark.parametrize("args", NEWLINE_CASES)
def test_the_cli_refuses_a_version_with_a_newline(
    root: Path, tmp_path: Path, args: list[str]
) -> None:
    _draft_with(root, lambda d: d["properties"].update({"seats": SEATS}))
    common = ["--root", str(root), "--dist", str(tmp_path / "dist")] if args[0] == "release" else []
    result = CliRunner().invoke(app, [*args, *common])
    assert result.exit_code == 2 and "not a release version" in result.stderr, result.output
    assert "draft" in {p.name for p in (root / "schemas").iterdir()}


def test_an_unchanged_draft_cannot_be_released(root: Path, tmp_path: Path) -> None:
    drafting.start_draft(root, LATEST)
    with pytest.raises(ReleaseError, match=f"nothing changed: the draft is {re.escape(LATEST)}"):
        release(bumped(LATEST, "patch"), root, tmp_path / "dist")
    assert (root / "schemas" / "draft").exists() and not (tmp_path / "dist").exists()


def _with_gaps(document: dict[str, Any]) -> None:
    """A field with no titles, a personal field with no sensitivity, no entity description."""
    document["properties"]["seats"] = {"type": "integer"}
    document["properties"]["anything"] = True
    document["properties"]["managerName"] = {
        "$ref": "common.json#/$defs/ProtectedText",
        "title": "Manager",
        "x-ccstd-title-zh": "负责人",
    }
    del document["description"]


def test_a_draft_that_breaks_the_conventions_is_refused_with_every_gap(
    root: Path, tmp_path: Path
) -> None:
    _draft_with(root, _with_gaps)
    zh = root / "schemas" / "draft" / "codelists" / "facility-category.json"
    codes = json.loads(zh.read_text())
    first = codes["enum"][0]
    del codes["x-ccstd-codes"][first]["x-ccstd-title-zh"]
    zh.write_bytes(drafting.dump(codes))
    with pytest.raises(ConventionGapsError) as refused:
        release(NEXT_MINOR, root, tmp_path / "dist")
    facility = (root / "schemas" / "draft" / "facility.json").as_posix()
    assert sorted(str(g) for g in refused.value.gaps) == sorted(
        [
            f"{zh.as_posix()}#/x-ccstd-codes/{first}: code {first}: no x-ccstd-title-zh",
            f"{facility}#: no description",
            f"{facility}#/properties/managerName: personal field Facility.managerName: "
            "no x-ccstd-sensitivity",
            f"{facility}#/properties/seats: field seats: no title",
            f"{facility}#/properties/seats: field seats: no x-ccstd-title-zh",
            f"{facility}#/properties/anything: field anything: no title",
            f"{facility}#/properties/anything: field anything: no x-ccstd-title-zh",
        ]
    )
    result = CliRunner().invoke(
        app, ["release", NEXT_MINOR, "--root", str(root), "--dist", str(tmp_path / "dist")]
    )
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 8 and "conventions in 7 place(s)" in lines[-1]
    assert not (tmp_path / "dist").exists() and (root / "schemas" / "draft").exists()


def _expected_optional_field(root: Path) -> tuple[str, str]:
    """An (entity, field) the latest rule set expects, that the latest version has optional."""
    rules = ruleset.load(LATEST, root.parent / "conformance" / "rulesets")
    standard = StandardRegistry(root / "schemas").get(LATEST)
    for profile in rules.profiles.values():
        for entity, names in profile.expected.items():
            required = standard.entity_schema(entity).get("required", [])
            for name in names:
                if name not in required and name in standard.entity_schema(entity)["properties"]:
                    return entity, name
    raise AssertionError("the rule set expects no optional top-level field")


def test_a_rule_set_naming_what_the_draft_removed_is_refused(root: Path, tmp_path: Path) -> None:
    entity, name = _expected_optional_field(root)
    drafting.start_draft(root, LATEST)
    released = StandardRegistry(root / "schemas").get(LATEST)  # the draft is loaded once edited
    schema = root / "schemas" / "draft" / released.entity_ids[entity].rsplit("/", 1)[-1]
    document = json.loads(schema.read_text())
    del document["properties"][name]
    schema.write_bytes(drafting.dump(document))
    for example in (root / "examples" / "draft" / entity).glob("*.json"):
        record = json.loads(example.read_text())
        record.pop(name, None)
        example.write_bytes(drafting.dump(record))
    common = ["--root", str(root), "--dist", str(tmp_path / "dist")]
    result = CliRunner().invoke(app, ["release", NEXT_MAJOR, *common])
    assert result.exit_code == 2, result.output
    assert f"expected {entity}.{name}: no such field" in result.stderr
    assert "rule set for" in result.stderr.splitlines()[-1]
    assert (root / "schemas" / "draft").exists() and not (root / "schemas" / NEXT_MAJOR).exists()
    assert not (root.parent / "conformance" / "rulesets" / f"{NEXT_MAJOR}.toml").exists()


def test_a_rule_set_without_a_profile_that_finding_codes_apply_to_is_refused(
    root: Path, tmp_path: Path
) -> None:
    _draft_with(root, lambda d: d["properties"].update({"seats": SEATS}))
    rulesets = root.parent / "conformance" / "rulesets"
    derived = ruleset.derive((rulesets / f"{LATEST}.toml").read_text(), LATEST, NEXT_MINOR)
    start = derived.index("[profiles.logistics]")
    end = derived.index("[profiles.", start + 1)
    (rulesets / f"{NEXT_MINOR}.toml").write_text(derived[:start] + derived[end:])  # committed
    result = CliRunner().invoke(
        app, ["release", NEXT_MINOR, "--root", str(root), "--dist", str(tmp_path / "dist")]
    )
    assert result.exit_code == 2, result.output
    assert "applies to profile logistics, which the rule set lacks" in result.stderr
    assert (root / "schemas" / "draft").exists()
