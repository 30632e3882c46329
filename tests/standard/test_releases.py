"""Released files never change; the rules page is generated from the rule catalogue."""

from __future__ import annotations

from ccstd.standard import releases, rulesdoc
from ccstd.standard.registry import StandardRegistry
from tests.conftest import REPO_ROOT


def test_every_release_is_locked() -> None:
    assert set(StandardRegistry().versions()) == set(releases.load_lock())


def test_released_files_are_unchanged() -> None:
    for version in releases.load_lock():
        assert releases.changed_files(version) == [], (
            f"released files of {version} changed; release a new version instead"
        )


def test_a_changed_byte_is_detected(tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "pkg"
    (root / "schemas" / "9.9.9").mkdir(parents=True)
    schema = root / "schemas" / "9.9.9" / "thing.json"
    schema.write_text('{"title": "Thing"}')
    lock = tmp_path / "lock.json"
    releases.write_lock(["9.9.9"], root, lock)
    assert releases.changed_files("9.9.9", root, lock) == []
    schema.write_text('{"title": "Thing!"}')
    assert releases.changed_files("9.9.9", root, lock) == ["schemas/9.9.9/thing.json"]


def test_rules_page_is_up_to_date() -> None:
    committed = (REPO_ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == rulesdoc.render(), "docs/rules.md is stale: run `make rules-doc`"
