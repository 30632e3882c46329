"""python-jsonschema as the reference engine: same schemas, same registry, same formats."""

from __future__ import annotations

from collections.abc import Callable

import jsonschema

from ccstd.standard.formats import FORMATS, FormatCheck
from ccstd.standard.registry import StandardVersion


def _strings_only(check: FormatCheck) -> Callable[[object], bool]:
    """Formats constrain strings only (JSON Schema §7.1); other types pass, as in jsonschema-rs."""

    def checked(instance: object) -> bool:
        return not isinstance(instance, str) or check(instance)

    return checked


def reference_validators(standard: StandardVersion) -> dict[str, jsonschema.Draft202012Validator]:
    """A python-jsonschema validator per entity, resolving `$ref`s offline like the fast engine."""
    checker = jsonschema.FormatChecker(formats=())
    for name, check in FORMATS.items():
        checker.checks(name)(_strings_only(check))
    registry = standard.referencing_registry()
    return {
        entity: jsonschema.Draft202012Validator(
            standard.entity_schema(entity), registry=registry, format_checker=checker
        )
        for entity in standard.entities
    }
