"""Released versions are immutable: a lock file records the SHA-256 of every released file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson

PACKAGE_ROOT = Path(__file__).parent.parent
LOCK_FILE = PACKAGE_ROOT / "releases.lock.json"
_RELEASED_TREES = ("schemas", "examples")


def release_files(version: str, root: Path = PACKAGE_ROOT) -> dict[str, str]:
    """SHA-256 of every file of a version (schemas and examples), by path relative to `root`."""
    digests = {}
    for tree in _RELEASED_TREES:
        base = root / tree / version
        for path in sorted(p for p in base.rglob("*") if p.is_file()):
            digests[path.relative_to(root).as_posix()] = hashlib.sha256(
                path.read_bytes()
            ).hexdigest()
    return digests


def load_lock(lock_file: Path = LOCK_FILE) -> dict[str, dict[str, str]]:
    """The locked digests: version -> {relative path: SHA-256}."""
    locked: dict[str, dict[str, str]] = orjson.loads(lock_file.read_bytes())
    return locked


def changed_files(
    version: str, root: Path = PACKAGE_ROOT, lock_file: Path = LOCK_FILE
) -> list[str]:
    """Files of a released version that were added, removed or edited since it was locked."""
    locked = load_lock(lock_file)[version]
    actual = release_files(version, root)
    return sorted(p for p in locked.keys() | actual.keys() if locked.get(p) != actual.get(p))


def write_lock(versions: list[str], root: Path = PACKAGE_ROOT, lock_file: Path = LOCK_FILE) -> None:
    """Record the digests of `versions`, keeping those already locked untouched."""
    locked = load_lock(lock_file) if lock_file.exists() else {}
    for version in versions:
        locked.setdefault(version, release_files(version, root))
    data = orjson.dumps(locked, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
    lock_file.write_bytes(data)
