"""Finishing a converted item: stamp provenance, protect identifiers, screen for personal data,
hold the records to the standard (architecture §6). Used by the runner in one process or in
its workers."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from ccstd.adapters.base import (
    Adapter,
    Converted,
    Outcome,
    Rejected,
    SourceContext,
    SourceItem,
)
from ccstd.adapters.privacy import Protector
from ccstd.adapters.variants import Made
from ccstd.conformance.leaks import identifier_paths, leaks
from ccstd.standard.checker import RecordChecker, build_plan
from ccstd.standard.fields import ANY_ITEM, entity_fields, values_at
from ccstd.standard.findings import Severity
from ccstd.standard.money import order_imbalance
from ccstd.standard.reading import RawItem
from ccstd.standard.redaction import might_hold_identifier_json, raw_identifier_kind, redact
from ccstd.standard.registry import StandardRegistry, StandardVersion, UnknownVersionError

# A record's JSON, encoded once: by the finisher (which must know it can be written) for the
# sink, by the record's identity (the entry holds the record, so the identity stays its own).
_ENCODED: dict[int, tuple[dict[str, Any], bytes]] = {}
_MAX_ENCODED = 256


def encoded(record: dict[str, Any]) -> bytes:
    """The record's JSON: as the finisher encoded it to check it, or encoded now."""
    entry = _ENCODED.pop(id(record), None)
    return entry[1] if entry is not None and entry[0] is record else orjson.dumps(record)


def source_name(context: SourceContext) -> str | None:
    """How records and rejects name a source: its digest, after the user's label if any."""
    if context.digest is None:
        return None
    return f"{context.label} {context.digest}" if context.label else context.digest


# Hex digests this runner writes into provenance: never source data, and a run of eleven decimal
# digits in 64 hex characters is common, which would send every record to the field walk.
_DIGESTS = frozenset(
    {
        ("meta", "source", "sha256"),
        ("meta", "source", "fileSha256"),
        ("meta", "adapter", "mappingDigest"),
    }
)


STAMPED_SOURCE = frozenset({"file", "fileSha256", "label", "line", "sha256"})  # by Stamp


@dataclass(frozen=True, slots=True)
class Carried(Converted):
    """A worker's outcome without the shared records an earlier item in that worker carried:
    `order` keys every record the adapter made, in its order, so that one of those the main
    process did not write after all is put back here (`_Repeats.restore`)."""

    order: tuple[tuple[str, str], ...] = ()


