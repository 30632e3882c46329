"""Releasing the standard: draft → frozen version, and the artifacts published for it."""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ccstd.standard.publishing import artefacts, drafting, releases
from ccstd.standard.publishing.bundling import bundle_entity, inline_entity
from ccstd.standard.publishing.codegen import python_models
from ccstd.standard.publishing.compat import DiffReport, diff, field_facts
from ccstd.standard.publishing.compatreport import changelog, compatibility_page, report_json
from ccstd.standard.publishing.conventions import Gap, convention_gaps
from ccstd.standard.publishing.docsgen import reference_pages
from ccstd.standard.publishing.examples_check import Example, load_examples, misbehaving
from ccstd.standard.registry import StandardRegistry, StandardVersion, version_key

# MAJOR.MINOR.PATCH of Semantic Versioning 2.0.0: ASCII digits, no leading zeros, nothing else.
SEMVER = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")


class ReleaseError(ValueError):
    """The release cannot be made (exit 2): no draft, a bad version, a changed released file."""


class ConventionGapsError(ReleaseError):
    """The draft breaks the standard's conventions (exit 2); `gaps` lists every one."""

    def __init__(self, gaps: list[Gap]) -> None:
        super().__init__(
            f"the draft breaks the standard's conventions in {len(gaps)} place(s) "
            "(titles in English and Chinese, entity descriptions, sensitivity of personal fields)"
        )
        self.gaps = gaps


class DishonestVersionError(ReleaseError):
    """The version chosen is a smaller bump than the changes need (exit 1)."""

    def __init__(self, report: DiffReport) -> None:
        super().__init__(
            f"{report.new_number} is a {report.chosen.label if report.chosen else 'no'} bump over "
            f"{report.old}, but the changes need a {report.required.label} bump "
            f"(suggested: {report.suggested()}); see `ccstd diff {report.old} draft`"
        )
        self.report = report


@dataclass(frozen=True)
class Release:
    """A release made (or rebuilt): its version, the diff with its predecessor, its artifacts."""

    version: str
    previous: str | None
    report: DiffReport | None
    artifacts: Path
    files: tuple[str, ...]
    promoted: bool


def release(version: str, root: Path = releases.PACKAGE_ROOT, dist: Path = Path("dist")) -> Release:
    """Release the draft as `version` (or rebuild the artifacts of a released version)."""
    check_version(version)
    lock_file = root / releases.LOCK_FILE.name
    locked = releases.load_lock(lock_file)
    promoted = version not in locked
    if promoted:
        _promote(version, root, lock_file)
    else:
        changed = releases.changed_files(version, root, lock_file)
        if changed:
            raise ReleaseError(f"released files of {version} changed: {', '.join(changed)}")
    registry = StandardRegistry(root / "schemas")
    previous = _previous(registry, version)
    standard = loaded(registry, version)
    report = diff(registry.get(previous), standard) if previous else None
    target = dist / f"standard-{version}"
    files = build_artifacts(standard, report, target)
    return Release(version, previous, report, target, files, promoted)


def check_version(version: str) -> str:
    """`version` if the whole string is MAJOR.MINOR.PATCH (not `1.2.0\\n`); else ReleaseError."""
    if not SEMVER.fullmatch(version):
        raise ReleaseError(f"not a release version (MAJOR.MINOR.PATCH): {version!r}")
    return version


def check_draft(version: str, root: Path = releases.PACKAGE_ROOT) -> DiffReport | None:
    """The checks a release makes before freezing: something changed, conventions kept, every
    example as labelled, bump honest."""
    check_version(version)
    registry = StandardRegistry(root / "schemas")
    if "draft" not in registry.versions(include_draft=True):
        raise ReleaseError(
            "there is no draft to release (start one with `ccstd release --new-draft`)"
        )
    released = registry.versions()
    if released and version_key(version) <= version_key(released[-1]):
        raise ReleaseError(f"{version} is not newer than the latest release {released[-1]}")
    if released and drafting.same_as(root, released[-1]):
        raise ReleaseError(
            f"nothing changed: the draft is {released[-1]} as released; edit it before releasing"
        )
    gaps = convention_gaps(loaded(registry, "draft"))
    if gaps:
        raise ConventionGapsError(gaps)
    problems = misbehaving(registry, _examples(root / "examples"))
    if problems:
        raise ReleaseError("examples of the draft misbehave: " + "; ".join(problems[:5]))
    try:
        artefacts.check_publishable(registry.get("draft"))
    except ValueError as exc:
        raise ReleaseError(f"the draft cannot be published: {exc}") from None
    if not released:
        return None
    report = diff(loaded(registry, released[-1]), loaded(registry, "draft"), version)
    if not report.honest:
        raise DishonestVersionError(report)
    return report


