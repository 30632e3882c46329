"""`ccstd diff`, `release`, `codegen` and `docs` end to end through the CLI."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from ccstd.conformance import manifest, ruleset
from ccstd.conformance.releasing import reference
from ccstd.standard.publishing import drafting, releases
from ccstd.standard.publishing.codegen import python_models
from ccstd.standard.publishing.conventions import convention_gaps
from ccstd.standard.publishing.examples_check import load_examples, misbehaving
from ccstd.standard.registry import EXAMPLES_ROOT, StandardRegistry
from tests.conftest import REPO_ROOT, bumped, repository_copy
from tests.standard.test_compat import pair

LATEST = StandardRegistry().latest()

RUNNER = CliRunner()


def test_diff_of_the_two_releases(tmp_path: Path) -> None:
    result = RUNNER.invoke(app, ["diff", "1.0.0", "1.1.0", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["requiredBump"], report["chosenBump"], report["honest"]) == (
        "minor",
        "minor",
        True,
    )
    added = next(c for c in report["changes"] if c["kind"] == "property-added")
    assert added["example"]["validUnderNew"] and not added["example"]["validUnderOld"]
    text = RUNNER.invoke(app, ["diff", "1.0.0", "1.1.0", "-o", str(tmp_path / "diff.txt")])
    assert text.exit_code == 0 and "wheelchairAccessible" in (tmp_path / "diff.txt").read_text()


def test_diff_exits_1_when_the_number_is_too_small() -> None:
    result = RUNNER.invoke(app, ["diff", "1.0.0", "1.1.0", "--version", "1.0.1", "-f", "markdown"])
    assert result.exit_code == 1 and "needs a **minor** version bump" in result.stdout


def test_diff_takes_folders_and_refuses_unknown_versions() -> None:
    folder = str(releases.PACKAGE_ROOT / "schemas" / "1.0.0")
    assert RUNNER.invoke(app, ["diff", folder, "1.1.0", "-f", "json"]).exit_code == 0
    unknown = RUNNER.invoke(app, ["diff", "1.0.0", "9.9.9"])
    assert unknown.exit_code == 2 and "not known" in unknown.stderr


def test_diff_of_a_newer_to_an_older_version_says_downgrade() -> None:
    older, newer = StandardRegistry().versions()[-2:]
    text = RUNNER.invoke(app, ["diff", newer, older])
    assert text.exit_code == 0 and "verdict: downgrade" in text.stdout, text.output
    data = json.loads(RUNNER.invoke(app, ["diff", newer, older, "-f", "json"]).stdout)
    assert (data["verdict"], data["changes"]) == ("downgrade", [])
    markdown = RUNNER.invoke(app, ["diff", newer, older, "-f", "markdown"]).stdout
    assert "a downgrade" in markdown and "bump" not in markdown


def _add_titled_field(standard: Path) -> None:
    """A draft edit: a new optional field with both titles, and a valid example using it."""
    schema = standard / "schemas" / "draft" / "facility.json"
    document = json.loads(schema.read_text())
    document["properties"]["seats"] = {
        "type": "integer", "minimum": 0, "title": "Seats", "x-ccstd-title-zh": "座位数",
    }  # fmt: skip
    schema.write_bytes(drafting.dump(document))
    examples = standard / "examples" / "draft" / "Facility"
    record = json.loads((examples / "valid-1.json").read_text())
    (examples / "valid-seats.json").write_bytes(drafting.dump({**record, "seats": 12}))


def test_release_of_a_scratch_draft_leaves_the_repository_whole(tmp_path: Path) -> None:
    """`ccstd release` on a copy of the repository, then the suite's version-generic checks."""
    standard = repository_copy(tmp_path / "repo")
    repo = standard.parent
    latest = StandardRegistry(standard / "schemas").latest()
    version = bumped(latest, "minor")
    common = ["--root", str(standard), "--dist", str(tmp_path / "dist")]
    assert RUNNER.invoke(app, ["release", "--new-draft", *common]).exit_code == 0
    assert RUNNER.invoke(app, ["release", "--new-draft", *common]).exit_code == 2  # one at a time
    unchanged = RUNNER.invoke(app, ["release", bumped(latest, "patch"), *common])
    assert unchanged.exit_code == 2 and "nothing changed" in unchanged.stderr
    _add_titled_field(standard)
    made = RUNNER.invoke(app, ["release", version, *common])
    assert made.exit_code == 0, made.output
    assert f"released {version} (minor changes since {latest})" in made.stdout
    again = RUNNER.invoke(app, ["release", version, *common])
    assert again.exit_code == 0 and "rebuilt" in again.stdout and "wrote" not in again.stdout
    assert RUNNER.invoke(app, ["release", bumped(version, "minor"), *common]).exit_code == 2
    _check_version_generically(repo, version)


