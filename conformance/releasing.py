"""A release of the standard with what the rest of the repository needs for the new version.

`ccstd.standard.publishing.release` freezes the draft and writes the release's artifacts; this
module adds what lives outside the standard's folder, so that the repository is whole after
`ccstd release VERSION`: the conformance rule set (derived from the previous version's and
checked against the new version before anything is frozen), the golden models the tests compare
code generation with, and the regenerated reference (docs/publishing.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ccstd.conformance import rulesdoc, ruleset
from ccstd.standard.files import write_atomic
from ccstd.standard.publishing import releases
from ccstd.standard.publishing.codegen import python_models
from ccstd.standard.publishing.docsgen import all_reference_pages
from ccstd.standard.publishing.release import (
    Release,
    ReleaseError,
    check_draft,
    check_version,
    loaded,
    release,
)
from ccstd.standard.registry import StandardRegistry, StandardVersion, version_key


class RuleSetGapsError(ReleaseError):
    """The rule set for the new version names what the version lacks (exit 2)."""

    def __init__(self, version: str, problems: list[str]) -> None:
        super().__init__(
            f"the conformance rule set for {version} does not fit the version "
            f"({len(problems)} problem(s)); edit conformance/rulesets/ (or the draft) and "
            "release again"
        )
        self.problems = problems


@dataclass(frozen=True)
class Layout:
    """Where a repository (or an installed package) keeps what a release adds beside the
    standard's folder (`standard`, holding schemas/, examples/ and the lock file): the folder
    above it holds conformance/rulesets/, tests/golden/ and docs/reference/. A folder for
    golden models or the reference that does not exist is not written."""

    standard: Path

    @property
    def rulesets(self) -> Path:
        """Conformance rule sets, one TOML file per version."""
        return self.standard.resolve().parent / "conformance" / "rulesets"

    @property
    def golden(self) -> Path:
        """Golden models (`models_X_Y_Z.py`) the code generation tests compare with."""
        return self.standard.resolve().parent / "tests" / "golden"

    @property
    def reference(self) -> Path:
        """The generated reference (`ccstd docs`)."""
        return self.standard.resolve().parent / "docs" / "reference"


@dataclass(frozen=True)
class Outcome:
    """A release made, and every file written beside it."""

    release: Release
    written: tuple[Path, ...]


def release_all(version: str, layout: Layout, dist: Path) -> Outcome:
    """Release the draft as `version` (or rebuild a release) and write its rule set, golden
    models and reference; nothing is frozen when the rule set does not fit the draft."""
    check_version(version)
    root = layout.standard
    if version not in releases.load_lock(root / releases.LOCK_FILE.name):
        check_draft(version, root)
        text = ruleset_text(version, loaded(StandardRegistry(root / "schemas"), "draft"), layout)
    else:
        text = ruleset_text(version, loaded(StandardRegistry(root / "schemas"), version), layout)
    made = release(version, root, dist)
    module = made.artifacts / "models" / f"ccstd_models_{_underscored(version)}.py"
    models = module.read_text(encoding="utf-8") if module.is_file() else None
    return Outcome(made, tuple(write_companions(made.version, text, layout, models)))


def ruleset_text(version: str, standard: StandardVersion, layout: Layout) -> str:
    """The rule set of `version` (the committed one, else derived from the latest earlier
    one), checked against `standard`; RuleSetGapsError lists what it names that is missing."""
    target = layout.rulesets / f"{version}.toml"
    if not layout.rulesets.is_dir():
        raise ReleaseError(f"{layout.rulesets}: no conformance rule sets folder there")
    if target.is_file():
        text = _read(target)
    else:
        earlier = [
            v
            for v in ruleset.available(layout.rulesets)
            if _is_release(v) and version_key(v) < version_key(version)
        ]
        if not earlier:
            raise ReleaseError(f"no conformance rule set older than {version} to derive from")
        source = _read(layout.rulesets / f"{earlier[-1]}.toml")
        try:
            text = ruleset.derive(source, earlier[-1], version)
        except ValueError as exc:
            raise ReleaseError(str(exc)) from None
    found = ruleset.problems(text, version, standard)
    if found:
        raise RuleSetGapsError(version, found)
    return text


def write_companions(
    version: str, ruleset_toml: str, layout: Layout, models: str | None = None
) -> list[Path]:
    """Write the rule set (unless committed), golden models (`models`, or generated) and
    reference of a released version; each file whole or not at all."""
    written: list[Path] = []
    target = layout.rulesets / f"{version}.toml"
    if not target.is_file():
        write_atomic(target, ruleset_toml.encode("utf-8"))
        written.append(target)
    registry = StandardRegistry(layout.standard / "schemas")
    if layout.golden.is_dir():
        golden = layout.golden / f"models_{_underscored(version)}.py"
        if _write_changed(golden, models or python_models(registry.get(version))):
            written.append(golden)
    if layout.reference.is_dir():
        written += _write_reference(reference(registry, layout.rulesets), layout.reference)
    return written


def _write_reference(pages: dict[str, str], folder: Path) -> list[Path]:
    """The reference pages that changed, written; generated pages of a version that is no
    longer there (the draft, once released) removed."""
    written = []
    for page, text in sorted(pages.items()):
        path = folder / page
        path.parent.mkdir(parents=True, exist_ok=True)
        if _write_changed(path, text):
            written.append(path)
    for stale in sorted(folder.rglob("*.md")):
        if stale.relative_to(folder).as_posix() not in pages:
            stale.unlink()
    return written


def _write_changed(path: Path, text: str) -> bool:
    """Write `text` (whole or not at all) unless the file holds it already; True if written."""
    data = text.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return False
    write_atomic(path, data)
    return True


def reference(registry: StandardRegistry, rulesets: Path = ruleset.FOLDER) -> dict[str, str]:
    """Every page of the reference (`ccstd docs`): the standard by version, the compatibility
    rules, the finding codes and rule sets."""
    pages = all_reference_pages(registry)
    pages["rules.md"] = rulesdoc.render(rulesets)
    pages["index.md"] += "- [Finding codes and rule sets](rules.md)\n"
    return pages


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ReleaseError(f"{path}: not UTF-8 (byte {exc.start})") from None


def _underscored(version: str) -> str:
    return version.replace(".", "_")


def _is_release(name: str) -> bool:
    try:
        version_key(name)
    except ValueError:
        return False
    return True
