"""The confined process that runs a vendor's adapter and returns what it made, as data.

Started by `sandbox.Sandbox` as `python -I -m ccstd.conformance.sandbox_child`. It reads one
JSON line of settings, confines itself (`confine`), loads the adapter, then answers requests
(one JSON line each: convert a staged source, or exit) with length-prefixed JSON frames on the
descriptor that was its standard output. It decides nothing: the trusted parent stamps,
protects, validates, counts and judges. See docs/security.md.
"""

from __future__ import annotations

import base64
import importlib
import os
import sys
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from ccstd.adapters import registry
from ccstd.adapters.base import (
    Adapter,
    Converted,
    Outcome,
    Rejected,
    Skipped,
    SourceContext,
    SourceItem,
)
from ccstd.conformance import confine
from ccstd.conformance.sandbox_protocol import frame


def main() -> int:
    """Serve one certification run; the exit code only says whether the protocol ended well."""
    channel = _private_stdout()
    settings = orjson.loads(sys.stdin.buffer.readline())
    scratch = Path(settings["scratch"])
    code = Path(settings["code"]) if settings.get("code") else None
    try:
        _send(channel, {"confined": _confine(settings, scratch)})
        adapter = _load(settings["adapter"], code)
    except Exception as exc:
        _send(channel, {"error": {"kind": "load", "type": type(exc).__name__, "detail": str(exc)}})
        return 1
    _send(channel, {"hello": _describe(adapter)})
    for line in sys.stdin.buffer:
        request = orjson.loads(line)
        if request.get("op") != "convert":
            break
        _convert_source(channel, adapter, scratch / request["source"])
    return 0


def _private_stdout() -> BinaryIO:
    """The protocol keeps the real standard output; what vendor code prints goes nowhere."""
    channel = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    return channel


def _confine(settings: dict[str, Any], scratch: Path) -> dict[str, Any]:
    """Drop privileges and restrict the file system before any vendor code is imported."""
    user = "same"
    if os.geteuid() == 0:
        uid, gid = confine.unprivileged_user()
        confine.drop_to(uid, gid, confine.readable_roots([scratch]), scratch)
        user = "nobody"
    abi = confine.landlock(confine.readable_roots([scratch]), write=[])
    sockets = confine.block_sockets()
    if settings.get("require_isolation") and user == "same" and not abi:
        raise confine.ConfinementError(
            "vendor code cannot be isolated here: run as root or on a kernel with Landlock"
        )
    confine.apply_limits(confine.Limits(**settings["limits"]))
    return {"user": user, "landlock": abi, "seccomp": sockets}


def _load(name: str, code: Path | None) -> Adapter:
    if ":" not in name:
        return registry.by_name(name)
    module_name, _, class_name = name.partition(":")
    if code is not None:
        sys.path.insert(0, str(code))
    adapter = getattr(importlib.import_module(module_name), class_name)()
    if not isinstance(adapter, Adapter):
        raise TypeError(f"{name} is not a ccstd Adapter")
    return adapter


def _describe(adapter: Adapter) -> dict[str, Any]:
    return {
        "name": adapter.name,
        "version": adapter.version,
        "formats": list(adapter.formats),
        "standardVersion": adapter.standard_version,
        "mappingDigest": adapter.mapping_digest(),
        "coverage": {
            kind: {"mapped": sorted(c.mapped), "dropped": dict(c.dropped)}
            for kind, c in adapter.coverage().items()
        },
    }


def _convert_source(channel: BinaryIO, adapter: Adapter, path: Path) -> None:
    context = SourceContext(str(path))
    try:
        for item in adapter.items(path, context):
            _send(channel, {"item": _item_message(adapter, item, context)})
    except MemoryError:
        _send(channel, {"error": {"kind": "memory", "type": "MemoryError"}})
        return
    except Exception as exc:  # the adapter's own code raised out of items()
        _send(channel, {"error": {"kind": "crash", "type": type(exc).__name__}})
        return
    _send(channel, {"end": True})


def _item_message(adapter: Adapter, item: SourceItem, context: SourceContext) -> dict[str, Any]:
    message: dict[str, Any] = {
        "locator": item.locator,
        "line": item.line,
        "raw": base64.b64encode(item.raw).decode("ascii"),
        "value": _json_or_none(item.value),
        "problem": item.problem,
        "kind": adapter.kind_of(item),
    }
    if item.problem is None:
        message["outcome"] = _outcome(_convert(adapter, item, context))
        message["replay"] = _json_or_none(adapter.replay_context(item, context))
    return message


def _convert(adapter: Adapter, item: SourceItem, context: SourceContext) -> Outcome:
    try:
        return adapter.convert(item, context)
    except MemoryError:
        raise
    except Exception as exc:  # as the runner does: one rejection
        return Rejected("adapter-error", f"{type(exc).__name__} in {adapter.name}")


def _outcome(outcome: Outcome) -> dict[str, Any]:
    if isinstance(outcome, Converted):
        records = [_json_or_none(r) for r in outcome.records]
        if any(r is None for r in records):
            return {"rejected": {"reason": "adapter-error", "message": "unserialisable record"}}
        return {"converted": {"records": records, "dropped": [list(d) for d in outcome.dropped]}}
    if isinstance(outcome, Skipped):
        return {"skipped": {"reason": outcome.reason, "message": outcome.message}}
    if isinstance(outcome, Rejected):
        return {
            "rejected": {"reason": outcome.reason, "message": outcome.message, "path": outcome.path}
        }
    return {"rejected": {"reason": "adapter-error", "message": "not an outcome"}}


def _json_or_none(value: Any) -> orjson.Fragment | None:
    """`value` serialised once as JSON, or None when it cannot be (too deep, not JSON)."""
    try:
        return orjson.Fragment(orjson.dumps(value))
    except (TypeError, orjson.JSONEncodeError):
        return None


def _send(channel: BinaryIO, message: dict[str, Any]) -> None:
    channel.write(frame(message))
    channel.flush()


if __name__ == "__main__":
    sys.exit(main())
