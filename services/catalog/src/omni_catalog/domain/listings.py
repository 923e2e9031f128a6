"""Channel listings: which channel sells a product, at what price, and the price in force at a
moment (the sale price inside its window, else the list price)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from omni_catalog.domain.channels import Channel, channel_key
from omni_catalog.domain.money import Money, validate_money
from omni_kit.errors import InvalidArgument

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
class ChannelListing:
    """Whether and at what price a channel sells a product; one per (product, channel key).
    The price in force is not kept: `effective_price` works it out for a moment."""

    product_id: str = ""
    channel: Channel = dataclasses.field(default_factory=Channel)
    published: bool = False
    price: Money | None = None
    # Applies from sale_starts_at (inclusive) to sale_ends_at (exclusive); None is open.
    sale_price: Money | None = None
    sale_starts_at: datetime | None = None
    sale_ends_at: datetime | None = None
    version: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    published_at: datetime | None = None


@dataclass(frozen=True)
class Price:
    amount_minor: int
    currency: str
    on_sale: bool

    @property
    def money(self) -> Money:
        return Money(self.amount_minor, self.currency)


def validate_listing(listing: ChannelListing, field: str = "listing") -> None:
    """Every rule a stored listing keeps; checked on upsert and after every update."""
    if not listing.product_id:
        raise InvalidArgument("product_id is required", field=f"{field}.product_id")
    channel_key(listing.channel, f"{field}.channel")
    if listing.price is None:
        raise InvalidArgument("a listing needs a price", field=f"{field}.price")
    validate_money(listing.price, f"{field}.price")
    has_window = listing.sale_starts_at is not None or listing.sale_ends_at is not None
    if listing.sale_price is None:
        if has_window:
            raise InvalidArgument(
                "a sale window needs a sale_price",
                reason="SALE_WINDOW_WITHOUT_SALE_PRICE",
                field=f"{field}.sale_price",
            )
        return
    validate_money(listing.sale_price, f"{field}.sale_price")
    if listing.sale_price.currency != listing.price.currency:
        raise InvalidArgument(
            f"sale_price is in {listing.sale_price.currency} but price is in "
            f"{listing.price.currency}; they must match",
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
        listing.sale_starts_at is not None
        and listing.sale_ends_at is not None
        and listing.sale_starts_at >= listing.sale_ends_at
    ):
        raise InvalidArgument(
            "sale_ends_at must be after sale_starts_at",
            reason="SALE_WINDOW_INVERTED",
            field=f"{field}.sale_ends_at",
        )


def effective_price(listing: ChannelListing, at: datetime) -> Price:
    """The price in force at `at` (timezone-aware): the sale price from its start (inclusive) to
    its end (exclusive), an unset bound being open; otherwise the list price."""
    if listing.sale_price is not None and _in_window(listing, at):
        sale = listing.sale_price
        return Price(sale.amount_minor, sale.currency, on_sale=True)
    price = listing.price or Money(0, "")
    return Price(price.amount_minor, price.currency, on_sale=False)


def next_flip(listing: ChannelListing, now: datetime) -> datetime | None:
    """When the price in force next changes by itself: a sale window's start or end still
    ahead of `now`."""
    if listing.sale_price is None:
        return None
    for moment in (listing.sale_starts_at, listing.sale_ends_at):
        if moment is not None and moment > now:
            return moment
    return None


def price_terms_changed(before: ChannelListing, after: ChannelListing) -> bool:
    return any(getattr(before, name) != getattr(after, name) for name in PRICE_TERMS)


def stamped(before: ChannelListing | None, after: ChannelListing, at: datetime) -> ChannelListing:
    """`after` as stored by a write at `at`: its next version, first published when it turns
    published."""
    published_at = before.published_at if before is not None else None
    if after.published and not (before and before.published):
        published_at = at
    return dataclasses.replace(
        after,
        version=before.version + 1 if before else 1,
        created_at=before.created_at if before else at,
        updated_at=at,
        published_at=published_at,
    )


def _in_window(listing: ChannelListing, at: datetime) -> bool:
    if listing.sale_starts_at is not None and at < listing.sale_starts_at:
        return False
    return not (listing.sale_ends_at is not None and at >= listing.sale_ends_at)
