"""Stock for staff: a SKU in every location (any staff role), a store's stock and its movements
(the people of that store and admins), and the share of stock partners see (admins)."""

from __future__ import annotations

import asyncio
from typing import Annotated

from litestar import Controller, get, post, put
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import Parameter

from omni.inventory.v1 import inventory_pb2
from omni_gateway.context import channel_ref
from omni_gateway.downstream import actor_of
from omni_gateway.openapi import ID, Follow, links
from omni_gateway.security import dependencies as auth
from omni_gateway.security.guards import roles, store_in_path
from omni_gateway.security.principals import Channel, Principal, StaffRole
from omni_gateway.views.goods_in import Cancellation
from omni_gateway.views.stock import (
    ADJUSTMENT_REASON,
    Adjustment,
    NewAdjustment,
    NewStockPolicy,
    NewTransfer,
    SkuStock,
    StockLevelPage,
    StockPolicy,
    TransferView,
    adjustment_view,
    located_stock_level,
    stock_level_view,
    stock_policy_view,
    transfer_view,
)
from omni_kit.protos import to_timestamp

PageSize = Annotated[int, Parameter(ge=1, le=200)]
PageToken = Annotated[str, Parameter(max_length=500)]
# Who may move stock: the people in the store and admins, not call-centre consultants.
MOVERS = (StaffRole.ASSOCIATE, StaffRole.STORE_MANAGER, StaffRole.ADMIN)
FIRST_STORE = {"store_id": "$response.body#/locations/0/location_id"}
TRANSFER = {"transfer_id": ID}


class StaffInventory(Controller):
    path = "/staff/v1/inventory"
    tags = ["inventory (staff)"]
    dependencies = {"principal": Provide(auth.staff)}
    security = [{"bearerAuth": []}]

    @get(
        "/skus/{sku:str}/stock",
        summary="Stock of a SKU in every location",
        description=(
            "With `near_location_id`, nearest to that location first, each with its `distance_km`."
        ),
        opt=links(
            200,
            {
                name: Follow(target, FIRST_STORE)
                for name, target in (
                    ("Store", "GET /staff/v1/stores/{store_id}"),
                    ("StoreStock", "GET /staff/v1/inventory/stores/{store_id}/stock"),
                    ("Adjust", "POST /staff/v1/inventory/stores/{store_id}/adjustments"),
                    ("Transfer", "POST /staff/v1/inventory/stores/{store_id}/transfers"),
                    ("Pickups", "GET /staff/v1/stores/{store_id}/pickups"),
                )
            },
        ),
    )
    async def sku_stock(
        self,
        state: State,
        principal: Principal,
        sku: str,
        near_location_id: Annotated[str, Parameter(max_length=64)] = "",
    ) -> SkuStock:
        return await sku_stock(state, sku, near_location_id)

    @get(
        "/stores/{store_id:str}/stock",
        summary="Stock in one of my stores",
        guards=[store_in_path()],
    )
    async def store_stock(
        self, state: State, store_id: str, page_size: PageSize = 50, page_token: PageToken = ""
    ) -> StockLevelPage:
        reply = await state.downstream.call(
            state.downstream.inventory.ListStockLevels,
            inventory_pb2.ListStockLevelsRequest(
                location_ids=[store_id], page_size=page_size, page_token=page_token
            ),
            idempotent=True,
        )
        return StockLevelPage(
            stock_levels=[stock_level_view(level) for level in reply.stock_levels],
            next_page_token=reply.next_page_token or None,
        )

    @post(
        "/stores/{store_id:str}/adjustments",
        summary="Adjust stock in one of my stores (with a reason)",
        status_code=201,
        guards=[roles(*MOVERS), store_in_path()],
    )
    async def adjust(
        self, state: State, principal: Principal, store_id: str, data: NewAdjustment
    ) -> Adjustment:
        reply = await state.downstream.call(
            state.downstream.inventory.AdjustStock,
            inventory_pb2.AdjustStockRequest(
                sku=data.sku,
                location_id=store_id,
                quantity_delta=data.quantity_delta,
                reason=ADJUSTMENT_REASON.number(data.reason),
                note=data.note,
                actor=actor_of(principal),
            ),
            idempotent=False,
        )
        return adjustment_view(reply)

    @post(
        "/stores/{store_id:str}/transfers",
        summary="Request a transfer from one of my stores to another location",
        status_code=201,
        guards=[roles(*MOVERS), store_in_path()],
        opt=links(
            201,
            {
                "Ship": Follow("POST /staff/v1/inventory/transfers/{transfer_id}/ship", TRANSFER),
                "Receive": Follow(
                    "POST /staff/v1/inventory/transfers/{transfer_id}/receive", TRANSFER
                ),
                "Cancel": Follow(
                    "POST /staff/v1/inventory/transfers/{transfer_id}/cancel", TRANSFER
                ),
            },
        ),
    )
    async def transfer(
        self, state: State, principal: Principal, store_id: str, data: NewTransfer
    ) -> TransferView:
        request = inventory_pb2.CreateTransferRequest(
            from_location_id=store_id,
            to_location_id=data.to_location_id,
            lines=[
                inventory_pb2.StockQuantity(sku=line.sku, quantity=line.quantity)
                for line in data.lines
            ],
            note=data.note,
            actor=actor_of(principal),
        )
        if data.expected_at is not None:
            request.expected_at.CopyFrom(to_timestamp(data.expected_at))
        reply = await state.downstream.call(
            state.downstream.inventory.CreateTransfer, request, idempotent=False
        )
        return transfer_view(reply.transfer)

    @post(
        "/transfers/{transfer_id:str}/ship",
        summary="Ship a transfer from my store",
        status_code=200,
        guards=[roles(*MOVERS)],
    )
    async def ship(self, state: State, principal: Principal, transfer_id: str) -> TransferView:
        transfer = await _transfer(state, principal, transfer_id, outgoing=True)
        reply = await state.downstream.call(
            state.downstream.inventory.ShipTransfer,
            inventory_pb2.ShipTransferRequest(transfer_id=transfer.id, actor=actor_of(principal)),
            idempotent=False,
        )
        return transfer_view(reply.transfer)

    @post(
        "/transfers/{transfer_id:str}/receive",
        summary="Receive a transfer at my store",
        status_code=200,
        guards=[roles(*MOVERS)],
    )
    async def receive(self, state: State, principal: Principal, transfer_id: str) -> TransferView:
        transfer = await _transfer(state, principal, transfer_id, outgoing=False)
        reply = await state.downstream.call(
            state.downstream.inventory.ReceiveTransfer,
            inventory_pb2.ReceiveTransferRequest(
                transfer_id=transfer.id, actor=actor_of(principal)
            ),
            idempotent=False,
        )
        return transfer_view(reply.transfer)

    @post(
        "/transfers/{transfer_id:str}/cancel",
        summary="Cancel a transfer from my store before it ships",
        status_code=200,
        guards=[roles(*MOVERS)],
    )
    async def cancel(
        self,
        state: State,
        principal: Principal,
        transfer_id: str,
        data: Cancellation | None = None,
    ) -> TransferView:
        transfer = await _transfer(state, principal, transfer_id, outgoing=True)
        reply = await state.downstream.call(
            state.downstream.inventory.CancelTransfer,
            inventory_pb2.CancelTransferRequest(
                transfer_id=transfer.id,
                reason=data.reason if data else "",
                actor=actor_of(principal),
            ),
            idempotent=False,
        )
        return transfer_view(reply.transfer)

    @put(
        "/partners/{partner_id:str}/stock-policy",
        summary="The share of stock a marketplace partner sees (admin)",
        guards=[roles(StaffRole.ADMIN)],
    )
    async def partner_policy(
        self, state: State, principal: Principal, partner_id: str, data: NewStockPolicy
    ) -> StockPolicy:
        policy = inventory_pb2.ChannelStockPolicy(
            channel=channel_ref(Channel.MARKETPLACE, partner_id=partner_id),
            share_percent=data.share_percent,
            buffer_units=data.buffer_units,
            updated_by=actor_of(principal),
        )
        reply = await state.downstream.call(
            state.downstream.inventory.SetChannelStockPolicy,
            inventory_pb2.SetChannelStockPolicyRequest(policy=policy),
            idempotent=True,
        )
        return stock_policy_view(reply.policy)


