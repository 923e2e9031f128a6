"""Inventory routes: availability for frontends, stock and movements for staff (their own stores
only), the stock feed for partners (their channel's share only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import Parameter

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2
from omni_gateway.context import SALES_CHANNELS
from omni_gateway.downstream import actor_of
from omni_gateway.resources import as_json
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Channel, Principal, StaffRole
from omni_kit.protos import to_timestamp

Sku = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Quantity = Annotated[int, msgspec.Meta(ge=-1_000_000, le=1_000_000)]
Note = Annotated[str, msgspec.Meta(max_length=500)]
PageSize = Annotated[int, Parameter(ge=1, le=200)]
PageToken = Annotated[str, Parameter(max_length=500)]
Reason = Literal["count_correction", "damaged", "lost", "found", "other"]
# Who may move stock: the people in the store and admins, not call-centre consultants.
MOVERS = (StaffRole.ASSOCIATE, StaffRole.STORE_MANAGER, StaffRole.ADMIN)


class NewAdjustment(msgspec.Struct, forbid_unknown_fields=True):
    sku: Sku
    quantity_delta: Quantity
    reason: Reason
    note: Note = ""


class TransferLine(msgspec.Struct, forbid_unknown_fields=True):
    sku: Sku
    quantity: Quantity


class NewTransfer(msgspec.Struct, forbid_unknown_fields=True):
    to_location_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    lines: Annotated[list[TransferLine], msgspec.Meta(min_length=1, max_length=100)]
    note: Note = ""
    expected_at: datetime | None = None


class StockPolicy(msgspec.Struct, forbid_unknown_fields=True):
    share_percent: Annotated[int, msgspec.Meta(ge=0, le=100)] = 100
    buffer_units: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)] = 0


class Availability(Controller):
    path = "/api/v1/availability"
    tags = ["inventory"]
    dependencies = {"channel": Provide(auth.frontend_channel)}

    @get("/{sku:str}", summary="Where a SKU is available: totals, per store, click & collect")
    async def availability(
        self,
        state: State,
        channel: Channel,
        sku: str,
        lat: Annotated[float | None, Parameter(ge=-90, le=90)] = None,
        lng: Annotated[float | None, Parameter(ge=-180, le=180)] = None,
        radius_km: Annotated[float, Parameter(ge=0, le=20000)] = 0,
        click_and_collect: bool = False,
        max_locations: Annotated[int, Parameter(ge=0, le=100)] = 10,
    ) -> dict[str, Any]:
        request = inventory_pb2.GetAvailableToPromiseRequest(
            skus=[sku],
            channel=common_pb2.ChannelRef(channel=SALES_CHANNELS[channel]),
            radius_km=radius_km,
            click_and_collect_only=click_and_collect,
            max_locations=max_locations,
        )
        if lat is not None and lng is not None:
            request.near.CopyFrom(common_pb2.GeoPoint(lat=lat, lng=lng))
        reply = await state.downstream.call(
            state.downstream.inventory.GetAvailableToPromise, request, idempotent=True
        )
        return as_json(reply.availability[0])


class StaffInventory(Controller):
    path = "/staff/v1/inventory"
    tags = ["inventory (staff)"]
    dependencies = {"principal": Provide(auth.staff)}
    security = [{"bearerAuth": []}]

    @get("/skus/{sku:str}/stock", summary="Stock of a SKU in every location")
    async def sku_stock(self, state: State, principal: Principal, sku: str) -> dict[str, Any]:
        levels = await state.downstream.call(
            state.downstream.inventory.ListStockLevels,
            inventory_pb2.ListStockLevelsRequest(skus=[sku], page_size=200),
            idempotent=True,
        )
        ids = [level.location_id for level in levels.stock_levels]
        places = await state.downstream.call(
            state.downstream.inventory.ListStockLocations,
            inventory_pb2.ListStockLocationsRequest(
                location_ids=ids, include_inactive=True, page_size=200
            ),
            idempotent=True,
        )
        named = {place.id: place for place in places.locations}
        rows = []
        for level in levels.stock_levels:
            row = as_json(level)
            place = named.get(level.location_id)
            if place is not None:
                row["location"] = {
                    "code": place.code,
                    "name": place.name,
                    "kind": inventory_pb2.LocationKind.Name(place.kind),
                    "click_and_collect": place.capabilities.click_and_collect,
                }
            rows.append(row)
        return {"sku": sku, "locations": rows}

    @get("/stores/{store_id:str}/stock", summary="Stock in one of my stores")
    async def store_stock(
        self,
        state: State,
        principal: Principal,
        store_id: str,
        page_size: PageSize = 50,
        page_token: PageToken = "",
    ) -> dict[str, Any]:
        auth.require_store(principal, store_id)
        reply = await state.downstream.call(
            state.downstream.inventory.ListStockLevels,
            inventory_pb2.ListStockLevelsRequest(
                location_ids=[store_id], page_size=page_size, page_token=page_token
            ),
            idempotent=True,
        )
        return as_json(reply)

    @post(
        "/stores/{store_id:str}/adjustments",
        summary="Adjust stock in one of my stores (with a reason)",
        status_code=201,
    )
    async def adjust(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        store_id: str,
        data: NewAdjustment,
    ) -> Response[Any]:
        auth.require_roles(principal, *MOVERS)
        auth.require_store(principal, store_id)
        call = inventory_pb2.AdjustStockRequest(
            sku=data.sku,
            location_id=store_id,
            quantity_delta=data.quantity_delta,
            reason=inventory_pb2.AdjustmentReason.Value(f"ADJUSTMENT_REASON_{data.reason.upper()}"),
            note=data.note,
            actor=actor_of(principal),
        )

        reply = await state.downstream.call(
            state.downstream.inventory.AdjustStock, call, idempotent=False
        )
        return Response(as_json(reply), status_code=201)

    @post(
        "/stores/{store_id:str}/transfers",
        summary="Request a transfer from one of my stores to another location",
        status_code=201,
    )
    async def transfer(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        store_id: str,
        data: NewTransfer,
    ) -> Response[Any]:
        auth.require_roles(principal, *MOVERS)
        auth.require_store(principal, store_id)
        call = inventory_pb2.CreateTransferRequest(
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
            call.expected_at.CopyFrom(to_timestamp(data.expected_at))

        reply = await state.downstream.call(
            state.downstream.inventory.CreateTransfer, call, idempotent=False
        )
        return Response(as_json(reply.transfer), status_code=201)

    @post(
        "/transfers/{transfer_id:str}/ship",
        summary="Ship a transfer from my store",
        status_code=200,
    )
    async def ship(self, state: State, principal: Principal, transfer_id: str) -> dict[str, Any]:
        transfer = await self._transfer(state, principal, transfer_id, outgoing=True)
        reply = await state.downstream.call(
            state.downstream.inventory.ShipTransfer,
            inventory_pb2.ShipTransferRequest(transfer_id=transfer.id, actor=actor_of(principal)),
            idempotent=False,
        )
        return as_json(reply.transfer)

    @post(
        "/transfers/{transfer_id:str}/receive",
        summary="Receive a transfer at my store",
        status_code=200,
    )
    async def receive(self, state: State, principal: Principal, transfer_id: str) -> dict[str, Any]:
        transfer = await self._transfer(state, principal, transfer_id, outgoing=False)
        reply = await state.downstream.call(
            state.downstream.inventory.ReceiveTransfer,
            inventory_pb2.ReceiveTransferRequest(
                transfer_id=transfer.id, actor=actor_of(principal)
            ),
            idempotent=False,
        )
        return as_json(reply.transfer)

    @put(
        "/partners/{partner_id:str}/stock-policy",
        summary="The share of stock a marketplace partner sees (admin)",
    )
    async def partner_policy(
        self, state: State, principal: Principal, partner_id: str, data: StockPolicy
    ) -> dict[str, Any]:
        auth.require_roles(principal, StaffRole.ADMIN)
        policy = inventory_pb2.ChannelStockPolicy(
            channel=common_pb2.ChannelRef(
                channel=common_pb2.SALES_CHANNEL_MARKETPLACE, partner_id=partner_id
            ),
            share_percent=data.share_percent,
            buffer_units=data.buffer_units,
            updated_by=actor_of(principal),
        )
        reply = await state.downstream.call(
            state.downstream.inventory.SetChannelStockPolicy,
            inventory_pb2.SetChannelStockPolicyRequest(policy=policy),
            idempotent=True,
        )
        return as_json(reply.policy)

    async def _transfer(
        self, state: State, principal: Principal, transfer_id: str, *, outgoing: bool
    ) -> inventory_pb2.Transfer:
        auth.require_roles(principal, *MOVERS)
        reply = await state.downstream.call(
            state.downstream.inventory.GetTransfer,
            inventory_pb2.GetTransferRequest(transfer_id=transfer_id),
            idempotent=True,
        )
        transfer = reply.transfer
        auth.require_store(
            principal, transfer.from_location_id if outgoing else transfer.to_location_id
        )
        return transfer


class PartnerStockFeed(Controller):
    path = "/partner/v1/inventory"
    tags = ["inventory (partner)"]
    dependencies = {"principal": Provide(auth.partner)}
    security = [{"apiKey": []}]

    @get("/feed", summary="My channel's stock share per SKU, changed since a time")
    async def feed(
        self,
        state: State,
        principal: Principal,
        updated_since: datetime | None = None,
        page_size: PageSize = 50,
        page_token: PageToken = "",
    ) -> dict[str, Any]:
        auth.require_scope(principal, "inventory:read")
        request = inventory_pb2.ListStockFeedRequest(
            channel=common_pb2.ChannelRef(
                channel=common_pb2.SALES_CHANNEL_MARKETPLACE, partner_id=principal.partner_id
            ),
            page_size=page_size,
            page_token=page_token,
        )
        if updated_since is not None:
            request.updated_since.CopyFrom(to_timestamp(updated_since))
        reply = await state.downstream.call(
            state.downstream.inventory.ListStockFeed, request, idempotent=True
        )
        return as_json(reply)


PUBLIC_ROUTES: list[Any] = [Availability, StaffInventory]
PARTNER_ROUTES: list[Any] = [PartnerStockFeed]
