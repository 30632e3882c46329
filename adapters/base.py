"""The adapter contract: read a source into items, convert each item into one outcome.

An adapter never decides what is counted. The runner (`adapters/runner.py`) counts every item it
is handed and requires exactly one outcome per item: records (converted), a skip (out of the
adapter's scope, with a reason) or a rejection (could not convert, with a reason), so that
read = converted + skipped + rejected holds for every run.
"""

from __future__ import annotations

import hashlib
import mmap
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ccstd.adapters.ledger import Coverage


@dataclass(frozen=True, slots=True)
class SourceItem:
    """One item of source data: where it is, its raw bytes (for the digest), its parsed value."""

    file: str
    locator: str  # line, XPath, FHIR id: whatever finds the item again in the source
    raw: bytes
    value: Any = None
    problem: str | None = None  # why the item could not even be parsed (becomes a rejection)
    line: int | None = None
    reason: str = "unreadable-item"  # the rejection's reason code when there is a problem
    sha256: str = field(init=False, compare=False)  # of `raw`, computed once per item

    def __post_init__(self) -> None:
        object.__setattr__(self, "sha256", hashlib.sha256(self.raw).hexdigest())


@dataclass(frozen=True, slots=True)
class Converted:
    """Records of the standard made from one item, and the values of the item left out.

    `dropped` holds (path in the item, reason) for every value the mapping did not carry although
    its field is declared mapped: `telecom[1].value`, `code.coding[1]`, `deceasedDateTime`. Array
    indexes are given where the drop concerns one element; the ledger counts these as dropped."""

    records: tuple[dict[str, Any], ...]
    dropped: tuple[tuple[str, str], ...] = ()
    # (path, note): a value carried in a way the ledger tells, e.g. FHIR `issued` standing in
    # for a missing effective time
    notes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Skipped:
    """An item outside the adapter's scope (e.g. a FHIR Claim): accounted for, not converted."""

    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class Rejected:
    """An item the adapter could not convert; the reason code is stable, the message says why."""

    reason: str
    message: str
    path: str | None = None  # where in the item the problem is


Outcome = Converted | Skipped | Rejected

_CONTAINERS = (dict, list)  # a tuple: isinstance is faster with one than with `dict | list`
_ANY_LOCATOR = re.compile(r"[ -~]{1,200}")
MAX_NESTING = 100  # deeper items are rejected whole (`nested-too-deep`): no mapping needs more


def nesting_depth(value: Any, limit: int = MAX_NESTING) -> int:
    """How deep arrays and objects nest in `value` (no recursion, level by level); counting stops
    past `limit`."""
    if not isinstance(value, dict | list):
        return 0
    level, depth = [value], 0
    while level:
        depth += 1
        if depth > limit:
            return depth
        below: list[Any] = []
        for node in level:
            children = node.values() if isinstance(node, dict) else node
            below += [child for child in children if isinstance(child, _CONTAINERS)]
        level = below
    return depth


def too_deep(value: Any) -> str | None:
    """Why a parsed item cannot be converted because of its nesting, or None."""
    if nesting_depth(value) > MAX_NESTING:
        return f"nested deeper than {MAX_NESTING} levels"
    return None


def loads_json(data: bytes) -> Any:
    """`orjson.loads`, but running out of memory is a MemoryError (orjson reports it as a
    JSONDecodeError, which would pass for a file that is not JSON). Over a mebibyte, the
    address space it will need (`parse_estimate`) is reserved for a moment first: orjson
    crashes the process (SIGSEGV) when an allocation fails while it builds the parsed objects,
    where this raises MemoryError."""
    if len(data) > _PROBE_ABOVE:
        _reserve(parse_estimate(data))
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if "memory" in exc.msg.lower():
            raise MemoryError(exc.msg) from None
        raise


_PROBE_ABOVE = 1 << 20


def parse_estimate(data: bytes) -> int:
    """The peak address space `orjson.loads` takes for `data`, from what the text holds: about
    13 bytes per input byte (its parse buffer, mostly untouched, and the strings' text), plus
    each object or array, each string value and each other value (a key is interned, nearly
    free). Fitted with a margin on orjson 3.13: 18 to 19 times the
    input for FHIR Bundles of Observations, Patients or Practitioners, compact or one entry a
    line (17.5 to 18.4 measured), 14 to 16 for pretty-printed or narrative-heavy ones, and 21 to
    81 for the small-value documents that need the most (`[{},{},…]`: 36.5 measured;
    `[{"a":1},…]`: 37.6; `["0","1",…]`: 30.1), which a flat factor of 20 let crash."""
    containers = data.count(b"{") + data.count(b"[")
    keys = data.count(b'":')
    strings = max(data.count(b'"') // 2 - keys, 0)
    others = max(data.count(b",") - strings, 0)
    return int(13.4 * len(data)) + 162 * containers + 71 * strings + 41 * others


def _reserve(size: int) -> None:
    """MemoryError unless `size` bytes of address space can be mapped now (mapped and
    unmapped at once: no page is touched)."""
    try:
        mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS).close()
    except (OSError, OverflowError, ValueError):
        raise MemoryError(f"{size >> 20} MiB of address space to parse JSON") from None


