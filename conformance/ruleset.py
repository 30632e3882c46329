"""The versioned rule set of a standard version: profiles, lifecycles, time orders, thresholds."""

from __future__ import annotations

import functools
import hashlib
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources

import orjson

from ccstd.conformance import rules as _conformance_rules  # noqa: F401 (declares the rules)
from ccstd.standard.rules import RULES


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


def available() -> list[str]:
    """Standard versions that have a rule set."""
    folder = resources.files("ccstd.conformance") / "rulesets"
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


@functools.cache
def load(version: str) -> RuleSet:
    """The rule set for a standard version; UnknownRuleSetError when none ships."""
    source = resources.files("ccstd.conformance") / "rulesets" / f"{version}.toml"
    if not source.is_file():
        known = ", ".join(available())
        raise UnknownRuleSetError(f"no conformance rule set for standard {version} (have: {known})")
    data = source.read_bytes()
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
