"""The working copy of the next version (`draft`): started from a release, promoted to one."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import orjson

DRAFT = "draft"
_TREES = ("schemas", "examples")


class DraftError(ValueError):
    """No draft to promote, a draft already started, or a version that already exists."""


def retarget(node: Any, old: str, new: str) -> Any:
    """A schema or example moved from version `old` to `new`: `$id`s and `standardVersion`."""
    if isinstance(node, list):
        return [retarget(item, old, new) for item in node]
    if not isinstance(node, dict):
        return node
    moved: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$id" and isinstance(value, str):
            value = value.replace(f"/schemas/{old}/", f"/schemas/{new}/")
        elif key == "standardVersion" and value == old:
            value = new
        elif key == "standardVersion" and isinstance(value, dict) and value.get("const") == old:
            value = {**value, "const": new}
        moved[key] = retarget(value, old, new)
    return moved


def copy_version(root: Path, old: str, new: str) -> None:
    """Copy the schemas and examples of `old` to `new`, retargeted; JSON re-serialised stably."""
    for tree in _TREES:
        source, target = root / tree / old, root / tree / new
        if target.exists():
            raise DraftError(f"{target} exists")
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            if path.suffix == ".json":
                document = retarget(orjson.loads(path.read_bytes()), old, new)
                destination.write_bytes(dump(document))
            else:
                shutil.copyfile(path, destination)


def dump(document: Any) -> bytes:
    """JSON as the standard's files are written: two-space indent, UTF-8, final newline."""
    return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"


def start_draft(root: Path, from_version: str) -> None:
    """Begin the next version as `draft`, a copy of a release."""
    if (root / "schemas" / DRAFT).exists():
        raise DraftError("a draft already exists: release it or remove it first")
    copy_version(root, from_version, DRAFT)


def promote(root: Path, version: str) -> None:
    """Turn the draft into release `version` (the draft folder is consumed)."""
    if not (root / "schemas" / DRAFT).is_dir():
        raise DraftError(
            "there is no draft to release (start one with `ccstd release --new-draft`)"
        )
    copy_version(root, DRAFT, version)
    for tree in _TREES:
        shutil.rmtree(root / tree / DRAFT, ignore_errors=True)


def same_as(root: Path, version: str, name: str = DRAFT) -> bool:
    """True when `name` (the draft) holds exactly the schemas and examples of `version`: the
    same files, each the same once its `$id`s and `standardVersion` name the other version."""
    for tree in _TREES:
        before, after = root / tree / version, root / tree / name
        files = {p.relative_to(before) for p in before.rglob("*") if p.is_file()}
        if files != {p.relative_to(after) for p in after.rglob("*") if p.is_file()}:
            return False
        for relative in sorted(files):
            old, new = (before / relative).read_bytes(), (after / relative).read_bytes()
            if relative.suffix == ".json":
                try:
                    if retarget(orjson.loads(old), version, name) != orjson.loads(new):
                        return False
                except orjson.JSONDecodeError:
                    return False
            elif old != new:
                return False
    return True