def encode_json(value: Any) -> bytes:
    """`value` as compact JSON, even nested deeper than orjson writes (255 levels)."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        pass
    out, stack = bytearray(), [value]
    while stack:
        node = stack.pop()
        if isinstance(node, bytes):  # a token queued below (parsed JSON never holds bytes)
            out += node
        elif isinstance(node, dict):
            tokens: list[Any] = [b"{"]
            for index, (key, child) in enumerate(node.items()):
                tokens += [b"," if index else b"", orjson.dumps(str(key)) + b":", child]
            stack.extend(reversed([*tokens, b"}"]))
        elif isinstance(node, list):
            tokens = [b"["]
            for index, child in enumerate(node):
                tokens += [b"," if index else b"", child]
            stack.extend(reversed([*tokens, b"]"]))
        elif isinstance(node, int) and not isinstance(node, bool):
            out += str(node).encode()  # beyond 64 bits too
        else:
            out += orjson.dumps(node)
    return bytes(out)


@dataclass(frozen=True)
class ConvertOptions:
    """What the user chose for a run that adapters apply while mapping."""

    default_region: str = "CN"  # ISO 3166 country for phone numbers without a country of their own
    generalise: frozenset[str] = frozenset()  # e.g. {"birthDate=year"}
    timezone: str | None = None  # IANA zone of source times given without an offset (--timezone)


@dataclass
class SourceContext:
    """What an adapter learns about one source while reading it (e.g. a Bundle's fullUrls), and
    the run's options. `digest` is `sha256:<hex>` of the whole source file (what provenance
    records instead of its name); `label` is the user's `--source-label`, if any."""

    file: str
    facts: dict[str, Any] = field(default_factory=dict)
    options: ConvertOptions = field(default_factory=ConvertOptions)
    digest: str | None = None
    label: str | None = None


class Adapter(ABC):
    """A translator from one family of vendor formats to the standard."""

    name: str
    version: str
    formats: tuple[str, ...]
    standard_version: str = "1.0.0"
    # Record ids and references are made from source ids that may identify a person (a payer's
    # Patient.id embeds the member number): the runner pseudonymises them like identifiers. A set
    # of entity types limits this to the ids of those types and the references to them.
    identifying_ids: bool | frozenset[str] = False
    # Entity types whose records many items repeat (a Device learnt from each of its events):
    # the runner writes each (type, id) once per run, the first time it converts.
    shared_types: frozenset[str] = frozenset()

    @abstractmethod
    def sniff(self, sample: bytes, filename: str) -> float:
        """Confidence in [0, 1] that `sample` (the first bytes of `filename`) is ours."""

    @abstractmethod
    def items(self, path: Path, context: SourceContext) -> Iterator[SourceItem]:
        """Split a source into items, never raising on bad content (a bad item has a problem)."""

    @abstractmethod
    def convert(self, item: SourceItem, context: SourceContext) -> Outcome:
        """One outcome for one item."""

    @abstractmethod
    def mapping_digest(self) -> str:
        """`sha256:<hex>` of the declarative mapping data, recorded in every record's provenance."""

    def coverage(self) -> dict[str, Coverage]:
        """Declared field coverage per kind of item, for the ledger (none by default)."""
        return {}

    def item_from_raw(self, raw: bytes, file: str, locator: str, line: int | None) -> SourceItem:
        """Rebuild an item from the raw bytes a rejects file kept (JSON unless overridden)."""
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            return SourceItem(file, locator, raw, problem=f"not valid JSON: {exc.msg}", line=line)
        if (deep := too_deep(value)) is not None:
            return SourceItem(file, locator, raw, problem=deep, line=line, reason="nested-too-deep")
        return SourceItem(file, locator, raw, value, line=line)

    replay_locators: re.Pattern[str] = _ANY_LOCATOR  # the locators this adapter writes

    def replay_problem(self, locator: str, context: dict[str, Any]) -> str | None:
        """Why a rejects line's locator or context is not one this adapter writes, or None.
        Replay files are untrusted: a locator must match `replay_locators` (by default printable
        ASCII of at most 200 characters) and a context must be empty unless an adapter says
        otherwise."""
        if not self.replay_locators.fullmatch(locator):
            return f"the locator is not one {self.name} writes"
        return "a context this adapter does not write" if context else None

    def replay_context(self, item: SourceItem, context: SourceContext) -> dict[str, Any]:
        """What of the source context an item needs to be converted alone again (default none)."""
        return {}

    def kind_of(self, item: SourceItem) -> str:
        """The kind of a source item for the field ledger (a FHIR resource type, a dialect)."""
        return self.name

    def ledger_path(self, path: str) -> str:
        """How the ledger shows a field path `Kind.key.key` of a source item: as it is by
        default; an adapter whose format names its keys (FHIR) shows a key that is not one of its
        names (which may be a person's name) as a placeholder."""
        return path
