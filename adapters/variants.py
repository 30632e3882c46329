"""Shared records (an access log's Devices and Communities) are written once per run, from the
first item that makes them. Another item may make one with the same id and other content (a door
renamed, another kind): its events still refer to the record written, and the run warns, naming
the record's id, the fields that differ and where each content was read (never the values, which
can be a person's name), once per id: the first other content in input order, so the same with
any number of processes. Every process passes on each content of a shared record once (`Made`);
the main process compares what reaches it with what it wrote (`Variants`)."""

from __future__ import annotations

from typing import Any

import orjson

from ccstd.adapters.base import SourceContext, SourceItem

Key = tuple[str, str]  # (type, id)
_KEPT = 2  # contents passed on per id in one process: the first other content always reaches
# the main process (every item before it made the first), whichever worker read it
_TOLD = 20  # warnings kept for the summary (all ids are counted)


def content(record: dict[str, Any]) -> bytes:
    """A record's content without its provenance (which names where it was read)."""
    return orjson.dumps(
        {k: v for k, v in record.items() if k != "meta"}, option=orjson.OPT_SORT_KEYS
    )


class Made:
    """In one process: the contents of the shared records its items made, a few per id."""

    def __init__(self) -> None:
        self.contents: dict[Key, set[bytes]] = {}

    def check(self, record: dict[str, Any]) -> bytes | None:
        """The record's content if it is to be passed on (its id, or this content of it, is new
        here), else None."""
        seen = self.contents.get((record["type"], record["id"]))
        if seen is not None and len(seen) >= _KEPT:
            return None
        made = content(record)
        return made if seen is None or made not in seen else None

    def add(self, key: Key, made: bytes) -> None:
        """Note a content passed on (once the item's records are known to be written)."""
        self.contents.setdefault(key, set()).add(made)

    def forget(self, keys: set[Key]) -> None:
        for key in keys:
            self.contents.pop(key, None)


class Variants:
    """In the main process: each shared record written (its content and where), and a warning
    for the first other content of it read later."""

    def __init__(self) -> None:
        self.first: dict[Key, tuple[bytes, str]] = {}
        self.sources: dict[str, int] = {}  # a source's path → its number in the run
        self.told: set[Key] = set()
        self.warnings: list[str] = []
        self.count = 0

    def written(self, record: dict[str, Any], item: SourceItem, context: SourceContext) -> None:
        self.first[(record["type"], record["id"])] = (content(record), self._where(item, context))

    def again(self, record: dict[str, Any], item: SourceItem, context: SourceContext) -> None:
        """A shared record already written (or from an earlier output: not compared)."""
        key = (record["type"], record["id"])
        first = self.first.get(key)
        if first is None:
            return
        other = content(record)
        if key in self.told or other == first[0]:
            return
        self.told.add(key)
        self.count += 1
        if len(self.warnings) < _TOLD:
            before, after = orjson.loads(first[0]), orjson.loads(other)
            fields = sorted(
                k for k in before.keys() | after.keys() if before.get(k) != after.get(k)
            )
            self.warnings.append(
                f"{key[0]} {key[1]} was read at {first[1]} and with another "
                f"{', '.join(fields)} at {self._where(item, context)}: the first is written, "
                "and what refers to the id refers to it"
            )

    def _where(self, item: SourceItem, context: SourceContext) -> str:
        number = self.sources.setdefault(context.file, len(self.sources) + 1)
        line = f" line {item.line}" if item.line is not None and item.locator[:5] != "line " else ""
        return f"source {number} {item.locator}{line}"
