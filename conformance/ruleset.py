"""The versioned rule set of a standard version: profiles, lifecycles, time orders, thresholds."""

from __future__ import annotations

import functools
import hashlib
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ccstd.conformance import rules as _conformance_rules  # noqa: F401 (declares the rules)
from ccstd.standard.fields import ANY_ITEM, entity_fields
from ccstd.standard.registry import StandardVersion
from ccstd.standard.rules import RULES

FOLDER = Path(__file__).parent / "rulesets"


class UnknownRuleSetError(LookupError):
    """No rule set ships for that standard version."""


@dataclass(frozen=True)
class Profile:
    """A service profile: the entities it covers and the optional fields it expects filled."""

    name: str
    title: str
    entities: tuple[str, ...]
    expected: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class Lifecycle:
    """The status history of an entity and the transitions it may take."""

    entity: str
    history: str
    transitions: Mapping[str, frozenset[str]]


@dataclass(frozen=True)
class OrderedTimes:
    """Two time fields of an entity, the first never later than the second."""

    entity: str
    earlier: tuple[str, ...]
    later: tuple[str, ...]


@dataclass(frozen=True)
class RuleSet:
    """Everything version-specific that certification applies, and its digest."""

    standard: str
    revision: int
    profiles: Mapping[str, Profile]
    lifecycles: Mapping[str, Lifecycle]
    ordered_times: tuple[OrderedTimes, ...]
    expected_field_coverage: float
    max_unknown_field_share: float
    digest: str

    def entities(self, profiles: Iterable[str] | None = None) -> frozenset[str]:
        """The entities the given profiles cover (every profile's when None)."""
        chosen = self.profiles if profiles is None else profiles
        return frozenset(e for name in chosen for e in self.profiles[name].entities)


def alternatives(entry: str) -> tuple[tuple[str, ...], ...]:
    """The field paths of an expected entry: `period/start`, or alternatives `a|b` (either
    form of one fact, such as `birthDate|birthDatePartial`)."""
    return tuple(tuple(part.split("/")) for part in entry.split("|"))


