"""Access-control XML logs: one generic adapter, bound to each dialect file it is given.

Built-in dialects, dialects in `$CCSTD_DIALECT_PATH`, dialects that distributions ship through
the `ccstd.dialects` entry points and a file named with `--dialect` are all loaded the same way
(`adapters/dialect_files.py`); the `access-xml` entry point in `ccstd.adapters` is the family
(`XmlDialects`), which lists one adapter per dialect, or the error that keeps a dialect out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from ccstd.adapters import dialect_files
from ccstd.adapters.access_xml.dialect import BUILTIN, FAMILY, Dialect, build, schema
from ccstd.adapters.access_xml.engine import PARSER_OPTIONS, element_value, read_records
from ccstd.adapters.access_xml.mapping import STANDARD_VERSION, convert_event
from ccstd.adapters.base import Adapter, Outcome, Rejected, SourceContext, SourceItem
from ccstd.adapters.dialect_files import DataFileError
from ccstd.adapters.ledger import Coverage
from ccstd.adapters.registry import Listing

_NAME = r"[^\W\d][\w.-]{0,63}"  # an element's local name in an XPath locator
_LOCATORS = re.compile(rf"(?:/{_NAME}){{1,32}}\[[1-9][0-9]*\]|document(?: at line [1-9][0-9]*)?")
_REASON = re.compile(r"[a-z][a-z-]{0,39}")
_AROUND = re.compile(rf"(?:/{_NAME}){{1,32}}")


class XmlAccessLogAdapter(Adapter):
    """Streams one dialect's records with hardened lxml iterparse and maps them to AccessEvents,
    with the Device (and Community) records they refer to."""

    version = "0.2.0"
    standard_version = STANDARD_VERSION
    replay_locators = _LOCATORS  # any dialect's, so rejects replay through another dialect
    identifying_ids = frozenset({"Resident"})  # a subject known by an ID-card number
    shared_types = frozenset({"Device", "Community"})  # learnt from many events, written once

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.name = dialect.name
        self.formats = (dialect.description,)

    def sniff(self, sample: bytes, filename: str) -> float:
        """0.5 to 0.9 by the dialect's priority when every marker appears in the sample."""
        markers = self.dialect.markers
        if markers and all(m in sample for m in markers):
            return 0.5 + 0.4 * self.dialect.priority / 100
        return 0.0

    def mapping_digest(self) -> str:
        """SHA-256 of the dialect file (and of those it extends)."""
        return self.dialect.digest

    def coverage(self) -> dict[str, Coverage]:
        """The dialect's mapped and dropped paths."""
        return self.dialect.coverage()

    def kind_of(self, item: SourceItem) -> str:
        """One kind per dialect."""
        return self.dialect.name

    def item_from_raw(self, raw: bytes, file: str, locator: str, line: int | None) -> SourceItem:
        """A record element kept in a rejects file, parsed with the same hardened options; a
        document refused when first read has no bytes (`convert` says why again)."""
        if not raw and locator.startswith("document"):
            return SourceItem(file, locator, raw, line=line)
        try:
            element = etree.fromstring(raw, etree.XMLParser(**PARSER_OPTIONS))
        except etree.XMLSyntaxError as exc:
            return SourceItem(file, locator, raw, problem=f"malformed XML: {exc.msg}", line=line)
        return SourceItem(file, locator, raw, element_value(element), line=line)

    def replay_context(self, item: SourceItem, context: SourceContext) -> dict[str, Any]:
        """Why a document was refused (so a replay says so again), or the attributes of the
        elements around a record (a replayed record is read alone)."""
        if item.problem is not None and item.locator.startswith("document"):
            return {"refused": {"reason": item.reason, "message": item.problem[:300]}}
        if isinstance(item.value, dict):
            around = {k: v for k, v in item.value.items() if k.startswith("/")}
            return {"around": around} if around else {}
        return {}

    def replay_problem(self, locator: str, context: dict[str, Any]) -> str | None:
        """A locator this family writes, and a context as `replay_context` writes it."""
        if not self.replay_locators.fullmatch(locator):
            return f"the locator is not one {self.name} writes"
        if not context:
            return None
        if set(context) == {"refused"} and _is_refusal(context["refused"]):
            return None
        if set(context) == {"around"} and _is_around(context["around"]):
            return None
        return f"a context {self.name} does not write"

    def items(self, path: Path, context: SourceContext) -> Iterator[SourceItem]:
        """The dialect's record elements, streamed."""
        return read_records(path, self.dialect)

    def convert(self, item: SourceItem, context: SourceContext) -> Outcome:
        """An AccessEvent (+ Device, Community), a skip (alarms and other non-pass events) or a
        rejection."""
        refused = context.facts.get("refused")
        if item.value is None and isinstance(refused, dict):
            return Rejected(str(refused["reason"]), str(refused["message"]))
        if item.value is None and not item.raw:
            return Rejected("unreadable-item", "the rejects line holds no record to convert")
        around = context.facts.get("around")
        if isinstance(around, dict) and isinstance(item.value, dict):
            item = SourceItem(item.file, item.locator, item.raw, {**around, **item.value},
                              line=item.line)  # fmt: skip
        return convert_event(item, self.dialect)


