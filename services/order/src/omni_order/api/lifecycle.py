"""Lifecycle RPCs after confirmation: cancel, shipments, pickup, collection, delivery."""

from __future__ import annotations

from datetime import timedelta

from grpc import aio

from omni.order.v1 import order_pb2
from omni_kit.idempotency import Command, Work
from omni_kit.ids import new_id, utcnow
from omni_kit.protos import from_timestamp
from omni_order.api.deps import Deps, unchanged
from omni_order.carriers.fulfilment import cancel_waybill, waybill_for
from omni_order.domain import lifecycle as rules
from omni_order.domain.common import require
from omni_order.domain.orders import CancellationReason, LineQuantity, Order, OrderStatus
from omni_order.events import next_version
from omni_order.messages import (
    actor,
    channel_message,
    channel_ref,
    line_quantities,
    member,
    order_message,
    to_message,
)
from omni_order.payments import capture_payment, settle_cancellation
from omni_order.ports import Placement

C = order_pb2


def placements(order: Order, units: list[LineQuantity], location_id: str = "") -> list[Placement]:
    """Reservation lines for order units: at the given location, or the line's only source."""
    lines = {line.line_id: line for line in order.lines}
    result = []
    for unit in units:
        sources = list(lines[unit.line_id].source_location_ids)
        where = location_id or (sources[0] if len(sources) == 1 else "")
        result.append(Placement(unit.sku, unit.quantity, where))
    return result


