"""The field coverage ledger: every source field is mapped, dropped on purpose, or unknown.

A field counts as mapped only where its value reached a record: what a mapping leaves out of one
item (a postal code that does not fit, the second coding of a concept) is dropped for that item,
with the mapping's reason, even where the field is declared mapped."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
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
    reasons: dict[str, Counter[str]] = field(default_factory=dict)  # per item drops, by path
    _classes: dict[tuple[str, str], tuple[Counter[str], str]] = field(
        default_factory=dict, repr=False
    )

    def skip(self, kind: str, reason: str) -> None:
        """Count an item left out as a whole (e.g. a resource type outside the standard)."""
        self.skipped[f"{kind}: {reason}"] += 1

    def observe(self, kind: str, item: Any, dropped: Sequence[tuple[str, str]] = ()) -> None:
        """Classify every field path of one source item of `kind`; `dropped` holds the (path,
        reason) of the item's values its mapping left out (see `Converted.dropped`)."""
        if not dropped or not isinstance(item, dict):
            for path in field_paths(item):
                counter, qualified = self._classify(kind, path)
                counter[qualified] += 1
            return
        drops = [(_steps(path), reason) for path, reason in dropped]
        heads = {steps[0] for steps, _ in drops}
        classified: dict[str, Counter[str]] = {}
        left_out: dict[str, set[str]] = {}
        untouched = {k: v for k, v in item.items() if k not in heads}  # the fast walk there
        for path in field_paths(untouched):
            counter, qualified = self._classify(kind, path)
            classified[qualified] = counter
        for key in heads & item.keys():
            for path, concrete in _concrete_paths({key: item[key]}, "", ()):
                reason = next(
                    (why for steps, why in drops if concrete[: len(steps)] == steps), None
                )
                if reason is None:
                    counter, qualified = self._classify(kind, path)
                    classified[qualified] = counter
                else:
                    left_out.setdefault(f"{kind}.{path}", set()).add(reason)
        for qualified, counter in classified.items():
            if not (counter is self.dropped and qualified in left_out):
                counter[qualified] += 1
        for qualified, reasons in left_out.items():
            self.dropped[qualified] += 1
            self.reasons.setdefault(qualified, Counter()).update(reasons)

    def _classify(self, kind: str, path: str) -> tuple[Counter[str], str]:
        known = self._classes.get((kind, path))
        if known is None:
            declared = self.coverage.get(kind, Coverage())
            mapped, dropped = _depth(path, declared.mapped), _depth(path, declared.dropped.keys())
            if mapped == dropped == 0:
                counter = self.unknown
            else:  # the most specific declaration wins: `a.b` dropped within `a` mapped
                counter = self.mapped if mapped > dropped else self.dropped
            known = self._classes[(kind, path)] = (counter, f"{kind}.{path}")
        return known

    def merge(self, other: Ledger) -> None:
        """Add the counts of a ledger filled elsewhere (a worker process)."""
        self.mapped.update(other.mapped)
        self.dropped.update(other.dropped)
        self.unknown.update(other.unknown)
        self.skipped.update(other.skipped)
        for path, reasons in other.reasons.items():
            self.reasons.setdefault(path, Counter()).update(reasons)

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
                p: {"count": n, "reason": self._why(p, reasons)}
                for p, n in sorted(self.dropped.items())
            },
            "unknown": dict(sorted(self.unknown.items())),
            "skipped": dict(sorted(self.skipped.items())),
        }

    def _why(self, path: str, declared: Mapping[str, str]) -> str:
        """The declared reason and those the mapping gave for single items, most frequent first."""
        found = [why for why, _ in self.reasons.get(path, Counter()).most_common()]
        return "; ".join(dict.fromkeys([r for r in (_reason(path, declared), *found) if r]))


def _steps(path: str) -> tuple[str | int, ...]:
    """`telecom[1].value` as ("telecom", 1, "value")."""
    steps: list[str | int] = []
    for part in path.split("."):
        name, *indexes = part.split("[")
        steps.append(name)
        steps += [int(i.rstrip("]")) for i in indexes]
    return tuple(steps)


def _concrete_paths(
    node: Any, prefix: str, concrete: tuple[str | int, ...]
) -> Iterator[tuple[str, tuple[str | int, ...]]]:
    """(leaf path as `field_paths` names it, the same path with array indexes) of a JSON value."""
    if isinstance(node, dict):
        for key, child in node.items():
            if key in ("extension", "modifierExtension") and isinstance(child, list):
                for index, ext in enumerate(child):
                    yield f"{prefix}{key}[{_url(ext)}]", (*concrete, key, index)
            else:
                yield from _concrete_paths(child, f"{prefix}{key}.", (*concrete, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _concrete_paths(child, prefix, (*concrete, index))
    elif prefix:
        yield prefix.rstrip("."), concrete


def _depth(path: str, declared: Any) -> int:
    """How many parts of `path` the longest declared path covering it has (0: none)."""
    parts = path.split(".")
    return next((n for n in range(len(parts), 0, -1) if ".".join(parts[:n]) in declared), 0)


def _reason(path: str, reasons: Mapping[str, str]) -> str:
    parts = path.split(".")
    for n in range(len(parts), 1, -1):
        if ".".join(parts[:n]) in reasons:
            return reasons[".".join(parts[:n])]
    return ""


def field_paths(node: Any, prefix: str = "") -> set[str]:
    """Leaf paths of a JSON value, array indexes folded; an `extension` is named by its url."""
    found: set[str] = set()
    stack = [(node, prefix)]
    while stack:
        value, at = stack.pop()
        if isinstance(value, dict):
            for key, child in value.items():
                if key in _EXTENSIONS and isinstance(child, list):
                    found.update(f"{at}{key}[{_url(ext)}]" for ext in child)
                elif isinstance(child, dict | list):
                    stack.append((child, f"{at}{key}."))
                else:
                    found.add(f"{at}{key}".rstrip("."))
        elif isinstance(value, list):
            stack.extend((child, at) for child in value if isinstance(child, dict | list))
            if any(not isinstance(child, dict | list) for child in value) and at:
                found.add(at.rstrip("."))
        elif at:
            found.add(at.rstrip("."))
    return found


_EXTENSIONS = ("extension", "modifierExtension")


def _url(ext: Any) -> Any:
    return ext.get("url", "?") if isinstance(ext, dict) else "?"