def _check_version_generically(repo: Path, version: str) -> None:
    standard, rulesets = repo / "standard", repo / "conformance" / "rulesets"
    registry = StandardRegistry(standard / "schemas")
    assert registry.latest() == version and "draft" not in registry.versions(include_draft=True)
    for name in registry.versions():  # examples behave, conventions hold, a rule set fits
        assert misbehaving(registry, load_examples(standard / "examples", name)) == [], name
        assert convention_gaps(registry.get(name)) == [], name
        text = (rulesets / f"{name}.toml").read_text(encoding="utf-8")
        assert ruleset.problems(text, name, registry.get(name)) == [], name
    assert releases.changed_files(version, standard, standard / "releases.lock.json") == []
    loaded = ruleset.load(version, rulesets)
    assert loaded.standard == version and loaded.revision == 1
    claim = tomllib.loads(manifest.template(registry, rulesets))["claim"]  # `certify init`
    assert claim["standard"] == version
    golden = repo / "tests" / "golden" / f"models_{version.replace('.', '_')}.py"
    assert golden.read_text(encoding="utf-8") == python_models(registry.get(version))
    models = _import(golden)
    valid = [e for e in load_examples(standard / "examples", version) if e.expected_code is None]
    for example in valid:
        getattr(models, example.path.parent.name).model_validate(example.record)
    assert any("seats" in e.record for e in valid)
    pages = reference(registry, rulesets)
    reference_folder = repo / "docs" / "reference"
    committed = {
        p.relative_to(reference_folder).as_posix(): p.read_text(encoding="utf-8")
        for p in reference_folder.rglob("*.md")
    }
    assert committed == pages and f"{version}/entities/Facility.md" in pages
    assert f"Rule set for standard {version}" in committed["rules.md"]
    before = shutil.copytree(rulesets, repo / "rulesets-before-release")
    (before / f"{version}.toml").unlink()  # without its rule set, `certify init` says so
    with pytest.raises(ruleset.UnknownRuleSetError, match=f"ccstd release {version}"):
        manifest.template(registry, before)


