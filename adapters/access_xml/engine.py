"""One streaming engine for XML access logs; each vendor's shape is a dialect file (TOML)."""

from __future__ import annotations

import datetime
import functools
import hashlib
import re
import tomllib
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from ccstd.adapters.access_xml.safe_stream import (
    WRAPPER,
    NotXMLError,
    SafeXMLStream,
    UnsafeXMLError,
    UnsupportedEncodingError,
)
from ccstd.adapters.base import Converted, Rejected, Skipped, SourceItem
from ccstd.adapters.ledger import Coverage

PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,  # never expand entities (billion laughs, quadratic blow-up)
    "no_network": True,  # never fetch anything (XXE over the network)
    "load_dtd": False,  # never read a DTD (XXE through the file system)
    "huge_tree": False,  # keep libxml2's depth and size limits
    "remove_comments": True,
    "remove_pis": True,
}
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._:-]")
STANDARD_VERSION = "1.0.0"


@dataclass(frozen=True, eq=False)
class Dialect:
    """How one vendor writes access events: record element, field paths, value tables, times."""

    name: str
    description: str
    record: str
    fields: dict[str, str]
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    lookup_key: str | None = None
    lookup: dict[str, dict[str, str]] = field(default_factory=dict)
    skip: dict[str, str] = field(default_factory=dict)
    time_formats: tuple[str, ...] = ("iso",)
    timezone: str = "Asia/Shanghai"
    device_prefix: str = ""
    sniff_markers: tuple[bytes, ...] = ()
    dropped: dict[str, str] = field(default_factory=dict)
    digest: str = ""

    @classmethod
    def load(cls, path: Path) -> Dialect:
        """A dialect from its TOML file."""
        data = path.read_bytes()
        spec = tomllib.loads(data.decode("utf-8"))
        return cls(
            name=spec["name"], description=spec["description"], record=spec["record"],
            fields=spec["fields"], values=spec.get("values", {}),
            lookup_key=spec.get("lookup", {}).get("key"),
            lookup=spec.get("lookup", {}).get("codes", {}), skip=spec.get("skip", {}),
            time_formats=tuple(spec.get("time_formats", ["iso"])),
            timezone=spec.get("timezone", "Asia/Shanghai"),
            device_prefix=spec.get("device_prefix", ""),
            sniff_markers=tuple(m.encode() for m in spec.get("sniff_markers", [])),
            dropped=spec.get("dropped", {}),
            digest="sha256:" + hashlib.sha256(data).hexdigest(),
        )  # fmt: skip

    @functools.cached_property
    def field_steps(self) -> dict[str, tuple[str, ...]]:
        """Each field's path, split once."""
        return {name: tuple(path.split("/")) for name, path in self.fields.items()}

    def coverage(self) -> dict[str, Coverage]:
        """Mapped and dropped source paths, for the ledger."""
        mapped = frozenset(p.replace("/", ".") for p in self.fields.values())
        return {self.name: Coverage(mapped, self.dropped)}


def read_records(path: Path, dialect: Dialect) -> Iterator[SourceItem]:
    """Each record element as an item (its content as a nested dict); a refused or broken file
    ends with one problem item that says why. Every element is freed once read, records or not,
    so memory stays flat however long the log and whatever else it holds."""
    counts = 0
    last_parent, prefix = None, ""
    with path.open("rb") as raw:
        try:
            for element in _records(SafeXMLStream(raw), dialect.record):
                counts += 1
                parent = element.getparent()
                if parent is not last_parent:
                    last_parent, prefix = parent, _xpath_of(element)
                yield SourceItem(
                    str(path), f"{prefix}[{counts}]", etree.tostring(element),
                    element_value(element), line=element.sourceline,
                )  # fmt: skip
                _release(element)
        except UnsafeXMLError as exc:
            yield SourceItem(str(path), "document", b"", problem=f"unsafe XML refused: {exc}")
        except NotXMLError as exc:
            yield SourceItem(str(path), "document", b"", problem=f"not XML: {exc}")
        except UnsupportedEncodingError as exc:
            yield SourceItem(str(path), "document", b"", problem=f"unsupported encoding: {exc}",
                             reason="unsupported-encoding")  # fmt: skip
        except (etree.XMLSyntaxError, UnicodeError, LookupError) as exc:
            where = f" at line {exc.lineno}" if isinstance(exc, etree.XMLSyntaxError) else ""
            message = exc.msg if isinstance(exc, etree.XMLSyntaxError) else str(exc)[:200]
            yield SourceItem(
                str(path), f"document{where}", b"", problem=f"malformed XML{where}: {message}"
            )


_SWEEP_EVERY = 1024  # elements other than records read between two sweeps


def _records(stream: SafeXMLStream, record: str) -> Iterator[Any]:
    """Every record element as it ends; every 1024 other elements, what was read outside
    records is freed (elements that are not records are never held for long)."""
    suffix, others = "}" + record, 0
    for _event, element in etree.iterparse(stream, events=("end",), **PARSER_OPTIONS):
        tag = element.tag
        if tag == record or (isinstance(tag, str) and tag.endswith(suffix)):
            yield element
            continue
        others += 1
        if others % _SWEEP_EVERY == 0:
            _sweep(element, suffix)


def _sweep(element: Any, suffix: str) -> None:
    """Free `element` and the siblings read before it and before each of its ancestors, unless
    it lies inside a record (still being read)."""
    chain, node = [], element
    while node is not None:
        if node is not element and ("}" + node.tag).endswith(suffix):
            return
        chain.append(node)
        node = node.getparent()
    element.clear(keep_tail=False)
    for node in chain[:-1]:
        parent = node.getparent()
        while node.getprevious() is not None:
            del parent[0]