class Finisher:
    """Stamps and protects converted records, then holds them to the standard: an item whose
    records do not validate is rejected whole (`invalid-output`), so output always validates."""

    def __init__(self, stamp: Stamp, protector: Protector, checker: RecordChecker) -> None:
        self.stamp, self.protector, self.checker = stamp, protector, checker
        self.ids = stamp.adapter.identifying_ids
        self.shared, self.finished = stamp.adapter.shared_types, Made()
        self.plans: dict[tuple[str, str], Any] = {}  # (version, type) -> is_valid, or None
        self.carry = False  # in a worker: say which shared records were left out (Carried)
        self.clean: set[str] = set()  # ids the screen found nothing in (`_clear_ids`)

    def __call__(self, outcome: Outcome, item: SourceItem, context: SourceContext) -> Outcome:
        if not isinstance(outcome, Converted):
            return outcome
        name = source_name(context)
        fresh, made = self._fresh(outcome.records)
        stamp, protect = self.stamp, self.protector.protect
        records = tuple(protect(stamp(r, item, context), self.ids) for r in fresh)
        dropped = outcome.dropped
        if self.protector.screen:
            primary = bool(fresh) and fresh[0] is outcome.records[0]
            screened = self._screen(records, primary)
            if isinstance(screened, Rejected):
                return screened
            records, dropped = screened[0], dropped + screened[1]
        if len(_ENCODED) > _MAX_ENCODED:  # left by outcomes written elsewhere (a worker's)
            _ENCODED.clear()
        for record in records:
            try:
                _ENCODED[id(record)] = (record, orjson.dumps(record))
            except orjson.JSONEncodeError:  # nested too deep, or an integer beyond 64 bits
                message = f"the {record['type']} made from it cannot be written as JSON"
                return Rejected("invalid-output", message)
            if self._error_free(record):
                continue
            found = self.checker.check(RawItem(name or "", None, value=record)).findings
            errors = [f for f in found if f.severity is Severity.ERROR]
            if errors:
                where = "; ".join(f"{f.code} at {f.location.pointer or '/'}" for f in errors[:3])
                message = f"the {record['type']} made from it is invalid: {where}"
                return Rejected("invalid-output", message, errors[0].location.pointer)
        for key, made_content in made:
            self.finished.add(key, made_content)
        if self.carry and len(fresh) != len(outcome.records):
            order = tuple((r["type"], r["id"]) for r in outcome.records)
            return Carried(records, dropped, outcome.notes, order)
        return Converted(records, dropped, outcome.notes)

    def _fresh(
        self, records: tuple[dict[str, Any], ...]
    ) -> tuple[list[dict[str, Any]], list[tuple[tuple[str, str], bytes]]]:
        """The records to pass on (all but the shared ones made before here with the same
        content), and the (key, content) of the shared ones among them."""
        fresh, made = [], []
        for record in records:
            if record["type"] in self.shared:
                made_content = self.finished.check(record)
                if made_content is None:
                    continue
                made.append(((record["type"], record["id"]), made_content))
            fresh.append(record)
        return fresh, made

    def _screen(
        self, records: tuple[dict[str, Any], ...], primary: bool
    ) -> Rejected | tuple[tuple[dict[str, Any], ...], tuple[tuple[str, str], ...]]:
        """The personal-data screen over an item's records (`primary`: the first is the item's
        own record, not one it brings along): the records to write and the ledger drops, or
        the item's rejection."""
        kept: list[dict[str, Any]] = []
        drops: list[tuple[str, str]] = []
        for index, record in enumerate(records):
            others = records[:index] + records[index + 1 :]
            optional = functools.partial(_brought_along, record, others, primary and index == 0)
            screened = self._leak(record, optional)
            if isinstance(screened, Rejected):
                return screened
            if screened[0] is not None:
                kept.append(screened[0])
            drops += screened[1]
        if drops:  # the run's summary counts them with what protection did
            self.protector.counts[_DROPPED] += len(drops)
        return tuple(kept), tuple(drops)

    def _leak(
        self, record: dict[str, Any], optional: Callable[[], bool]
    ) -> Rejected | tuple[dict[str, Any] | None, list[tuple[str, str]]]:
        """The personal-data screen of one record: a raw resident ID, mobile or fixed-line number
        or e-mail address in a field the standard does not mean for one (the certify scanner's
        test: convert and certify agree on a leak). In an optional field the value is left out
        (the narrowest optional field holding it; the record must still validate); in a required
        one the item is rejected, unless the whole record is `optional()` (one the item brings
        along that no other of its records refers to: a Delivery), which is then left out.
        Returns the record to write (None: left out) and the ledger drops, or the rejection;
        messages and drops name the field, never the value."""
        try:
            standard = self.checker.registry.get(str(record.get("standardVersion")))
        except UnknownVersionError:
            return record, []  # the checker rejects the record
        kind = record.get("type")
        if not isinstance(kind, str) or kind not in standard.entity_ids:
            return record, []
        allowed = identifier_paths(standard, kind) | _DIGESTS
        ids = _id_paths(standard, kind)
        if self.protector.key is None:  # raw identifiers asked for: ids made from them too
            allowed |= ids
        drops: list[tuple[str, str]] = []
        while (found := next(self._leaks(record, allowed, ids), None)) is not None:
            path, what = found
            pointer = redact("/" + "/".join(_pointer_part(p) for p in path))  # a key may hold one
            cut = _optional_part(standard, kind, path)
            if cut is None and optional():
                why = f"a raw {what} at {pointer}, required there: the {kind} is"
                return None, [*drops, _drop(kind, (), why)]
            if cut is None or len(drops) >= _MAX_DROPS:
                message = f"the {kind} made from it holds a raw {what} at {pointer}"
                return Rejected("personal-data", message, pointer)
            screened = _without(record, cut)
            if not self._error_free(screened) and self._error_free(record):
                message = f"the {kind} made from it holds a raw {what} at {pointer}, needed there"
                return Rejected("personal-data", message, pointer)
            record = screened
            drops.append(_drop(kind, cut, f"a raw {what}: the value is"))
        return record, drops

    def _leaks(
        self, record: dict[str, Any], allowed: frozenset[tuple[str, ...]], ids: frozenset[Any]
    ) -> Iterator[tuple[tuple[str | int, ...], str]]:
        """`leaks(record, allowed)`, with the ids at `ids` (hex digests when a key made them, a
        run of eleven digits in most) allowed where the exact test already found nothing in
        them: the same findings, but most records then clear the one-scan pre-filter."""
        if len(self.clean) > _MAX_CLEAN:
            self.clean.clear()
        cleared = _clear_ids(record, ids, self.clean)
        return leaks(record, allowed | cleared if cleared else allowed)

    def forget(self, outcome: Outcome) -> None:
        """Take back the shared records of an outcome not written after all (a later item
        that makes them writes them)."""
        if isinstance(outcome, Converted):
            shared = {(r["type"], r["id"]) for r in outcome.records if r["type"] in self.shared}
            self.finished.forget(shared)

    def _error_free(self, record: dict[str, Any]) -> bool:
        """Whether the checker would find no error in the record, decided without it: the
        entity's compiled plan accepts it and, for an Order, its parts add up (all else the
        checker reports of a record the schema accepts is a warning). False: ask the checker,
        which says why (the canonical schema's findings)."""
        version, kind = record.get("standardVersion"), record.get("type")
        if type(version) is not str or type(kind) is not str:
            return False
        is_valid = self.plans.get((version, kind), _UNPLANNED)
        if is_valid is _UNPLANNED:
            is_valid = self.plans[(version, kind)] = _plan_of(self.checker.registry, version, kind)
        if is_valid is None or not is_valid(record):
            return False
        return kind != "Order" or order_imbalance(record) is None


