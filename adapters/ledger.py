"""The field coverage ledger: every source field is mapped, dropped on purpose, or unknown."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Coverage:
    """What a mapping declares for one kind of source item (a FHIR resource type, a dialect)."""

    mapped: frozenset[str] = frozenset()
    dropped: Mapping[str, str] = field(default_factory=dict)  # path -> why it is not mapped


@dataclass
class Ledger:
    """Counts every field path seen in source items, classified by the declared coverage."""

    coverage: Mapping[str, Coverage]
    mapped: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)
    unknown: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    _classes: dict[tuple[str, str], tuple[Counter[str], str]] = field(
        default_factory=dict, repr=False
    )

    def skip(self, kind: str, reason: str) -> None:
        """Count an item left out as a whole (e.g. a resource type outside the standard)."""
        self.skipped[f"{kind}: {reason}"] += 1

    def observe(self, kind: str, item: Any) -> None:
        """Classify every field path of one source item of `kind`."""
        for path in set(field_paths(item)):
            counter, qualified = self._classify(kind, path)
            counter[qualified] += 1

    def _classify(self, kind: str, path: str) -> tuple[Counter[str], str]:
        known = self._classes.get((kind, path))
        if known is None:
            declared = self.coverage.get(kind, Coverage())
            if _covered(path, declared.mapped):
                counter = self.mapped
            elif _covered(path, declared.dropped.keys()):
                counter = self.dropped
            else:
                counter = self.unknown
            known = self._classes[(kind, path)] = (counter, f"{kind}.{path}")
        return known

    def merge(self, other: Ledger) -> None:
        """Add the counts of a ledger filled elsewhere (a worker process)."""
        self.mapped.update(other.mapped)
        self.dropped.update(other.dropped)
        self.unknown.update(other.unknown)
        self.skipped.update(other.skipped)

    def report(self) -> dict[str, Any]:
        """The ledger as JSON: counts per path, and the reason for every dropped one."""
        reasons = {
            f"{kind}.{path}": why
            for kind, declared in self.coverage.items()
            for path, why in declared.dropped.items()
        }
        return {
            "mapped": dict(sorted(self.mapped.items())),
            "dropped": {
                p: {"count": n, "reason": _reason(p, reasons)}
                for p, n in sorted(self.dropped.items())
            },
            "unknown": dict(sorted(self.unknown.items())),
            "skipped": dict(sorted(self.skipped.items())),
        }


def _covered(path: str, declared: Any) -> bool:
    """True if `path` or one of its ancestors is declared."""
    parts = path.split(".")
    return any(".".join(parts[:n]) in declared for n in range(len(parts), 0, -1))


def _reason(path: str, reasons: Mapping[str, str]) -> str:
    parts = path.split(".")
    for n in range(len(parts), 1, -1):
        if ".".join(parts[:n]) in reasons:
            return reasons[".".join(parts[:n])]
    return ""


def field_paths(node: Any, prefix: str = "") -> Iterator[str]:
    """Leaf paths of a JSON value, array indexes folded; an `extension` is named by its url."""
    if isinstance(node, dict):
        for key, child in node.items():
            if key in ("extension", "modifierExtension") and isinstance(child, list):
                for ext in child:
                    url = ext.get("url", "?") if isinstance(ext, dict) else "?"
                    yield f"{prefix}{key}[{url}]"
            else:
                yield from field_paths(child, f"{prefix}{key}.")
    elif isinstance(node, list):
        for child in node:
            yield from field_paths(child, prefix)
    elif prefix:
        yield prefix.rstrip(".")