def available(folder: Path = FOLDER) -> list[str]:
    """Standard versions that have a rule set."""
    return sorted(
        (p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")),
        key=_order,
    )


def _order(version: str) -> tuple[int, ...]:
    parts = version.split(".")
    return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else (1 << 30,)


@functools.cache
def load(version: str, folder: Path = FOLDER) -> RuleSet:
    """The rule set for a standard version; UnknownRuleSetError when none ships."""
    source = folder / f"{version}.toml"
    if not source.is_file():
        known = ", ".join(available(folder))
        raise UnknownRuleSetError(
            f"no conformance rule set for standard {version} (have: {known}); "
            f"`ccstd release {version}` derives it from the previous one"
        )
    data = source.read_bytes()
    return parse(data)


def parse(data: bytes) -> RuleSet:
    """A rule set from its TOML text (KeyError, ValueError when it is malformed)."""
    spec = tomllib.loads(data.decode("utf-8"))
    quality = spec["quality"]
    return RuleSet(
        standard=spec["standard"],
        revision=spec["revision"],
        profiles={
            name: Profile(
                name,
                p["title"],
                tuple(p["entities"]),
                {entity: tuple(fields) for entity, fields in p.get("expected", {}).items()},
            )
            for name, p in spec["profiles"].items()
        },
        lifecycles={
            entity: Lifecycle(
                entity,
                lc["history"],
                {status: frozenset(after) for status, after in lc["transitions"].items()},
            )
            for entity, lc in spec.get("lifecycles", {}).items()
        },
        ordered_times=tuple(
            OrderedTimes(o["entity"], tuple(o["earlier"].split("/")), tuple(o["later"].split("/")))
            for o in spec.get("ordered-times", [])
        ),
        expected_field_coverage=quality["expected-field-coverage"],
        max_unknown_field_share=quality["max-unknown-field-share"],
        digest=_digest(data),
    )


def _digest(ruleset_toml: bytes) -> str:
    """SHA-256 over the rule set data and every rule declaration (code, severity, level...)."""
    catalogue = [
        [r.code, r.severity.value, r.level.value, list(r.profiles), r.clause, r.template]
        for r in RULES.values()
    ]
    hasher = hashlib.sha256(ruleset_toml)
    hasher.update(orjson.dumps(catalogue))
    return "sha256:" + hasher.hexdigest()


# Deriving and checking the rule set of a new version -----------------------------------------

_STANDARD_LINE = re.compile(r'^standard = "[^"\n]*"$', re.MULTILINE)
_REVISION_LINE = re.compile(r"^revision = [0-9]+$", re.MULTILINE)


def derive(previous_text: str, previous: str, version: str) -> str:
    """The rule set of `version`: the previous version's, comments kept, naming `version`, at
    revision 1."""
    if not _STANDARD_LINE.search(previous_text) or not _REVISION_LINE.search(previous_text):
        raise ValueError(f"the rule set of {previous} has no `standard =` or `revision =` line")
    text = _STANDARD_LINE.sub(f'standard = "{version}"', previous_text, count=1)
    text = _REVISION_LINE.sub("revision = 1", text, count=1)
    return text.replace(f"for standard {previous}:", f"for standard {version}:", 1)


def problems(text: str, version: str, standard: StandardVersion) -> list[str]:
    """What a rule set names that `standard` (to be released as `version`) lacks: entities,
    field paths, status codes; profiles that finding codes apply to and the rule set lacks; a
    rule set that does not parse or names another version."""
    try:
        ruleset = parse(text.encode("utf-8"))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return [f"the rule set does not parse: {type(exc).__name__}: {exc}"]
    found = [] if ruleset.standard == version else [f"names standard {ruleset.standard}"]
    entities = set(standard.entities)
    for name, profile in ruleset.profiles.items():
        found += [f"profile {name}: entity {e} does not exist" for e in profile.entities
                  if e not in entities]  # fmt: skip
        for entity, names in profile.expected.items():
            found += [f"profile {name}: expected {entity}.{'/'.join(path)}: {p}"
                      for f in names for path in alternatives(f)
                      for p in _field_problems(standard, entity, path)]  # fmt: skip
    for entity, lifecycle in ruleset.lifecycles.items():
        found += [f"lifecycle {entity}: {p}" for p in _lifecycle_problems(standard, lifecycle)]
    for order in ruleset.ordered_times:
        for path in (order.earlier, order.later):
            found += [f"ordered times {order.entity}.{'/'.join(path)}: {p}"
                      for p in _field_problems(standard, order.entity, path)]  # fmt: skip
    for rule in RULES.values():  # a finding code that applies to profiles the set no longer has
        found += [f"finding code {rule.code} applies to profile {p}, which the rule set lacks"
                  for p in rule.profiles if p not in ruleset.profiles]  # fmt: skip
    return found


def _field_problems(standard: StandardVersion, entity: str, path: tuple[str, ...]) -> list[str]:
    if entity not in standard.entity_ids:
        return [f"entity {entity} does not exist"]
    if path not in {f.path for f in entity_fields(standard, entity)}:
        return ["no such field"]
    return []


def _lifecycle_problems(standard: StandardVersion, lifecycle: Lifecycle) -> Iterator[str]:
    history = (lifecycle.history,)
    missing = _field_problems(standard, lifecycle.entity, history)
    if missing:
        yield f"history {lifecycle.history}: {missing[0]}"
        return
    fields = {f.path: f for f in entity_fields(standard, lifecycle.entity)}
    status = fields.get((*history, ANY_ITEM, "status"))
    if status is None or status.code_list is None:
        yield f"history {lifecycle.history}: its items have no coded status"
        return
    codes = set(_codes(standard.code_lists().get(status.code_list, {})))
    named = set(lifecycle.transitions) | {
        s for after in lifecycle.transitions.values() for s in after
    }
    yield from (f"status {code} is not in code list {status.code_list}"
                for code in sorted(named - codes))  # fmt: skip


def _codes(code_list: dict[str, Any]) -> list[str]:
    return [c for c in code_list.get("enum", ()) if isinstance(c, str)]