_UNPLANNED = object()


@functools.cache
def _id_paths(standard: StandardVersion, kind: str) -> frozenset[tuple[str, ...]]:
    """The paths a key would pseudonymise besides the protected fields: the record's id, the
    ids it refers to, its FHIR id in provenance (`Protector.protect` with `ids`)."""
    fields = entity_fields(standard, kind)
    refs = {(*f.path, "id") for f in fields if f.reference_type is not None}
    return frozenset({("id",), ("meta", "source", "fhirId"), *refs})


_MAX_DROPS = 20  # values left out of one record before its item is rejected instead
_DROPPED = "left out (personal data)"


def _optional_part(
    standard: StandardVersion, kind: str, path: tuple[str | int, ...]
) -> tuple[str | int, ...] | None:
    """The longest prefix of `path` that names an optional field (not required where its
    parent is, or unknown to the schema: an extension's key) and not an array item; None when
    every step is required (an id, an order number)."""
    required = _required_paths(standard, kind)
    steps = tuple(ANY_ITEM if isinstance(p, int) else p for p in path)
    for end in range(len(path), 0, -1):
        if not isinstance(path[end - 1], int) and steps[:end] not in required:
            return path[:end]
    return None


@functools.cache
def _required_paths(standard: StandardVersion, kind: str) -> frozenset[tuple[str, ...]]:
    return frozenset(f.path for f in entity_fields(standard, kind) if f.required == "yes")


_MAX_CLEAN = 100_000  # ids remembered as clear of raw identifiers (`Finisher.clean`)


# An id as a key makes it (hex digits), perhaps after its type (`Patient/…`): without a separator
# between digits or an "@", only a run of eleven digits or more can be (or start) a number that
# `raw_identifier_kind` finds. tests/adapters/test_screen_ids.py holds this against it.
_PLAIN_ID = re.compile(r"(?:[A-Za-z]+/)?[0-9a-f]*")
_LONG_RUN = re.compile(r"[0-9]{11}")


def _clear_ids(
    record: dict[str, Any], ids: frozenset[tuple[str, ...]], clean: set[str]
) -> frozenset[tuple[str, ...]]:
    """The paths of `ids` whose every value in `record` is a string in which
    `raw_identifier_kind` finds nothing (remembered in `clean`): the leak walk finds nothing
    there, so taking them for allowed leaves its findings as they are."""
    cleared = []
    for path in ids:
        if ANY_ITEM in path:
            values: Any = [value for _, value in values_at(record, path)]
        else:
            node: Any = record
            for key in path:
                node = node.get(key) if isinstance(node, dict) else None
            values = (node,)
        if all(value is None or (type(value) is str and _is_clean(value, clean))
               for value in values):  # fmt: skip
            cleared.append(path)
    return frozenset(cleared)


def _is_clean(value: str, clean: set[str]) -> bool:
    """Whether `raw_identifier_kind` finds nothing in `value` (the byte pre-filter first)."""
    if value in clean:
        return True
    if _PLAIN_ID.fullmatch(value) is not None and _LONG_RUN.search(value) is None:
        clean.add(value)
        return True
    try:
        suspect = might_hold_identifier_json(orjson.dumps(value))
    except orjson.JSONEncodeError:  # a lone surrogate
        suspect = True
    if suspect and raw_identifier_kind(value) is not None:
        return False
    clean.add(value)
    return True


