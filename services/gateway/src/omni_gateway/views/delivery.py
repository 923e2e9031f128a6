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
from omni_gateway.views.tax import TaxBreakdown, tax_breakdown_or_none

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


class Recipient(View):
    """Who collects a parcel at a carrier's pickup point."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    # E.164 ("+380671112233"): the carrier texts the pickup code to it.
    phone: Annotated[str, msgspec.Meta(pattern=r"^\+[1-9][0-9]{7,14}$")]


class DeliveryChoice(View):
    """The delivery chosen at checkout (or by a marketplace for an imported order)."""

    mode: DeliveryMode
    # From the cart's delivery options.
    option_id: Text = ""
    # Click & collect and ship-to-store: required.
    pickup_location_id: Text = ""
    # Home delivery to the door: required.
    address: Address | None = None
    # Home delivery to a carrier's pickup point: the option's `point:` id, or the carrier and
    # the point's id from the pickup-point search, and who collects it.
    carrier: Text = ""
    carrier_pickup_point_id: Text = ""
    recipient: Recipient | None = None


class CarrierPickupPoint(View):
    """A carrier's branch or parcel locker a parcel can be sent to."""

    id: str
    carrier: str
    kind: str
    name: str
    address: str | None
    city: str | None
    number: str | None
    lat: float | None
    lng: float | None
    # Heaviest parcel it takes, in grams; absent when the carrier states no limit.
    max_weight_grams: int | None


class CarrierPickupPoints(View):
    points: list[CarrierPickupPoint]


class CarrierCity(View):
    # The carrier's id for the city; pass it as `city_id` to the pickup-point search.
    id: str
    name: str
    region: str | None


class CarrierCities(View):
    cities: list[CarrierCity]


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
    # Home delivery to a carrier's pickup point (a Nova Poshta branch or parcel locker).
    carrier_pickup_point: CarrierPickupPoint | None = None


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
    carrier_pickup_point: CarrierPickupPoint | None = None
    # At the standard rate of the order's tax country; null on orders placed before it was taxed.
    tax: TaxBreakdown | None = None


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
    # The carrier's last tracking status: created, in_transit, arrived_at_pickup_point,
    # delivered, returned, cancelled.
    tracking_status: str | None = None


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
    if choice.recipient:
        address = address or common_pb2.Address()
        address.name, address.phone = choice.recipient.name, choice.recipient.phone
    return P.DeliveryChoice(
        mode=DELIVERY_MODE.number(choice.mode),
        option_id=choice.option_id,
        pickup_location_id=choice.pickup_location_id,
        address=address,
        carrier=choice.carrier,
        carrier_pickup_point_id=choice.carrier_pickup_point_id,
    )


def carrier_point_view(point: P.CarrierPickupPoint) -> CarrierPickupPoint:
    located = point.HasField("geo") and (point.geo.lat or point.geo.lng)
    return CarrierPickupPoint(
        id=point.id,
        carrier=point.carrier,
        kind=point.kind,
        name=point.name,
        address=point.address or None,
        city=point.city or None,
        number=point.number or None,
        lat=point.geo.lat if located else None,
        lng=point.geo.lng if located else None,
        max_weight_grams=point.max_weight_grams or None,
    )


def carrier_point_or_none(message: Any) -> CarrierPickupPoint | None:
    if not message.HasField("carrier_pickup_point"):
        return None
    return carrier_point_view(message.carrier_pickup_point)


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
                carrier_pickup_point=carrier_point_or_none(option),
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
        carrier_pickup_point=carrier_point_or_none(delivery),
        tax=tax_breakdown_or_none(delivery, "tax"),
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
        tracking_status=shipment.tracking_status or None,
    )
