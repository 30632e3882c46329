"""E-commerce orders (Shopify, WooCommerce, Taobao, Meituan Waimai, and any platform written as a
file) → Order and Delivery."""

from functools import partial

from ccstd.adapters.orders.adapter import OrdersAdapter, builtin, family

# The built-in platforms' adapters, by the names the Python API has always had.
ShopifyOrders = partial(builtin, "orders-shopify")
WooCommerceOrders = partial(builtin, "orders-woocommerce")
TaobaoOrders = partial(builtin, "orders-taobao")
MeituanWaimaiOrders = partial(builtin, "orders-meituan-waimai")

__all__ = [
    "MeituanWaimaiOrders",
    "OrdersAdapter",
    "ShopifyOrders",
    "TaobaoOrders",
    "WooCommerceOrders",
    "builtin",
    "family",
]