async def _transfer(
    state: State, principal: Principal, transfer_id: str, *, outgoing: bool
) -> inventory_pb2.Transfer:
    """The transfer, when the caller may act for its sending (outgoing) or receiving store."""
    reply = await state.downstream.call(
        state.downstream.inventory.GetTransfer,
        inventory_pb2.GetTransferRequest(transfer_id=transfer_id),
        idempotent=True,
    )
    transfer: inventory_pb2.Transfer = reply.transfer
    auth.require_store(
        principal, transfer.from_location_id if outgoing else transfer.to_location_id
    )
    return transfer


async def sku_stock(state: State, sku: str, near_location_id: str = "") -> SkuStock:
    """A SKU's stock in every location it is kept at (reserved and inbound included); nearest
    to `near_location_id` first when given (the inventory service measures the distances)."""
    levels, here = await asyncio.gather(
        state.downstream.call(
            state.downstream.inventory.ListStockLevels,
            inventory_pb2.ListStockLevelsRequest(skus=[sku], page_size=200),
            idempotent=True,
        ),
        _location(state, near_location_id),
    )
    ask = inventory_pb2.ListStockLocationsRequest(
        location_ids=[level.location_id for level in levels.stock_levels],
        include_inactive=True,
        page_size=200,
    )
    if here is not None:
        ask.near.CopyFrom(here.geo)
    places = await state.downstream.call(
        state.downstream.inventory.ListStockLocations, ask, idempotent=True
    )
    named = {place.id: place for place in places.locations}
    distances = dict(zip((p.id for p in places.locations), places.distances_km, strict=False))
    rank = {place.id: index for index, place in enumerate(places.locations)}
    ordered = list(levels.stock_levels)
    if near_location_id:
        ordered.sort(key=lambda level: rank.get(level.location_id, len(rank)))
    return SkuStock(
        sku=sku,
        locations=[
            located_stock_level(
                level, named.get(level.location_id), distances.get(level.location_id)
            )
            for level in ordered
        ],
    )


async def _location(state: State, location_id: str) -> inventory_pb2.StockLocation | None:
    if not location_id:
        return None
    reply = await state.downstream.call(
        state.downstream.inventory.GetStockLocation,
        inventory_pb2.GetStockLocationRequest(location_id=location_id),
        idempotent=True,
    )
    return reply.location
