"""Findings: every problem any command reports, with a stable code, a severity and a location."""

from __future__ import annotations

import enum
import hashlib
import re
from dataclasses import dataclass, field

import orjson

# C0 and C1 controls, DEL, and the Unicode line separators and bidirectional overrides that
# would let a file name or record id move the cursor, colour a terminal or reorder a line.
# C0, C1, line and paragraph separators, bidi controls and marks, BOM, lone surrogates and the
# noncharacters XML cannot carry.
_CONTROLS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    "\ufeff\ufffe\uffff\ud800-\udfff]"
)


class Severity(enum.Enum):
    """How much a finding matters: the standard says MUST (error), SHOULD (warning), or FYI."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is more severe; used to compare against `--fail-on`."""
        return _SEVERITY_RANKS[self.value]


_SEVERITY_RANKS = {"error": 3, "warning": 2, "info": 1}


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding is: file, line (NDJSON), JSON Pointer from the document root, record id,
    and the record's entity type when known (it decides the profiles a finding counts against).

    `content`: for a record without an id, or whose id holds an ID number, a digest of its
    content (`record_digest`), so a baseline can tell the same broken record from another;
    never reported.
    """

    file: str | None = None
    line: int | None = None
    pointer: str = ""
    record_id: str | None = None
    record_type: str | None = None
    content: str | None = field(default=None, compare=False)

    def describe(self) -> str:
        """`file:line pointer` in the form people and editors read (`(run)` for the run itself)."""
        if self.file is None and self.line is None and not self.pointer:
            return "(run)"
        place = self.file or "<input>"
        if self.line is not None:
            place += f":{self.line}"
        if self.pointer:
            place += f" {self.pointer}"
        return place


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: a stable code, its severity, a rendered message, where, and related places."""

    code: str
    severity: Severity
    message: str
    location: Location
    related: tuple[Location, ...] = ()
    pinned_fingerprint: str | None = field(default=None, compare=False)  # kept through redaction

    def fingerprint(self) -> str:
        """A key that survives unrelated edits: code, file, record id (or line) and pointer."""
        if self.pinned_fingerprint is not None:
            return self.pinned_fingerprint
        where = self.location
        anchor = where.record_id if where.record_id is not None else str(where.line)
        key = "\x1f".join((self.code, where.file or "", anchor, where.pointer))
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def record_digest(raw: bytes | None, value: object = None) -> str | None:
    """A digest of a record's content: of its canonical JSON (keys sorted, no spacing) when it
    parses, else of its raw bytes; None when there is neither."""
    data: bytes | None
    try:
        parsed = orjson.loads(raw) if raw is not None else value
        data = orjson.dumps(parsed, default=str, option=orjson.OPT_SORT_KEYS)
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        data = raw
    if data is None or (raw is None and value is None):
        return None
    return hashlib.sha256(data).hexdigest()[:32]


def json_pointer(parts: list[str | int] | tuple[str | int, ...]) -> str:
    """RFC 6901 pointer for a path of keys and indexes."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


@dataclass(frozen=True, slots=True)
class Locator:
    """Builds locations inside one record, only when a finding needs one."""

    file: str
    line: int | None
    pointer: str
    record_id: str | None
    record_type: str | None

    def __call__(self, *path: str | int) -> Location:
        """The location of `path` (keys and indexes) within the record."""
        pointer = self.pointer + json_pointer(path)
        return Location(self.file, self.line, pointer, self.record_id, self.record_type)


def printable(text: str) -> str:
    """`text` with every control character shown as an escape (`\\x1b`, `\\n`, `\\u202e`), safe to
    print on a terminal or in a one-line annotation."""
    return _CONTROLS.sub(_escape_control, text)


def _escape_control(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")
