"""Profiles: walking thresholds per level and the facility types each requires (TOML data files).

A profile is checked against `profile.schema.json`, then against the standard: every category it
maps must be a code of the facility-category list of the newest released version, and every type
a level requires must be defined. Built-in profiles live in `profiles/`; `--profile FILE` reads
a user's.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ccstd.adapters.dialect_files import DataFileError, check, line_of, read_toml
from ccstd.standard.registry import StandardRegistry

HERE = Path(__file__).parent
BUILT_IN = HERE / "profiles"
SCHEMA = json.loads((HERE / "profile.schema.json").read_text(encoding="utf-8"))
DEFAULT = "gb50180"


@dataclass(frozen=True)
class FacilityType:
    """A type of the profile, and the standard's facility categories that count as it."""

    id: str
    title: str
    title_zh: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class Level:
    """One walking level: its threshold in metres and the types it requires."""

    id: str
    title: str
    title_zh: str
    minutes: float
    max_distance_m: float
    source: str
    requires: tuple[str, ...]


@dataclass(frozen=True)
class Profile:
    """A checked profile."""

    name: str
    title: str
    title_zh: str
    source: str
    notes: str
    levels: tuple[Level, ...]
    types: dict[str, FacilityType]

    def types_of(self, category: str) -> list[str]:
        """The profile's types a facility of `category` counts as."""
        return [t.id for t in self.types.values() if category in t.categories]


def built_in_names() -> list[str]:
    """Names of the profiles shipped with ccstd."""
    return sorted(p.stem for p in BUILT_IN.glob("*.toml"))


def load_profile(name_or_path: str) -> Profile:
    """A built-in profile by name, or a profile file; DataFileError (file:line: key: why)."""
    path = BUILT_IN / f"{name_or_path}.toml"
    if name_or_path not in built_in_names():
        path = Path(name_or_path)
        if not path.is_file():
            known = ", ".join(built_in_names())
            raise DataFileError(f"{name_or_path}: no such profile file or built-in ({known})")
    spec, data = read_toml(path)
    text = data.decode("utf-8")
    check(spec, SCHEMA, path, text)
    _check_against_standard(spec, path, text)
    return _build(spec)


def facility_categories() -> list[str]:
    """The facility-category codes of the newest released version of the standard."""
    registry = StandardRegistry()
    lists = registry.get(registry.latest()).code_lists()
    codes: list[str] = lists["facility-category"]["enum"]
    return codes


def _check_against_standard(spec: dict[str, Any], path: Path, text: str) -> None:
    known = set(facility_categories())
    for type_id, entry in spec["types"].items():
        for category in entry["categories"]:
            if category not in known:
                at = line_of(text, ["types", type_id, "categories"])
                raise DataFileError(
                    f"{path}:{at}: types.{type_id}.categories: {category!r} is not a facility "
                    "category of the standard"
                )
    seen: set[str] = set()
    for index, level in enumerate(spec["levels"]):
        for key in ("minutes", "maxDistanceM"):
            if not math.isfinite(level[key]):  # TOML has nan; the schema's bounds let it by
                at = line_of(text, ["levels", key])
                raise DataFileError(f"{path}:{at}: levels[{index}].{key}: must be a number")
        if level["id"] in seen:
            at = line_of(text, ["levels", "id"])
            raise DataFileError(f"{path}:{at}: levels[{index}].id: {level['id']!r} repeated")
        seen.add(level["id"])
        for wanted in level["requires"]:
            if wanted not in spec["types"]:
                at = line_of(text, ["levels", "requires"])
                raise DataFileError(
                    f"{path}:{at}: levels[{index}].requires: {wanted!r} is not a type of the "
                    "profile (define it under [types])"
                )


def _build(spec: dict[str, Any]) -> Profile:
    types = {
        key: FacilityType(key, value["title"], value["titleZh"], tuple(value["categories"]))
        for key, value in spec["types"].items()
    }
    levels = tuple(
        Level(
            item["id"],
            item["title"],
            item["titleZh"],
            float(item["minutes"]),
            float(item["maxDistanceM"]),
            item["source"],
            tuple(item["requires"]),
        )
        for item in spec["levels"]
    )
    return Profile(
        spec["name"], spec["title"], spec["titleZh"], spec["source"], spec.get("notes", ""),
        levels, types,
    )  # fmt: skip
