"""What admins send to open and change stores and warehouses, as internal messages.

A change (PATCH) names only the fields it changes; `status: closed` closes a location (there is
no delete: its stock history, orders and pickups keep pointing at it)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import UNSET, UnsetType

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2 as P
from omni_gateway.views.common import INT64_MAX, View, named_fields, or_default
from omni_gateway.views.location import (
    LOCATION_KIND,
    WEEKDAY,
    LocationKind,
    LocationStatus,
    Weekday,
)

Short = Annotated[str, msgspec.Meta(max_length=200)]
Clock = Annotated[str, msgspec.Meta(max_length=5)]
Version = Annotated[int, msgspec.Meta(ge=1, le=INT64_MAX)]


class NewAddress(View):
    lines: Annotated[list[Short], msgspec.Meta(max_length=4)]
    city: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    postal_code: Annotated[str, msgspec.Meta(max_length=20)] = ""
    country_code: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{2}$")] = "PL"
    region: Short = ""
    phone: Annotated[str, msgspec.Meta(max_length=20)] = ""
    name: Short = ""


class NewGeoPoint(View):
    lat: Annotated[float, msgspec.Meta(ge=-90, le=90)]
    lng: Annotated[float, msgspec.Meta(ge=-180, le=180)]


class NewOpeningHours(View):
    """One interval of a weekday, "HH:MM" in the location's time zone; several per weekday are
    allowed (a lunch break), in time order; a weekday not named is closed."""

    weekday: Weekday
    opens: Clock
    closes: Clock


class NewInterval(View):
    opens: Clock
    closes: Clock


class NewOpeningException(View):
    date: Annotated[str, msgspec.Meta(max_length=10)]
    intervals: Annotated[list[NewInterval], msgspec.Meta(max_length=4)] = []
    note: Short = ""


class NewFlags(View):
    click_and_collect: bool = False
    ship_to_store: bool = False
    takes_returns: bool = False
    sells_offline: bool = False
    ships: bool = False


Hours = Annotated[list[NewOpeningHours], msgspec.Meta(max_length=28)]
Exceptions = Annotated[list[NewOpeningException], msgspec.Meta(max_length=400)]
TimeZone = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class NewLocation(View):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    kind: LocationKind
    address: NewAddress
    time_zone: TimeZone
    geo: NewGeoPoint | None = None
    opening_hours: Hours = []
    opening_exceptions: Exceptions = []
    # Left out: it does none of these.
    flags: NewFlags | None = None


class LocationChanges(View):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | UnsetType = UNSET
    address: NewAddress | UnsetType = UNSET
    geo: NewGeoPoint | UnsetType = UNSET
    time_zone: TimeZone | UnsetType = UNSET
    opening_hours: Hours | UnsetType = UNSET
    opening_exceptions: Exceptions | UnsetType = UNSET
    flags: NewFlags | UnsetType = UNSET
    status: LocationStatus | UnsetType = UNSET
    version: Version | UnsetType = UNSET


def location_message(body: NewLocation | LocationChanges) -> tuple[P.StockLocation, list[str]]:
    """The location a body describes, and the fields it names."""
    address = or_default(body.address, None)
    geo = or_default(body.geo, None)
    flags = or_default(body.flags, None)
    location = P.StockLocation(
        name=or_default(body.name, ""),
        time_zone=or_default(body.time_zone, ""),
        opening_hours=[
            P.OpeningHours(weekday=WEEKDAY.number(h.weekday), opens=h.opens, closes=h.closes)
            for h in or_default(body.opening_hours, [])
        ],
        opening_exceptions=[
            P.OpeningException(
                date=day.date,
                intervals=[
                    P.OpeningInterval(opens=i.opens, closes=i.closes) for i in day.intervals
                ],
                note=day.note,
            )
            for day in or_default(body.opening_exceptions, [])
        ],
    )
    if isinstance(body, NewLocation):
        location.code = body.code
        location.kind = LOCATION_KIND.number(body.kind)
    else:
        location.active = or_default(body.status, None) == LocationStatus.OPEN
    if address is not None:
        location.address.CopyFrom(
            common_pb2.Address(
                name=address.name,
                lines=address.lines,
                city=address.city,
                postal_code=address.postal_code,
                region=address.region,
                country_code=address.country_code,
                phone=address.phone,
            )
        )
    if geo is not None:
        location.geo.CopyFrom(common_pb2.GeoPoint(lat=geo.lat, lng=geo.lng))
    if flags is not None:
        location.capabilities.CopyFrom(
            P.LocationCapabilities(
                ships=flags.ships,
                click_and_collect=flags.click_and_collect,
                ship_to_store=flags.ship_to_store,
                receives_returns=flags.takes_returns,
                sells_offline=flags.sells_offline,
            )
        )
    paths = [INTERNAL.get(name, name) for name in named_fields(body)]
    return location, paths


# Body fields under another name inside.
INTERNAL = {"flags": "capabilities", "status": "active"}
