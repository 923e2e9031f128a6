"""Stores and warehouses as staff see them: where a location is, when it opens and what it can
do (ship, click & collect, take returns); shoppers see the kind and capabilities with
availability."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from omni.inventory.v1 import inventory_pb2 as P
from omni_gateway.views.common import EnumMap, View, when_set


class LocationKind(StrEnum):
    WAREHOUSE = "warehouse"
    STORE = "store"


class Weekday(StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"


LOCATION_KIND = EnumMap(LocationKind, P.LocationKind, "LOCATION_KIND_")
WEEKDAY = EnumMap(Weekday, P.Weekday, "WEEKDAY_")


class LocationCapabilities(View):
    ships: bool
    click_and_collect: bool
    receives_returns: bool


class StoreAddress(View):
    name: str
    lines: list[str]
    city: str
    postal_code: str
    region: str
    country_code: str
    phone: str


class GeoPoint(View):
    lat: float
    lng: float


class OpeningHours(View):
    """One opening interval of a weekday, "HH:MM" in the location's time zone."""

    weekday: Weekday | None
    opens: str
    closes: str


class OpeningInterval(View):
    opens: str
    closes: str


class OpeningException(View):
    """A dated change to the weekly hours ("YYYY-MM-DD" in the location's time zone); no
    intervals: closed that day."""

    date: str
    intervals: list[OpeningInterval]
    note: str


class StoreView(View):
    """A store or warehouse: where it is, when it opens and what it does."""

    id: str
    code: str
    name: str
    kind: LocationKind | None
    address: StoreAddress | None
    geo: GeoPoint | None
    time_zone: str
    opening_hours: list[OpeningHours]
    capabilities: LocationCapabilities
    active: bool
    created_at: datetime | None
    updated_at: datetime | None


def capabilities_view(found: P.LocationCapabilities) -> LocationCapabilities:
    return LocationCapabilities(
        ships=found.ships,
        click_and_collect=found.click_and_collect,
        receives_returns=found.receives_returns,
    )


def address_view(place: P.StockLocation) -> StoreAddress | None:
    if not place.HasField("address"):
        return None
    found = place.address
    return StoreAddress(
        name=found.name,
        lines=list(found.lines),
        city=found.city,
        postal_code=found.postal_code,
        region=found.region,
        country_code=found.country_code,
        phone=found.phone,
    )


def hours_view(place: P.StockLocation) -> list[OpeningHours]:
    return [
        OpeningHours(weekday=WEEKDAY.public(hours.weekday), opens=hours.opens, closes=hours.closes)
        for hours in place.opening_hours
    ]


def exceptions_view(place: P.StockLocation) -> list[OpeningException]:
    return [
        OpeningException(
            date=day.date,
            intervals=[OpeningInterval(opens=i.opens, closes=i.closes) for i in day.intervals],
            note=day.note,
        )
        for day in place.opening_exceptions
    ]


def store_view(place: P.StockLocation) -> StoreView:
    return StoreView(
        id=place.id,
        code=place.code,
        name=place.name,
        kind=LOCATION_KIND.public(place.kind),
        address=address_view(place),
        geo=geo_view(place),
        time_zone=place.time_zone,
        opening_hours=hours_view(place),
        capabilities=capabilities_view(place.capabilities),
        active=place.active,
        created_at=when_set(place, "created_at"),
        updated_at=when_set(place, "updated_at"),
    )


class LocationStatus(StrEnum):
    OPEN = "open"
    # Closed for good or for now: never deleted, its history stays; it can open again.
    CLOSED = "closed"


class LocationFlags(View):
    click_and_collect: bool
    ship_to_store: bool
    takes_returns: bool
    sells_offline: bool
    # Ships parcels to customers (home delivery, ship-to-store).
    ships: bool


class LocationView(View):
    """A store or warehouse as admins set it up: where, when it opens (weekly, with dated
    exceptions, in its IANA time zone) and what it does."""

    id: str
    code: str
    name: str
    kind: LocationKind | None
    status: LocationStatus
    address: StoreAddress | None
    geo: GeoPoint | None
    time_zone: str
    opening_hours: list[OpeningHours]
    opening_exceptions: list[OpeningException]
    flags: LocationFlags
    created_at: datetime | None
    updated_at: datetime | None


class LocationPage(View):
    """Ordered by code."""

    locations: list[LocationView]
    next_page_token: str | None


def flags_view(found: P.LocationCapabilities) -> LocationFlags:
    return LocationFlags(
        click_and_collect=found.click_and_collect,
        ship_to_store=found.ship_to_store,
        takes_returns=found.receives_returns,
        sells_offline=found.sells_offline,
        ships=found.ships,
    )


def geo_view(place: P.StockLocation) -> GeoPoint | None:
    return GeoPoint(lat=place.geo.lat, lng=place.geo.lng) if place.HasField("geo") else None


def location_view(place: P.StockLocation) -> LocationView:
    return LocationView(
        id=place.id,
        code=place.code,
        name=place.name,
        kind=LOCATION_KIND.public(place.kind),
        status=LocationStatus.OPEN if place.active else LocationStatus.CLOSED,
        address=address_view(place),
        geo=geo_view(place),
        time_zone=place.time_zone,
        opening_hours=hours_view(place),
        opening_exceptions=exceptions_view(place),
        flags=flags_view(place.capabilities),
        created_at=when_set(place, "created_at"),
        updated_at=when_set(place, "updated_at"),
    )


class PickupPoint(View):
    """A place to collect an order (its address, opening hours and time zone in `location`)
    and, when an item was asked about, whether it is in stock there."""

    location: LocationView
    # Set when a point was given (`lat`, `lng`).
    distance_km: float | None
    # With `sku`: units of it available here now; else null.
    available: int | None
    in_stock: bool | None


class PickupPointPage(View):
    """Nearest first (by distance or postal code), else by code."""

    pickup_points: list[PickupPoint]
    next_page_token: str | None


def pickup_point(
    place: P.StockLocation, distance_km: float | None, available: int | None
) -> PickupPoint:
    return PickupPoint(
        location=location_view(place),
        distance_km=distance_km,
        available=available,
        in_stock=None if available is None else available > 0,
    )
