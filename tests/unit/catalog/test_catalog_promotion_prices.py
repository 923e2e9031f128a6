"""The catalog promotion price rule without I/O: rounding, the best promotion winning over the
others and over a sale price, never below zero, the window, and a promotion's own terms."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from omni_catalog.domain.channels import Channel, SalesChannel
from omni_catalog.domain.listings import ChannelListing, effective_price, next_flip, price_for
from omni_catalog.domain.money import Money
from omni_catalog.domain.prices import ListingPrice
from omni_catalog.domain.promotions import Discount, Promotion, promoted, validate_promotion
from omni_kit.errors import InvalidArgument

T0 = datetime(2026, 3, 1, tzinfo=UTC)
WEEK = Discount(2000, T0, T0 + timedelta(days=7))


def listing(*discounts: Discount, **fields) -> ChannelListing:
    return ChannelListing(
        product_id="p",
        channel=Channel(SalesChannel.WEB),
        price=Money(1995, "EUR"),
        discounts=discounts,
        **fields,
    )


@pytest.mark.parametrize(
    ("amount", "basis_points", "expected"),
    [
        (1995, 1000, 1795),  # 199.5 off rounds half up to 200
        (1994, 1000, 1795),  # 199.4 off rounds down to 199
        (1005, 2000, 804),  # 201 off
        (5, 5000, 2),  # 2.5 off rounds to 3
        (1995, 10000, 0),  # everything off, never below zero
        (0, 2000, 0),
        (1, 1, 1),  # 0.0001 off rounds to nothing
    ],
)
def test_the_discount_is_rounded_half_up_and_never_goes_below_zero(
    amount: int, basis_points: int, expected: int
) -> None:
    assert promoted(amount, basis_points) == expected


def test_a_promotion_applies_only_inside_its_window_and_shows_the_list_price_as_compare_at():
    shown = listing(WEEK)
    assert effective_price(shown, T0 - timedelta(seconds=1)).amount_minor == 1995
    inside = effective_price(shown, T0)
    assert (inside.amount_minor, inside.on_sale, inside.compare_at_minor) == (1596, True, 1995)
    assert effective_price(shown, WEEK.ends_at).amount_minor == 1995
    assert next_flip(shown, T0 - timedelta(hours=1)) == T0
    assert next_flip(shown, T0) == WEEK.ends_at


def test_the_best_promotion_wins_and_promotions_do_not_stack():
    ten = Discount(1000, T0, T0 + timedelta(days=1))
    thirty = Discount(3000, T0 + timedelta(hours=1), T0 + timedelta(hours=2))
    shown = listing(ten, WEEK, thirty)
    assert effective_price(shown, T0).amount_minor == 1596  # 20 % beats 10 %
    assert effective_price(shown, T0 + timedelta(hours=1)).amount_minor == 1396  # 30 %: 598.5 off


def test_a_lower_sale_price_wins_over_a_promotion_and_a_higher_one_does_not():
    low = listing(WEEK, sale_price=Money(1000, "EUR"))
    assert effective_price(low, T0).amount_minor == 1000
    high = listing(WEEK, sale_price=Money(1800, "EUR"))
    assert effective_price(high, T0).amount_minor == 1596


def test_variant_prices_take_the_promotion_off_their_own_list_price():
    entry = ListingPrice(sku="XL", price=Money(3000, "EUR"), compare_at_price=Money(3500, "EUR"))
    shown = listing(WEEK, prices=(entry,))
    price = price_for(shown, "XL", "EUR", T0)
    assert price is not None
    assert (price.amount_minor, price.compare_at_minor) == (2400, 3500)
    assert price_for(shown, "S", "EUR", T0).amount_minor == 1596  # type: ignore[union-attr]


GOOD = Promotion(
    name="Spring",
    percentage_basis_points=2000,
    category_ids=("cat_1",),
    channels=(Channel(SalesChannel.WEB),),
    starts_at=T0,
    ends_at=T0 + timedelta(days=1),
)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"percentage_basis_points": 0}, "promotion.percentage_basis_points"),
        ({"percentage_basis_points": 10001}, "promotion.percentage_basis_points"),
        ({"ends_at": T0}, "promotion.ends_at"),
        ({"ends_at": T0 - timedelta(days=1)}, "promotion.ends_at"),
        ({"starts_at": None}, "promotion.starts_at"),
        ({"category_ids": ()}, "promotion.category_ids"),
        ({"channels": ()}, "promotion.channels"),
        ({"channels": (Channel(),)}, "promotion.channels[0].channel"),
        ({"name": " "}, "promotion.name"),
    ],
)
def test_bad_terms_are_refused_naming_the_field(change: dict, field: str) -> None:
    validate_promotion(GOOD)
    with pytest.raises(InvalidArgument) as raised:
        validate_promotion(replace(GOOD, **change))
    assert raised.value.field == field
