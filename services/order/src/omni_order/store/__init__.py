"""The order service's collections, indexes and queries."""

from omni_order.store.carts import CART_INDEXES, CartStore
from omni_order.store.orders import ORDER_INDEXES, OrderStore
from omni_order.store.returns import RETURN_INDEXES, ReturnStore

INDEXES = {**CART_INDEXES, **ORDER_INDEXES, **RETURN_INDEXES}

__all__ = ["INDEXES", "CartStore", "OrderStore", "ReturnStore"]
