"""The vendor manifest (`ccstd-vendor.toml`): who claims what, and where the evidence is."""

from __future__ import annotations

import glob
import os.path
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ccstd.conformance import ruleset
from ccstd.standard.registry import StandardRegistry, UnknownVersionError
from ccstd.standard.rules import Level

MANIFEST_NAME = "ccstd-vendor.toml"


class ManifestError(ValueError):
    """A manifest that cannot be read or says something impossible (exit 2)."""


@dataclass(frozen=True)
class AdapterClaim:
    """The adapter a vendor submits: an installed name or `module:Class` under `path`."""

    name: str
    path: Path | None
    sources: tuple[Path, ...]
    golden: Path | None

    @property
    def is_plugin_code(self) -> bool:
        """True when the adapter is loaded from the vendor's own module."""
        return ":" in self.name


@dataclass(frozen=True)
class Manifest:
    """A vendor's claim: product, standard version, profiles, level, and its evidence."""

    path: Path
    vendor: str
    product: str
    product_version: str | None
    standard: str
    profiles: tuple[str, ...]
    level: Level
    records: tuple[Path, ...]
    adapter: AdapterClaim | None

    @property
    def root(self) -> Path:
        """The folder that relative paths in the manifest are relative to."""
        return self.path.parent

    def relative(self, path: Path) -> str:
        """`path` as written relative to the manifest's folder (for reports and certificates)."""
        return Path(os.path.relpath(path.resolve(), self.root.resolve())).as_posix()


def load(path: Path, golden_must_exist: bool = True) -> Manifest:
    """Read and check a manifest; ManifestError names the file and the field at fault."""
    if path.is_dir():
        path = path / MANIFEST_NAME
    try:
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: not valid TOML: {exc}") from None
    reader = _Reader(path, spec, golden_must_exist)
    standard = reader.text("claim", "standard")
    _check_standard(reader, standard)
    profiles = reader.profiles(standard)
    adapter = reader.adapter()
    records = tuple(reader.paths("data", "records", required=False))
    if not records and adapter is None:
        raise reader.error("data", "records", "give sample records, an [adapter], or both")
    level = reader.level(default=Level.ADAPTER if adapter else Level.QUALITY)
    if level is Level.ADAPTER and adapter is None:
        raise reader.error("claim", "level", "the adapter level needs an [adapter] section")
    return Manifest(
        path=path,
        vendor=reader.text("vendor", "name"),
        product=reader.text("vendor", "product"),
        product_version=reader.optional_text("vendor", "product-version"),
        standard=standard,
        profiles=profiles,
        level=level,
        records=records,
        adapter=adapter,
    )


def _check_standard(reader: _Reader, standard: str) -> None:
    try:
        StandardRegistry().get(standard)
        ruleset.load(standard)
    except (UnknownVersionError, ruleset.UnknownRuleSetError) as exc:
        raise reader.error("claim", "standard", str(exc)) from None


class _Reader:
    def __init__(self, path: Path, spec: dict[str, Any], golden_must_exist: bool) -> None:
        self.path = path
        self.spec = spec
        self.golden_must_exist = golden_must_exist

    def error(self, table: str, key: str, problem: str) -> ManifestError:
        return ManifestError(f"{self.path}: [{table}] {key}: {problem}")

    def value(self, table: str, key: str) -> Any:
        section = self.spec.get(table, {})
        if not isinstance(section, dict):
            raise self.error(table, key, f"[{table}] must be a table")
        return section.get(key)

    def text(self, table: str, key: str) -> str:
        value = self.value(table, key)
        if not isinstance(value, str) or not value.strip():
            raise self.error(table, key, "a non-empty string is required")
        return value

    def optional_text(self, table: str, key: str) -> str | None:
        return None if self.value(table, key) is None else self.text(table, key)

    def profiles(self, standard: str) -> tuple[str, ...]:
        value = self.value("claim", "profiles")
        known = ruleset.load(standard).profiles
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise self.error("claim", "profiles", f"a list of profiles from: {', '.join(known)}")
        unknown = [v for v in value if v not in known]
        if unknown:
            wanted = ", ".join(known)
            raise self.error("claim", "profiles", f"unknown {', '.join(unknown)} (known: {wanted})")
        return tuple(dict.fromkeys(value))

    def level(self, default: Level) -> Level:
        value = self.value("claim", "level")
        if value is None:
            return default
        try:
            return Level(value)
        except ValueError:
            names = ", ".join(level.value for level in Level)
            raise self.error("claim", "level", f"one of {names}") from None

    def paths(self, table: str, key: str, required: bool = True) -> list[Path]:
        value = self.value(table, key)
        if value is None and not required:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise self.error(table, key, "a list of file names or glob patterns is required")
        found: list[Path] = []
        for pattern in value:
            # glob.glob, unlike Path.glob, takes patterns that climb out ("../samples/*.xml")
            matches = sorted(glob.glob(str(self.path.parent / pattern), recursive=True))  # noqa: PTH207
            files = [Path(m) for m in matches if Path(m).is_file()]
            if not files:
                raise self.error(table, key, f"'{pattern}' matches no file")
            found.extend(files)
        return list(dict.fromkeys(found))

    def adapter(self) -> AdapterClaim | None:
        if "adapter" not in self.spec:
            return None
        name = self.text("adapter", "name")
        code_path = self.optional_text("adapter", "path")
        golden = self.optional_text("adapter", "golden")
        golden_path = self.path.parent / golden if golden else None
        if golden_path is not None and self.golden_must_exist and not golden_path.is_file():
            raise self.error("adapter", "golden", f"'{golden}' is not a file")
        return AdapterClaim(
            name=name,
            path=self.path.parent / code_path if code_path else None,
            sources=tuple(self.paths("adapter", "sources")),
            golden=golden_path,
        )


TEMPLATE = """\
# ccstd-vendor.toml: what your product claims, for `ccstd certify`.
# Paths are relative to this file; patterns may use * and **.

[vendor]
name = "Example Vendor Co., Ltd."       # who is certified
product = "Example Gate Controller"      # the product, as sold
product-version = "1.0"                  # optional

[claim]
standard = "{standard}"                       # the standard version your product speaks
# The profiles you serve, from: {profiles}
profiles = ["core"]
# The level you claim: schema, semantic, quality, or adapter (needs [adapter] below).
# Default: adapter when [adapter] is given, else quality.
# level = "quality"

[data]
# Sample output already in the standard (NDJSON, JSON documents or arrays).
records = ["samples/*.ndjson"]

# Or, and: the adapter that converts your native format, with sample source files.
# [adapter]
# name = "xml-hikvision-isapi"          # an installed adapter (`ccstd adapters list`) ...
# name = "my_adapter:MyAdapter"         # ... or your own class, imported from `path`
# path = "adapter"                      # folder holding my_adapter.py (runs your code)
# sources = ["sources/*.xml"]
# golden = "golden/expected.ndjson"     # optional: what the sources must convert to, exactly
#                                       # (write it with `ccstd certify golden`)
"""


def template() -> str:
    """A commented manifest for the latest standard version."""
    latest = StandardRegistry().latest()
    profiles = ", ".join(ruleset.load(latest).profiles)
    return TEMPLATE.format(standard=latest, profiles=profiles)
