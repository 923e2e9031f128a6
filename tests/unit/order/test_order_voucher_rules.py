"""Voucher rules: the split of a discount over lines (exact, never below zero, deterministic),
vouchers one after another, which lines a voucher targets, tax on the discounted amount, and
currencies never summed together."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omni_kit.errors import FailedPrecondition, InvalidArgument
from omni_order.domain.tax import TaxableLine, TaxClass, quote
from omni_order.domain.values import Money, SalesChannel, total
from omni_order.domain.vouchers import (
    DiscountLine,
    Voucher,
    VoucherKind,
    VoucherTarget,
    discounts,
    require_usable,
    require_voucher,
    split,
)

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


@given(
    st.integers(min_value=0, max_value=10**9),
    st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=30),
)
def test_a_split_adds_up_exactly_and_never_takes_a_line_below_zero(amount, weights):
    amount = min(amount, sum(weights))
    shares = split(amount, weights)
    assert sum(shares) == (amount if sum(weights) else 0)
    assert all(0 <= share <= weight for share, weight in zip(shares, weights, strict=True))
    assert split(amount, weights) == shares


def test_the_units_left_go_to_the_largest_remainders_then_the_earlier_line():
    assert split(700, [5997, 1000]) == [600, 100]
    assert split(2, [1, 1, 1]) == [1, 1, 0]
    assert split(10, [0, 5, 5]) == [0, 5, 5]


def test_vouchers_apply_one_after_another_on_what_is_left_and_only_on_their_targets():
    lines = [
        DiscountLine("a", 1000, "p1", "A-1", ("shirts",)),
        DiscountLine("b", 3000, "p2", "B-1", ()),
    ]
    tenth = Voucher(
        code="TEN",
        kind=VoucherKind.PERCENTAGE,
        percentage_basis_points=1000,
        target=VoucherTarget.ORDER,
    )
    shirts = Voucher(
        code="SHIRTS",
        kind=VoucherKind.FIXED,
        target=VoucherTarget.CATEGORIES,
        target_ids=["shirts"],
        fixed_amounts=[Money(5000, "PLN")],
    )
    taken = discounts([tenth, shirts], lines, "PLN")
    # 10 % of 4000 is 400 (100 + 300); the fixed 50.00 stops at what the shirt has left (900).
    assert taken == {"a": 1000, "b": 300}


def test_tax_is_worked_out_on_the_amount_after_the_discount_in_both_modes():
    line = TaxableLine("l1", TaxClass.STANDARD, Money(1999, "UAH"), 1, discount=500)
    excluded = quote([line], {TaxClass.STANDARD: 2000}, "UA", False)
    assert excluded.lines["l1"].gross == Money(1799, "UAH")
    assert excluded.undiscounted["l1"] == Money(2399, "UAH")
    included = quote([line], {TaxClass.STANDARD: 2300}, "PL", True)
    assert (included.lines["l1"].tax.amount_minor, included.lines["l1"].gross.amount_minor) == (
        280,
        1499,
    )


def test_currencies_are_never_summed_together():
    with pytest.raises(ValueError, match="cannot add"):
        total([Money(100, "PLN"), Money(100, "EUR")], "PLN")
    fixed = Voucher(
        code="EURO",
        kind=VoucherKind.FIXED,
        target=VoucherTarget.ORDER,
        fixed_amounts=[Money(100, "EUR")],
        active=True,
    )
    with pytest.raises(FailedPrecondition) as refused:
        require_usable(fixed, channel=SalesChannel.WEB, currency="PLN", goods=10_000, now=NOW)
    assert refused.value.reason == "VOUCHER_NOT_IN_CURRENCY"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"percentage_basis_points": 0}, "voucher.percentage_basis_points"),
        ({"percentage_basis_points": 10_001}, "voucher.percentage_basis_points"),
        (
            {
                "kind": VoucherKind.FIXED,
                "percentage_basis_points": 0,
                "fixed_amounts": [Money(-1, "PLN")],
            },
            "voucher.fixed_amounts[0].amount_minor",
        ),
        (
            {
                "kind": VoucherKind.FIXED,
                "percentage_basis_points": 0,
                "fixed_amounts": [Money(10**13, "PLN")],
            },
            "voucher.fixed_amounts[0].amount_minor",
        ),
        (
            {
                "kind": VoucherKind.FIXED,
                "percentage_basis_points": 0,
                "fixed_amounts": [Money(100, "USD")],
            },
            "voucher.fixed_amounts[0].currency_code",
        ),
        ({"starts_at": NOW, "ends_at": NOW - timedelta(days=1)}, "voucher.ends_at"),
        ({"target": VoucherTarget.VARIANTS}, "voucher.target_ids"),
        ({"code": "x"}, "voucher.code"),
    ],
)
def test_a_bad_voucher_is_refused_naming_the_field(changes, field):
    good = Voucher(
        code="GOOD",
        kind=VoucherKind.PERCENTAGE,
        percentage_basis_points=1000,
        target=VoucherTarget.ORDER,
    )
    require_voucher(good, ["PLN", "EUR"])
    with pytest.raises(InvalidArgument) as refused:
        require_voucher(Voucher(**{**good.__dict__, **changes}), ["PLN", "EUR"])
    assert refused.value.field == field
