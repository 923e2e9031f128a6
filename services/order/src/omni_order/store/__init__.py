"""The order service's collections, indexes and queries."""

from omni.order.v1 import order_pb2
from omni_kit.migrations import TYPED_DOCUMENTS, Migration, reshape
from omni_order.store.callbacks import CALLBACK_INDEXES, PaymentCallbackStore
from omni_order.store.carts import CART_INDEXES, OBSOLETE_CART_INDEXES, CartStore
from omni_order.store.orders import OBSOLETE_ORDER_INDEXES, ORDER_INDEXES, OrderStore
from omni_order.store.paper_receipts import PAPER_RECEIPT_INDEXES
from omni_order.store.returns import OBSOLETE_RETURN_INDEXES, RETURN_INDEXES, ReturnStore
from omni_order.store.store_sales import STORE_SALE_INDEXES
from omni_order.store.store_shifts import STORE_SHIFT_INDEXES
from omni_order.store.tax import TAX_INDEXES
from omni_order.store.vouchers import VOUCHER_INDEXES, VoucherStore

INDEXES = {
    **CART_INDEXES,
    **ORDER_INDEXES,
    **RETURN_INDEXES,
    **CALLBACK_INDEXES,
    **TAX_INDEXES,
    **STORE_SALE_INDEXES,
    **STORE_SHIFT_INDEXES,
    **PAPER_RECEIPT_INDEXES,
    **VOUCHER_INDEXES,
    "orders": ORDER_INDEXES["orders"] + STORE_SALE_INDEXES["orders"],
}
OBSOLETE_INDEXES = {**OBSOLETE_CART_INDEXES, **OBSOLETE_ORDER_INDEXES, **OBSOLETE_RETURN_INDEXES}
MIGRATIONS = [
    Migration("carts", 1, TYPED_DOCUMENTS, reshape(order_pb2.Cart)),
    Migration("orders", 1, TYPED_DOCUMENTS, reshape(order_pb2.Order)),
    Migration("returns", 1, TYPED_DOCUMENTS, reshape(order_pb2.OrderReturn)),
]

__all__ = [
    "INDEXES",
    "MIGRATIONS",
    "OBSOLETE_INDEXES",
    "CartStore",
    "OrderStore",
    "PaymentCallbackStore",
    "ReturnStore",
    "VoucherStore",
]
