"""Carriers after checkout: the waybill a shipment needs, and tracking polled until delivery
(moving the order to shipped and delivered, whose events notify the customer)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from omni_kit.errors import DomainError
from omni_kit.ids import utcnow
from omni_kit.logs import get_logger
from omni_order.carriers.base import Destination, TrackingStatus, Waybill
from omni_order.carriers.options import parcel_of
from omni_order.carriers.wiring import Carriers
from omni_order.domain import lifecycle
from omni_order.domain.checkout import charged
from omni_order.domain.common import Price
from omni_order.domain.orders import (
    Address,
    CarrierPickupPoint,
    DeliveryMode,
    LineQuantity,
    Order,
    ShipmentStatus,
)
from omni_order.domain.values import Actor, ActorKind
from omni_order.events import next_version
from omni_order.store import OrderStore

log = get_logger("omni.order.carriers")
CARRIER = Actor(ActorKind.SYSTEM, id="carrier-tracking")
SHIPPED = {
    TrackingStatus.IN_TRANSIT,
    TrackingStatus.ARRIVED_AT_PICKUP_POINT,
    TrackingStatus.DELIVERED,
}


async def waybill_for(
    carriers: Carriers,
    order: Order,
    shipment_id: str,
    units: list[LineQuantity],
    sizes: Mapping[str, Price],
) -> Waybill | None:
    """The carrier's waybill for a home delivery by a carrier that issues them; None for a
    table rate or a pickup in store."""
    delivery = order.delivery
    if delivery.mode != DeliveryMode.HOME_DELIVERY:
        return None
    carrier = carriers.by_name.get(delivery.carrier)
    if carrier is None or not carrier.issues_waybills:
        return None
    point = delivery.carrier_pickup_point or CarrierPickupPoint()
    address = delivery.address or Address()
    city_ref, _, point_ref = point.id.partition(":")
    destination = Destination(
        country_code=address.country_code,
        city=address.city,
        lines=() if point.id else tuple(address.lines),
        postal_code=address.postal_code,
        point_ref=point_ref,
        city_ref=city_ref,
        recipient_name=address.name,
        recipient_phone=address.phone,
    )
    lines = {line.line_id: line for line in order.lines}
    value = sum(
        charged(lines[u.line_id]).share(u.quantity, lines[u.line_id].quantity).gross.amount_minor
        for u in units
    )
    skus = [(lines[u.line_id].sku, u.quantity) for u in units]
    parcel = parcel_of(skus, sizes, carriers.item_weight_grams, value)
    return await carrier.create_shipment(
        f"{order.number}/{shipment_id[-6:]}", destination, parcel, delivery.service_level
    )


async def cancel_waybill(carriers: Carriers, carrier: str, waybill: Waybill) -> None:
    """Take back a waybill whose shipment was not recorded; a carrier that will not is logged
    (the waybill then lapses at the carrier unused)."""
    try:
        await carriers.get(carrier).cancel(waybill.ref)
    except DomainError as error:
        log.warning(
            "waybill_not_cancelled",
            carrier=carrier,
            waybill=waybill.tracking_number,
            error=error.message,
        )


async def poll_tracking(carriers: Carriers, orders: OrderStore, every_seconds: float) -> int:
    """Track every waybill not delivered yet (each order at most once per interval, across
    instances); returns how many orders changed."""
    before = utcnow() - timedelta(seconds=every_seconds * 0.9)
    changed = 0
    for order_id in await orders.awaiting_carrier(before):
        try:
            changed += await _track(carriers, orders, order_id)
        except DomainError as error:  # a carrier down, or the order moved meanwhile: next round
            log.warning("tracking_failed", order_id=order_id, error=error.message)
        except Exception:  # one broken order must not stop tracking the others
            log.exception("tracking_crashed", order_id=order_id)
    return changed


async def _track(carriers: Carriers, orders: OrderStore, order_id: str) -> int:
    order = await orders.get(order_id)
    specs: list[tuple[str, dict[str, object]]] = []
    touched = False
    for shipment in order.shipments:
        carrier = carriers.by_name.get(shipment.carrier)
        if not shipment.carrier_ref or carrier is None:
            continue
        if shipment.status == ShipmentStatus.DELIVERED:
            continue
        tracking = await carrier.track(shipment.tracking_number)
        status = tracking.status
        if status == TrackingStatus.UNKNOWN or status.value == shipment.tracking_status:
            continue
        touched = True
        shipment.tracking_status = status.value
        at = tracking.events[-1].at
        when = min(at, utcnow())
        if status in SHIPPED and lifecycle.ship(
            order,
            shipment,
            carrier="",
            tracking_number="",
            actor=CARRIER,
            channel=order.channel,
            now=when,
        ):
            specs.append(("shipped", {"shipment": shipment}))
        if status == TrackingStatus.DELIVERED and lifecycle.deliver(
            order, shipment, actor=CARRIER, channel=order.channel, now=when
        ):
            specs.append(("delivered", {"shipment": shipment}))
        log.info("tracked", order_id=order.id, shipment_id=shipment.id, status=status.value)
    if not touched:
        return 0
    await orders.save(order, next_version(order, *specs))
    return 1
