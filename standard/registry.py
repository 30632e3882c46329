"""Offline registry of the standard's versions: schemas, code lists and entities by name."""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urldefrag, urljoin

import orjson

if TYPE_CHECKING:
    import referencing

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
        """The document URI and the node a `$ref` found in document `base` points to: the
        fragment is a JSON Pointer (`#/$defs/Date`) or a plain name (`#Date`, an `$anchor`).
        KeyError when nothing is there."""
        uri, fragment = urldefrag(urljoin(base, ref))
        document: Any = self.documents[uri]
        fragment = unquote(fragment)
        if fragment and not fragment.startswith("/"):
            return uri, _anchored(document, fragment)
        return uri, _pointed(document, fragment)

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
        import referencing.jsonschema  # not at start-up: only the reference validators use it

        resources = [
            (uri, referencing.jsonschema.DRAFT202012.create_resource(doc))
            for uri, doc in self.documents.items()
        ]
        return referencing.Registry().with_resources(resources).crawl()


def _pointed(document: Any, pointer: str) -> Any:
    """The node at an RFC 6901 JSON Pointer (`~1` is `/`, `~0` is `~`; array items by index)."""
    node = document
    for raw in pointer.split("/")[1:] if pointer else ():
        part = raw.replace("~1", "/").replace("~0", "~")
        try:
            if isinstance(node, list):
                node = node[int(part) if part.isdigit() else len(node)]  # "-", "x": past the end
            else:
                node = node[part]
        except (KeyError, IndexError, TypeError):
            raise KeyError(pointer) from None
    return node


def _anchored(document: Any, name: str) -> Any:
    """The subschema of `document` that declares `$anchor` (or `$dynamicAnchor`) `name`; an
    embedded resource (a subschema with its own `$id`) keeps its anchors to itself."""
    pending = [document]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if name in (node.get("$anchor"), node.get("$dynamicAnchor")):
                return node
            pending.extend(v for k, v in node.items() if k not in _NOT_SCHEMAS and _own(v))
        elif isinstance(node, list):
            pending.extend(v for v in node if _own(v))
    raise KeyError(f"#{name}")


_NOT_SCHEMAS = frozenset({"enum", "const", "examples", "default"})  # values, not subschemas


def _own(node: Any) -> bool:
    return not (isinstance(node, dict) and "$id" in node)


@functools.cache
def _load_release(schemas_root: Path, version: str) -> StandardVersion:
    """A release, read once per process: its files never change (the lock file holds them)."""
    root = schemas_root / version
    return _build(root, [(p, p.read_bytes()) for p in sorted(root.rglob("*.json"))])


_drafts: dict[Path, tuple[bytes, StandardVersion]] = {}


def _load_draft(root: Path) -> StandardVersion:
    """The draft as its files are now: read again whenever a file was added, removed or changed
    (the draft is edited while the tools run), the same object while nothing changed."""
    files = [(p, p.read_bytes()) for p in sorted(root.rglob("*.json"))]
    digest = hashlib.sha256()
    for path, data in files:
        digest.update(f"{path.relative_to(root).as_posix()}\0{len(data)}\0".encode())
        digest.update(data)
    stamp = digest.digest()
    cached = _drafts.get(root)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    version = _build(root, files)
    _drafts[root] = (stamp, version)
    return version


def _build(root: Path, files: list[tuple[Path, bytes]]) -> StandardVersion:
    documents: dict[str, Schema] = {}
    entity_ids: dict[str, str] = {}
    for _path, data in files:
        doc = orjson.loads(data)
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
        if version == "draft" and (self.schemas_root / "draft").is_dir():
            return _load_draft((self.schemas_root / "draft").resolve())
        if version not in self._releases:
            raise UnknownVersionError(version, self._releases)
        return _load_release(self.schemas_root, version)
