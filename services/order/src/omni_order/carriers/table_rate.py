"""A carrier for retailers without a carrier contract: prices from a table in settings (per
zone of countries, weight band and currency). It prices and estimates; waybills and tracking
numbers are the shipper's to enter."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, model_validator

from omni_order.carriers.base import (
    CarrierRefused,
    City,
    Destination,
    Label,
    Parcel,
    PickupPoint,
    Quote,
    Tracking,
    Waybill,
)

ANY_COUNTRY = "*"


class TableRate(BaseModel):
    """One row: parcels up to max_weight_grams to the zone's countries cost amount_minor."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    service_level: str = Field(min_length=1, pattern=r"^[a-z0-9_]+$")
    # ISO 3166-1 alpha-2 codes, or "*" for every country the other rows do not name.
    zone: tuple[str, ...] = (ANY_COUNTRY,)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    max_weight_grams: int = Field(gt=0, le=1_000_000)
    amount_minor: int = Field(ge=0)
    earliest_days: int = Field(ge=0, le=60)
    latest_days: int = Field(ge=0, le=60)

    @model_validator(mode="after")
    def _sane(self) -> TableRate:
        if self.latest_days < self.earliest_days:
            raise ValueError("latest_days must not be before earliest_days")
        for code in self.zone:
            if code != ANY_COUNTRY and (len(code) != 2 or not code.isupper()):
                raise ValueError(f"zone entry {code!r} is not an ISO country code or '*'")
        return self

    def covers(self, country_code: str) -> bool:
        return country_code in self.zone or ANY_COUNTRY in self.zone


def default_rates() -> tuple[TableRate, ...]:
    """Standard and express up to 30 kg anywhere, in the currencies the shop sells in."""
    prices = {"EUR": (499, 999), "USD": (499, 999), "GBP": (449, 899), "PLN": (1999, 3999)}
    prices["UAH"] = (9900, 19900)
    rows = []
    for currency, (standard, express) in prices.items():
        rows.append(
            TableRate(
                service_level="standard",
                currency=currency,
                max_weight_grams=30_000,
                amount_minor=standard,
                earliest_days=2,
                latest_days=4,
            )
        )
        rows.append(
            TableRate(
                service_level="express",
                currency=currency,
                max_weight_grams=30_000,
                amount_minor=express,
                earliest_days=1,
                latest_days=1,
            )
        )
    return tuple(rows)


class TableRateCarrier:
    has_points = False
    issues_waybills = False

    def __init__(self, name: str, rates: Sequence[TableRate]) -> None:
        self.name = name
        self.rates = tuple(rates)
        self.currencies = frozenset(rate.currency for rate in self.rates)

    def serves(self, country_code: str) -> bool:
        return any(rate.covers(country_code) for rate in self.rates)

    async def search_cities(self, query: str, limit: int) -> list[City]:
        return []

    async def pickup_points(self, city_ref: str, query: str, limit: int) -> list[PickupPoint]:
        return []

    async def pickup_point(self, city_ref: str, ref: str) -> PickupPoint | None:
        return None

    async def quote(
        self, destination: Destination, parcel: Parcel, currency: str, now: datetime
    ) -> list[Quote]:
        if destination.point_ref:
            return []
        best: dict[str, TableRate] = {}
        for rate in self.rates:
            if rate.currency != currency or parcel.weight_grams > rate.max_weight_grams:
                continue
            if not rate.covers(destination.country_code):
                continue
            held = best.get(rate.service_level)
            if held is None or _narrower(rate, held, destination.country_code):
                best[rate.service_level] = rate
        return [
            Quote(
                carrier=self.name,
                service_level=rate.service_level,
                amount_minor=rate.amount_minor,
                currency=currency,
                earliest=now + timedelta(days=rate.earliest_days),
                latest=now + timedelta(days=rate.latest_days),
            )
            for rate in best.values()
        ]

    async def create_shipment(
        self, reference: str, destination: Destination, parcel: Parcel, service_level: str
    ) -> Waybill:
        raise CarrierRefused(self.name, "create a waybill", "a table rate issues no waybills")

    async def cancel(self, waybill_ref: str) -> None:
        raise CarrierRefused(self.name, "cancel a waybill", "a table rate issues no waybills")

    async def track(self, tracking_number: str) -> Tracking:
        return Tracking(tracking_number)

    async def label(self, waybill: Waybill) -> Label:
        raise CarrierRefused(self.name, "print a label", "a table rate issues no waybills")


def _narrower(rate: TableRate, held: TableRate, country_code: str) -> bool:
    """A row naming the country beats a catch-all one; then the lighter band wins."""
    named, held_named = country_code in rate.zone, country_code in held.zone
    if named != held_named:
        return named
    return rate.max_weight_grams < held.max_weight_grams
