"""The vendor manifest (`ccstd-vendor.toml`): who claims what, and where the evidence is."""

from __future__ import annotations

import fnmatch
import os
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ccstd.conformance import ruleset
from ccstd.standard.files import read_regular
from ccstd.standard.findings import printable
from ccstd.standard.registry import StandardRegistry, UnknownVersionError
from ccstd.standard.rules import Level

MANIFEST_NAME = "ccstd-vendor.toml"
MAX_MANIFEST_BYTES = 1 << 20  # a manifest is a page of TOML; more is not a manifest
MAX_MATCHES = 10_000  # files one pattern may name


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
    spec = _parse(path)
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


def _parse(path: Path) -> dict[str, Any]:
    """The manifest's TOML: a regular file, at most MAX_MANIFEST_BYTES, UTF-8, not too deep."""
    try:
        data = read_regular(path, MAX_MANIFEST_BYTES)
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{path}: not UTF-8 (byte {exc.start})") from None
    except ValueError as exc:  # TOMLDecodeError, or an integer of more than 4,300 digits
        raise ManifestError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ManifestError(f"{path}: not valid TOML: nested too deeply") from None


def _check_standard(reader: _Reader, standard: str) -> None:
    try:
        StandardRegistry().get(standard)
        ruleset.load(standard)
    except (UnknownVersionError, ruleset.UnknownRuleSetError) as exc:
        raise reader.error("claim", "standard", str(exc)) from None


class _Reader:
    def __init__(self, path: Path, spec: dict[str, Any], golden_must_exist: bool) -> None:
        self.path = path
        self.root = path.parent.resolve()
        self.spec = spec
        self.golden_must_exist = golden_must_exist

    def error(self, table: str, key: str, problem: str) -> ManifestError:
        """One line naming the manifest, table and key; what it quotes cannot move a cursor."""
        return ManifestError(printable(f"{self.path}: [{table}] {key}: {problem}"))

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
        found: dict[tuple[int, int], Path] = {}  # one entry per real file, however it is named
        for pattern in value:
            files = self.matches(table, key, pattern)
            if not files:
                raise self.error(table, key, f"{pattern!r} matches no file")
            for file in files:
                facts = file.stat()
                found.setdefault((facts.st_dev, facts.st_ino), file)
        return list(found.values())

    def matches(self, table: str, key: str, pattern: str) -> list[Path]:
        """The regular files inside the manifest's folder that `pattern` names, sorted."""
        parts = self.relative_parts(table, key, pattern)
        files: list[Path] = []
        for match in _expand(self.path.parent, parts):
            if not match.is_file():
                continue
            self.inside(table, key, match)
            files.append(match)
            if len(files) > MAX_MATCHES:
                raise self.error(table, key, f"{pattern!r} matches over {MAX_MATCHES:,} files")
        return sorted(files)

    def relative_parts(self, table: str, key: str, written: str) -> list[str]:
        """The parts of a path the manifest wrote, refused if it is absolute or climbs out."""
        if "\0" in written:
            raise self.error(table, key, f"{written!r} is not a file name")
        path = Path(written)
        if path.is_absolute():
            raise self.error(table, key, f"{written!r} is absolute; paths are relative to it")
        if ".." in path.parts:
            raise self.error(table, key, f"{written!r} climbs out of the manifest's folder")
        return [part for part in path.parts if part != "."]

    def inside(self, table: str, key: str, path: Path) -> Path:
        """`path`, refused when it (after symlinks) lies outside the folder or is not UTF-8."""
        shown = self.relative_name(path)
        try:
            shown.encode("utf-8")
        except UnicodeEncodeError:
            raise self.error(table, key, f"{shown!r}: the file name is not UTF-8") from None
        try:
            real = path.resolve()
        except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python 3.11)
            raise self.error(table, key, f"{shown!r} cannot be resolved") from None
        if not real.is_relative_to(self.root):
            raise self.error(table, key, f"{shown!r} leads outside the manifest's folder")
        return path

    def relative_name(self, path: Path) -> str:
        return Path(os.path.relpath(path, self.path.parent)).as_posix()

    def single(self, table: str, key: str) -> Path | None:
        """An optional path to one file or folder, which must stay inside the folder."""
        written = self.optional_text(table, key)
        if written is None:
            return None
        parts = self.relative_parts(table, key, written)
        return self.inside(table, key, self.path.parent.joinpath(*parts))

    def adapter(self) -> AdapterClaim | None:
        if "adapter" not in self.spec:
            return None
        name = self.text("adapter", "name")
        code_path = self.single("adapter", "path")
        golden = self.single("adapter", "golden")
        if golden is not None and self.golden_must_exist and not golden.is_file():
            raise self.error("adapter", "golden", f"{self.relative_name(golden)!r} is not a file")
        return AdapterClaim(
            name=name,
            path=code_path,
            sources=tuple(self.paths("adapter", "sources")),
            golden=golden,
        )


def _expand(root: Path, parts: list[str]) -> Iterator[Path]:
    """What a glob's parts match under `root`; `**` and wildcards never enter linked folders.

    Iterative, each folder listed once and each (folder, part) visited once: `**/a/**/a/…` over
    a deep tree costs folders times parts, never their combinations, and no depth exhausts the
    stack.
    """
    parts = [p for i, p in enumerate(parts) if p != "**" or parts[i - 1 : i] != ["**"]]
    listings: dict[str, list[_Entry]] = {}
    seen: set[tuple[str, int]] = set()
    stack = [(str(root), 0)]
    while stack:
        folder, index = stack.pop()
        if (folder, index) in seen:
            continue
        seen.add((folder, index))
        if index == len(parts):
            yield Path(folder)
            continue
        part, last = parts[index], index + 1 == len(parts)
        if part == "**":
            stack.append((folder, index + 1))
            listing = _listing(listings, folder)
            stack += [(e.path, index) for e in listing if e.is_folder and e.name[0] != "."]
        elif not _MAGIC.intersection(part):
            child = f"{folder}/{part}"
            if last or Path(child).is_dir():
                stack.append((child, index + 1))
        else:
            stack += [
                (e.path, index + 1)
                for e in _listing(listings, folder)
                if (last or e.is_folder)
                and (part[0] == "." or e.name[0] != ".")  # hidden only when asked, as glob
                and fnmatch.fnmatchcase(e.name, part)
            ]


_MAGIC = frozenset("*?[")


@dataclass(frozen=True)
class _Entry:
    name: str
    path: str
    is_folder: bool  # a real folder, not a link to one


def _listing(listings: dict[str, list[_Entry]], folder: str) -> list[_Entry]:
    """The entries of `folder`, listed once (none if it cannot be listed)."""
    if folder not in listings:
        try:
            with os.scandir(folder) as entries:
                listings[folder] = [_Entry(e.name, e.path, _is_folder(e)) for e in entries]
        except OSError:
            listings[folder] = []
    return listings[folder]


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


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


def template(registry: StandardRegistry | None = None, rulesets: Path = ruleset.FOLDER) -> str:
    """A commented manifest for the latest standard version; UnknownRuleSetError when that
    version has no rule set."""
    latest = (registry or StandardRegistry()).latest()
    profiles = ", ".join(ruleset.load(latest, rulesets).profiles)
    return TEMPLATE.format(standard=latest, profiles=profiles)
