"""Tax as callers see it: each line's and each rate's net, tax and gross, and the rates and
channel tax staff manage (GET/POST /staff/v1/tax/...)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import msgspec

from omni.common.v1 import common_pb2
from omni.order.v1 import tax_pb2
from omni_gateway.security.principals import Channel
from omni_gateway.views.common import EnumMap, Money, View, channel_of, money_or_none, when_set

# 2300 is 23 %; above 100 % is refused.
RateBasisPoints = Annotated[int, msgspec.Meta(ge=0, le=10_000)]
CountryCode = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{2}$")]


class TaxClass(StrEnum):
    STANDARD = "standard"
    REDUCED = "reduced"
    # A second reduced rate (PL 5 %).
    SUPER_REDUCED = "super_reduced"
    ZERO = "zero"


TAX_CLASS = EnumMap(TaxClass, common_pb2.TaxClass, "TAX_CLASS_")


class TaxBreakdown(View):
    """Amounts at one rate, in minor units: net + tax = gross."""

    tax_class: TaxClass | None
    rate_basis_points: int
    net: Money | None
    tax: Money | None
    gross: Money | None


def tax_breakdown(value: tax_pb2.TaxBreakdown) -> TaxBreakdown:
    return TaxBreakdown(
        tax_class=TAX_CLASS.public(value.tax_class),
        rate_basis_points=value.rate_basis_points,
        net=money_or_none(value, "net"),
        tax=money_or_none(value, "tax"),
        gross=money_or_none(value, "gross"),
    )


def tax_breakdown_or_none(holder: Any, field: str) -> TaxBreakdown | None:
    return tax_breakdown(getattr(holder, field)) if holder.HasField(field) else None


class TaxRate(View):
    id: str
    country_code: str
    tax_class: TaxClass | None
    rate_basis_points: int
    # In force from valid_from (inclusive) until valid_until (exclusive; null: open-ended).
    valid_from: datetime | None
    valid_until: datetime | None
    created_at: datetime | None


class TaxRateList(View):
    items: list[TaxRate]
    next_page_token: str | None


class NewTaxRate(View, kw_only=True):
    # ISO 3166-1 alpha-2.
    country_code: CountryCode
    tax_class: TaxClass
    rate_basis_points: RateBasisPoints
    valid_from: datetime
    valid_until: datetime | None = None


class TaxRateEnd(View):
    # null reopens the rate.
    valid_until: datetime | None


class ChannelTax(View):
    channel: Channel | None
    country_code: str
    # True: listed prices are gross and the tax is taken out of them.
    prices_include_tax: bool
    updated_at: datetime | None


class ChannelTaxChanges(View):
    country_code: CountryCode | msgspec.UnsetType = msgspec.UNSET
    prices_include_tax: bool | msgspec.UnsetType = msgspec.UNSET


def tax_rate_view(rate: tax_pb2.TaxRate) -> TaxRate:
    return TaxRate(
        id=rate.id,
        country_code=rate.country_code,
        tax_class=TAX_CLASS.public(rate.tax_class),
        rate_basis_points=rate.rate_basis_points,
        valid_from=when_set(rate, "valid_from"),
        valid_until=when_set(rate, "valid_until"),
        created_at=when_set(rate, "created_at"),
    )


def channel_tax_view(channel_tax: tax_pb2.ChannelTax) -> ChannelTax:
    return ChannelTax(
        channel=channel_of(channel_tax.channel),
        country_code=channel_tax.country_code,
        prices_include_tax=channel_tax.prices_include_tax,
        updated_at=when_set(channel_tax, "updated_at"),
    )
