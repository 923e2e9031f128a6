"""Delivery by carrier at checkout: the options the configured carriers quote for an address
(to the door, or to one of their pickup points), and the priced delivery for a choice.

Option ids: `home:<carrier>:<service level>` and `point:<carrier>:<city id>:<point id>`; a
pickup point's public id is `<city id>:<point id>` (the carrier's own references)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_kit.errors import InvalidArgument
from omni_kit.protos import to_timestamp
from omni_order.carriers.base import CarrierError, Destination, Parcel, PickupPoint, Quote
from omni_order.carriers.http import log
from omni_order.carriers.wiring import Carriers
from omni_order.domain.common import Price

HOME = common_pb2.DELIVERY_MODE_HOME_DELIVERY
POINTS_PER_CARRIER = 3


def parcel_of(
    units: Sequence[tuple[str, int]],
    sizes: Mapping[str, Price],
    item_grams: int,
    declared_minor: int,
) -> Parcel:
    """One parcel for (sku, quantity) units: the variants' weights (`item_grams` for a variant
    without one), and the largest variant's sides."""
    weight = 0
    sides = (0, 0, 0)
    for sku, quantity in units:
        size = sizes.get(sku)
        weight += quantity * (size.weight_grams if size and size.weight_grams else item_grams)
        if size and sum(size.sides_mm) > sum(sides):
            sides = size.sides_mm
    length, width, height = sides
    return Parcel(
        weight_grams=max(weight, 1),
        length_mm=length,
        width_mm=width,
        height_mm=height,
        declared_minor=declared_minor,
    )


def destination_of(address: common_pb2.Address, point: PickupPoint | None = None) -> Destination:
    return Destination(
        country_code=point.country_code if point else address.country_code,
        city=point.city if point else address.city,
        lines=() if point else tuple(address.lines),
        postal_code=address.postal_code,
        point_ref=point.ref if point else "",
        city_ref=point.city_ref if point else "",
        recipient_name=address.name,
        recipient_phone=address.phone,
    )


def public_point(point: PickupPoint) -> order_pb2.CarrierPickupPoint:
    return order_pb2.CarrierPickupPoint(
        id=f"{point.city_ref}:{point.ref}",
        carrier=point.carrier,
        kind=point.kind.value,
        name=point.name,
        address=point.address,
        city=point.city,
        number=point.number,
        geo=common_pb2.GeoPoint(lat=point.latitude, lng=point.longitude),
        max_weight_grams=point.max_weight_grams,
    )


def _option(quote: Quote, option_id: str) -> order_pb2.DeliveryOption:
    return order_pb2.DeliveryOption(
        option_id=option_id,
        mode=HOME,
        carrier=quote.carrier,
        service_level=quote.service_level,
        price=common_pb2.Money(amount_minor=quote.amount_minor, currency_code=quote.currency),
        earliest_at=to_timestamp(quote.earliest),
        latest_at=to_timestamp(quote.latest),
    )


async def carrier_options(
    carriers: Carriers,
    address: common_pb2.Address,
    parcel: Parcel,
    currency: str,
    now: datetime,
) -> list[order_pb2.DeliveryOption]:
    """Every carrier's quotes in the cart's currency: to the door, then to its nearest pickup
    points in the address's city. A carrier that cannot quote (another currency, another
    country, no answer) is left out; the others are still offered."""
    options: list[order_pb2.DeliveryOption] = []
    for carrier in carriers:
        if currency not in carrier.currencies or not carrier.serves(address.country_code):
            continue
        try:
            for quote in await carrier.quote(destination_of(address), parcel, currency, now):
                if quote.currency == currency:
                    options.append(_option(quote, f"home:{carrier.name}:{quote.service_level}"))
            if carrier.has_points and address.city:
                options.extend(
                    await _point_options(carriers, carrier.name, address, parcel, currency, now)
                )
        except CarrierError as error:
            log.warning("carrier_not_offered", carrier=carrier.name, error=error.message)
    return options


