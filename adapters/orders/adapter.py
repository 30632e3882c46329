"""E-commerce orders: one adapter class over the engine; a platform is a data file.

The built-in platforms (platforms/*.toml), platform files in `$CCSTD_DIALECT_PATH`, those a
distribution ships through the `ccstd.dialects` entry points and a file named with
`ccstd convert --dialect FILE` are all loaded the same way (family `orders`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ccstd.adapters.base import Outcome, SourceContext, SourceItem
from ccstd.adapters.orders.engine import convert_order, order_item, read_orders
from ccstd.adapters.orders.tables import BUILTIN, FAMILY, SCHEMA_FILE, Platform, compile_platform
from ccstd.adapters.table_adapter import Family, TableAdapter


class OrdersAdapter(TableAdapter[Platform]):
    """Orders of one platform → Order records (and Delivery records where shipping data exists)."""

    version = "0.2.0"

    def __init__(self, platform: Platform) -> None:
        super().__init__(platform)
        self.platform = platform
        pages = "|".join(re.escape(page) for page in ("$", *platform.pages))
        self.replay_locators = re.compile(
            rf"document|(?:line [1-9][0-9]*)|(?:line [1-9][0-9]* )?(?:{pages})\[[0-9]+\]"
        )

    def items(self, path: Path, context: SourceContext) -> Iterator[SourceItem]:
        """Each order of the file (arrays, API pages, NDJSON)."""
        return read_orders(path, self.platform)

    def item_from_raw(self, raw: bytes, file: str, locator: str, line: int | None) -> SourceItem:
        """An order of a rejects file, read as when it was first read (its JSON text fields
        parsed again)."""
        item = super().item_from_raw(raw, file, locator, line)
        if item.problem is not None or not self.platform.json_text:
            return item
        return order_item(file, locator, raw, item.value, line, self.platform)

    def convert(self, item: SourceItem, context: SourceContext) -> Outcome:
        """An Order (+ Deliveries) or a rejection."""
        return convert_order(item, self.platform)

    def describe(self) -> Iterator[str]:
        """Where each Order field comes from."""
        from ccstd.adapters.orders.describe import describe

        return describe(self.platform)


FAMILY_OF_PLATFORMS: Family[Platform] = Family(
    FAMILY, SCHEMA_FILE, BUILTIN, compile_platform, OrdersAdapter
)


def family() -> Family[Platform]:
    """The `orders` family (the `ccstd.adapters` entry point): one adapter per platform file."""
    return FAMILY_OF_PLATFORMS


def builtin(name: str) -> OrdersAdapter:
    """A built-in platform's adapter by name (`orders-shopify`)."""
    adapter = FAMILY_OF_PLATFORMS.builtin_adapter(name)
    assert isinstance(adapter, OrdersAdapter)
    return adapter
