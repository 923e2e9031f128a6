"""What every carrier offers the order service, in the platform's own terms: cities, pickup
points, quotes in minor units, waybills, normalised tracking events and labels."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from omni_kit.errors import FailedPrecondition, Unavailable


class PointKind(enum.StrEnum):
    BRANCH = "branch"
    PARCEL_LOCKER = "parcel_locker"


class TrackingStatus(enum.StrEnum):
    """A carrier's statuses mapped onto the few an order cares about."""

    CREATED = "created"
    IN_TRANSIT = "in_transit"
    ARRIVED_AT_PICKUP_POINT = "arrived_at_pickup_point"
    DELIVERED = "delivered"
    RETURNED = "returned"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class City:
    ref: str
    name: str
    region: str = ""


@dataclass(frozen=True)
class PickupPoint:
    ref: str
    carrier: str
    kind: PointKind
    name: str
    address: str
    city_ref: str
    city: str
    country_code: str
    number: str = ""
    latitude: float = 0.0
    longitude: float = 0.0
    max_weight_grams: int = 0


@dataclass(frozen=True)
class Parcel:
    """What is sent: grams and millimetres (the largest item's sides)."""

    weight_grams: int
    length_mm: int = 0
    width_mm: int = 0
    height_mm: int = 0
    declared_minor: int = 0


@dataclass(frozen=True)
class Destination:
    """Where a parcel goes: an address (home delivery) or a carrier's pickup point."""

    country_code: str
    city: str
    lines: tuple[str, ...] = ()
    postal_code: str = ""
    point_ref: str = ""
    city_ref: str = ""
    recipient_name: str = ""
    recipient_phone: str = ""


@dataclass(frozen=True)
class Quote:
    carrier: str
    service_level: str
    amount_minor: int
    currency: str
    earliest: datetime
    latest: datetime


@dataclass(frozen=True)
class Waybill:
    """A created shipment at the carrier: its reference (to cancel it) and tracking number."""

    ref: str
    tracking_number: str
    estimated_at: datetime | None = None


@dataclass(frozen=True)
class TrackingEvent:
    status: TrackingStatus
    at: datetime
    description: str = ""
    code: str = ""


@dataclass(frozen=True)
class Label:
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Tracking:
    tracking_number: str
    events: list[TrackingEvent] = field(default_factory=list)

    @property
    def status(self) -> TrackingStatus:
        return self.events[-1].status if self.events else TrackingStatus.UNKNOWN


class CarrierRefused(FailedPrecondition):
    """The carrier answered and said no (an error envelope). Its own words go to the log; the
    caller sees which carrier refused what."""

    def __init__(self, carrier: str, what: str, provider_text: str) -> None:
        super().__init__(
            f"{carrier} refused to {what}", reason="CARRIER_REFUSED", metadata={"carrier": carrier}
        )
        self.provider_text = provider_text


class CarrierUnavailable(Unavailable):
    """No usable answer: a timeout, a refused connection, a bad credential, a broken body."""

    def __init__(self, carrier: str, what: str, why: str) -> None:
        super().__init__(
            f"{carrier} could not {what}: {why}",
            reason="CARRIER_UNAVAILABLE",
            metadata={"carrier": carrier},
        )


CarrierError = (CarrierRefused, CarrierUnavailable)


class Carrier(Protocol):
    """One carrier behind the interface. `currencies` are those it can quote in; `services`
    the service levels it offers; `has_points` whether it has pickup points; `issues_waybills`
    whether create_shipment makes a waybill (a table rate only prices)."""

    name: str
    currencies: frozenset[str]
    has_points: bool
    issues_waybills: bool

    def serves(self, country_code: str) -> bool: ...

    async def search_cities(self, query: str, limit: int) -> list[City]: ...

    async def pickup_points(self, city_ref: str, query: str, limit: int) -> list[PickupPoint]: ...

    async def pickup_point(self, city_ref: str, ref: str) -> PickupPoint | None: ...

    async def quote(
        self, destination: Destination, parcel: Parcel, currency: str, now: datetime
    ) -> list[Quote]: ...

    async def create_shipment(
        self, reference: str, destination: Destination, parcel: Parcel, service_level: str
    ) -> Waybill: ...

    async def cancel(self, waybill_ref: str) -> None: ...

    async def track(self, tracking_number: str) -> Tracking: ...

    async def label(self, waybill: Waybill) -> Label: ...
