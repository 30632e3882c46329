"""Access-control XML logs: the engine bound to each built-in dialect (new dialects are data)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from ccstd.adapters.access_xml.engine import (
    PARSER_OPTIONS,
    Dialect,
    convert_event,
    element_value,
    read_records,
)
from ccstd.adapters.base import Adapter, Outcome, SourceContext, SourceItem, bound
from ccstd.adapters.ledger import Coverage

DIALECTS = Path(__file__).with_name("dialects")


_NAME = r"[A-Za-z_][A-Za-z0-9_.-]{0,63}"  # an element's local name in an XPath locator


class XmlAccessLogAdapter(Adapter):
    """Streams one dialect's records with hardened lxml iterparse and maps them to AccessEvents."""

    version = "0.1.0"

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.name = dialect.name
        self.formats = (dialect.description,)
        record = re.escape(dialect.record)
        self.replay_locators = re.compile(
            rf"(?:/{_NAME})*/{record}\[[1-9][0-9]*\]|document(?: at line [1-9][0-9]*)?"
        )

    def sniff(self, sample: bytes, filename: str) -> float:
        """Confident when every marker of the dialect appears in the sample."""
        markers = self.dialect.sniff_markers
        return 0.9 if markers and all(m in sample for m in markers) else 0.0

    def mapping_digest(self) -> str:
        """SHA-256 of the dialect file."""
        return self.dialect.digest

    def coverage(self) -> dict[str, Coverage]:
        """The dialect's mapped and dropped paths."""
        return self.dialect.coverage()

    def kind_of(self, item: SourceItem) -> str:
        """One kind per dialect."""
        return self.dialect.name

    def item_from_raw(self, raw: bytes, file: str, locator: str, line: int | None) -> SourceItem:
        """A record element kept in a rejects file, parsed with the same hardened options."""
        try:
            element = etree.fromstring(raw, etree.XMLParser(**PARSER_OPTIONS))
        except etree.XMLSyntaxError as exc:
            return SourceItem(file, locator, raw, problem=f"malformed XML: {exc.msg}", line=line)
        return SourceItem(file, locator, raw, element_value(element), line=line)

    def items(self, path: Path, context: SourceContext) -> Iterator[SourceItem]:
        """The dialect's record elements, streamed."""
        return read_records(path, self.dialect)

    def convert(self, item: SourceItem, context: SourceContext) -> Outcome:
        """An AccessEvent, a skip (alarms and other non-pass events) or a rejection."""
        return convert_event(item, self.dialect)


def _dialect(file: str) -> Dialect:
    return Dialect.load(DIALECTS / file)


HikvisionIsapi = bound(XmlAccessLogAdapter, _dialect("hikvision-isapi.toml"), "HikvisionIsapi")
LegacyAccessLog = bound(XmlAccessLogAdapter, _dialect("legacy-accesslog.toml"), "LegacyAccessLog")
AcsV2 = bound(XmlAccessLogAdapter, _dialect("acs-v2-attributes.toml"), "AcsV2")
