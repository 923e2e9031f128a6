"""A store or warehouse as staff see it: where it is, when it opens, what it can do."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from omni.inventory.v1 import inventory_pb2 as I
from omni_gateway.views.common import EnumMap, View, when_set
from omni_gateway.views.profile import PostalAddress, postal_address


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


LOCATION_KIND = EnumMap(LocationKind, I.LocationKind, "LOCATION_KIND_")
WEEKDAY = EnumMap(Weekday, I.Weekday, "WEEKDAY_")


class GeoPoint(View):
    lat: float
    lng: float


class OpeningHours(View):
    weekday: Weekday | None
    opens: str
    closes: str


class Capabilities(View):
    ships: bool
    click_and_collect: bool
    receives_returns: bool


class Store(View):
    id: str
    code: str
    name: str
    kind: LocationKind | None
    address: PostalAddress | None
    geo: GeoPoint | None
    time_zone: str
    opening_hours: list[OpeningHours]
    capabilities: Capabilities
    active: bool
    created_at: datetime | None
    updated_at: datetime | None


def store_view(location: I.StockLocation) -> Store:
    can = location.capabilities
    return Store(
        id=location.id,
        code=location.code,
        name=location.name,
        kind=LOCATION_KIND.public(location.kind),
        address=postal_address(location),
        geo=GeoPoint(location.geo.lat, location.geo.lng) if location.HasField("geo") else None,
        time_zone=location.time_zone,
        opening_hours=[
            OpeningHours(WEEKDAY.public(h.weekday), h.opens, h.closes)
            for h in location.opening_hours
        ],
        capabilities=Capabilities(can.ships, can.click_and_collect, can.receives_returns),
        active=location.active,
        created_at=when_set(location, "created_at"),
        updated_at=when_set(location, "updated_at"),
    )
