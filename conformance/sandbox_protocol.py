"""What the confined child and the trusted parent say to each other, and the parent's checks.

Frames are a 4-byte big-endian length and that many bytes of JSON. Every value the parent takes
from a frame is checked here before use: a child is vendor code, and what it sends is data from
an adversary (bounded text, short reason codes, records of the shape the runner relies on).
"""

from __future__ import annotations

import base64
import re
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from ccstd.adapters.base import Converted, Outcome, Rejected, Skipped, SourceItem
from ccstd.adapters.ledger import Coverage

HEADER = struct.Struct(">I")
MAX_FRAME = 16 << 20  # one item and its outcome, as JSON
_TEXT_LIMIT = 500  # names, locators and messages the child sends
_REASON = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")  # a reason is a short stable code


def frame(message: dict[str, Any]) -> bytes:
    """A message as one frame."""
    data = orjson.dumps(message)
    return HEADER.pack(len(data)) + data


class SandboxError(Exception):
    """The vendor code did not give its outcomes: the finding it costs is named by the class."""


class AdapterLoadError(SandboxError):
    """The adapter could not be loaded (or isolation could not be set up)."""


class AdapterTimeoutError(SandboxError):
    """The adapter ran past its wall-clock time."""


class AdapterResourceError(SandboxError):
    """The adapter was stopped by a CPU or memory limit."""


class AdapterCrashError(SandboxError):
    """The adapter's code raised, died, or spoke outside the protocol."""


def raise_load_error(message: dict[str, Any], what: str) -> None:
    if "error" in message:
        error = message["error"] if isinstance(message["error"], dict) else {}
        detail = error.get("detail") or error.get("type") or "failed"
        raise AdapterLoadError(f"{what}: {text(str(detail))}")


def child_error(error: Any) -> SandboxError:
    kind = error.get("kind") if isinstance(error, dict) else None
    name = text(str(error.get("type"))) if isinstance(error, dict) else "unknown"
    if kind == "memory":
        return AdapterResourceError("ran out of memory (MemoryError)")
    return AdapterCrashError(name)


def decode_item(path: Path, message: dict[str, Any]) -> tuple[SourceItem, dict[str, Any]]:
    try:
        raw = base64.b64decode(field(message, "raw", str), validate=True)
    except ValueError:
        raise AdapterCrashError("an item whose raw bytes are not base64") from None
    line = message.get("line")
    problem = message.get("problem")
    item = SourceItem(
        str(path),
        text(field(message, "locator", str)),
        raw,
        message.get("value"),
        problem=text(problem) if isinstance(problem, str) else None,
        line=line if isinstance(line, int) and not isinstance(line, bool) else None,
    )
    return item, message


def decode_outcome(data: Any) -> Outcome:
    """An outcome from the child's data; anything malformed rejects the item, never crashes."""
    if not isinstance(data, dict) or len(data) != 1:
        return Rejected("adapter-error", "the adapter gave no outcome for this item")
    ((kind, body),) = data.items()
    if not isinstance(body, dict):
        return Rejected("adapter-error", "the adapter gave a malformed outcome")
    if kind == "converted":
        records = body.get("records")
        dropped = body.get("dropped") or []
        if not isinstance(records, list) or not all(_record_shape(r) for r in records):
            return Rejected("invalid-output", "the adapter made something that is not a record")
        pairs = tuple((text(str(p)), text(str(w))) for p, w in _pairs(dropped))
        return Converted(tuple(records), pairs)
    reason, message = body.get("reason"), body.get("message")
    if kind not in ("skipped", "rejected") or not isinstance(reason, str):
        return Rejected("adapter-error", "the adapter gave a malformed outcome")
    if not _REASON.fullmatch(reason):
        reason = "malformed-reason"
    said = text(message) if isinstance(message, str) else ""
    if kind == "skipped":
        return Skipped(reason, said)
    path = body.get("path")
    return Rejected(reason, said, text(path) if isinstance(path, str) else None)


def _record_shape(record: Any) -> bool:
    """What the runner relies on before validation: an object with a type and object meta."""
    if not isinstance(record, dict) or not isinstance(record.get("type"), str):
        return False
    meta = record.get("meta", {})
    return isinstance(meta, dict) and isinstance(meta.get("source", {}), dict)


def _pairs(value: Any) -> Iterator[tuple[Any, Any]]:
    if isinstance(value, list):
        for pair in value:
            if isinstance(pair, list) and len(pair) == 2:
                yield pair[0], pair[1]


def decode_coverage(data: dict[str, Any]) -> dict[str, Coverage]:
    coverage = {}
    for kind, declared in data.items():
        if not isinstance(declared, dict):
            raise AdapterCrashError("a malformed field coverage")
        mapped = declared.get("mapped") or []
        dropped = declared.get("dropped") or {}
        if not isinstance(mapped, list) or not isinstance(dropped, dict):
            raise AdapterCrashError("a malformed field coverage")
        coverage[text(kind)] = Coverage(
            frozenset(text(str(m)) for m in mapped),
            {text(str(p)): text(str(w)) for p, w in dropped.items()},
        )
    return coverage


def decode_isolation(data: Any) -> dict[str, Any]:
    data = data if isinstance(data, dict) else {}
    user = data.get("user") if data.get("user") in ("nobody", "same") else "unknown"
    abi = data.get("landlock")
    landlock = abi if isinstance(abi, int) and not isinstance(abi, bool) else 0
    return {"user": user, "landlock": landlock, "seccomp": data.get("seccomp") is True}


def field(message: dict[str, Any], key: str, kind: type) -> Any:
    value = message.get(key)
    if not isinstance(value, kind):
        raise AdapterCrashError(f"a message without a valid '{key}'")
    return value


def text(value: str) -> str:
    """A string from the child, bounded and without control characters."""
    return "".join(c for c in value[:_TEXT_LIMIT] if c.isprintable())
