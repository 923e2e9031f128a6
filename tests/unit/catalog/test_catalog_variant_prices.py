"""Variant and currency prices without I/O: which price a variant pays in a currency, when the
next one flips, and the rules a listing's prices keep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from omni_catalog.domain.channels import Channel, SalesChannel
from omni_catalog.domain.listings import ChannelListing, effective_prices, next_flip, price_for
from omni_catalog.domain.money import Money
from omni_catalog.domain.prices import ChannelCurrencies, ListingPrice, validate_prices
from omni_kit.errors import InvalidArgument

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SKUS = ("TEE-S", "TEE-XXL")
EUR_ONLY = ChannelCurrencies("SALES_CHANNEL_WEB", ("EUR",), version=1)
UNSET = ChannelCurrencies("SALES_CHANNEL_WEB", ("EUR",))


def at(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


def tee(*prices: ListingPrice, **fields) -> ChannelListing:
    return ChannelListing(
        product_id="p",
        channel=Channel(SalesChannel.WEB),
        price=Money(2000, "EUR"),
        prices=prices,
        **fields,
    )


XXL_SALE = ListingPrice(
    sku="TEE-XXL",
    price=Money(2500, "EUR"),
    compare_at_price=Money(3000, "EUR"),
    sale_price=Money(1900, "EUR"),
    sale_starts_at=at(1),
    sale_ends_at=at(2),
)


def test_a_variant_pays_its_own_price_else_the_products_in_that_currency():
    listing = tee(XXL_SALE, ListingPrice(price=Money(8900, "PLN")))
    assert price_for(listing, "TEE-S", "EUR", at(0)).amount_minor == 2000
    assert price_for(listing, "TEE-XXL", "EUR", at(0)).amount_minor == 2500
    assert price_for(listing, "TEE-XXL", "PLN", at(0)).amount_minor == 8900
    assert price_for(listing, "TEE-S", "USD", at(0)) is None


def test_a_variant_sale_applies_inside_its_window_only_and_flips_the_listing():
    listing = tee(XXL_SALE)
    during = price_for(listing, "TEE-XXL", "EUR", at(1))
    assert (during.amount_minor, during.on_sale, during.compare_at_minor) == (1900, True, 3000)
    assert not price_for(listing, "TEE-XXL", "EUR", at(2)).on_sale
    assert price_for(listing, "TEE-S", "EUR", at(1)).amount_minor == 2000
    assert next_flip(listing, at(0)) == at(1)
    assert next_flip(listing, at(1)) == at(2)
    assert next_flip(listing, at(2)) is None
    assert [sku for sku, _ in effective_prices(listing, at(1))] == ["", "TEE-XXL"]


@pytest.mark.parametrize(
    ("entry", "channel", "field", "reason"),
    [
        (ListingPrice(sku="TEE-M", price=Money(1, "EUR")), UNSET, "listing.prices[0].sku", None),
        (
            ListingPrice(price=Money(1, "PLN")),
            EUR_ONLY,
            "listing.prices[0].price.currency_code",
            "CURRENCY_NOT_SOLD",
        ),
        (
            ListingPrice(price=Money(1, "XYZ")),
            UNSET,
            "listing.prices[0].price.currency_code",
            "INVALID_CURRENCY",
        ),
        (
            ListingPrice(price=Money(-1, "EUR")),
            UNSET,
            "listing.prices[0].price.amount_minor",
            "NEGATIVE_AMOUNT",
        ),
        (
            ListingPrice(price=Money(10**16, "EUR")),
            UNSET,
            "listing.prices[0].price.amount_minor",
            "AMOUNT_TOO_LARGE",
        ),
        (
            ListingPrice(price=Money(1, "EUR")),
            UNSET,
            "listing.prices[0].price.currency_code",
            "DUPLICATE_PRICE",
        ),
        (
            ListingPrice(
                sku="TEE-S",
                price=Money(10, "EUR"),
                sale_price=Money(5, "EUR"),
                sale_starts_at=at(2),
                sale_ends_at=at(1),
            ),
            UNSET,
            "listing.prices[0].sale_ends_at",
            "SALE_WINDOW_INVERTED",
        ),
        (
            ListingPrice(sku="TEE-S", price=Money(10, "EUR"), compare_at_price=Money(9, "EUR")),
            UNSET,
            "listing.prices[0].compare_at_price.amount_minor",
            "COMPARE_AT_BELOW_PRICE",
        ),
    ],
)
def test_bad_prices_are_refused_naming_the_field(entry, channel, field, reason):
    with pytest.raises(InvalidArgument) as refused:
        validate_prices([entry], SKUS, channel, Money(2000, "EUR"))
    assert refused.value.field == field
    assert reason is None or refused.value.reason == reason


def test_a_listing_price_in_a_currency_the_channel_does_not_sell_is_refused():
    with pytest.raises(InvalidArgument) as refused:
        validate_prices([], SKUS, EUR_ONLY, Money(2000, "PLN"))
    assert (refused.value.field, refused.value.reason) == (
        "listing.price.currency_code",
        "CURRENCY_NOT_SOLD",
    )
    validate_prices([], SKUS, UNSET, Money(2000, "PLN"))  # not set: any currency
