"""The OrderService gRPC servicer: protobuf <-> domain and store, one part per concern."""

from __future__ import annotations

from omni.order.v1 import order_pb2_grpc
from omni_order.api.carriers import CarriersApi
from omni_order.api.cart_vouchers import CartVoucherApi
from omni_order.api.carts import CartApi
from omni_order.api.checkout import CheckoutApi
from omni_order.api.deps import Deps
from omni_order.api.imports import ImportApi
from omni_order.api.lifecycle import LifecycleApi
from omni_order.api.paper_receipts import PaperReceiptApi
from omni_order.api.payments import PaymentsApi
from omni_order.api.queries import QueriesApi
from omni_order.api.returns import ReturnsApi
from omni_order.api.store_nodes import StoreNodeApi
from omni_order.api.store_sales import StoreSaleApi
from omni_order.api.store_shifts import StoreShiftApi


class OrderApi(
    CartApi,
    CartVoucherApi,
    CheckoutApi,
    CarriersApi,
    ImportApi,
    LifecycleApi,
    PaymentsApi,
    ReturnsApi,
    StoreSaleApi,
    StoreShiftApi,
    StoreNodeApi,
    PaperReceiptApi,
    QueriesApi,
    order_pb2_grpc.OrderServiceServicer,
):
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self._sagas = set()


__all__ = ["Deps", "OrderApi"]
