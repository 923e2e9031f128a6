"""Tax rules: the per-line rounding rule, exact totals and parts, validity windows, and money
that never adds two currencies up."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omni_kit.errors import InvalidArgument
from omni_order.domain.tax import (
    TaxableLine,
    TaxClass,
    TaxRate,
    by_rate,
    line_tax,
    quote,
    rates_in_force,
    require_no_overlap,
    require_rate,
    sums,
)
from omni_order.domain.values import Money, total

JAN = datetime(2026, 1, 1, tzinfo=UTC)
JUL = datetime(2026, 7, 1, tzinfo=UTC)


def half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), ROUND_HALF_UP))


@given(
    unit=st.integers(min_value=0, max_value=10**9),
    quantity=st.integers(min_value=1, max_value=1000),
    rate=st.integers(min_value=0, max_value=10_000),
    included=st.booleans(),
)
def test_a_line_is_rounded_half_up_on_its_tax_and_adds_up(unit, quantity, rate, included):
    taxed = line_tax(TaxClass.STANDARD, Money(unit, "PLN"), quantity, rate, included)
    amount = Decimal(unit * quantity)
    share = Decimal(rate) / 10_000
    if included:
        assert taxed.gross.amount_minor == unit * quantity
        assert taxed.tax.amount_minor == half_up(amount * share / (1 + share))
    else:
        assert taxed.net.amount_minor == unit * quantity
        assert taxed.tax.amount_minor == half_up(amount * share)
    assert taxed.net.amount_minor + taxed.tax.amount_minor == taxed.gross.amount_minor


@given(
    unit=st.integers(min_value=1, max_value=10**7),
    quantity=st.integers(min_value=1, max_value=50),
    rate=st.sampled_from([0, 500, 700, 800, 1900, 2000, 2300]),
    included=st.booleans(),
    data=st.data(),
)
def test_parts_of_a_line_taken_in_any_steps_add_up_to_the_line(
    unit, quantity, rate, included, data
):
    line = line_tax(TaxClass.REDUCED, Money(unit, "UAH"), quantity, rate, included)
    steps = data.draw(st.lists(st.integers(1, quantity), max_size=quantity))
    taken, parts = 0, []
    for step in steps:
        step = min(step, quantity - taken)
        if step == 0:
            break
        parts.append(line.share(taken + step, quantity).minus(line.share(taken, quantity)))
        taken += step
    if taken < quantity:
        parts.append(line.minus(line.share(taken, quantity)))
    net, tax, gross = sums(parts, "UAH")
    assert (net, tax, gross) == (line.net, line.tax, line.gross)
    assert all(part.tax.amount_minor >= 0 and part.net.amount_minor >= 0 for part in parts)


def test_totals_per_rate_are_the_exact_sums_of_their_lines():
    rates = {TaxClass.STANDARD: 2300, TaxClass.REDUCED: 800, TaxClass.SUPER_REDUCED: 500}
    lines = [
        TaxableLine("a", TaxClass.STANDARD, Money(1999, "PLN"), 3),
        TaxableLine("b", TaxClass.UNSPECIFIED, Money(1, "PLN"), 1),  # standard
        TaxableLine("c", TaxClass.SUPER_REDUCED, Money(1999, "PLN"), 2),
        TaxableLine("d", TaxClass.ZERO, Money(1999, "PLN"), 1),  # no rate: 0 %
    ]
    quoted = quote(lines, rates, "PL", prices_include_tax=True)
    assert quoted.lines["a"].tax == Money(1121, "PLN")
    assert quoted.lines["b"].tax == Money(0, "PLN")  # 0.187 rounds to 0
    per_rate = by_rate(quoted.lines.values())
    assert [(t.tax_class, t.rate_basis_points) for t in per_rate] == [
        (TaxClass.STANDARD, 2300),
        (TaxClass.SUPER_REDUCED, 500),
        (TaxClass.ZERO, 0),
    ]
    assert per_rate[0].gross == Money(5998, "PLN")
    assert sums(per_rate, "PLN") == sums(list(quoted.lines.values()), "PLN")


def test_currencies_are_never_added_up():
    with pytest.raises(ValueError, match="cannot add EUR to PLN"):
        Money(100, "PLN").plus(Money(100, "EUR"))
    with pytest.raises(ValueError, match="cannot add EUR to UAH"):
        total([Money(1, "UAH"), Money(1, "EUR")], "UAH")
    line = line_tax(TaxClass.STANDARD, Money(1000, "EUR"), 1, 1900, True)
    with pytest.raises(ValueError, match="cannot add PLN to EUR"):
        line.plus(line_tax(TaxClass.STANDARD, Money(1000, "PLN"), 1, 1900, True))


def rate(rate_id: str, start: datetime, end: datetime | None, bp: int = 2300) -> TaxRate:
    return TaxRate(rate_id, "PL", TaxClass.STANDARD, bp, valid_from=start, valid_until=end)


def test_the_rate_in_force_follows_its_window_and_windows_never_overlap():
    old, new = rate("old", JAN, JUL, 2300), rate("new", JUL, None, 2500)
    assert rates_in_force([old, new], datetime(2026, 6, 30, 23, 59, tzinfo=UTC)) == {
        TaxClass.STANDARD: 2300
    }
    assert rates_in_force([old, new], JUL) == {TaxClass.STANDARD: 2500}
    require_no_overlap(new, [old])
    with pytest.raises(InvalidArgument) as refused:
        require_no_overlap(rate("x", datetime(2026, 6, 1, tzinfo=UTC), None), [old, new])
    assert refused.value.field == "valid_from"
    for bad, field in (
        (TaxRate("r", "XX", TaxClass.STANDARD, 100, valid_from=JAN), "country_code"),
        (TaxRate("r", "PL", TaxClass.UNSPECIFIED, 100, valid_from=JAN), "tax_class"),
        (TaxRate("r", "PL", TaxClass.STANDARD, -1, valid_from=JAN), "rate_basis_points"),
        (TaxRate("r", "PL", TaxClass.STANDARD, 10_001, valid_from=JAN), "rate_basis_points"),
        (TaxRate("r", "PL", TaxClass.STANDARD, 100), "valid_from"),
        (
            TaxRate("r", "PL", TaxClass.STANDARD, 100, valid_from=JUL, valid_until=JAN),
            "valid_until",
        ),
    ):
        with pytest.raises(InvalidArgument) as refused:
            require_rate(bad)
        assert refused.value.field == field
