"""Staff changing orders: cancelling, the pickup at a store, shipments from a location and
returns received at a store (any channel's order). Each change answers with the order as it is
after it; store staff act only for their own stores (the pickup store, the shipment's source,
the receiving store)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Controller, Response, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import NotFoundException, PermissionDeniedException

from omni.order.v1 import order_pb2
from omni_gateway.context import channel_ref
from omni_gateway.downstream import actor_of
from omni_gateway.openapi import Follow, links
from omni_gateway.security import dependencies as auth
from omni_gateway.security.guards import roles
from omni_gateway.security.principals import STORE_ROLES, Channel, Principal, StaffRole
from omni_gateway.staff.orders import staff_order
from omni_gateway.views.delivery import shipment_view
from omni_gateway.views.fulfilment import (
    Collection,
    NewReturn,
    NewShipment,
    ReturnCreated,
    ShipmentCreated,
    Tracking,
    return_view,
    to_proto_return_lines,
)
from omni_gateway.views.order import Cancel, StaffOrder, staff_order_view, to_proto_units
from omni_gateway.views.payment import RefundMade

P = order_pb2
CANCEL_ROLES = (StaffRole.ADMIN, StaffRole.CONSULTANT, StaffRole.STORE_MANAGER)
SHIPMENT = {"order_id": "$response.body#/order/id", "shipment_id": "$response.body#/shipment/id"}


async def _changed(state: State, method: Callable[..., Awaitable[Any]], request: Any) -> StaffOrder:
    """A change to the order (safe to repeat: it carries the call's key); the order after it."""
    reply = await state.downstream.call(method, request, idempotent=True)
    return staff_order_view(reply.order)


async def pickup_store(state: State, principal: Principal, order_id: str) -> str:
    order = await staff_order(state, order_id)
    store_id = order.delivery.pickup_location_id
    if not store_id:
        raise NotFoundException(f"order {order_id!r} is not picked up at a store")
    auth.require_store(principal, store_id)
    return store_id


async def _shipment_source(
    state: State, principal: Principal, order_id: str, shipment_id: str
) -> str:
    order = await staff_order(state, order_id)
    for shipment in order.shipments:
        if shipment.id == shipment_id:
            auth.require_store(principal, shipment.source_location_id)
            return shipment.source_location_id
    raise NotFoundException(f"order {order_id!r} has no shipment {shipment_id!r}")


def order_stores(order: P.Order) -> set[str]:
    """The stores an order belongs to: where it was placed, is picked up, or ships from (what
    the order service's store filter matches)."""
    stores = {order.channel.store_id, order.delivery.pickup_location_id}
    stores |= {shipment.source_location_id for shipment in order.shipments}
    return {store for store in stores if store}


# What the routes below do, callable by the console too (one copy of the rules).


async def cancel_order(
    state: State, principal: Principal, channel: Channel, order_id: str, data: Cancel
) -> StaffOrder:
    auth.require_roles(principal, *CANCEL_ROLES)  # the route's guard too, for every caller
    if principal.role in STORE_ROLES:  # a store's staff cancel only their stores' orders
        stores = order_stores(await staff_order(state, order_id))
        if not stores & principal.store_ids:
            raise PermissionDeniedException(f"order {order_id!r} belongs to none of your stores")
    cancel = P.CancelOrderRequest(
        order_id=order_id,
        lines=to_proto_units(data.lines),
        reason=P.CANCELLATION_REASON_STAFF_DECISION,
        note=data.note,
        actor=actor_of(principal),
        channel=channel_ref(channel),
    )
    return await _changed(state, state.downstream.order.CancelOrder, cancel)


async def mark_ready(
    state: State, principal: Principal, channel: Channel, order_id: str
) -> StaffOrder:
    """Goods at the pickup store (a ship-to-store parcel received): the code and deadline are
    made and the customer is told (the order service's event)."""
    store_id = await pickup_store(state, principal, order_id)
    mark = P.MarkReadyForPickupRequest(
        order_id=order_id,
        actor=actor_of(principal),
        channel=channel_ref(channel, store_id=store_id),
    )
    return await _changed(state, state.downstream.order.MarkReadyForPickup, mark)


async def mark_collected(
    state: State, principal: Principal, channel: Channel, order_id: str, data: Collection
) -> StaffOrder:
    store_id = await pickup_store(state, principal, order_id)
    mark = P.MarkCollectedRequest(
        order_id=order_id,
        pickup_code=data.pickup_code,
        actor=actor_of(principal),
        channel=channel_ref(channel, store_id=store_id),
    )
    return await _changed(state, state.downstream.order.MarkCollected, mark)


async def take_back(
    state: State, principal: Principal, channel: Channel, order_id: str, data: NewReturn
) -> ReturnCreated:
    # The receiving store comes in the body: checked here, not by a guard.
    auth.require_store(principal, data.receiving_location_id)
    create = P.CreateReturnRequest(
        order_id=order_id,
        lines=to_proto_return_lines(data.lines),
        receiving_location_id=data.receiving_location_id,
        channel=channel_ref(channel, store_id=data.receiving_location_id),
        actor=actor_of(principal),
        note=data.note,
    )
    reply = await state.downstream.call(
        state.downstream.order.CreateReturn, create, idempotent=True
    )
    return ReturnCreated(return_view(reply.order_return), staff_order_view(reply.order))


class StaffFulfilment(Controller):
    path = "/staff/v1/orders/{order_id:str}"
    tags = ["staff orders"]
    dependencies = {"principal": Provide(auth.staff), "channel": Provide(auth.staff_channel)}
    security = [{"bearerAuth": []}]

    @post(
        "/cancel",
        summary="Cancel an order (or some lines)",
        status_code=200,
        guards=[roles(*CANCEL_ROLES)],
    )
    async def cancel(
        self, state: State, principal: Principal, channel: Channel, order_id: str, data: Cancel
    ) -> StaffOrder:
        return await cancel_order(state, principal, channel, order_id, data)

    @post(
        "/refunds/{refund_id:str}/completed",
        summary="A refund made by hand in the payment provider's panel (one pending for staff)",
        status_code=200,
        guards=[roles(*CANCEL_ROLES)],
    )
    async def refund_made(
        self,
        state: State,
        principal: Principal,
        channel: Channel,
        order_id: str,
        refund_id: str,
        data: RefundMade,
    ) -> StaffOrder:
        made = P.CompleteStaffRefundRequest(
            order_id=order_id,
            refund_id=refund_id,
            provider_ref=data.provider_ref,
            note=data.note,
            actor=actor_of(principal),
            channel=channel_ref(channel),
        )
        return await _changed(state, state.downstream.order.CompleteStaffRefund, made)

    @post("/ready-for-pickup", summary="Goods at the store: code + deadline", status_code=200)
    async def ready(
        self, state: State, principal: Principal, channel: Channel, order_id: str
    ) -> StaffOrder:
        return await mark_ready(state, principal, channel, order_id)

    @post("/collected", summary="The customer took the order", status_code=200)
    async def collected(
        self, state: State, principal: Principal, channel: Channel, order_id: str, data: Collection
    ) -> StaffOrder:
        return await mark_collected(state, principal, channel, order_id, data)

    @post(
        "/shipments",
        summary="Fulfil lines from one location",
        opt=links(
            201,
            {
                "Shipped": Follow(
                    "POST /staff/v1/orders/{order_id}/shipments/{shipment_id}/shipped", SHIPMENT
                ),
                "Delivered": Follow(
                    "POST /staff/v1/orders/{order_id}/shipments/{shipment_id}/delivered", SHIPMENT
                ),
            },
        ),
    )
    async def ship_from(
        self,
        state: State,
        principal: Principal,
        channel: Channel,
        order_id: str,
        data: NewShipment,
    ) -> Response[ShipmentCreated]:
        # The source comes in the body: checked here, not by a guard.
        auth.require_store(principal, data.source_location_id)
        create = P.CreateShipmentRequest(
            order_id=order_id,
            source_location_id=data.source_location_id,
            lines=to_proto_units(data.lines),
            carrier=data.carrier,
            tracking_number=data.tracking_number,
            actor=actor_of(principal),
            channel=channel_ref(channel, store_id=data.source_location_id),
        )
        reply = await state.downstream.call(
            state.downstream.order.CreateShipment, create, idempotent=True
        )
        created = ShipmentCreated(shipment_view(reply.shipment), staff_order_view(reply.order))
        return Response(created, status_code=201)

    @post("/shipments/{shipment_id:str}/shipped", summary="Handed over", status_code=200)
    async def shipped(
        self,
        state: State,
        principal: Principal,
        channel: Channel,
        order_id: str,
        shipment_id: str,
        data: Tracking,
    ) -> StaffOrder:
        source = await _shipment_source(state, principal, order_id, shipment_id)
        mark = P.MarkShippedRequest(
            order_id=order_id,
            shipment_id=shipment_id,
            carrier=data.carrier,
            tracking_number=data.tracking_number,
            actor=actor_of(principal),
            channel=channel_ref(channel, store_id=source),
        )
        return await _changed(state, state.downstream.order.MarkShipped, mark)

    @post("/shipments/{shipment_id:str}/delivered", summary="Arrived", status_code=200)
    async def delivered(
        self, state: State, principal: Principal, channel: Channel, order_id: str, shipment_id: str
    ) -> StaffOrder:
        source = await _shipment_source(state, principal, order_id, shipment_id)
        mark = P.MarkDeliveredRequest(
            order_id=order_id,
            shipment_id=shipment_id,
            actor=actor_of(principal),
            channel=channel_ref(channel, store_id=source),
        )
        return await _changed(state, state.downstream.order.MarkDelivered, mark)

    @post("/returns", summary="Goods back at my store (any channel's order)")
    async def take_back(
        self, state: State, principal: Principal, channel: Channel, order_id: str, data: NewReturn
    ) -> Response[ReturnCreated]:
        return Response(await take_back(state, principal, channel, order_id, data), status_code=201)
