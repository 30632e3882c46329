"""Released files never change."""

from __future__ import annotations

from ccstd.standard.publishing import releases
from ccstd.standard.registry import StandardRegistry


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
