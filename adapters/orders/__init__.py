"""E-commerce orders (Shopify, WooCommerce, Taobao) → Order and Delivery."""

from ccstd.adapters.orders.adapter import (
    OrdersAdapter,
    ShopifyOrders,
    TaobaoOrders,
    WooCommerceOrders,
)

__all__ = ["OrdersAdapter", "ShopifyOrders", "TaobaoOrders", "WooCommerceOrders"]
