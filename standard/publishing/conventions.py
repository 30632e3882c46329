"""The standard's conventions, checked on any version (docs/standard.md).

Every schema document, entity, field and code is titled in English (`title`) and Chinese
(`x-ccstd-title-zh`); every entity has a `description`; every personal field carries an
`x-ccstd-sensitivity` annotation. A field is personal when it carries a direct identifier: it
offers the protected form (`common.json#/$defs/Protected`, which converters pseudonymise) or a
resident ID number format. `ccstd release` refuses a version with a gap; the tests hold every
installed version to the same check.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urldefrag, urljoin

from ccstd.standard.fields import ANY_ITEM, Field, entity_fields
from ccstd.standard.registry import StandardVersion

TITLES = ("title", "x-ccstd-title-zh")
PERSONAL_FORMATS = frozenset({"cn-resident-id"})
_OVERLAYS = ("if", "then", "else", "not")
_COMBINATORS = ("allOf", "anyOf", "oneOf")


@dataclass(frozen=True, order=True)
class Gap:
    """One convention a version breaks: the file, the JSON Pointer in it, what is missing."""

    file: str
    pointer: str
    problem: str

    def __str__(self) -> str:
        return f"{self.file}#{self.pointer}: {self.problem}"


def convention_gaps(version: StandardVersion) -> list[Gap]:
    """Every gap of a version, sorted by file and pointer (empty when it keeps them all)."""
    gaps: set[Gap] = set()
    entity_uris = set(version.entity_ids.values())
    for uri, document in version.documents.items():
        file = _file(version, uri)
        gaps.update(_missing(file, "", document, TITLES))
        if uri in entity_uris:
            gaps.update(_missing(file, "", document, ("description",)))
        for pointer, name, declared in _properties(version, uri, document, ""):
            gaps.update(_missing(file, pointer, declared, TITLES, f"field {name}"))
        gaps.update(_code_gaps(file, document))
    for entity in version.entities:
        gaps.update(_sensitivity_gaps(version, entity))
    return sorted(gaps)


def personal(field: Field, catalogue: dict[tuple[str, ...], Field]) -> bool:
    """A field that carries a direct identifier (a protected form, or an ID number format)."""
    return (*field.path, "protection") in catalogue or field.format in PERSONAL_FORMATS


def _file(version: StandardVersion, uri: str) -> str:
    relative = uri.split(f"/schemas/{version.version}/", 1)[-1]
    return (version.root / relative).as_posix()


def _missing(
    file: str, pointer: str, node: dict[str, Any], keys: tuple[str, ...], what: str = ""
) -> Iterator[Gap]:
    for key in keys:
        value = node.get(key)
        if not isinstance(value, str) or not value.strip():
            yield Gap(file, pointer, f"{what + ': ' if what else ''}no {key}")


def _properties(
    version: StandardVersion, uri: str, node: Any, pointer: str
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(pointer, name, declaration) of every property a document declares. Properties in
    overlays (if/then/else/not), or beside a `$ref` whose target declares them, only constrain
    a declared property."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _properties(version, uri, item, f"{pointer}/{index}")
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key in _OVERLAYS or key in ("enum", "const", "examples", "x-ccstd-codes"):
            continue
        where = f"{pointer}/{_escape(key)}"
        if key == "properties" and isinstance(value, dict):
            inherited = _declared_by_target(version, uri, node)
            for name, declared in value.items():
                if name not in inherited:  # a boolean schema (`true`) has no titles either
                    schema = declared if isinstance(declared, dict) else {}
                    yield f"{where}/{_escape(name)}", name, schema
        yield from _properties(version, uri, value, where)


def _declared_by_target(version: StandardVersion, uri: str, node: dict[str, Any]) -> set[str]:
    """The properties the `$ref` beside a node's `properties` declares (none without one)."""
    if not isinstance(node.get("$ref"), str):
        return set()
    try:
        _, target = version.resolve(uri, node["$ref"])
    except (KeyError, IndexError, TypeError):
        return set()
    declared = target.get("properties", {}) if isinstance(target, dict) else {}
    return set(declared) if isinstance(declared, dict) else set()


def _code_gaps(file: str, document: dict[str, Any]) -> Iterator[Gap]:
    """Every code of a code list (a document under `codelists/`, or one that titles its codes)
    has both titles."""
    if "x-ccstd-codes" not in document and "/codelists/" not in f"/{file}":
        return
    codes = document.get("x-ccstd-codes", {})
    if not isinstance(codes, dict):
        yield Gap(file, "/x-ccstd-codes", "must be an object of code: titles")
        return
    for code in document.get("enum", ()):
        titles = codes.get(code) if isinstance(code, str) else None
        pointer = f"/x-ccstd-codes/{_escape(str(code))}"
        if not isinstance(titles, dict):
            yield Gap(file, pointer, f"code {code}: no titles")
        else:
            yield from _missing(file, pointer, titles, TITLES, f"code {code}")


def _sensitivity_gaps(version: StandardVersion, entity: str) -> Iterator[Gap]:
    catalogue = {f.path: f for f in entity_fields(version, entity)}
    for field in catalogue.values():
        if field.sensitivity is None and personal(field, catalogue):
            uri = version.entity_ids[entity]
            file, pointer = _locate(version, uri, version.documents[uri], "", field.path)
            yield Gap(
                file, pointer, f"personal field {entity}.{field.dotted}: no x-ccstd-sensitivity"
            )


def _locate(
    version: StandardVersion, uri: str, node: Any, pointer: str, path: tuple[str, ...]
) -> tuple[str, str]:
    """The file and pointer where the field at `path` is declared (best effort: the entity
    file and the pointer the path spells when the declaration cannot be followed)."""
    if not path:
        return _file(version, uri), pointer
    found = _step(version, uri, node, pointer, path[0])
    if found is None:
        spelled = "".join(
            "/items" if part == ANY_ITEM else f"/properties/{_escape(part)}" for part in path
        )
        return _file(version, uri), pointer + spelled
    next_uri, child, child_pointer = found
    return _locate(version, next_uri, child, child_pointer, path[1:])


def _step(
    version: StandardVersion, uri: str, node: Any, pointer: str, part: str
) -> tuple[str, Any, str] | None:
    if not isinstance(node, dict):
        return None
    if part == ANY_ITEM and isinstance(node.get("items"), dict):
        return uri, node["items"], f"{pointer}/items"
    declared = node.get("properties", {})
    if isinstance(declared, dict) and part in declared and "$ref" not in node:
        return uri, declared[part], f"{pointer}/properties/{_escape(part)}"
    for key in _COMBINATORS:
        for index, branch in enumerate(node.get(key, ())):
            found = _step(version, uri, branch, f"{pointer}/{key}/{index}", part)
            if found is not None:
                return found
    if isinstance(node.get("$ref"), str):
        target_uri, fragment = urldefrag(urljoin(uri, node["$ref"]))
        if target_uri in version.documents:
            _, target = version.resolve(uri, node["$ref"])
            return _step(version, target_uri, target, fragment, part)
    return None


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")
