"""Channel listings: which channel sells a product, at what price, and the price in force at a
moment (the sale price inside its window, else the list price)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from omni.catalog.v1 import catalog_pb2
from omni.common.v1 import common_pb2
from omni_kit.errors import InvalidArgument

CURRENCY = re.compile(r"^[A-Z]{3}$")
MARKETPLACE = common_pb2.SALES_CHANNEL_MARKETPLACE

UPDATABLE = ("published", "price", "sale_price", "sale_starts_at", "sale_ends_at")
READ_ONLY = (
    "product_id",
    "channel",
    "version",
    "created_at",
    "updated_at",
    "effective_price",
    "published_at",
)
PRICE_TERMS = ("price", "sale_price", "sale_starts_at", "sale_ends_at")


@dataclass(frozen=True)
class Price:
    amount_minor: int
    currency_code: str
    on_sale: bool


def channel_key(ref: common_pb2.ChannelRef, field: str = "channel") -> str:
    """The key of a (channel, partner) pair; store_id plays no part in listings."""
    if ref.channel == common_pb2.SALES_CHANNEL_UNSPECIFIED:
        raise InvalidArgument("a sales channel is required", field=f"{field}.channel")
    name = common_pb2.SalesChannel.Name(ref.channel)
    if ref.channel == MARKETPLACE:
        if not ref.partner_id:
            raise InvalidArgument(
                "a marketplace channel needs the partner_id", field=f"{field}.partner_id"
            )
        return f"{name}:{ref.partner_id}"
    if ref.partner_id:
        raise InvalidArgument(
            f"partner_id applies to marketplace channels only, not {name}",
            field=f"{field}.partner_id",
        )
    return name


def listing_channel(ref: common_pb2.ChannelRef) -> common_pb2.ChannelRef:
    return common_pb2.ChannelRef(channel=ref.channel, partner_id=ref.partner_id)


def validate_money(money: common_pb2.Money, field: str) -> None:
    if not money.currency_code:
        raise InvalidArgument(
            "currency_code is required (ISO 4217, e.g. 'EUR')",
            reason="CURRENCY_REQUIRED",
            field=f"{field}.currency_code",
        )
    if not CURRENCY.match(money.currency_code):
        raise InvalidArgument(
            f"currency_code {money.currency_code!r} must be three upper-case letters (ISO 4217)",
            reason="INVALID_CURRENCY",
            field=f"{field}.currency_code",
        )
    if money.amount_minor < 0:
        raise InvalidArgument(
            f"amount_minor must not be negative (got {money.amount_minor})",
            reason="NEGATIVE_AMOUNT",
            field=f"{field}.amount_minor",
        )


def validate_listing(listing: catalog_pb2.ChannelListing, field: str = "listing") -> None:
    """Every rule a stored listing keeps; checked on upsert and after every update."""
    if not listing.product_id:
        raise InvalidArgument("product_id is required", field=f"{field}.product_id")
    channel_key(listing.channel, f"{field}.channel")
    if not listing.HasField("price"):
        raise InvalidArgument("a listing needs a price", field=f"{field}.price")
    validate_money(listing.price, f"{field}.price")
    has_window = listing.HasField("sale_starts_at") or listing.HasField("sale_ends_at")
    if not listing.HasField("sale_price"):
        if has_window:
            raise InvalidArgument(
                "a sale window needs a sale_price",
                reason="SALE_WINDOW_WITHOUT_SALE_PRICE",
                field=f"{field}.sale_price",
            )
        return
    validate_money(listing.sale_price, f"{field}.sale_price")
    if listing.sale_price.currency_code != listing.price.currency_code:
        raise InvalidArgument(
            f"sale_price is in {listing.sale_price.currency_code} but price is in "
            f"{listing.price.currency_code}; they must match",
            reason="CURRENCY_MISMATCH",
            field=f"{field}.sale_price.currency_code",
        )
    if listing.sale_price.amount_minor > listing.price.amount_minor:
        raise InvalidArgument(
            "sale_price must not be above price",
            reason="SALE_ABOVE_PRICE",
            field=f"{field}.sale_price.amount_minor",
        )
    if (
        listing.HasField("sale_starts_at")
        and listing.HasField("sale_ends_at")
        and listing.sale_starts_at.ToDatetime() >= listing.sale_ends_at.ToDatetime()
    ):
        raise InvalidArgument(
            "sale_ends_at must be after sale_starts_at",
            reason="SALE_WINDOW_INVERTED",
            field=f"{field}.sale_ends_at",
        )


def effective_price(listing: catalog_pb2.ChannelListing, at: datetime) -> Price:
    """The price in force at `at` (timezone-aware): the sale price from its start (inclusive) to
    its end (exclusive), an unset bound being open; otherwise the list price."""
    if listing.HasField("sale_price") and _in_window(listing, at):
        sale = listing.sale_price
        return Price(sale.amount_minor, sale.currency_code, on_sale=True)
    return Price(listing.price.amount_minor, listing.price.currency_code, on_sale=False)


def with_effective_price(
    listing: catalog_pb2.ChannelListing, at: datetime
) -> catalog_pb2.ChannelListing:
    price = effective_price(listing, at)
    shown = catalog_pb2.ChannelListing()
    shown.CopyFrom(listing)
    shown.effective_price.CopyFrom(
        common_pb2.Money(amount_minor=price.amount_minor, currency_code=price.currency_code)
    )
    return shown


def price_terms_changed(
    before: catalog_pb2.ChannelListing, after: catalog_pb2.ChannelListing
) -> bool:
    return any(
        before.HasField(name) != after.HasField(name)  # type: ignore[arg-type]
        or getattr(before, name) != getattr(after, name)
        for name in PRICE_TERMS
    )


def _in_window(listing: catalog_pb2.ChannelListing, at: datetime) -> bool:
    if listing.HasField("sale_starts_at") and at < listing.sale_starts_at.ToDatetime(UTC):
        return False
    return not (listing.HasField("sale_ends_at") and at >= listing.sale_ends_at.ToDatetime(UTC))