class LifecycleApi:
    deps: Deps

    async def CancelOrder(
        self, request: C.CancelOrderRequest, context: aio.ServicerContext
    ) -> C.CancelOrderResponse:
        return await self.deps.idempotency.run(
            context, request, C.CancelOrderResponse, lambda: self._cancel(request, context)
        )

    async def _cancel(
        self, request: C.CancelOrderRequest, context: aio.ServicerContext
    ) -> Work[C.CancelOrderResponse]:
        order = await self.deps.orders.get(require(request.order_id, "order_id"))
        units = rules.cancellation(order, line_quantities(request.lines))
        if not units:
            return unchanged(C.CancelOrderResponse(order=order_message(order)))
        command = Command.of(context, request)
        if order.reservation_id:
            whole = not request.lines
            await self.deps.inventory.release(
                order.reservation_id,
                [] if whole else placements(order, units),
                # Without a caller's key this cancel is a new request: so is its release.
                key=command.key_for("release") if command else new_id("release"),
                reason="order cancelled",
            )
        reason = member(CancellationReason, C.CancellationReason.DESCRIPTOR, request.reason)
        kind = rules.cancel(
            order,
            units,
            reason=reason,
            note=request.note,
            actor=actor(request.actor),
            channel=channel_ref(request.channel),
            now=utcnow(),
        )
        refunds = await settle_cancellation(self.deps.payments, order, units, utcnow())
        if order.cancellation_reason is not CancellationReason.UNSPECIFIED:
            reason = order.cancellation_reason
        fields: dict[str, object] = {"reason": reason, "note": request.note}
        if kind == "lines_cancelled":
            fields["lines"] = units
        events = next_version(order, (kind, fields), *refunds)
        return self.deps.saving(order, events, C.CancelOrderResponse(order=order_message(order)))

    async def CreateShipment(
        self, request: C.CreateShipmentRequest, context: aio.ServicerContext
    ) -> C.CreateShipmentResponse:
        return await self.deps.idempotency.run(
            context, request, C.CreateShipmentResponse, lambda: self._ship(request, context)
        )

    async def _ship(
        self, request: C.CreateShipmentRequest, context: aio.ServicerContext
    ) -> Work[C.CreateShipmentResponse]:
        order = await self.deps.orders.get(require(request.order_id, "order_id"))
        location_id = require(request.source_location_id, "source_location_id")
        command = Command.of(context, request)
        # Derived from the key, so a retry after a crash commits the same units once.
        shipment_id = "shp_" + command.key_for("shipment")[:24] if command else new_id("shp")
        units = rules.shipment_units(order, location_id, line_quantities(request.lines))
        # The carrier's waybill first: a carrier that refuses leaves the stock uncommitted.
        waybill = None
        if not request.tracking_number:
            sizes = await self.deps.catalog.prices(
                channel_message(order.channel), [line.sku for line in order.lines]
            )
            waybill = await waybill_for(self.deps.carriers, order, shipment_id, units, sizes)
        try:
            await self.deps.inventory.commit(
                order.reservation_id,
                placements(order, units, location_id),
                key=shipment_id,
                reference=shipment_id,
            )
        except Exception:
            if waybill:
                await cancel_waybill(self.deps.carriers, order.delivery.carrier, waybill)
            raise
        shipment = rules.add_shipment(
            order,
            shipment_id,
            location_id,
            units,
            carrier=request.carrier,
            tracking_number=waybill.tracking_number if waybill else request.tracking_number,
            actor=actor(request.actor),
            channel=channel_ref(request.channel),
            now=utcnow(),
        )
        if waybill:
            shipment.carrier_ref = waybill.ref
        # Fulfilment is when a card authorization is charged (for what is not cancelled).
        await capture_payment(self.deps.payments, order, utcnow())
        events = next_version(order, ("shipment_created", {"shipment": shipment}))
        reply = C.CreateShipmentResponse(
            shipment=to_message(shipment, C.Shipment), order=order_message(order)
        )
        return self.deps.saving(order, events, reply)

    async def MarkShipped(
        self, request: C.MarkShippedRequest, context: aio.ServicerContext
    ) -> C.MarkShippedResponse:
        return await self.deps.idempotency.run(
            context, request, C.MarkShippedResponse, lambda: self._shipped(request)
        )

    async def _shipped(self, request: C.MarkShippedRequest) -> Work[C.MarkShippedResponse]:
        order = await self.deps.orders.get(require(request.order_id, "order_id"))
        shipment = rules.find_shipment(order, require(request.shipment_id, "shipment_id"))
        changed = rules.ship(
            order,
            shipment,
            carrier=request.carrier,
            tracking_number=request.tracking_number,
            actor=actor(request.actor),
            channel=channel_ref(request.channel),
            now=utcnow(),
        )
        reply = C.MarkShippedResponse(order=order_message(order))
        if not changed:
            return unchanged(reply)
        return self.deps.saving(
            order, next_version(order, ("shipped", {"shipment": shipment})), reply
        )

    async def MarkDelivered(
        self, request: C.MarkDeliveredRequest, context: aio.ServicerContext
    ) -> C.MarkDeliveredResponse:
        return await self.deps.idempotency.run(
            context, request, C.MarkDeliveredResponse, lambda: self._delivered(request)
        )

    async def _delivered(self, request: C.MarkDeliveredRequest) -> Work[C.MarkDeliveredResponse]:
        order = await self.deps.orders.get(require(request.order_id, "order_id"))
        shipment = rules.find_shipment(order, require(request.shipment_id, "shipment_id"))
        when = (
            from_timestamp(request.delivered_at) if request.HasField("delivered_at") else utcnow()
        )
        changed = rules.deliver(
            order,
            shipment,
            actor=actor(request.actor),
            channel=channel_ref(request.channel),
            now=when,
        )
        reply = C.MarkDeliveredResponse(order=order_message(order))
        if not changed:
            return unchanged(reply)
        events = next_version(order, ("delivered", {"shipment": shipment}))
        return self.deps.saving(order, events, reply)

    async def MarkReadyForPickup(
        self, request: C.MarkReadyForPickupRequest, context: aio.ServicerContext
    ) -> C.MarkReadyForPickupResponse:
        return await self.deps.idempotency.run(
            context, request, C.MarkReadyForPickupResponse, lambda: self._ready(request)
        )

    async def _ready(
        self, request: C.MarkReadyForPickupRequest
    ) -> Work[C.MarkReadyForPickupResponse]:
        order = await self.deps.orders.get(require(request.order_id, "order_id"))
        now = utcnow()
        window = timedelta(hours=self.deps.settings.pickup_window_hours)
        deadline = (
            from_timestamp(request.pickup_deadline)
            if request.HasField("pickup_deadline")
            else now + window
        )
        changed = rules.ready_for_pickup(
            order,
            deadline=deadline,
            actor=actor(request.actor),
            channel=channel_ref(request.channel),
            now=now,
        )
        reply = C.MarkReadyForPickupResponse(order=order_message(order))
        if not changed:
            return unchanged(reply)
        return self.deps.saving(order, next_version(order, ("ready_for_pickup", {})), reply)

    async def MarkCollected(
        self, request: C.MarkCollectedRequest, context: aio.ServicerContext
    ) -> C.MarkCollectedResponse:
        return await self.deps.idempotency.run(
            context, request, C.MarkCollectedResponse, lambda: self._collected(request)
        )

    async def _collected(self, request: C.MarkCollectedRequest) -> Work[C.MarkCollectedResponse]:
        order = await self.deps.orders.get(require(request.order_id, "order_id"))
        if order.status == OrderStatus.COLLECTED:
            return unchanged(C.MarkCollectedResponse(order=order_message(order)))
        units = rules.collectable(order, require(request.pickup_code, "pickup_code"))
        if units:
            await self.deps.inventory.commit(
                order.reservation_id,
                placements(order, units),
                key=f"collect_{order.id}",
                reference=order.id,
            )
        await capture_payment(self.deps.payments, order, utcnow())
        rules.collect(
            order,
            units,
            actor=actor(request.actor),
            channel=channel_ref(request.channel),
            now=utcnow(),
        )
        events = next_version(order, ("collected", {}))
        return self.deps.saving(order, events, C.MarkCollectedResponse(order=order_message(order)))
