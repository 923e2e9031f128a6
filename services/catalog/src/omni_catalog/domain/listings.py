"""Channel listings: which channel sells a product, at what prices, and the price in force at a
moment (the sale price inside its window, else the list price), per variant and currency."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from omni_catalog.domain.channels import Channel, channel_key
from omni_catalog.domain.money import Money
from omni_catalog.domain.prices import (
    ListingPrice,
    Price,
    entry_flips,
    entry_price,
    find_entry,
    in_window,
    validate_amount,
    validate_window,
    with_discounts,
)
from omni_catalog.domain.promotions import Discount, discount_flips
from omni_kit.errors import InvalidArgument

UPDATABLE = ("published", "price", "sale_price", "sale_starts_at", "sale_ends_at", "prices")
READ_ONLY = (
    "product_id",
    "channel",
    "version",
    "created_at",
    "updated_at",
    "effective_price",
    "published_at",
)
PRICE_TERMS = ("price", "sale_price", "sale_starts_at", "sale_ends_at", "prices")


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
    # The product's price in more currencies and the variants' own prices.
    prices: tuple[ListingPrice, ...] = ()
    # Never stored: the catalog promotions covering the listing, attached when it is read to be
    # priced (store/promotions.py), so every price in force below counts them.
    discounts: tuple[Discount, ...] = ()


def validate_listing(listing: ChannelListing, field: str = "listing") -> None:
    """Every rule a stored listing keeps; checked on upsert and after every update."""
    if not listing.product_id:
        raise InvalidArgument("product_id is required", field=f"{field}.product_id")
    channel_key(listing.channel, f"{field}.channel")
    if listing.price is None:
        raise InvalidArgument("a listing needs a price", field=f"{field}.price")
    validate_amount(listing.price, f"{field}.price")
    validate_window(
        listing.price,
        listing.sale_price,
        listing.sale_starts_at,
        listing.sale_ends_at,
        field,
    )


def effective_price(listing: ChannelListing, at: datetime) -> Price:
    """The price in force at `at` (timezone-aware): the sale price from its start (inclusive) to
    its end (exclusive), an unset bound being open; otherwise the list price."""
    price = listing.price or Money(0, "")
    found = Price(price.amount_minor, price.currency, on_sale=False)
    if listing.sale_price is not None and in_window(
        listing.sale_starts_at, listing.sale_ends_at, at
    ):
        found = Price(listing.sale_price.amount_minor, price.currency, on_sale=True)
    return with_discounts(found, price.amount_minor, listing.discounts, at)


def price_for(listing: ChannelListing, sku: str, currency: str, at: datetime) -> Price | None:
    """A variant's price in force in a currency: its own, else the product's in that currency
    (the listing's price when it is in that currency); None when not priced in it."""
    entry = find_entry(listing.prices, sku, currency)
    if entry is not None:
        return entry_price(entry, at, listing.discounts)
    if listing.price is not None and listing.price.currency == currency:
        return effective_price(listing, at)
    return None


def effective_prices(listing: ChannelListing, at: datetime) -> list[tuple[str, Price]]:
    """The price in force per currency for the product (sku "") and per variant with a price of
    its own."""
    shown = [("", effective_price(listing, at))] if listing.price is not None else []
    return shown + [
        (entry.sku, entry_price(entry, at, listing.discounts)) for entry in listing.prices
    ]


def currencies_of(listing: ChannelListing) -> list[str]:
    named = [listing.price.currency] if listing.price else []
    named += [entry.price.currency for entry in listing.prices if entry.price is not None]
    return list(dict.fromkeys(named))


def next_flip(listing: ChannelListing, now: datetime) -> datetime | None:
    """When a price in force next changes by itself: the nearest sale-window or promotion start
    or end still ahead of `now`, of the listing's own sale or any variant's."""
    moments = entry_flips(listing.prices, now) + discount_flips(listing.discounts, now)
    if listing.sale_price is not None:
        moments += [m for m in (listing.sale_starts_at, listing.sale_ends_at) if m and m > now]
    return min(moments, default=None)


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
