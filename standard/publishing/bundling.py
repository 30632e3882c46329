"""Schemas rewritten for tools that do not follow the standard's references well.

Three shapes, all equivalent to the originals under draft 2020-12:

- `bundle_entity`: the release artifact. One document per entity; each document it references
  (`common.json`, a code list) is copied once under `$defs`, without its `$id` or `$schema`, and
  every `$ref` (those inside the copies too) points into the bundle. Every tool reads it offline.
  A `$ref` beside assertions or applicators becomes a one-branch `allOf`: tools built on
  json-schema-ref-parser (json-schema-to-typescript) merge a `$ref`'s siblings over its target,
  so a typed reference's `properties` would replace those of `Reference`.
- `inline_entity`: every `$ref` replaced by its target, for analyses that walk fields
  (docs, diff). Shared definitions are repeated wherever they are used.
- `definitions_document`: every definition of a version under local `$defs` names, the input of
  model generation.

In the last two, a `$ref` beside other keywords becomes a one-branch `allOf` beside them: the
same in-place application, in a form every tool reads.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urldefrag, urljoin

from ccstd.standard.registry import Schema, StandardVersion

_ANNOTATIONS_KEPT_ON_REF = ("title", "description")


def _split_ref(node: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    siblings = {k: v for k, v in node.items() if k != "$ref"}
    return node["$ref"], siblings


def bundle_entity(version: StandardVersion, entity: str) -> Schema:
    """An entity schema with each document it references embedded once under `$defs`.

    The keys are the documents' paths in the version without `.json`, `/` read as `.`
    (`common`, `codelists.gender`); the result does not depend on the order of discovery.
    """
    schema = version.entity_schema(entity)
    bundler = _Bundler(version, schema["$id"])
    body = bundler.rewrite({k: v for k, v in schema.items() if k not in ("$defs",)}, schema["$id"])
    own = {name: bundler.rewrite(d, schema["$id"]) for name, d in schema.get("$defs", {}).items()}
    embedded = bundler.embed_all()
    clash = sorted(set(own) & set(embedded))
    if clash:
        raise ValueError(f"{entity}: $defs names {clash} clash with bundled documents")
    defs = {**own, **embedded}
    return {**body, "$defs": dict(sorted(defs.items()))} if defs else body


_KEY = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")
_VALUES = frozenset({"const", "enum", "default", "examples"})  # data, not schemas
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "dependentSchemas"})


class _Bundler:
    """Rewrites `$ref`s into a bundle rooted at `root` and collects the documents they name."""

    def __init__(self, version: StandardVersion, root: str) -> None:
        self.version = version
        self.root = root
        self.base = urljoin(root, ".")
        self.pending: list[str] = []
        self.embedded: dict[str, Any] = {}
        self.keys: dict[str, str] = {}

    def key(self, uri: str) -> str:
        if not uri.startswith(self.base) or not uri.endswith(".json"):
            raise ValueError(f"{uri} is outside the version of {self.root}")
        key = uri[len(self.base) :].removesuffix(".json").replace("/", ".")
        if not _KEY.fullmatch(key):  # a key is used in JSON Pointers and URIs unescaped
            raise ValueError(f"{uri}: a bundled file name has letters, digits, '-' and '_' only")
        if self.keys.setdefault(key, uri) != uri:
            raise ValueError(f"{uri} and {self.keys[key]} would both be bundled as {key}")
        return key

    def target(self, base: str, ref: str) -> str:
        uri, fragment = urldefrag(urljoin(base, ref))
        if fragment and not fragment.startswith("/"):
            raise ValueError(f"{ref} in {base}: only JSON Pointer fragments can be bundled")
        if uri == self.root:
            return f"#{fragment}"
        if uri not in self.version.documents:
            raise ValueError(f"{ref} in {base} names no document of the version")
        key = self.key(uri)
        if key not in self.embedded and uri not in self.pending:
            self.pending.append(uri)
        return f"#/$defs/{key}{fragment}"

    def rewrite(self, node: Any, base: str) -> Any:
        """A schema with its `$ref`s rewritten (never inside values: `const`, `enum` …)."""
        if isinstance(node, list):
            return [self.rewrite(item, base) for item in node]
        if not isinstance(node, dict):
            return node
        out = {k: self._member(k, v, base) for k, v in node.items()}
        if not isinstance(node.get("$ref"), str):
            return out
        ref = {"$ref": self.target(base, node["$ref"])}
        if all(_is_annotation(k) for k in out if k != "$ref"):
            return {**out, **ref}
        applied = [ref, *out.get("allOf", [])]
        order = ["allOf" if k == "$ref" else k for k in out if k != "allOf"]
        return {k: applied if k == "allOf" else out[k] for k in order}

    def _member(self, keyword: str, value: Any, base: str) -> Any:
        if keyword in _VALUES or keyword.startswith("x-ccstd-"):
            return value
        if keyword in _SCHEMA_MAPS and isinstance(value, dict):
            return {name: self.rewrite(schema, base) for name, schema in value.items()}
        return self.rewrite(value, base)

    def embed_all(self) -> dict[str, Any]:
        while self.pending:
            uri = self.pending.pop(0)
            document = self.version.documents[uri]
            body = {k: v for k, v in document.items() if k not in ("$id", "$schema")}
            self.embedded[self.key(uri)] = self.rewrite(body, uri)
        return self.embedded


_ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "deprecated",
        "default",
        "examples",
        "$comment",
        "readOnly",
        "writeOnly",
    }
)


def _is_annotation(keyword: str) -> bool:
    return keyword in _ANNOTATIONS or keyword.startswith("x-ccstd-")


def inline_entity(version: StandardVersion, entity: str) -> Schema:
    """An entity schema with every `$ref` replaced by what it points to (self-contained)."""
    schema = version.entity_schema(entity)
    body = {k: v for k, v in schema.items() if k not in ("$id", "$schema")}
    inlined = _inline(version, body, schema["$id"], ())
    return {"$schema": schema["$schema"], "$id": schema["$id"], **inlined}


def _inline(version: StandardVersion, node: Any, base: str, seen: tuple[str, ...]) -> Any:
    if isinstance(node, list):
        return [_inline(version, item, base, seen) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node and isinstance(node["$ref"], str):
        ref, siblings = _split_ref(node)
        target_uri, target = version.resolve(base, ref)
        key = urljoin(base, ref)
        if key in seen:
            raise ValueError(f"recursive reference {key} cannot be inlined")
        resolved = _inline(version, target, target_uri, (*seen, key))
        rest = {k: _inline(version, v, base, seen) for k, v in siblings.items()}
        if not rest:
            return resolved
        # The node's own allOf joins the referenced schema's branch instead of replacing it.
        return {**rest, "allOf": [resolved, *rest.get("allOf", [])]}
    return {k: _inline(version, v, base, seen) for k, v in node.items()}


def definition_name(uri: str) -> str:
    """A class-like name for a referenced definition: `Address`, `Gender`, `Resident`."""
    document, fragment = urldefrag(uri)
    if fragment:
        return fragment.rsplit("/", 1)[-1]
    stem = document.rsplit("/", 1)[-1].removesuffix(".json")
    return "".join(part.capitalize() for part in re.split(r"[-_]", stem))


def definitions_document(version: StandardVersion) -> Schema:
    """Every entity, shared definition and code list of a version under local `$defs`.

    A typed reference (`Reference` whose `type` is fixed to one entity) gets its own definition,
    `<Entity>Reference`, so generated code names it after what it points to.
    """
    localiser = _Localiser({uri: entity for entity, uri in version.entity_ids.items()})
    for uri, document in sorted(version.documents.items()):
        body = {k: v for k, v in document.items() if k not in ("$id", "$schema", "$defs")}
        if uri in localiser.entities:
            localiser.defs[localiser.entities[uri]] = localiser(body, uri)
        elif "/codelists/" in uri:
            localiser.defs[definition_name(uri)] = localiser(body, uri)
        for name, definition in document.get("$defs", {}).items():
            localiser.defs[name] = localiser(definition, uri)
    defs = localiser.defs
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"Community Common Standard {version.version}",
        "$defs": dict(sorted(defs.items())),
    }


class _Localiser:
    def __init__(self, entities: dict[str, str]) -> None:
        self.entities = entities
        self.defs: dict[str, Any] = {}

    def __call__(self, node: Any, base: str) -> Any:
        if isinstance(node, list):
            return [self(item, base) for item in node]
        if not isinstance(node, dict):
            return node
        if not isinstance(node.get("$ref"), str):
            return {k: self(v, base) for k, v in node.items()}
        ref, siblings = _split_ref(node)
        target = urljoin(base, ref)
        name = self.entities.get(target) or definition_name(target)
        rest = {k: self(v, base) for k, v in siblings.items()}
        pointed = rest.get("properties", {}).get("type", {}).get("const")
        if name == "Reference" and isinstance(pointed, str):
            name = f"{pointed}Reference"
            self.defs[name] = _with_base("#/$defs/Reference", rest)
            rest = {k: v for k, v in rest.items() if k in _ANNOTATIONS_KEPT_ON_REF}
        local = {"$ref": f"#/$defs/{name}"}
        if set(rest) <= set(_ANNOTATIONS_KEPT_ON_REF):
            return {**local, **rest}
        return _with_base(local["$ref"], rest)


def _with_base(ref: str, rest: dict[str, Any]) -> dict[str, Any]:
    """`rest` extending the definition at `ref`, keeping any `allOf` constraints of its own."""
    return {**rest, "allOf": [{"$ref": ref}, *rest.get("allOf", [])]}
