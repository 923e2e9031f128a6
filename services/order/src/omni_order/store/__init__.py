"""The order service's collections, indexes and queries."""

from omni_order.store.carts import CART_INDEXES, OBSOLETE_CART_INDEXES, CartStore
from omni_order.store.orders import OBSOLETE_ORDER_INDEXES, ORDER_INDEXES, OrderStore
from omni_order.store.returns import OBSOLETE_RETURN_INDEXES, RETURN_INDEXES, ReturnStore

INDEXES = {**CART_INDEXES, **ORDER_INDEXES, **RETURN_INDEXES}
OBSOLETE_INDEXES = {**OBSOLETE_CART_INDEXES, **OBSOLETE_ORDER_INDEXES, **OBSOLETE_RETURN_INDEXES}

__all__ = ["INDEXES", "OBSOLETE_INDEXES", "CartStore", "OrderStore", "ReturnStore"]
