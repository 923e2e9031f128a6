"""A till shift's rules at the centre: the cash it should hold, the difference counted, and the
open or close that cannot be, refused naming the field."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from omni_kit.errors import InvalidArgument
from omni_kit.shifts import TenderTotal
from omni_order.domain.store_shifts import Shift, check_close, check_open, same_open
from omni_order.domain.values import Money


def shift(**changes) -> Shift:
    opened = Shift(
        shift_id=str(uuid.uuid4()),
        store_id="loc_store1",
        till_id="till-1",
        business_day="2026-12-08",
        opening_float=Money(10_000, "EUR"),
        opened_at=datetime(2026, 12, 8, 7, tzinfo=UTC),
        opened_by="staff-olena",
    )
    return replace(opened, **changes)


def test_expected_cash_is_the_float_and_the_cash_sales_and_card_does_not_count():
    open_ = shift(tenders={"cash": TenderTotal(3, 5997), "card": TenderTotal(2, 4000)})
    assert open_.expected_cash == Money(15_997, "EUR")
    assert open_.cash_difference is None
    assert replace(open_, counted_cash=Money(15_900, "EUR")).cash_difference == Money(-97, "EUR")
    assert replace(open_, counted_cash=Money(16_000, "EUR")).cash_difference == Money(3, "EUR")
    assert shift().expected_cash == Money(10_000, "EUR")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"shift_id": "shift-1"}, "shift_id"),
        ({"store_id": ""}, "store_id"),
        ({"till_id": ""}, "till_id"),
        ({"business_day": "08.12.2026"}, "business_day"),
        ({"opening_float": Money(100, "")}, "opening_float.currency_code"),
        ({"opening_float": Money(-1, "EUR")}, "opening_float.amount_minor"),
    ],
)
def test_an_open_that_cannot_be_is_refused_naming_the_field(changes, field):
    check_open(shift())
    with pytest.raises(InvalidArgument) as refused:
        check_open(shift(**changes))
    assert refused.value.field == field


def test_a_close_counts_in_the_floats_currency_and_never_below_zero():
    check_close(shift(), Money(0, "EUR"))
    for counted, field in (
        (Money(100, "USD"), "counted_cash.currency_code"),
        (Money(-1, "EUR"), "counted_cash.amount_minor"),
    ):
        with pytest.raises(InvalidArgument) as refused:
            check_close(shift(), counted)
        assert refused.value.field == field


def test_an_open_sent_again_is_the_same_only_for_its_store_till_and_float():
    first = shift()
    assert same_open(first, replace(first, opened_at=datetime.now(UTC), opened_by="another"))
    assert not same_open(first, replace(first, till_id="till-2"))
    assert not same_open(first, replace(first, store_id="loc_other"))
    assert not same_open(first, replace(first, opening_float=Money(1, "EUR")))
