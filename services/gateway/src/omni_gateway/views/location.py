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


def store_view(place: P.StockLocation) -> StoreView:
    address = None
    if place.HasField("address"):
        found = place.address
        address = StoreAddress(
            name=found.name,
            lines=list(found.lines),
            city=found.city,
            postal_code=found.postal_code,
            region=found.region,
            country_code=found.country_code,
            phone=found.phone,
        )
    geo = GeoPoint(lat=place.geo.lat, lng=place.geo.lng) if place.HasField("geo") else None
    return StoreView(
        id=place.id,
        code=place.code,
        name=place.name,
        kind=LOCATION_KIND.public(place.kind),
        address=address,
        geo=geo,
        time_zone=place.time_zone,
        opening_hours=[
            OpeningHours(
                weekday=WEEKDAY.public(hours.weekday), opens=hours.opens, closes=hours.closes
            )
            for hours in place.opening_hours
        ],
        capabilities=capabilities_view(place.capabilities),
        active=place.active,
        created_at=when_set(place, "created_at"),
        updated_at=when_set(place, "updated_at"),
    )
