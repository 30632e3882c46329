"""Access-control XML logs: one generic adapter, bound to each dialect file it is given.

Built-in dialects, dialects in `$CCSTD_DIALECT_PATH`, dialects that distributions ship through
the `ccstd.dialects` entry points and a file named with `--dialect` are all loaded the same way
(the table-driven base, adapters/table_adapter.py); the `access-xml` entry point in
`ccstd.adapters` is the family, which lists one adapter per dialect, or the error that keeps a
dialect out.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from lxml import etree

from ccstd.adapters.access_xml.dialect import BUILTIN, FAMILY, SCHEMA_FILE, Dialect, dialect_of
from ccstd.adapters.access_xml.engine import PARSER_OPTIONS, element_value, read_records
from ccstd.adapters.access_xml.mapping import convert_event, site_around, unscoped_devices
from ccstd.adapters.access_xml.safe_stream import (
    NotXMLError,
    SafeXMLStream,
    UnsafeXMLError,
    UnsupportedEncodingError,
    source_encoding,
    text_codec,
)
from ccstd.adapters.base import Outcome, Rejected, SourceContext, SourceItem
from ccstd.adapters.table_adapter import Family, TableAdapter

_NAME = r"[^\W\d][\w.-]{0,63}"  # an element's local name in an XPath locator
_LOCATORS = re.compile(rf"(?:/{_NAME}){{1,32}}\[[1-9][0-9]*\]|document(?: at line [1-9][0-9]*)?")
_REASON = re.compile(r"[a-z][a-z-]{0,39}")
_AROUND = re.compile(rf"(?:/{_NAME}){{1,32}}")


class XmlAccessLogAdapter(TableAdapter[Dialect]):
    """Streams one dialect's records with hardened lxml iterparse and maps them to AccessEvents,
    with the Device (and Community) records they refer to."""

    version = "0.2.0"
    replay_locators = _LOCATORS  # any dialect's, so rejects replay through another dialect
    identifying_ids = frozenset({"Resident"})  # a subject known by an ID-card number
    shared_types = frozenset({"Device", "Community"})  # learnt from many events, written once

    def __init__(self, dialect: Dialect) -> None:
        super().__init__(dialect)
        self.dialect = dialect

    def sniff(self, sample: bytes, filename: str) -> float:
        """0.5 to 0.9 by the dialect's priority when every marker appears in the sample, read in
        the encoding the log declares (or the dialect's): a GB18030 log holds GB18030 markers."""
        markers = self.dialect.markers
        if not markers:
            return 0.0
        try:
            codec = text_codec(source_encoding(sample, self.dialect.encoding))
            text = sample.decode(codec, "replace")
        except (UnsupportedEncodingError, LookupError):
            return 0.0
        if all(marker.decode("utf-8") in text for marker in markers):
            return 0.5 + 0.4 * self.dialect.priority / 100
        return 0.0

    def describe(self) -> Iterator[str]:
        """What the dialect maps, in words."""
        from ccstd.adapters.access_xml.describe import describe

        return describe(self.dialect)

    def item_from_raw(self, raw: bytes, file: str, locator: str, line: int | None) -> SourceItem:
        """A record element kept in a rejects file, parsed with the same hardened options; a
        document refused when first read, or a record whose bytes were not kept (oversized,
        nested), has no bytes (`convert` says why again)."""
        if not raw:
            return SourceItem(file, locator, raw, line=line)
        try:  # through the stream `convert` reads: a replay refuses what convert refuses
            root = etree.parse(SafeXMLStream(io.BytesIO(raw)), etree.XMLParser(**PARSER_OPTIONS))
        except UnsafeXMLError as exc:
            return SourceItem(file, locator, raw, problem=f"unsafe XML refused: {exc}", line=line)
        except (NotXMLError, UnsupportedEncodingError, UnicodeError, LookupError) as exc:
            problem = f"malformed XML: {str(exc)[:200]}"
            return SourceItem(file, locator, raw, problem=problem, line=line)
        except etree.XMLSyntaxError as exc:
            problem = f"malformed XML: {exc.msg or 'no detail from the parser'}"
            return SourceItem(file, locator, raw, problem=problem, line=line)
        elements = [child for child in root.getroot() if isinstance(child.tag, str)]
        if len(elements) != 1:
            problem = f"malformed XML: {len(elements)} elements where one record was kept"
            return SourceItem(file, locator, raw, problem=problem, line=line)
        return SourceItem(file, locator, raw, element_value(elements[0]), line=line)

    def replay_context(self, item: SourceItem, context: SourceContext) -> dict[str, Any]:
        """Why a document or a record without its bytes was refused (so a replay says so
        again), or the attributes of the elements around a record (a replayed record is read
        alone)."""
        if item.problem is not None and not item.raw:
            return {"refused": {"reason": item.reason, "message": item.problem[:300]}}
        if isinstance(item.value, dict):
            around = {k: v for k, v in item.value.items() if k.startswith("/")}
            return {"around": around} if around else {}
        return {}

    def replay_warning(
        self, written: frozenset[tuple[str, str]], rejects_file: Path | None = None
    ) -> str | None:
        """Why the Device ids a replay makes may not be those of the first output (`written`,
        from the rejects file): none of them starts with this dialect's `device_prefix`, so
        the dialect changed it; or they are not scoped to a site while the dialect reads one
        that the rejected records have (a rejects file written before Device ids were
        site-scoped). Either way a door replayed here gets a second id. None otherwise."""
        devices = sorted(record_id for kind, record_id in written if kind == "Device")
        prefix = self.dialect.device_prefix
        if not devices:
            return None
        if not any(record_id.startswith(prefix) for record_id in devices):
            return (
                f"no Device of the first output ({devices[0]}, ...) starts with {self.name}'s "
                f"device_prefix {prefix!r}: a door replayed here gets a second id"
            )
        unscoped = unscoped_devices(self.dialect, devices)
        if unscoped and (rejects_file is None or self._sites_in(rejects_file)):
            return (
                f"Devices of the first output ({unscoped[0]}, ...) have ids not scoped to a site, "
                f"as ccstd wrote them before device ids became site-scoped; {self.name} reads the "
                "site from the log, so a door replayed here gets a second, site-scoped id"
            )
        return None

    def _sites_in(self, rejects_file: Path) -> bool:
        """Whether a record of the rejects file may have a site read from the log."""
        try:
            with rejects_file.open("rb") as lines:
                for line in lines:
                    entry = orjson.loads(line) if line.strip() else None
                    context = entry.get("context") if isinstance(entry, dict) else None
                    if isinstance(context, dict) and site_around(
                        self.dialect, context.get("around")
                    ):
                        return True
        except (OSError, orjson.JSONDecodeError):
            return True  # the replay says what is wrong with the file
        return False

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


DIALECTS: Family[Dialect] = Family(FAMILY, SCHEMA_FILE, BUILTIN, dialect_of, XmlAccessLogAdapter)


def family() -> Family[Dialect]:
    """The `access-xml` family (the `ccstd.adapters` entry point): one adapter per dialect."""
    return DIALECTS


def dialect_adapter(path: Path) -> XmlAccessLogAdapter:
    """The adapter for one dialect file (`--dialect FILE`); a DataFileError names the file, line
    and key of what is wrong. It may extend any dialect found otherwise."""
    adapter = DIALECTS.from_file(path)
    assert isinstance(adapter, XmlAccessLogAdapter)
    return adapter


def builtin(name: str) -> XmlAccessLogAdapter:
    """A built-in dialect's adapter by name (what `--from xml-legacy-accesslog` finds)."""
    adapter = DIALECTS.builtin_adapter(name)
    assert isinstance(adapter, XmlAccessLogAdapter)
    return adapter
