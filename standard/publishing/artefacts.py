"""What a release publishes beside its bundled schemas, and where the docs site serves schemas.

A release folder holds, besides the bundled schemas, the index, changelog, docs and models:

- `sources/<$id path>`: every source schema at the path of its `$id` (`sources/schemas/1.1.0/
  resident.json` for `https://ccstd.org/schemas/1.1.0/resident.json`), byte for byte as released,
  so serving `sources/` at the `$id` host makes every `$id` resolve; the vocabulary meta-schema
  of the `x-ccstd-*` keywords is among them;
- `examples/<Entity>/`: the valid and invalid examples with their `expected.toml`;
- `SHA256SUMS`: the digest of every other file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import orjson

from ccstd.standard.publishing.bundling import bundle_entity
from ccstd.standard.registry import Schema, StandardRegistry, StandardVersion

VOCABULARY = Path(__file__).resolve().parent.parent / "vocabulary" / "x-ccstd.json"
SOURCES = "sources"
EXAMPLES = "examples"
CHECKSUMS = "SHA256SUMS"


def vocabulary() -> Schema:
    """The meta-schema that declares the `x-ccstd-*` keywords (draft 2020-12)."""
    schema: Schema = orjson.loads(VOCABULARY.read_bytes())
    return schema


def id_path(uri: str) -> str:
    """The path of a `$id` on its host (`schemas/1.1.0/resident.json`); ValueError if unsafe."""
    parts = urlsplit(uri)
    path = PurePosixPath(parts.path)
    if (
        parts.scheme != "https"
        or parts.query
        or parts.fragment
        or not path.is_absolute()
        or path.suffix != ".json"
        or ".." in path.parts
        or path.as_posix() != parts.path  # `//` or `/./`: not the path it would be served at
    ):
        raise ValueError(f"not a publishable $id: {uri!r}")
    return path.relative_to("/").as_posix()


def schema_files(schemas_root: Path, version: str) -> dict[str, Path]:
    """Every schema file of a version, by the path of its `$id`."""
    files: dict[str, Path] = {}
    for path in sorted((schemas_root / version).rglob("*.json")):
        uri = orjson.loads(path.read_bytes())["$id"]
        target = id_path(uri)
        if target in files:
            raise ValueError(f"{files[target].name} and {path.name} have the same $id {uri}")
        files[target] = path
    return files


def served_files(schemas_root: Path) -> dict[str, Path]:
    """What the docs site serves: every schema of every version (and the draft) and the
    vocabulary, each at the path of its `$id`."""
    registry = StandardRegistry(schemas_root)
    served = {id_path(vocabulary()["$id"]): VOCABULARY}
    for version in registry.versions(include_draft=True):
        served.update(schema_files(schemas_root, version))
    return served


def published_files(standard: StandardVersion) -> dict[str, bytes]:
    """The source schemas (at their `$id` paths), the vocabulary and the examples of a version."""
    schemas_root = standard.root.parent
    files = {
        f"{SOURCES}/{target}": path.read_bytes()
        for target, path in schema_files(schemas_root, standard.version).items()
    }
    files[f"{SOURCES}/{id_path(vocabulary()['$id'])}"] = VOCABULARY.read_bytes()
    examples = schemas_root.parent / "examples" / standard.version
    for path in sorted(p for p in examples.rglob("*") if p.is_file()):
        files[f"{EXAMPLES}/{path.relative_to(examples).as_posix()}"] = path.read_bytes()
    return files


def check_publishable(standard: StandardVersion) -> None:
    """ValueError naming the problem if a version's artefacts cannot be built: a `$id` that is
    not an https path ending in `.json`, two files with one `$id`, a `$ref` that cannot be
    bundled."""
    schema_files(standard.root.parent, standard.version)
    for entity in standard.entities:
        bundle_entity(standard, entity)


def checksums(files: Mapping[str, bytes]) -> bytes:
    """`SHA256SUMS` of `files` (the format `sha256sum -c` reads), sorted by name."""
    return "".join(
        f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items())
    ).encode("utf-8")