def _is_refusal(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and set(value) == {"reason", "message"}
        and isinstance(value["reason"], str)
        and bool(_REASON.fullmatch(value["reason"]))
        and isinstance(value["message"], str)
        and 0 < len(value["message"]) <= 300
        and value["message"].isprintable()
    )


def _is_around(value: Any) -> bool:
    """A context's `around`: element paths → their attributes, as `read_records` writes them."""
    if not isinstance(value, dict) or len(value) > 32:
        return False
    return all(
        isinstance(path, str) and _AROUND.fullmatch(path) and _is_attributes(attributes)
        for path, attributes in value.items()
    )


def _is_attributes(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and len(value) <= 64
        and all(
            isinstance(name, str) and name.startswith("@") and isinstance(text, str)
            and len(text) <= 4000
            for name, text in value.items()
        )
    )  # fmt: skip


class XmlDialects:
    """The access-xml family for the registry: one adapter per dialect file found."""

    def members(self) -> list[Listing]:
        """Every dialect, working or with the error that keeps it out."""
        return [_listing(file, dialect, error) for file, dialect, error in _all_dialects()]


def _all_dialects(*first: dialect_files.DataFile) -> list[Any]:
    found = dialect_files.discover(FAMILY, schema(), BUILTIN)
    return build([*first, *found])


def _listing(file: dialect_files.DataFile, dialect: Dialect | None, error: str | None) -> Listing:
    origin = f"{file.origin}: {file.path}" if file.origin != "built-in" else "built-in dialect"
    if dialect is None:
        name = file.spec["name"] if file.spec else (file.name or file.path.stem)[:64]
        return Listing(name, origin, None, error)
    return Listing(dialect.name, origin, XmlAccessLogAdapter(dialect), None)


def dialect_adapter(path: Path) -> XmlAccessLogAdapter:
    """The adapter for one dialect file (`--dialect FILE`); a DataFileError names the file, line
    and key of what is wrong. It may extend any dialect found otherwise."""
    file = dialect_files.load(path, schema(), "--dialect")
    if file.error is not None:
        raise DataFileError(file.error)
    assert file.spec is not None
    others = [f for f in dialect_files.discover(FAMILY, schema(), BUILTIN)
              if not (f.spec and f.spec["name"] == file.spec["name"])]  # fmt: skip
    _file, dialect, error = build([file, *others])[0]
    if dialect is None:
        raise DataFileError(error or f"{path}: cannot be used")
    return XmlAccessLogAdapter(dialect)


def builtin(name: str) -> XmlAccessLogAdapter:
    """A built-in dialect's adapter by name (what `--from xml-legacy-accesslog` finds)."""
    files = [f for f in dialect_files.discover(FAMILY, schema(), BUILTIN) if f.origin == "built-in"]
    for file, dialect, error in build(files):
        if dialect is not None and dialect.name == name:
            return XmlAccessLogAdapter(dialect)
        if error is not None and file.spec and file.spec["name"] == name:
            raise DataFileError(error)
    raise LookupError(f"no built-in dialect {name}")
