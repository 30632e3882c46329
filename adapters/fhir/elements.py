"""The names FHIR R4 gives its elements and resource types, to tell a source's keys apart: a key
that is not one (vendor junk such as {"张三": …}) can be a person's name, so the ledger and
messages show it as a placeholder with a short digest, never raw.

`elements.json` is generated from fhir.resources' R4B models:
`python -m ccstd.adapters.fhir.elements` writes it again (a test checks it is current)."""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import pkgutil
import re
from collections.abc import Callable
from pathlib import Path

ELEMENTS_FILE = Path(__file__).with_name("elements.json")
_URL = re.compile(r"(?:https?|urn|ftp):[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]{1,400}")
_EXTENSIONS = ("extension", "modifierExtension")
# a key of a record, the standard's (`=Resident`, `org.hl7.fhir.us-core`), or an index (`*`)
_RECORD_KEY = re.compile(r"=?[A-Za-z][A-Za-z0-9_.-]{0,63}|\*")


@functools.cache
def vocabulary() -> tuple[frozenset[str], frozenset[str]]:
    """(element names, resource type names) of FHIR R4 (R4B models)."""
    data = json.loads(ELEMENTS_FILE.read_text(encoding="utf-8"))
    return frozenset(data["elements"]), frozenset(data["resourceTypes"])


def is_resource_type(name: str) -> bool:
    """Whether `name` is a FHIR R4 resource type."""
    return name in vocabulary()[1]


def placeholder(key: str) -> str:
    """How a key that is not a FHIR name is shown: `<key:` and 8 hex digits of its SHA-256`>`."""
    return f"<key:{hashlib.sha256(key.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}>"


def shown_kind(kind: str) -> str:
    """A resource type as written, or its placeholder when it is not one."""
    return kind if is_resource_type(kind) or kind == "?" else placeholder(kind)


def shown_path(path: str, hides: Callable[[str], bool] = lambda url: False) -> str:
    """A ledger path (`Patient.name.family`, `Patient.extension[url]`) with each part that is not
    a FHIR name, and an extension url that is not a plain URL or that `hides` (it holds an
    identifier), replaced by its placeholder."""
    kind, _, record_path = path.partition(".")
    if record_path.startswith("="):  # a field of the record (`=Resident/extensions/…`)
        keys = record_path.split("/")
        shown_keys = [k if _RECORD_KEY.fullmatch(k) else placeholder(k) for k in keys]
        return f"{shown_kind(kind)}.{'/'.join(shown_keys)}"
    elements = vocabulary()[0]
    head, bracket, rest = path.partition("[")
    parts = head.split(".")
    url = None
    if bracket and parts[-1] in _EXTENSIONS and rest.endswith("]") and "." not in rest[-1:]:
        url = rest[:-1]
    elif bracket:
        parts = path.split(".")
    shown = [shown_kind(parts[0])] + [
        p if p.lstrip("_") in elements else placeholder(p) for p in parts[1:]
    ]
    joined = ".".join(shown)
    if url is None:
        return joined
    plain = url == "?" or (_URL.fullmatch(url) is not None and not hides(url))
    return f"{joined}[{url if plain else placeholder(url)}]"


def element_path(loc: tuple[object, ...]) -> str:
    """A validation error's location as a path with indexes (`component[0].valueDateTime`), each
    key that is not a FHIR element name shown as its placeholder."""
    elements = vocabulary()[0]
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
            continue
        name = str(part)
        name = name if name.lstrip("_") in elements else placeholder(name)
        path += f".{name}" if path else name
    return path


def _generate() -> dict[str, list[str]]:
    """Every element name (without the `_` of a primitive's extension) and resource type of the
    R4B models of fhir.resources."""
    from fhir.resources import R4B as models  # noqa: N811 (only here: the generator)

    elements, types = {"resourceType"}, set()
    for module in pkgutil.iter_modules(models.__path__):
        loaded = importlib.import_module(f"{models.__name__}.{module.name}")
        for value in vars(loaded).values():
            fields = getattr(value, "model_fields", None)
            if not isinstance(value, type) or value.__module__ != loaded.__name__ or not fields:
                continue
            elements.update((info.alias or name).lstrip("_") for name, info in fields.items())
            if getattr(value, "has_resource_base", lambda: False)():
                types.add(str(getattr(value, "get_resource_type")()))  # noqa: B009
    return {"elements": sorted(elements), "resourceTypes": sorted(types)}


if __name__ == "__main__":
    ELEMENTS_FILE.write_text(json.dumps(_generate(), indent=0) + "\n", encoding="utf-8")
