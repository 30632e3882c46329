"""The field coverage ledger: every source field is mapped, dropped on purpose, or unknown.

A field counts as mapped only where its value reached a record: what a mapping leaves out of one
item (a postal code that does not fit, the second coding of a concept) is dropped for that item,
with the mapping's reason, even where the field is declared mapped."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ccstd.standard.redaction import redact

MAX_MESSAGES = 100  # distinct messages kept per kind of skipped item
_MAX_SHAPES = 4096  # item shapes (and drops) whose counts are remembered
_MAX_SHAPE_PARTS = 512  # keys and items of an item remembered by its shape (bounds its depth too)
# what one item adds to a ledger: (counter, path) to increment, (path, reasons) to add
_Counts = tuple[list[tuple[Counter[str], str]], list[tuple[str, tuple[str, ...]]]]


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
    messages: dict[str, dict[str, None]] = field(default_factory=dict)  # per skip key, in order
    notes: dict[str, Counter[str]] = field(default_factory=dict)  # by path: note -> count
    rejected: dict[str, Counter[str]] = field(default_factory=dict)  # paths of rejected items
    _classes: dict[str, dict[str, tuple[Counter[str], str]]] = field(
        default_factory=dict, repr=False
    )
    _shapes: dict[Any, _Counts] = field(default_factory=dict, repr=False)  # see `observe`
    # how the report shows a path (`Adapter.ledger_path`: a key that may be a name, hidden)
    shown: Callable[[str], str] = field(default=str, repr=False, compare=False)

    def skip(self, kind: str, reason: str, message: str = "") -> None:
        """Count an item left out as a whole (e.g. a resource type outside the standard); its
        message is kept (the first `MAX_MESSAGES` distinct ones per kind and reason), so that
        e.g. a duplicate's two locations are in the ledger."""
        key = f"{kind}: {reason}"
        self.skipped[key] += 1
        if message:
            self.skip_message(key, message)

    def note(self, kind: str, path: str, note: str) -> None:
        """Count a value carried in a way worth telling (e.g. `issued` as the effective time)."""
        self.notes.setdefault(f"{kind}.{path}", Counter())[note] += 1

    def observe(self, kind: str, item: Any, dropped: Sequence[tuple[str, str]] = ()) -> None:
        """Classify every field path of one source item of `kind`; `dropped` holds the (path,
        reason) of the item's values its mapping left out (see `Converted.dropped`); a path that
        starts with `=` names a value the mapping supplied itself (an assumed time zone), counted
        as dropped with its reason where the standard has no place for it.

        What an item adds depends only on its shape (the keys and containers of its value, and
        the urls of its extensions) and its drops: the walk is made once per shape and drops,
        and the counts it gives are added for each item of that shape (exact, not a sample)."""
        try:
            shape = _AHEAD.pop(id(item), None)  # read ahead with the item (`shape_ahead`)
            if shape is None or shape[0] is not item:
                shape = (item, _shape(item, [_MAX_SHAPE_PARTS]))
            key = (kind, shape[1], tuple(dropped))
            counts = self._shapes.get(key)
        except (_LargeShapeError, TypeError):  # large or deep, or odd drops: walked each time
            key, counts = None, None
        if counts is None:
            counts = self._walk(kind, item, dropped)
            if key is not None:
                if len(self._shapes) >= _MAX_SHAPES:
                    self._shapes.clear()
                self._shapes[key] = counts
        increments, reasons = counts
        for counter, qualified in increments:
            counter[qualified] += 1
        for qualified, whys in reasons:
            self.reasons.setdefault(qualified, Counter()).update(whys)

    def _walk(self, kind: str, item: Any, dropped: Sequence[tuple[str, str]]) -> _Counts:
        """What one item adds: the counters to increment (with the path), then the reasons to
        add to the dropped paths, in the order a walk of the item meets them."""
        increments: list[tuple[Counter[str], str]] = []
        reasons: list[tuple[str, tuple[str, ...]]] = []
        supplied = [(path, why) for path, why in dropped if path.startswith("=")]
        if supplied:
            dropped = [(path, why) for path, why in dropped if not path.startswith("=")]
            for path, why in supplied:
                increments.append((self.dropped, f"{kind}.{path}"))
                reasons.append((f"{kind}.{path}", (why,)))
        if not dropped or not isinstance(item, dict):
            known = self._classes.setdefault(kind, {})
            for path in field_paths(item):
                increments.append(known.get(path) or self._classify(kind, path))
            return increments, reasons
        left_out: dict[str, Counter[str]] = {}
        for path, reason in _outermost(dropped):
            if (extension := _extension_holding(item, path)) is not None:  # a part of its value
                left_out.setdefault(extension, Counter())[reason] += 0  # the rest is carried
                continue
            for leaf in _leaves_at(item, path):
                left_out.setdefault(leaf, Counter())[reason] += 1
        classify = self._classify
        for path in field_paths(item):
            reasons_here = left_out.get(path)
            if reasons_here is None:
                increments.append(classify(kind, path))
                continue
            if _count_at(item, path) > reasons_here.total():  # some of its values were carried
                counter, qualified = classify(kind, path)
                if counter is not self.dropped:
                    increments.append((counter, qualified))
            qualified = f"{kind}.{path}"
            increments.append((self.dropped, qualified))
            reasons.append((qualified, tuple(set(reasons_here))))
        return increments, reasons

    def observe_rejected(self, kind: str, item: Any) -> None:
        """Count the field paths of an item that was rejected, by what the mapping declares for
        them, so that a file whose every item is rejected still shows what to map."""
        for path in field_paths(item):
            counter, qualified = self._classify(kind, path)
            verdict = "mapped" if counter is self.mapped else "dropped"
            verdict = "unknown" if counter is self.unknown else verdict
            self.rejected.setdefault(verdict, Counter())[qualified] += 1

    def _classify(self, kind: str, path: str) -> tuple[Counter[str], str]:
        known = self._classes.setdefault(kind, {}).get(path)
        if known is None:
            declared = self.coverage.get(kind, Coverage())
            mapped, dropped = _depth(path, declared.mapped), _depth(path, declared.dropped.keys())
            if mapped == dropped == 0:
                counter = self.unknown
            else:  # the most specific declaration wins: `a.b` dropped within `a` mapped
                counter = self.mapped if mapped > dropped else self.dropped
            known = self._classes[kind][path] = (counter, f"{kind}.{path}")
        return known

    def merge(self, other: Ledger) -> None:
        """Add the counts of a ledger filled elsewhere (a worker process)."""
        self.mapped.update(other.mapped)
        self.dropped.update(other.dropped)
        self.unknown.update(other.unknown)
        self.skipped.update(other.skipped)
        for verdict, counts in other.rejected.items():
            self.rejected.setdefault(verdict, Counter()).update(counts)
        for path, reasons in other.reasons.items():
            self.reasons.setdefault(path, Counter()).update(reasons)
        for key, messages in other.messages.items():
            for message in messages:
                self.skip_message(key, message)
        for path, notes in other.notes.items():
            self.notes.setdefault(path, Counter()).update(notes)

    def skip_message(self, key: str, message: str) -> None:
        kept = self.messages.setdefault(key, {})
        if len(kept) < MAX_MESSAGES:
            kept[message] = None

    def report(self) -> dict[str, Any]:
        """The ledger as JSON: counts per path, and the reason for every dropped one. Paths are
        source keys, which may be ID or phone numbers: they are redacted (the ledger is meant to
        be shared), and paths redacted to the same text share one count."""
        reasons = {
            f"{kind}.{path}": why
            for kind, declared in self.coverage.items()
            for path, why in declared.dropped.items()
        }
        shown = self._shown
        dropped: dict[str, tuple[int, list[str]]] = {}
        for path, count in self.dropped.items():
            total, whys = dropped.get(shown(path), (0, []))
            dropped[shown(path)] = (total + count, [*whys, self._why(path, reasons)])
        return {
            "mapped": _redacted(self.mapped, shown),
            "dropped": {
                path: {"count": count, "reason": "; ".join(dict.fromkeys(filter(None, whys)))}
                for path, (count, whys) in sorted(dropped.items())
            },
            "unknown": _redacted(self.unknown, shown),
            "skipped": _redacted(self.skipped, self._shown_key),
            "skippedMessages": {
                self._shown_key(key): [redact(m) for m in messages]
                for key, messages in sorted(self.messages.items())
            },
            "notes": {
                shown(path): {"count": notes.total(), "note": "; ".join(sorted(notes))}
                for path, notes in sorted(self.notes.items())
            },
        } | ({"rejectedItems": self._rejected_report()} if self.rejected else {})

    def _shown(self, path: str) -> str:
        """A path as the report shows it: as the adapter shows it, ID and phone numbers redacted."""
        return redact(self.shown(path))

    def _shown_key(self, key: str) -> str:
        """A skip's `kind: reason` with the kind shown as a path is."""
        kind, separator, reason = key.partition(": ")
        return self._shown(kind) + separator + redact(reason)

    def _rejected_report(self) -> dict[str, dict[str, int]]:
        """The field paths seen in rejected items: mapped, dropped or unknown (what to map)."""
        return {
            verdict: _redacted(counts, self._shown)
            for verdict, counts in sorted(self.rejected.items())
        }

    def _why(self, path: str, declared: Mapping[str, str]) -> str:
        """The declared reason and those the mapping gave for single items, most frequent first."""
        found = [why for why, _ in self.reasons.get(path, Counter()).most_common()]
        return "; ".join(dict.fromkeys([r for r in (_reason(path, declared), *found) if r]))


