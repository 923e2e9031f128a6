"""Each store's node as the centre sees it (online, offline since, sales waiting, last sync):
staff of a store see their own stores' nodes, consultants and admins every one."""

from __future__ import annotations

from litestar import Controller, get, put
from litestar.datastructures import State
from litestar.di import Provide

from omni.order.v1 import order_pb2
from omni_gateway.downstream import actor_of
from omni_gateway.security import dependencies as auth
from omni_gateway.security.guards import roles, store_in_path
from omni_gateway.security.principals import Principal, StaffRole
from omni_gateway.staff.orders import StoreIds, stores_in_scope
from omni_gateway.views.store_node import (
    StoreNodeLimits,
    StoreNodeList,
    StoreNodeView,
    StorePaymentsDue,
    limits_message,
    limits_view,
    payment_due_view,
    store_node_view,
)


class StaffStoreNodes(Controller):
    path = "/staff/v1"
    tags = ["stores (staff)"]
    dependencies = {"principal": Provide(auth.staff)}
    security = [{"bearerAuth": []}]

    @get(
        "/stores/{store_id:str}/node",
        summary="A store's node as the centre sees it (staff of that store, consultants, admins)",
        guards=[store_in_path()],
    )
    async def store_node(self, state: State, store_id: str) -> StoreNodeView:
        reply = await state.downstream.call(
            state.downstream.order.GetStoreNodeStatus,
            order_pb2.GetStoreNodeStatusRequest(store_id=store_id),
            idempotent=True,
        )
        return store_node_view(reply.status)

    @get(
        "/store-nodes",
        summary="The store nodes the caller may see (a store role: its own stores), by store id",
    )
    async def store_nodes(
        self, state: State, principal: Principal, store_id: StoreIds = None
    ) -> StoreNodeList:
        reply = await state.downstream.call(
            state.downstream.order.ListStoreNodeStatuses,
            order_pb2.ListStoreNodeStatusesRequest(
                store_ids=stores_in_scope(principal, store_id or [])
            ),
            idempotent=True,
        )
        return StoreNodeList(nodes=[store_node_view(status) for status in reply.statuses])

    @put(
        "/stores/{store_id:str}/node/limits",
        summary="A store's limits for card sales while its node is offline (store manager, admin)",
        guards=[roles(StaffRole.STORE_MANAGER, StaffRole.ADMIN), store_in_path()],
    )
    async def set_limits(
        self, state: State, principal: Principal, store_id: str, data: StoreNodeLimits
    ) -> StoreNodeLimits:
        reply = await state.downstream.call(
            state.downstream.order.SetStoreNodeLimits,
            order_pb2.SetStoreNodeLimitsRequest(
                store_id=store_id, limits=limits_message(data), actor=actor_of(principal)
            ),
            idempotent=True,
        )
        return limits_view(reply.limits)

    @get(
        "/stores/{store_id:str}/payments-due",
        summary="Cards stored offline and declined when forwarded: the customers to ask for the "
        "money, newest first (staff of that store, consultants, admins)",
        guards=[store_in_path()],
    )
    async def payments_due(self, state: State, store_id: str) -> StorePaymentsDue:
        reply = await state.downstream.call(
            state.downstream.order.ListStorePaymentsDue,
            order_pb2.ListStorePaymentsDueRequest(store_ids=[store_id]),
            idempotent=True,
        )
        return StorePaymentsDue(payments_due=[payment_due_view(t) for t in reply.payments_due])