def _xpath_of(element: Any) -> str:
    parts = []
    node = element
    while node is not None and etree.QName(node).localname != WRAPPER.decode():
        parts.append(etree.QName(node).localname)
        node = node.getparent()
    return "/" + "/".join(reversed(parts))


def _release(element: Any) -> None:
    """Free what has been read: the element and the siblings before it (memory stays flat)."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    while element.getprevious() is not None and parent is not None:
        del parent[0]


def element_value(element: Any) -> Any:
    """An element as a nested dict: `@attr`, child elements by local name, `#text`."""
    attrs = {f"@{etree.QName(k).localname}": v for k, v in element.attrib.items()}
    children = [c for c in element if isinstance(c.tag, str)]
    text = (element.text or "").strip()
    if not children and not attrs:
        return text
    node: dict[str, Any] = dict(attrs)
    if text:
        node["#text"] = text
    for child in children:
        name, value = etree.QName(child).localname, element_value(child)
        if name in node:
            node[name] = (
                [*node[name], value] if isinstance(node[name], list) else [node[name], value]
            )
        else:
            node[name] = value
    return node


def value_at(node: Any, path: str | tuple[str, ...]) -> str | None:
    """The text at `a/b/@c` (or its steps) in a nested dict (the first where elements repeat)."""
    for step in path.split("/") if isinstance(path, str) else path:
        if isinstance(node, list):
            node = node[0] if node else None
        if not isinstance(node, dict):
            return None
        node = node.get(step)
    if isinstance(node, list):
        node = node[0] if node else None
    if isinstance(node, dict):
        node = node.get("#text")
    return node if isinstance(node, str) and node != "" else None


def convert_event(item: SourceItem, dialect: Dialect) -> Converted | Skipped | Rejected:
    """One access event record from one source record, through the dialect's tables."""
    source = {name: value_at(item.value, steps) for name, steps in dialect.field_steps.items()}
    mapped: dict[str, str | None] = dict(source)
    for name, table in dialect.values.items():
        raw = source.get(name)
        if raw is not None:
            if raw not in table:
                return Rejected(
                    "unknown-vendor-code",
                    f"{dialect.name}: {name} code not in the dialect's table",
                    dialect.fields.get(name),
                )
            mapped[name] = table[raw]
    if dialect.lookup_key:
        key = dialect.lookup_key.format(**{k: v or "" for k, v in source.items()})
        if key in dialect.skip:
            return Skipped(
                "not-an-access-event", f"{dialect.name}: event {key} is {dialect.skip[key]}"
            )
        if key not in dialect.lookup:
            return Rejected(
                "unknown-vendor-code",
                f"{dialect.name}: event code {key} not in the dialect's table",
                dialect.lookup_key,
            )
        mapped.update(dialect.lookup[key])
    return _build(item, dialect, mapped)


def _build(
    item: SourceItem, dialect: Dialect, mapped: dict[str, str | None]
) -> Converted | Rejected:
    missing = [name for name in ("time", "device", "method", "result") if not mapped.get(name)]
    if missing:
        return Rejected(
            "missing-required", f"no {', '.join(missing)} in the record", ", ".join(missing)
        )
    occurred = parse_time(mapped["time"] or "", dialect)
    if occurred is None:
        return Rejected(
            "invalid-time",
            f"time not in the dialect's formats {list(dialect.time_formats)}",
            dialect.fields["time"],
        )
    record: dict[str, Any] = {
        "id": "acc-" + item.sha256[:24],
        "type": "AccessEvent",
        "standardVersion": STANDARD_VERSION,
        "meta": {"sourceSystem": dialect.name, "source": {"xpath": item.locator}},
        "occurredAt": occurred,
        "device": {
            "type": "Device",
            "id": _ID_UNSAFE.sub("-", dialect.device_prefix + (mapped["device"] or ""))[:128],
        },
        "method": mapped["method"],
        "direction": mapped.get("direction") or "unknown",
        "result": mapped["result"],
    }
    if mapped.get("result") == "denied":
        record["denialReason"] = mapped.get("reason") or "other"
    for name in ("door", "reader"):
        value = mapped.get(name)
        if value and value.isdigit():
            record[f"{name}No"] = int(value)
    credential: dict[str, Any] = {}
    if mapped.get("card"):
        credential = {
            "kind": mapped["method"]
            if mapped["method"] in ("card", "qr-code", "visitor-pass")
            else "card",
            "value": mapped["card"],
        }
    if mapped.get("person"):
        credential = {"kind": mapped["method"], **credential, "employeeNo": mapped["person"]}
    if credential:
        record["credential"] = credential
    if mapped.get("code"):
        record["vendorEventCode"] = str(mapped["code"])[:64]
    elif dialect.lookup_key:
        record["vendorEventCode"] = dialect.lookup_key.format(
            **{k: v or "" for k, v in mapped.items()}
        )[:64]
    return Converted((record,))


def parse_time(text: str, dialect: Dialect) -> str | None:
    """RFC 3339 with offset: ISO times keep theirs; local times get the dialect's zone."""
    for fmt in dialect.time_formats:
        if fmt == "iso" and len(text) < 16:
            continue  # a date alone is not the time of a pass
        try:
            moment = (
                datetime.datetime.fromisoformat(text)
                if fmt == "iso"
                else datetime.datetime.strptime(text, fmt)
            )
        except ValueError:
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zoneinfo.ZoneInfo(dialect.timezone))
        return moment.isoformat()
    return None