async def _point_options(
    carriers: Carriers,
    name: str,
    address: common_pb2.Address,
    parcel: Parcel,
    currency: str,
    now: datetime,
) -> list[order_pb2.DeliveryOption]:
    carrier = carriers.get(name)
    cities = await carrier.search_cities(address.city, 1)
    if not cities:
        return []
    points = await carrier.pickup_points(cities[0].ref, "", POINTS_PER_CARRIER)
    if not points:
        return []
    quotes = await carrier.quote(destination_of(address, points[0]), parcel, currency, now)
    options = []
    for quote in quotes[:1]:
        if quote.currency != currency:
            continue
        for point in points:
            option = _option(quote, f"point:{name}:{point.city_ref}:{point.ref}")
            option.carrier_pickup_point.CopyFrom(public_point(point))
            options.append(option)
    return options


async def priced_delivery(
    carriers: Carriers,
    choice: order_pb2.DeliveryChoice,
    parcel: Parcel,
    currency: str,
    now: datetime,
) -> order_pb2.Delivery:
    """The home delivery for a choice, priced by the carrier now: to a pickup point (chosen by
    option id or by carrier and point id) or to the door (by option id, or the first quote of
    the named or first carrier)."""
    address = choice.address
    delivery = order_pb2.Delivery(mode=HOME, geo=choice.geo)
    carrier_name, level, point_id = _parse(choice)
    if point_id:
        city_ref, _, ref = point_id.partition(":")
        carrier = carriers.get(carrier_name, "delivery.carrier")
        point = await carrier.pickup_point(city_ref, ref) if ref else None
        if point is None:
            raise InvalidArgument(
                f"{carrier_name} has no pickup point {point_id!r}; search its pickup points",
                field="delivery.carrier_pickup_point_id",
            )
        quotes = await carrier.quote(destination_of(address, point), parcel, currency, now)
        delivery.carrier_pickup_point.CopyFrom(public_point(point))
        delivery.address.CopyFrom(
            common_pb2.Address(
                name=address.name,
                phone=address.phone,
                lines=[point.name],
                city=point.city,
                country_code=point.country_code,
            )
        )
    else:
        if not address.lines or not address.country_code or not address.city:
            raise InvalidArgument(
                "home delivery needs an address with lines, city and country_code",
                field="delivery.address",
            )
        delivery.address.CopyFrom(address)
        quotes = []
        for carrier in carriers:
            if carrier_name and carrier.name != carrier_name:
                continue
            if currency in carrier.currencies and carrier.serves(address.country_code):
                quotes.extend(await carrier.quote(destination_of(address), parcel, currency, now))
        quotes = [q for q in quotes if not level or q.service_level == level]
    quotes = [q for q in quotes if q.currency == currency]
    if not quotes:
        raise InvalidArgument(
            f"no carrier delivers there in {currency} for option "
            f"{choice.option_id or carrier_name or 'home delivery'!r}; ask for delivery options",
            field="delivery.option_id",
        )
    quote = quotes[0]
    delivery.carrier = quote.carrier
    delivery.service_level = quote.service_level
    delivery.option_id = (
        f"point:{quote.carrier}:{point_id}"
        if point_id
        else f"home:{quote.carrier}:{quote.service_level}"
    )
    delivery.price.CopyFrom(
        common_pb2.Money(amount_minor=quote.amount_minor, currency_code=currency)
    )
    delivery.estimated_at.CopyFrom(to_timestamp(quote.latest))
    return delivery


def _parse(choice: order_pb2.DeliveryChoice) -> tuple[str, str, str]:
    """(carrier, service level, point id) from the option id, else from the choice's fields."""
    kind, _, rest = choice.option_id.partition(":")
    if kind == "home" and rest:
        carrier, _, level = rest.partition(":")
        return carrier, level, ""
    if kind == "point" and rest:
        carrier, _, point = rest.partition(":")
        return carrier, "", point
    if choice.option_id:
        raise InvalidArgument(
            f"unknown home delivery option {choice.option_id!r}; ask for delivery options",
            field="delivery.option_id",
        )
    return choice.carrier, "", choice.carrier_pickup_point_id
