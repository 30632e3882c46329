"""The streaming half of the access-xml engine: record elements out of a log, as nested dicts.

`mapping.py` turns each into records through a dialect (`dialect.py`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from ccstd.adapters.access_xml.dialect import Dialect
from ccstd.adapters.access_xml.safe_stream import (
    OVERSIZED,
    REFUSED,
    WRAPPER,
    EncodingMismatchError,
    NotXMLError,
    SafeXMLStream,
    UnsafeXMLError,
    UnsupportedEncodingError,
)
from ccstd.adapters.base import SourceItem

PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,  # never expand entities (billion laughs, quadratic blow-up)
    "no_network": True,  # never fetch anything (XXE over the network)
    "load_dtd": False,  # never read a DTD (XXE through the file system)
    "huge_tree": False,  # keep libxml2's depth and size limits
    "remove_comments": True,
    "remove_pis": True,
}


def read_records(path: Path, dialect: Dialect) -> Iterator[SourceItem]:
    """Each record element as an item (its content as a nested dict, with the attributes of the
    elements around it under `/Root`, `/Root/Group` keys); a refused or broken file ends with
    one problem item that says why. Every element is freed once read, records or not, so memory
    stays flat however long the log and whatever else it holds."""
    counts, nested = 0, False
    last_parent, prefix, around, enclosing, position = None, "", {}, None, 0
    with path.open("rb") as raw:
        stream = SafeXMLStream(raw, dialect.encoding)
        try:
            seen = _Seen()
            for element in _records(stream, dialect.record, seen):
                if element.tag == _REFUSED_TAG:  # a document of the log refused as a whole
                    yield SourceItem(str(path), f"document at line {element.sourceline}", b"",
                                     problem=element.get("message"), reason=element.get("reason"),
                                     line=element.sourceline)  # fmt: skip
                    _release(element)
                    continue
                counts += 1
                parent = element.getparent()
                if parent is not last_parent:  # its count of records kept on it, for a return
                    if last_parent is not None:
                        last_parent.set(_POSITION, str(position))
                    last_parent, prefix = parent, _xpath_of(element)
                    position = int(parent.get(_POSITION, "0"))
                    around = ancestor_attributes(element)
                    enclosing = _enclosing_record(element, dialect.record)
                position += 1  # among the records under its parent: an XPath that selects it
                if stream.oversized and _oversized(element):
                    nested = _mark_holder(element, dialect.record) or nested
                    yield _oversized_item(str(path), element, f"{prefix}[{position}]")
                    _release(element)
                    continue
                if enclosing is not None or (nested and element.get(_HOLDS) is not None):
                    nested = True
                    yield _nested_item(str(path), element, enclosing, f"{prefix}[{position}]")
                    _release(element)
                    continue
                value = element_value(element)
                if around:
                    value = (
                        {**around, **value}
                        if isinstance(value, dict)
                        else {**around, "#text": value}
                    )
                raw = etree.tostring(element, encoding="UTF-8")  # names stay names, not &#…;
                yield SourceItem(
                    str(path), f"{prefix}[{position}]", raw, value, line=element.sourceline
                )
                _release(element)
            if not counts and seen.content:  # a log with content, none of the dialect's records
                yield SourceItem(str(path), "document", b"", reason="no-records",
                                 problem=seen.no_records(dialect))  # fmt: skip
        except UnsafeXMLError as exc:
            line = stream.error_line
            where = f"document at line {line}" if line else "document"
            yield _refused(path, where, f"unsafe XML refused: {exc}", counts, line=line)
        except NotXMLError as exc:
            yield _refused(path, "document", f"not XML: {exc}", counts)
        except EncodingMismatchError as exc:
            yield _refused(path, "document", str(exc), counts, "encoding-mismatch")
        except UnsupportedEncodingError as exc:
            message = f"unsupported encoding: {exc}"
            yield _refused(path, "document", message, counts, "unsupported-encoding")
        except (etree.XMLSyntaxError, UnicodeError, LookupError) as exc:
            where = f" at line {exc.lineno}" if isinstance(exc, etree.XMLSyntaxError) else ""
            message = _plainly(exc.msg) if isinstance(exc, etree.XMLSyntaxError) else str(exc)[:200]
            message = message or f"{type(exc).__name__} without a message from the parser"
            yield _refused(path, f"document{where}", f"malformed XML{where}: {message}", counts)


def _refused(
    path: Path,
    where: str,
    message: str,
    counts: int,
    reason: str = "unreadable-item",
    line: int | None = None,
) -> SourceItem:
    """The rest of a file the parser cannot go on with, as one item: the message on one line,
    saying how many records before it were read (each an item of its own)."""
    message = " ".join(message.split())
    if counts:
        read = "1 record" if counts == 1 else f"{counts:,} records"
        message += f" ({read} before it read; the rest of the file is refused)"
    return SourceItem(str(path), where, b"", problem=message, reason=reason, line=line)


_BROKEN_OFF = re.compile(
    r"Opening and ending tag mismatch: (\S+) line (\d+) and "
    + re.escape(WRAPPER.decode())
    + r"(?:, line \d+, column \d+)?"
)


def _plainly(message: str | None) -> str:
    """libxml2's message without the synthetic root the stream wraps the log in: a log that
    breaks off is said to end before the element left open is closed."""
    if not message or WRAPPER.decode() not in message:
        return message or ""
    message = _BROKEN_OFF.sub(r"the log ends before <\1> (opened on line \2) is closed", message)
    return message.replace(WRAPPER.decode(), "the end of the log")


_POSITION = "ccstd-records"  # set on a parent left: how many records were read under it
_HOLDS = "ccstd-holds-record"  # set on a record found to hold another: the line of the first


def _enclosing_record(element: Any, record: str) -> Any:
    """The record element a record lies in (None: it lies in none)."""
    suffix = "}" + record
    for node in element.iterancestors():
        tag = node.tag
        if isinstance(tag, str) and (tag == record or tag.endswith(suffix)):
            return node
    return None


def _mark_holder(element: Any, record: str) -> bool:
    """Mark the record `element` lies in, if any, as holding a record (it is then rejected as
    nested-record when it ends, even though `element` is rejected for another reason)."""
    enclosing = _enclosing_record(element, record)
    if enclosing is None:
        return False
    if enclosing.get(_HOLDS) is None:
        enclosing.set(_HOLDS, str(element.sourceline))
    return True


def _nested_item(file: str, element: Any, enclosing: Any, locator: str) -> SourceItem:
    """A record inside another, or one holding another: both are rejected, each naming the
    other's path and line, since which of them is the event cannot be told (and freeing the
    inner one as it is read would cut the outer one short)."""
    name = etree.QName(element).localname
    if enclosing is not None:
        if enclosing.get(_HOLDS) is None:
            enclosing.set(_HOLDS, str(element.sourceline))
        where = f"{_xpath_of(enclosing)} at line {enclosing.sourceline}"
        message = f"a <{name}> record inside another <{name}> record ({where})"
    else:
        inner = element.get(_HOLDS)
        message = f"a <{name}> record holding another <{name}> record (at line {inner})"
    message += ": records do not nest, so neither is converted (which is the event cannot be told)"
    return SourceItem(file, locator, b"", problem=message, reason="nested-record",
                      line=element.sourceline)  # fmt: skip


def _oversized(element: Any) -> int:
    """The bytes of the start tag over 1 MiB in or around a record (0: none), which the stream
    passed on without its attributes (safe_stream._OversizedTag)."""
    for node in (*element.iter(), *element.iterancestors()):
        size = node.get(OVERSIZED) if isinstance(node.tag, str) else None
        if size is not None:
            return int(size) if size.isdigit() else 1
    return 0


def _oversized_item(file: str, element: Any, where: str) -> SourceItem:
    """A record holding, or held in, a start tag over 1 MiB: rejected alone, its bytes not
    kept (the rest of the log is read)."""
    size = _oversized(element)
    message = (
        f"an element whose start tag is {size:,} bytes (attributes over the 1 MiB a start tag "
        "may hold) lies in or around this record: it is rejected, the rest of the log is read"
    )
    return SourceItem(file, where, b"", problem=message, reason="oversized-item",
                      line=element.sourceline)  # fmt: skip


def ancestor_attributes(element: Any) -> dict[str, dict[str, str]]:
    """The attributes of the elements enclosing a record, by their path from the document's
    root (`/AccessLog`: {"@site": ...}); elements without attributes are left out."""
    chain = []
    node = element.getparent()
    while node is not None and isinstance(node.tag, str) and node.tag != WRAPPER.decode():
        chain.append(node)
        node = node.getparent()
    found: dict[str, dict[str, str]] = {}
    names: list[str] = []
    for node in reversed(chain):
        names.append(etree.QName(node).localname)
        if len(node.attrib):
            attributes = {
                f"@{etree.QName(k).localname}": v.strip()
                for k, v in attributes_of(node)
                if not k.startswith("ccstd-")  # the engine's own marks
            }
            if attributes:
                found["/" + "/".join(names)] = attributes
    return found


_WRAPPER_TAG = WRAPPER.decode()
_REFUSED_TAG = REFUSED.decode()
_SWEEP_EVERY = 1024  # elements other than records read between two sweeps


class _Seen:
    """What a log held besides records: whether any document had content (an element inside
    its root, or a root with text), and the first few element names, so that a
    dialect whose `record` matches nothing says what the log holds instead."""

    _KEPT = 4  # names kept of the roots, and of the elements inside them

    def __init__(self) -> None:
        self.content = False
        self.roots: list[str] = []
        self.inside: list[str] = []

    def note(self, element: Any, parent: Any) -> None:
        """An element that is not a record, as it ends."""
        if parent is None:
            return
        name = etree.QName(element).localname[:64]
        if parent.tag == _WRAPPER_TAG:  # a document's root
            text = element.text  # a root with attributes only is an empty log (a site's)
            self.content = self.content or bool(text and text.strip())
            names = self.roots
        else:
            self.content = True
            if parent.getparent() is None or parent.getparent().tag != _WRAPPER_TAG:
                return  # deeper than the root's children
            names = self.inside
        if name not in names and len(names) < self._KEPT:
            names.append(name)

    def no_records(self, dialect: Dialect) -> str:
        """Why a log with content gave no record: the dialect, its `record`, what the log holds."""
        held = "".join(f"<{name}>" for name in self.roots) or "its root"
        inside = ", ".join(f"<{name}>" for name in self.inside)
        holds = f"{held} with {inside} inside" if inside else f"{held} only"
        return (
            f"no <{dialect.record}> element found in this log: dialect {dialect.name}'s record "
            f"{dialect.record!r} matches nothing here, and the log holds {holds} (a misspelt "
            "record, or the wrong dialect)"
        )


def _records(stream: SafeXMLStream, record: str, seen: _Seen) -> Iterator[Any]:
    """Every record element as it ends (`seen`: what lay in the documents besides records);
    every 1024 other elements, what was read outside records is freed (elements that are not
    records are never held for long)."""
    suffix, others, found = "}" + record, 0, False
    for _event, element in etree.iterparse(stream, events=("end",), **PARSER_OPTIONS):
        tag = element.tag
        if tag in (record, _REFUSED_TAG) or (isinstance(tag, str) and tag.endswith(suffix)):
            found = found or tag != _REFUSED_TAG
            yield element
            continue
        if not found and isinstance(tag, str) and tag != _WRAPPER_TAG:  # once a record is
            seen.note(element, element.getparent())  # read, what else there is goes unsaid
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


_MANY_ATTRIBUTES = 64  # past this, attributes are read through XPath (see attributes_of)


def attributes_of(element: Any) -> list[tuple[str, str]]:
    """An element's attributes as (name, value) pairs, in time linear in their number: lxml's
    `items()` looks each value up by name along the element's attribute list (quadratic: 110,000
    attributes in one start tag took a minute), so past a few dozen the values come from
    libxml2's `@*` in one pass instead."""
    if len(element.keys()) <= _MANY_ATTRIBUTES:
        return element.items()  # type: ignore[no-any-return]
    return [(str(value.attrname), str(value)) for value in element.xpath("@*")]


def element_value(element: Any) -> Any:
    """An element as a nested dict: `@attr`, child elements by local name, `#text` (after the
    attributes, before the children); an element with neither attributes nor children is its
    text; attribute values are trimmed as text is. One pass over the children; a leaf child
    without attributes is read without a call."""
    attributes = attributes_of(element)
    node: dict[str, Any] = (
        {"@" + k.rpartition("}")[2]: v.strip() for k, v in attributes} if attributes else {}
    )
    text = element.text
    text = text.strip() if text else ""
    children = False
    for child in element:
        tag = child.tag
        if type(tag) is not str:  # an entity reference left unexpanded
            continue
        if not children:
            children = True
            if text:
                node["#text"] = text
        name = tag.rpartition("}")[2]
        if len(child) or child.keys():
            value = element_value(child)
        else:
            value = child.text
            value = value.strip() if value else ""
        if name in node:
            held = node[name]
            node[name] = [*held, value] if isinstance(held, list) else [held, value]
        else:
            node[name] = value
    if not children:
        if not node:
            return text
        if text:
            node["#text"] = text
    return node
