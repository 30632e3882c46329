"""Offline registry of the standard's versions: schemas, code lists and entities by name."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin

import orjson
import referencing
import referencing.jsonschema

SCHEMAS_ROOT = Path(__file__).parent / "schemas"
EXAMPLES_ROOT = Path(__file__).parent / "examples"
_RELEASE = re.compile(r"(\d+)\.(\d+)\.(\d+)")  # always fullmatch: "1.0.0\n" is no version

Schema = dict[str, Any]


class UnknownVersionError(LookupError):
    """A standard version that is not installed."""

    def __init__(self, version: str, known: list[str]) -> None:
        super().__init__(f"standard version '{version}' is not known (known: {', '.join(known)})")
        self.version = version
        self.known = known


class UnknownEntityError(LookupError):
    """An entity name that a version does not define."""


def version_key(version: str) -> tuple[int, int, int]:
    """Sort key for a release version; raises ValueError for anything but MAJOR.MINOR.PATCH."""
    match = _RELEASE.fullmatch(version)
    if not match:
        raise ValueError(f"not a release version: {version!r}")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


@dataclass(frozen=True, eq=False)
class StandardVersion:
    """One version of the standard: every schema document by `$id`, entities by type name."""

    version: str
    root: Path
    documents: Mapping[str, Schema]
    entity_ids: Mapping[str, str]

    @property
    def entities(self) -> list[str]:
        """Entity type names, sorted."""
        return sorted(self.entity_ids)

    def entity_schema(self, entity: str) -> Schema:
        """The schema document of an entity type."""
        try:
            return self.documents[self.entity_ids[entity]]
        except KeyError:
            raise UnknownEntityError(
                f"'{entity}' is not an entity of standard {self.version}"
            ) from None

    def resolve(self, base: str, ref: str) -> tuple[str, Any]:
        """The document URI and the node a `$ref` found in document `base` points to."""
        uri, fragment = urldefrag(urljoin(base, ref))
        node: Any = self.documents[uri]
        for part in fragment.lstrip("/").split("/") if fragment else ():
            node = node[part]
        return uri, node

    def code_lists(self) -> dict[str, Schema]:
        """Code list documents by name (the file stem)."""
        return {
            uri.rsplit("/", 1)[-1].removesuffix(".json"): doc
            for uri, doc in self.documents.items()
            if "/codelists/" in uri
        }

    def resources(self) -> Iterator[tuple[str, Schema]]:
        """(`$id`, document) pairs for building an offline registry."""
        return iter(self.documents.items())

    def referencing_registry(self) -> referencing.Registry[Any]:
        """A python-jsonschema `referencing` registry that never touches the network."""
        resources = [
            (uri, referencing.jsonschema.DRAFT202012.create_resource(doc))
            for uri, doc in self.documents.items()
        ]
        return referencing.Registry().with_resources(resources).crawl()


@functools.cache
def _load_version(schemas_root: Path, version: str) -> StandardVersion:
    root = schemas_root / version
    documents: dict[str, Schema] = {}
    entity_ids: dict[str, str] = {}
    for path in sorted(root.rglob("*.json")):
        doc = orjson.loads(path.read_bytes())
        documents[doc["$id"]] = doc
        entity_type = doc.get("properties", {}).get("type", {}).get("const")
        if entity_type:
            entity_ids[entity_type] = doc["$id"]
    return StandardVersion(root.name, root, documents, entity_ids)


class StandardRegistry:
    """The installed versions of the standard, loaded lazily from the packaged files."""

    def __init__(self, schemas_root: Path = SCHEMAS_ROOT) -> None:
        self.schemas_root = schemas_root
        names = [p.name for p in schemas_root.iterdir() if p.is_dir()]
        self._releases = sorted((n for n in names if _RELEASE.fullmatch(n)), key=version_key)
        self._has_draft = "draft" in names

    def versions(self, include_draft: bool = False) -> list[str]:
        """Installed releases in ascending order (then `draft`, if asked for and present)."""
        return (
            [*self._releases, "draft"]
            if include_draft and self._has_draft
            else list(self._releases)
        )

    def latest(self) -> str:
        """The newest release."""
        return self.versions()[-1]

    def get(self, version: str) -> StandardVersion:
        """A version by its string; raises UnknownVersionError."""
        if version not in self._releases and not (version == "draft" and self._has_draft):
            raise UnknownVersionError(version, self._releases)
        return _load_version(self.schemas_root, version)