def _import(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"scratch_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_codegen_writes_an_importable_module(tmp_path: Path) -> None:
    out = tmp_path / "ccstd_models.py"
    result = RUNNER.invoke(
        app, ["codegen", "--version", "1.1.0", "--lang", "python", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    probe = "import ccstd_models as m; print(m.Facility.model_fields['wheelchairAccessible'])"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert RUNNER.invoke(app, ["codegen", "--version", "7.0.0", "--out", str(out)]).exit_code == 2


def test_the_committed_reference_is_what_ccstd_docs_generates(tmp_path: Path) -> None:
    result = RUNNER.invoke(app, ["docs", "--out", str(tmp_path / "reference")])
    assert result.exit_code == 0, result.output
    committed = REPO_ROOT / "docs" / "reference"

    def tree(folder: Path) -> dict[str, bytes]:
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.md")}

    assert tree(tmp_path / "reference") == tree(committed), "run `make docs` (ccstd docs)"


def test_the_documentation_site_builds_strict(tmp_path: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
        cwd=REPO_ROOT, capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    assert (
        tmp_path / "site" / "reference" / LATEST / "entities" / "Facility" / "index.html"
    ).exists()


def test_docs_site_from_the_cli(tmp_path: Path) -> None:
    result = RUNNER.invoke(
        app, ["docs", "--out", str(tmp_path / "md"), "--site", str(tmp_path / "site")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "site" / "index.html").exists()


def _installed_copy(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The `ccstd` package as installed, with its data (schemas, examples, lock, rule sets)
    copied so that releasing in it leaves this repository alone; the code is this repository's.
    Returns the package folder and the environment that imports it first."""
    data = repository_copy(tmp_path / "data").parent
    package = tmp_path / "site" / "ccstd"
    package.mkdir(parents=True)
    shutil.copyfile(REPO_ROOT / "ccstd" / "__init__.py", package / "__init__.py")
    copied = {
        "standard": {"schemas", "examples", "releases.lock.json"},
        "conformance": {"rulesets"},
    }
    for layer in ("standard", "conformance", "cli", "adapters"):
        (package / layer).mkdir()
        for entry in (REPO_ROOT / layer).iterdir():
            source = data / layer / entry.name if entry.name in copied.get(layer, ()) else entry
            (package / layer / entry.name).symlink_to(source)
    env = {**os.environ, "PYTHONPATH": str(package.parent)}
    return package, env


def _ccstd(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ccstd.cli", *args],
        cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip


def test_certify_init_after_a_release_in_an_installed_package(tmp_path: Path) -> None:
    """`ccstd release` in an installed package (its standard folder is the default --root)
    writes the rule set into the package; `certify init` then works, and without the rule set
    says which and how to make it."""
    package, env = _installed_copy(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    standard = package / "standard"
    latest = StandardRegistry(standard / "schemas").latest()
    version = bumped(latest, "minor")
    drafting.start_draft(standard, latest)
    _add_titled_field(standard)
    dist = ["--root", str(standard), "--dist", str(work / "dist")]
    made = RUNNER.invoke(app, ["release", version, *dist])
    assert made.exit_code == 0, made.output
    rules = package / "conformance" / "rulesets" / f"{version}.toml"
    assert f"wrote {rules}" in made.stdout and "golden" not in made.stdout  # no tests/ here
    assert (work / "dist" / f"standard-{version}" / "SHA256SUMS").is_file()
    kept = rules.rename(tmp_path / rules.name)
    crashed = _ccstd(env, work, "certify", "init")
    assert crashed.returncode == 2 and "Traceback" not in crashed.stderr
    assert crashed.stderr.startswith(
        f"ccstd: error: no conformance rule set for standard {version}"
    )
    assert (
        f"`ccstd release {version}`" in crashed.stderr and not (work / "ccstd-vendor.toml").exists()
    )
    kept.rename(rules)
    init = _ccstd(env, work, "certify", "init")
    assert init.returncode == 0, init.stderr
    manifest_text = (work / "ccstd-vendor.toml").read_text(encoding="utf-8")
    assert tomllib.loads(manifest_text)["claim"]["standard"] == version
    assert StandardRegistry().latest() == LATEST  # this repository was not touched


def _tightened(docs: dict[str, Any]) -> None:
    """NEW caps a facility's capacity and drops the `clinic` category."""
    docs["facility.json"]["properties"]["capacity"]["maximum"] = 100
    docs["codelists/facility-category.json"]["enum"].remove("clinic")
    del docs["codelists/facility-category.json"]["x-ccstd-codes"]["clinic"]


def test_diff_against_records_counts_what_the_release_would_refuse(tmp_path: Path) -> None:
    registry = pair(tmp_path / "standard", _tightened)
    old, new = (str(registry.schemas_root / v) for v in ("1.0.0", "2.0.0"))
    base = json.loads((EXAMPLES_ROOT / "1.0.0" / "Facility" / "valid-1.json").read_text())
    assert base["category"] == "clinic"
    secret = "Secret Street 13"  # a value that must never reach the report

    def facility(n: int, **fields: Any) -> dict[str, Any]:
        return {**base, "id": f"fac-{n}", "name": secret, "category": "grocery", **fields}

    exports = tmp_path / "exports"
    (exports / "vendor-a").mkdir(parents=True)
    lines = [facility(n, capacity=500 + n) for n in range(5)]  # lines 1-5: over the cap
    lines += [facility(5, category="clinic"), facility(6, capacity=50)]  # 6: clinic; 7: fine
    lines += [{**facility(7), "colour": "blue"}]  # 8: invalid under both
    text = "\n".join(json.dumps(r, ensure_ascii=False) for r in lines) + "\n{not json\n[1]\n"
    (exports / "vendor-a" / "facilities.ndjson").write_text(text, encoding="utf-8")
    both = [facility(10, capacity=1000, category="clinic"), facility(11)]
    (exports / "vendor-b.json").write_text(json.dumps(both), encoding="utf-8")

    result = RUNNER.invoke(app, ["diff", old, new, "--against", str(exports), "-f", "json"])
    assert result.exit_code == 0, result.output
    assert secret not in result.stdout
    found = json.loads(result.stdout)
    assert (found["records"], found["unreadable"], found["validUnderOld"], found["broken"]) == (
        10, 2, 9, 7,
    )  # fmt: skip
    files = {Path(f["file"]).name: f for f in found["files"]}
    assert files["facilities.ndjson"]["broken"] == 6 and files["vendor-b.json"]["broken"] == 1
    changes = {(c["entity"], c["path"], c["code"]): c for c in found["changes"]}
    capped_key, clinic_key = ("Facility", "/capacity", "out-of-range"), (
        "Facility", "/category", "value-not-allowed",
    )  # fmt: skip
    assert set(changes) == {capped_key, clinic_key}
    capped = changes[capped_key]
    assert capped["records"] == 6 and len(capped["examples"]) == 3
    assert capped["examples"][0].endswith("facilities.ndjson:1")
    clinic = changes[clinic_key]
    assert clinic["records"] == 2 and clinic["examples"][1].endswith("vendor-b.json#/0")
    text_out = RUNNER.invoke(app, ["diff", old, new, "--against", str(exports)])
    assert text_out.exit_code == 0 and "7 of 9 records valid under 1.0.0" in text_out.stdout
    assert secret not in text_out.stdout


def test_diff_against_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    older, newer = StandardRegistry().versions()[-2:]
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "a.ndjson").write_text("{}\n")
    missing = RUNNER.invoke(app, ["diff", older, newer, "--against", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "nope" in missing.stderr
    onto = ["diff", older, newer, "--against", str(exports), "-o", str(exports / "a.ndjson")]
    collision = RUNNER.invoke(app, onto)
    assert collision.exit_code == 2 and (exports / "a.ndjson").read_text() == "{}\n"
    markdown = RUNNER.invoke(
        app, ["diff", older, newer, "--against", str(exports), "-f", "markdown"]
    )
    assert markdown.exit_code == 2 and "text or json" in markdown.stderr


def test_diff_against_odd_files_counts_them_and_shows_no_value(tmp_path: Path) -> None:
    older, newer = StandardRegistry().versions()[-2:]
    exports = tmp_path / "exports"
    exports.mkdir()
    record = json.loads((EXAMPLES_ROOT / older / "Facility" / "valid-1.json").read_text())
    (exports / "bom.ndjson").write_bytes(b"\xef\xbb\xbf" + json.dumps(record).encode() + b"\n")
    (exports / "empty.ndjson").write_bytes(b"")
    (exports / "deep.json").write_text("[" * 5000 + "]" * 5000)
    (exports / "huge.ndjson").write_text('{"type": "Facility", "capacity": 1e999999}\n')
    (exports / "noise.json").write_bytes(bytes(range(256)))
    (exports / "odd key.ndjson").write_text(json.dumps({**record, "13800138000": 1}) + "\n")
    result = RUNNER.invoke(app, ["diff", older, newer, "--against", str(exports), "-f", "json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert (found["records"], found["unreadable"], found["validUnderOld"]) == (2, 3, 1)
    assert "13800138000" not in result.stdout and "Traceback" not in result.output


def test_a_draft_file_that_is_not_json_is_a_one_line_refusal(tmp_path: Path) -> None:
    standard = repository_copy(tmp_path / "repo")
    common = ["--root", str(standard), "--dist", str(tmp_path / "dist")]
    assert RUNNER.invoke(app, ["release", "--new-draft", *common]).exit_code == 0
    _add_titled_field(standard)
    schema = standard / "schemas" / "draft" / "facility.json"
    kept = schema.read_bytes()
    schema.write_text("[1]")
    result = RUNNER.invoke(app, ["release", bumped(LATEST, "minor"), *common])
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1
    assert f"{schema}: not a schema" in result.stderr, result.output
    schema.write_bytes(kept)
    example = standard / "examples" / "draft" / "Facility" / "valid-seats.json"
    example.write_text("{broken")
    result = RUNNER.invoke(app, ["release", bumped(LATEST, "minor"), *common])
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1
    assert f"{example}: cannot be read" in result.stderr
    assert (standard / "schemas" / "draft").is_dir()


def _respell(definition: dict[str, Any]) -> bool:
    """A string-or-protected union written the other way (if/then/else <-> anyOf)."""
    if definition.get("if") == {"type": "string"}:
        then, otherwise = definition.pop("then"), definition.pop("else")
        del definition["if"]
        definition["anyOf"] = [{"type": "string", **then}, otherwise]
        return True
    union = definition.get("anyOf") or definition.get("oneOf")
    if isinstance(union, list) and len(union) == 2 and union[0].get("type") == "string":
        definition.pop("anyOf", None), definition.pop("oneOf", None)
        then = {k: v for k, v in union[0].items() if k != "type"}
        definition.update({"if": {"type": "string"}, "then": then, "else": union[1]})
        return True
    return False


def test_a_draft_that_rewrites_its_unions_is_no_change_to_ccstd_diff(tmp_path: Path) -> None:
    standard = repository_copy(tmp_path / "repo")
    latest = StandardRegistry(standard / "schemas").latest()
    drafting.start_draft(standard, latest)
    common = standard / "schemas" / "draft" / "common.json"
    document = json.loads(common.read_text(encoding="utf-8"))
    rewritten = sum(_respell(d) for d in document["$defs"].values())
    assert rewritten >= 2  # 1.2.0 writes two string-or-protected unions in common.json
    common.write_bytes(drafting.dump(document))
    folders = [str(standard / "schemas" / latest), str(standard / "schemas" / "draft")]
    result = RUNNER.invoke(app, ["diff", *folders, "-f", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["changes"], report["verdict"]) == ([], "none")
