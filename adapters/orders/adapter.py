"""E-commerce orders: one adapter class over the engine; a platform is a table of platforms.toml."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ccstd.adapters.base import Adapter, Outcome, SourceContext, SourceItem, bound
from ccstd.adapters.ledger import Coverage
from ccstd.adapters.orders.engine import Platform, convert_order, load_platform, read_orders


class OrdersAdapter(Adapter):
    """Orders of one platform → Order records (and Delivery records where shipping data exists)."""

    version = "0.1.0"

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.name = platform.name
        self.formats = (platform.description,)
        self.standard_version = platform.standard
        pages = "|".join(re.escape(page) for page in ("$", *platform.pages))
        self.replay_locators = re.compile(
            rf"document|(?:line [1-9][0-9]*)|(?:line [1-9][0-9]* )?(?:{pages})\[[0-9]+\]"
        )

    def sniff(self, sample: bytes, filename: str) -> float:
        """Confident when every marker of the platform appears in the sample."""
        return 0.8 if all(m in sample for m in self.platform.sniff_markers) else 0.0

    def mapping_digest(self) -> str:
        """SHA-256 of the platform file."""
        return self.platform.digest

    def coverage(self) -> dict[str, Coverage]:
        """The platform's mapped and dropped fields."""
        return self.platform.coverage()

    def kind_of(self, item: SourceItem) -> str:
        """One kind per platform."""
        return self.platform.name

    def items(self, path: Path, context: SourceContext) -> Iterator[SourceItem]:
        """Each order of the file (arrays, API pages, NDJSON)."""
        return read_orders(path, self.platform)

    def convert(self, item: SourceItem, context: SourceContext) -> Outcome:
        """An Order (+ Deliveries) or a rejection."""
        return convert_order(item, self.platform)


ShopifyOrders = bound(OrdersAdapter, load_platform("shopify"), "ShopifyOrders")
WooCommerceOrders = bound(OrdersAdapter, load_platform("woocommerce"), "WooCommerceOrders")
TaobaoOrders = bound(OrdersAdapter, load_platform("taobao"), "TaobaoOrders")