def _redacted(counts: Counter[str], shown: Callable[[str], str]) -> dict[str, int]:
    """Counts per path as `shown`, sorted: paths shown as the same text add up."""
    merged: Counter[str] = Counter()
    for path, count in counts.items():
        merged[shown(path)] += count
    return dict(sorted(merged.items()))


def _outermost(dropped: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The drops that are not inside another one (each value is counted once)."""
    paths = {path for path, _ in dropped}
    last = dict(reversed(dropped))  # the first reason given for a path
    return [(path, why) for path, why in last.items() if not _inside(path, paths)]


def _inside(path: str, paths: set[str]) -> bool:
    """Whether one of `paths` holds `path` (is `path` up to a `.` or `[` of it): each of its
    prefixes is looked up once, so that an item's drops are sorted out in linear time."""
    return any(c in ".[" and path[:i] in paths for i, c in enumerate(path))


def _leaves_at(item: Any, path: str) -> list[str]:
    """The leaves (as `_leaves` names them) of the value at `path` (`telecom[1].value`)."""
    node = item
    for part in path.split("."):
        name, *indexes = part.split("[")
        node = node.get(name, _MISSING) if isinstance(node, dict) else _MISSING
        for index in (int(i.rstrip("]")) for i in indexes):
            node = node[index] if isinstance(node, list) and index < len(node) else _MISSING
    folded = ".".join(part.split("[", 1)[0] for part in path.split("."))
    if node is _MISSING:
        return []
    if folded.rpartition(".")[2] in _EXTENSIONS and path.endswith("]"):  # one extension: a leaf
        return [f"{folded}[{_url(node)}]"]
    if isinstance(node, _CONTAINERS):
        return _leaves(node, f"{folded}.")
    return [folded]


_MISSING = object()


def _extension_holding(item: Any, path: str) -> str | None:
    """The leaf (`extension[url]`) of the extension `path` is inside (`extension[0].extension[1]`:
    a part of one extension's value, which is one leaf), or None."""
    node, parts = item, path.split(".")
    folded: list[str] = []
    for at, part in enumerate(parts):
        name, *indexes = part.split("[")
        node = node.get(name, _MISSING) if isinstance(node, dict) else _MISSING
        for index in (int(i.rstrip("]")) for i in indexes):
            node = node[index] if isinstance(node, list) and index < len(node) else _MISSING
        if node is _MISSING:
            return None
        if name in _EXTENSIONS and indexes and at + 1 < len(parts):
            return ".".join([*folded, f"{name}[{_url(node)}]"])
        folded.append(name)
    return None


def _count_at(item: Any, path: str) -> int:
    """How many leaf values `item` holds at a folded leaf path (as `field_paths` names it)."""
    head, bracket, url = path.partition("[")  # an extension's url (the last part) holds dots
    parts = head.split(".")
    parts[-1] += bracket + url
    nodes = [item]
    for part in parts:
        name, _, url = part.partition("[")
        found: list[Any] = []
        for node in nodes:
            child = node.get(name, _MISSING) if isinstance(node, dict) else _MISSING
            if child is not _MISSING:
                found += child if isinstance(child, list) else [child]
        if url:  # extension[url]: the extensions with that url
            found = [ext for ext in found if _url(ext) == url[:-1]]
        nodes = found
    return sum(1 for node in nodes if url or not isinstance(node, _CONTAINERS))


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
    return set(_leaves(node, prefix))


def _leaves(node: Any, prefix: str) -> list[str]:
    """The path of every leaf value of `node` (as `field_paths` names it), once per value."""
    found: list[str] = []
    stack = [(node, prefix)]
    while stack:
        value, at = stack.pop()
        if isinstance(value, dict):
            for key, child in value.items():
                if not isinstance(child, _CONTAINERS):
                    found.append(f"{at}{key}".rstrip("."))
                elif key in _EXTENSIONS and isinstance(child, list):
                    found += [f"{at}{key}[{_url(ext)}]" for ext in child]
                else:
                    stack.append((child, f"{at}{key}."))
        elif isinstance(value, list):
            stack += [(child, at) for child in value if isinstance(child, _CONTAINERS)]
            if at:
                found += [at.rstrip(".") for c in value if not isinstance(c, _CONTAINERS)]
        elif at:
            found.append(at.rstrip("."))
    return found


_CONTAINERS = (dict, list)  # a tuple: isinstance is faster with one than with `dict | list`


class _LargeShapeError(Exception):
    """An item too large or deep to remember by its shape."""


# Shapes of source items taken while another walk read them (`shape_ahead`), by the item's
# identity: `observe` takes an item's from here instead of walking it again.
_AHEAD: dict[int, tuple[Any, Any]] = {}
_MAX_AHEAD = 1 << 20
_INTERNED: dict[Any, Any] = {}  # one copy of each shape held in _AHEAD


def shape_ahead(item: Any, visit: Callable[[str, dict[str, Any]], None]) -> bool:
    """Take an item's shape for `observe` in the walk of another reader, which `visit` serves:
    it is called with every object of the item (and the key it is under; "" at the top, an
    array's key for its objects; objects in an array of arrays are not visited). False, with
    no shape kept, when the item is too large to be remembered by its shape: `visit` may then
    have seen only some of its objects."""
    try:
        shape = _shape(item, [_MAX_SHAPE_PARTS], "", visit)
    except _LargeShapeError:
        return False
    if len(_AHEAD) >= _MAX_AHEAD or len(_INTERNED) >= _MAX_AHEAD:
        forget_shapes_ahead()
    _AHEAD[id(item)] = (item, _INTERNED.setdefault(shape, shape))
    return True


def drop_shape_ahead(item: Any) -> None:
    """Drop an item's shape taken ahead, if `observe` has not taken it (the item is done)."""
    if _AHEAD:
        _AHEAD.pop(id(item), None)


def forget_shapes_ahead() -> None:
    """Drop the shapes taken ahead (at the end of a run: of items never observed)."""
    _AHEAD.clear()
    _INTERNED.clear()


def _shape(
    node: Any,
    budget: list[int],
    at: str = "",
    visit: Callable[[str, dict[str, Any]], None] | None = None,
) -> Any:
    """What of a value decides its field paths and how many values each holds: keys, containers
    and list lengths (a leaf is None; a list is (None, its items' shapes), which no object's
    shape can be), and the urls of extensions, which name their paths. Hashable; equal shapes
    give equal walks. Each key and item spends one of `budget[0]`; past it, _LargeShapeError
    (a shape is remembered only for items of a bounded size and depth). `visit`: see
    `shape_ahead` (`at`: the key of `node`)."""
    if isinstance(node, dict):
        budget[0] -= len(node) + 1
        if budget[0] < 0:
            raise _LargeShapeError
        if visit is not None:
            visit(at, node)
        parts: list[Any] = []
        for key, child in node.items():
            if not isinstance(child, _CONTAINERS):
                parts.append(key)
            elif key in _EXTENSIONS and isinstance(child, list):
                shape = _shape(child, budget, key, visit)
                parts.append((key, shape, tuple(_url_key(e) for e in child)))
            else:
                parts.append((key, _shape(child, budget, key, visit)))
        return tuple(parts)
    if isinstance(node, list):
        budget[0] -= len(node) + 1
        if budget[0] < 0:
            raise _LargeShapeError
        return (None, tuple([_item_shape(c, budget, at, visit) for c in node]))
    return None


def _item_shape(
    node: Any, budget: list[int], at: str, visit: Callable[[str, dict[str, Any]], None] | None
) -> Any:
    if isinstance(node, dict):
        return _shape(node, budget, at, visit)
    return _shape(node, budget) if isinstance(node, list) else None


def _url_key(ext: Any) -> Any:
    """An extension's url as `_url` gives it, kept apart from any other value (hashable)."""
    url = _url(ext)
    return url if isinstance(url, str) else ("?", str(url), type(url).__name__)


_EXTENSIONS = ("extension", "modifierExtension")


def _url(ext: Any) -> Any:
    return ext.get("url", "?") if isinstance(ext, dict) else "?"
