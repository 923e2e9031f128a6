"""Goods in and stock control at a location, for the people of that location and admins:
receipts (a SKU's first units there too), expected deliveries, safety stock, and the ledger of
a SKU's movements there. Every change runs once per Idempotency-Key."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post, put
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import Parameter

from omni.inventory.v1 import inventory_pb2
from omni_gateway.catalog_calls import call
from omni_gateway.downstream import actor_of
from omni_gateway.openapi import Follow, links
from omni_gateway.security import dependencies as auth
from omni_gateway.security.guards import roles, store_in_path
from omni_gateway.security.principals import Principal, StaffRole
from omni_gateway.views.goods_in import (
    INBOUND_STATUS,
    Cancellation,
    InboundPage,
    InboundStatus,
    InboundView,
    LedgerPage,
    NewInbound,
    NewReceipt,
    NewSafetyStock,
    Receipt,
    inbound_view,
)
from omni_gateway.views.stock import StockLevelView, movement_view, stock_level_view
from omni_kit.protos import to_timestamp

PageSize = Annotated[int, Parameter(ge=1, le=200)]
PageToken = Annotated[str, Parameter(max_length=500)]
MOVERS = (StaffRole.ASSOCIATE, StaffRole.STORE_MANAGER, StaffRole.ADMIN)
MANAGERS = (StaffRole.STORE_MANAGER, StaffRole.ADMIN)
INBOUND = {"store_id": "$request.path.store_id", "inbound_id": "$response.body#/id"}


class GoodsIn(Controller):
    path = "/staff/v1/inventory/stores/{store_id:str}"
    tags = ["inventory (staff)"]
    dependencies = {"principal": Provide(auth.staff)}
    security = [{"bearerAuth": []}]

    @post(
        "/receipts",
        summary="Receive goods (delivery note or purchase order), new SKUs here included",
        status_code=201,
        guards=[roles(*MOVERS), store_in_path()],
    )
    async def receive(
        self, state: State, principal: Principal, store_id: str, data: NewReceipt
    ) -> Receipt:
        reply = await call(
            state,
            state.downstream.inventory.ReceiveStock,
            inventory_pb2.ReceiveStockRequest(
                location_id=store_id,
                lines=[
                    inventory_pb2.StockQuantity(sku=line.sku, quantity=line.quantity)
                    for line in data.lines
                ],
                reference=data.reference,
                inbound_ids=data.inbound_ids,
                note=data.note,
                actor=actor_of(principal),
            ),
            idempotent=False,
        )
        return Receipt(stock_levels=[stock_level_view(level) for level in reply.stock_levels])

    @post(
        "/inbound",
        summary="Record a delivery expected here (counts toward available-to-promise dates)",
        status_code=201,
        guards=[roles(*MOVERS), store_in_path()],
        opt=links(
            201,
            {
                "Cancel": Follow(
                    "POST /staff/v1/inventory/stores/{store_id}/inbound/{inbound_id}/cancel",
                    INBOUND,
                )
            },
        ),
    )
    async def expect(
        self, state: State, principal: Principal, store_id: str, data: NewInbound
    ) -> InboundView:
        inbound = inventory_pb2.InboundStock(
            sku=data.sku,
            location_id=store_id,
            quantity=data.quantity,
            expected_at=to_timestamp(data.expected_at),
            source_kind=inventory_pb2.INBOUND_SOURCE_KIND_PURCHASE_ORDER,
            source_ref=data.reference,
        )
        reply = await call(
            state,
            state.downstream.inventory.RecordInbound,
            inventory_pb2.RecordInboundRequest(inbound=inbound),
            idempotent=False,
        )
        return inbound_view(reply.inbound)

    @get("/inbound", summary="Deliveries expected here, earliest first", guards=[store_in_path()])
    async def inbound(
        self,
        state: State,
        store_id: str,
        sku: Annotated[str, Parameter(max_length=64)] = "",
        status: InboundStatus | None = None,
        page_size: PageSize = 50,
        page_token: PageToken = "",
    ) -> InboundPage:
        reply = await call(
            state,
            state.downstream.inventory.ListInbound,
            inventory_pb2.ListInboundRequest(
                location_id=store_id,
                sku=sku,
                statuses=[INBOUND_STATUS.number(status)] if status else [],
                page_size=page_size,
                page_token=page_token,
            ),
            idempotent=True,
        )
        return InboundPage(
            inbound=[inbound_view(item) for item in reply.inbound],
            next_page_token=reply.next_page_token or None,
        )

    @post(
        "/inbound/{inbound_id:str}/cancel",
        summary="Cancel an expected delivery that will not come",
        status_code=200,
        guards=[roles(*MOVERS), store_in_path()],
    )
    async def cancel_inbound(
        self,
        state: State,
        principal: Principal,
        store_id: str,
        inbound_id: str,
        data: Cancellation | None = None,
    ) -> InboundView:
        reply = await call(
            state,
            state.downstream.inventory.CancelInbound,
            inventory_pb2.CancelInboundRequest(
                inbound_id=inbound_id,
                location_id=store_id,
                reason=data.reason if data else "",
                actor=actor_of(principal),
            ),
            idempotent=False,
        )
        return inbound_view(reply.inbound)

    @put(
        "/skus/{sku:str}/safety-stock",
        summary="Units of a SKU kept back from sale here (store manager, admin)",
        guards=[roles(*MANAGERS), store_in_path()],
    )
    async def safety_stock(
        self, state: State, principal: Principal, store_id: str, sku: str, data: NewSafetyStock
    ) -> StockLevelView:
        request = inventory_pb2.SetSafetyStockRequest(
            sku=sku,
            location_id=store_id,
            safety_stock=data.safety_stock,
            actor=actor_of(principal),
        )
        if data.low_stock_threshold is not None:
            request.low_stock_threshold = data.low_stock_threshold
        reply = await call(
            state, state.downstream.inventory.SetSafetyStock, request, idempotent=False
        )
        return stock_level_view(reply.stock_level)

    @get(
        "/skus/{sku:str}/ledger",
        summary="A SKU's stock movements here, oldest first",
        guards=[store_in_path()],
    )
    async def ledger(
        self,
        state: State,
        store_id: str,
        sku: str,
        page_size: PageSize = 50,
        page_token: PageToken = "",
    ) -> LedgerPage:
        reply = await call(
            state,
            state.downstream.inventory.ListLedgerEntries,
            inventory_pb2.ListLedgerEntriesRequest(
                sku=sku, location_id=store_id, page_size=page_size, page_token=page_token
            ),
            idempotent=True,
        )
        return LedgerPage(
            entries=[movement_view(entry) for entry in reply.entries],
            next_page_token=reply.next_page_token or None,
        )