def _without(node: Any, path: tuple[str | int, ...]) -> Any:
    """A copy of `node` without the key at `path` (the containers on the way copied, the rest
    shared: the adapter's records are not changed)."""
    head, rest = path[0], path[1:]
    if isinstance(node, dict):
        copy = dict(node)
        if rest:
            copy[head] = _without(node[head], rest)
        else:
            del copy[head]
        return copy
    items = list(node)
    items[int(head)] = _without(node[int(head)], rest)
    return items


def _drop(kind: str, path: tuple[str | int, ...], what: str) -> tuple[str, str]:
    """A ledger drop for a value left out of a record: `=Kind/field/*/field` (array indexes as
    `*`, keys that may hold numbers redacted) with the reason."""
    field = "/".join("*" if isinstance(p, int) else _pointer_part(p) for p in path)
    return redact(f"={kind}/{field}".rstrip("/")), f"personal-data: {what} left out"


def _brought_along(
    record: dict[str, Any], others: tuple[dict[str, Any], ...], primary: bool
) -> bool:
    """Whether an item's record may be left out whole: not the item's own, and none of the
    item's other records refers to it."""
    return not primary and not any(_refers(other, record) for other in others)


def _refers(node: Any, record: dict[str, Any]) -> bool:
    """Whether `node` holds a reference to `record` ({"type": …, "id": …})."""
    if isinstance(node, dict):
        if node.get("type") == record["type"] and node.get("id") == record["id"]:
            return True
        return any(_refers(value, record) for value in node.values())
    if isinstance(node, list):
        return any(_refers(value, record) for value in node)
    return False


def _pointer_part(part: str | int) -> str:
    """One step of a JSON pointer (RFC 6901 escapes)."""
    return str(part).replace("~", "~0").replace("/", "~1")


def _plan_of(registry: StandardRegistry, version: str, kind: str) -> Callable[[Any], bool] | None:
    """The compiled verdict of an entity (`standard/checker.build_plan`), or None for a version
    or type the registry does not know (the checker then says so)."""
    try:
        standard = registry.get(version)
    except UnknownVersionError:
        return None
    return build_plan(standard, kind).is_valid if kind in standard.entity_ids else None


class Stamp:
    """Fills in `meta`: adapter, mapping digest, source file digest (never its name) and the
    user's label, line and item digest, conversion time. Where the record's standard version has
    `meta.source.fileSha256` (1.2.0 on) the digest and label go to their own fields; older
    versions name the source in `meta.source.file` as `[label ]sha256:<hex>`."""

    def __init__(self, adapter: Adapter, converted_at: str) -> None:
        self.adapter = adapter
        self.converted_at = converted_at
        self.adapter_meta = {
            "name": adapter.name,
            "version": adapter.version,
            "mappingDigest": adapter.mapping_digest(),
        }
        self.registry = StandardRegistry()
        self.digest_fields: dict[tuple[str, str], bool] = {}

    def __call__(
        self, record: dict[str, Any], item: SourceItem, context: SourceContext
    ) -> dict[str, Any]:
        meta = record.setdefault("meta", {})
        meta.setdefault("sourceSystem", self.adapter.name)
        meta["adapter"] = self.adapter_meta
        source = meta.setdefault("source", {})
        for name in ("file", "fileSha256", "label"):
            source.pop(name, None)
        if context.digest is not None:
            if self._has_digest_fields(record):
                source["fileSha256"] = context.digest.removeprefix("sha256:")
                if context.label:
                    source["label"] = context.label
            else:
                source["file"] = source_name(context)
        if item.line is not None:
            source["line"] = item.line
        source["sha256"] = item.sha256
        meta["convertedAt"] = self.converted_at
        return record

    def _has_digest_fields(self, record: dict[str, Any]) -> bool:
        """Whether the record's version and entity have `meta.source.fileSha256`."""
        key = (str(record.get("standardVersion")), str(record.get("type")))
        known = self.digest_fields.get(key)
        if known is None:
            try:
                fields = entity_fields(self.registry.get(key[0]), key[1])
            except LookupError:  # an unknown version or entity: validation says so
                fields = ()
            known = self.digest_fields[key] = any(f.path == _FILE_DIGEST for f in fields)
        return known


_FILE_DIGEST = ("meta", "source", "fileSha256")