def _examples(examples_root: Path) -> list[Example]:
    """The draft's examples; ReleaseError naming the first file that cannot be read."""
    try:
        return load_examples(examples_root, "draft")
    except (ValueError, KeyError, TypeError, OSError):
        for path in sorted((examples_root / "draft").rglob("*")):
            try:
                if path.suffix == ".json":
                    orjson.loads(path.read_bytes())
                elif path.suffix == ".toml":
                    tomllib.loads(path.read_text(encoding="utf-8"))
            except (ValueError, OSError) as exc:
                raise ReleaseError(f"{path}: cannot be read: {exc}") from None
        raise ReleaseError(f"{examples_root / 'draft'}: the examples cannot be read") from None


def loaded(registry: StandardRegistry, version: str) -> StandardVersion:
    """A version of the registry; ReleaseError naming the first file that is not a schema."""
    try:
        return registry.get(version)
    except (ValueError, KeyError, TypeError, AttributeError):
        folder = registry.schemas_root / version
        for path in sorted(folder.rglob("*.json")):
            try:
                document = orjson.loads(path.read_bytes())
            except orjson.JSONDecodeError as exc:
                raise ReleaseError(f"{path}: not JSON: {exc}") from None
            if not isinstance(document, dict) or not isinstance(document.get("$id"), str):
                raise ReleaseError(f"{path}: not a schema of the standard (no $id)") from None
        raise ReleaseError(f"{folder}: the schemas cannot be loaded") from None


def _promote(version: str, root: Path, lock_file: Path) -> None:
    check_draft(version, root)
    try:
        drafting.promote(root, version)
    except drafting.DraftError as exc:
        raise ReleaseError(str(exc)) from None
    releases.write_lock([version], root, lock_file)


def _previous(registry: StandardRegistry, version: str) -> str | None:
    earlier = [v for v in registry.versions() if version_key(v) < version_key(version)]
    return earlier[-1] if earlier else None


def build_artifacts(
    standard: StandardVersion, report: DiffReport | None, target: Path
) -> tuple[str, ...]:
    """Write the artifacts to `target` (replaced whole); the same input gives the same bytes."""
    files: dict[str, bytes] = {}
    catalogue = []
    for entity in standard.entities:
        uri = standard.entity_ids[entity]
        name = f"schemas/{uri.rsplit('/', 1)[-1]}"
        inlined = inline_entity(standard, entity)
        files[name] = drafting.dump(bundle_entity(standard, entity))
        catalogue.append(
            {
                "entity": entity,
                "$id": uri,
                "file": name,
                "sha256": hashlib.sha256(files[name]).hexdigest(),
                "status": "stable",
                "deprecations": _deprecations(inlined),
            }
        )
    files["index.json"] = drafting.dump(
        {
            "standard": standard.version,
            "entities": catalogue,
            "codeLists": sorted(standard.code_lists()),
        }
    )
    heading = f"{standard.version}"
    files["CHANGELOG.md"] = (
        changelog(report, heading) if report else f"## {heading}\n\nFirst release.\n"
    ).encode("utf-8")
    if report is not None:
        files["compat-report.json"] = drafting.dump(report_json(report))
    pages = {**reference_pages(standard), "compatibility.md": compatibility_page()}
    for page, text in pages.items():
        files[f"docs/{page}"] = text.encode("utf-8")
    module = f"ccstd_models_{standard.version.replace('.', '_')}.py"
    files[f"models/{module}"] = python_models(standard).encode("utf-8")
    files.update(artefacts.published_files(standard))
    files[artefacts.CHECKSUMS] = artefacts.checksums(files)
    _write_tree(target, files)
    return tuple(sorted(files))


def _deprecations(inlined: dict[str, Any]) -> list[dict[str, Any]]:
    """Every deprecated field of an entity, at any depth, with its lifecycle."""
    return [
        {
            "path": ".".join(path),
            "since": facts.deprecated.get("x-ccstd-deprecated-since"),
            "removalIn": facts.deprecated.get("x-ccstd-removal-in"),
        }
        for path, facts in sorted(field_facts(inlined).items())
        if facts.deprecated.get("deprecated")
    ]


def _write_tree(target: Path, files: dict[str, bytes]) -> None:
    """Build the tree beside `target`, then swap it in: never half a release on disk."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    for name, data in files.items():
        path = staging / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
