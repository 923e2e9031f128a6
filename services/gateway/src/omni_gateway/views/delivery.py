"""How goods reach the customer: delivery options offered for a cart, the delivery chosen at
checkout, the pickup at a store, and shipments."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import msgspec

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_gateway.views.common import EnumMap, Money, View, money_or_none, when_set

P = order_pb2
Text = Annotated[str, msgspec.Meta(max_length=500)]


class DeliveryMode(StrEnum):
    HOME_DELIVERY = "home_delivery"
    CLICK_AND_COLLECT = "click_and_collect"
    SHIP_TO_STORE = "ship_to_store"


DELIVERY_MODE = EnumMap(DeliveryMode, common_pb2.DeliveryMode, "DELIVERY_MODE_")


class Address(View):
    """A postal address, in a request and in an order."""

    lines: Annotated[list[Text], msgspec.Meta(min_length=1, max_length=4)]
    city: Text
    country_code: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{2}$")]
    postal_code: Text = ""
    name: Text = ""
    region: Text = ""
    phone: Text = ""


class DeliveryChoice(View):
    """The delivery chosen at checkout (or by a marketplace for an imported order)."""

    mode: DeliveryMode
    # From the cart's delivery options.
    option_id: Text = ""
    # Click & collect and ship-to-store: required.
    pickup_location_id: Text = ""
    # Home delivery: required.
    address: Address | None = None


class DeliveryOption(View):
    """A delivery offered for a cart; pass `option_id` back in the checkout's delivery."""

    option_id: str
    mode: DeliveryMode | None
    carrier: str | None
    # e.g. "standard", "express".
    service_level: str | None
    price: Money | None
    pickup_location_id: str | None
    pickup_location_name: str | None
    distance_km: float | None
    # Earliest and latest ready (pickup) or delivery estimates.
    earliest_at: datetime | None
    latest_at: datetime | None
    # For people, e.g. "2 of 3 items ship from the warehouse".
    notes: list[str]


class DeliveryOptions(View):
    options: list[DeliveryOption]


class LineQuantity(View):
    """Units of one order line."""

    line_id: str
    quantity: int
    sku: str | None


class OrderDelivery(View):
    mode: DeliveryMode | None
    address: Address | None
    pickup_location_id: str | None
    carrier: str | None
    service_level: str | None
    price: Money | None
    estimated_at: datetime | None


class Pickup(View):
    """Click & collect and ship-to-store: the code shown at the counter and the deadline."""

    code: str | None
    deadline: datetime | None
    ready_at: datetime | None
    collected_at: datetime | None


class ShipmentStatus(StrEnum):
    CREATED = "created"
    SHIPPED = "shipped"
    DELIVERED = "delivered"


SHIPMENT_STATUS = EnumMap(ShipmentStatus, P.ShipmentStatus, "SHIPMENT_STATUS_")


class Shipment(View):
    id: str
    status: ShipmentStatus | None
    source_location_id: str
    # Ship-to-store: the pickup store it goes to.
    destination_location_id: str | None
    lines: list[LineQuantity]
    carrier: str | None
    tracking_number: str | None
    created_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None


def line_quantities(lines: Any) -> list[LineQuantity]:
    return [LineQuantity(line.line_id, line.quantity, line.sku or None) for line in lines]


def address_view(address: common_pb2.Address) -> Address:
    return Address(
        lines=list(address.lines),
        city=address.city,
        country_code=address.country_code,
        postal_code=address.postal_code,
        name=address.name,
        region=address.region,
        phone=address.phone,
    )


def to_proto_delivery(choice: DeliveryChoice) -> P.DeliveryChoice:
    address = common_pb2.Address(**msgspec.to_builtins(choice.address)) if choice.address else None
    return P.DeliveryChoice(
        mode=DELIVERY_MODE.number(choice.mode),
        option_id=choice.option_id,
        pickup_location_id=choice.pickup_location_id,
        address=address,
    )


def delivery_options(reply: P.GetDeliveryOptionsResponse) -> DeliveryOptions:
    return DeliveryOptions(
        [
            DeliveryOption(
                option_id=option.option_id,
                mode=DELIVERY_MODE.public(option.mode),
                carrier=option.carrier or None,
                service_level=option.service_level or None,
                price=money_or_none(option, "price"),
                pickup_location_id=option.pickup_location_id or None,
                pickup_location_name=option.pickup_location_name or None,
                distance_km=option.distance_km if option.pickup_location_id else None,
                earliest_at=when_set(option, "earliest_at"),
                latest_at=when_set(option, "latest_at"),
                notes=list(option.notes),
            )
            for option in reply.options
        ]
    )


def delivery_view(order: P.Order) -> OrderDelivery | None:
    if not order.HasField("delivery"):
        return None
    delivery = order.delivery
    return OrderDelivery(
        mode=DELIVERY_MODE.public(delivery.mode),
        address=address_view(delivery.address) if delivery.HasField("address") else None,
        pickup_location_id=delivery.pickup_location_id or None,
        carrier=delivery.carrier or None,
        service_level=delivery.service_level or None,
        price=money_or_none(delivery, "price"),
        estimated_at=when_set(delivery, "estimated_at"),
    )


def pickup_view(order: P.Order) -> Pickup | None:
    if not order.HasField("pickup"):
        return None
    pickup = order.pickup
    return Pickup(
        code=pickup.code or None,
        deadline=when_set(pickup, "deadline"),
        ready_at=when_set(pickup, "ready_at"),
        collected_at=when_set(pickup, "collected_at"),
    )


def shipment_view(shipment: P.Shipment) -> Shipment:
    return Shipment(
        id=shipment.id,
        status=SHIPMENT_STATUS.public(shipment.status),
        source_location_id=shipment.source_location_id,
        destination_location_id=shipment.destination_location_id or None,
        lines=line_quantities(shipment.lines),
        carrier=shipment.carrier or None,
        tracking_number=shipment.tracking_number or None,
        created_at=when_set(shipment, "created_at"),
        shipped_at=when_set(shipment, "shipped_at"),
        delivered_at=when_set(shipment, "delivered_at"),
    )
