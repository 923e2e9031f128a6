"""Till shifts at the order service: a sale adds to its open shift's totals by tender; after the
close, a sale for that shift is recorded at its own time in the store's recovery period and the
shift stays as it was closed; a repeat writes nothing twice; bad input names its field."""

from __future__ import annotations

import asyncio
import uuid

import grpc
import pytest
from pymongo import AsyncMongoClient
from test_order_store_sales import stored_card_sale, till_sale

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_kit.errors import error_details

C = order_pb2
STORE = "loc_store1"


def eur(amount: int) -> common_pb2.Money:
    return common_pb2.Money(amount_minor=amount, currency_code="EUR")


def opening(shift_id: str, **changes) -> C.OpenStoreShiftRequest:
    request = C.OpenStoreShiftRequest(
        shift_id=shift_id,
        store_id=STORE,
        till_id="till-1",
        business_day="2026-05-28",
        opening_float=eur(10_000),
    )
    for name, value in changes.items():
        setattr(request, name, value)
    return request


def closing(shift_id: str, counted: int) -> C.CloseStoreShiftRequest:
    return C.CloseStoreShiftRequest(shift_id=shift_id, store_id=STORE, counted_cash=eur(counted))


def tenders(shift: C.StoreShift) -> dict[int, tuple[int, int]]:
    return {t.tender: (t.sales, t.amount.amount_minor) for t in shift.tenders}


async def test_a_sale_after_its_shift_closed_is_posted_to_the_recovery_period(
    shop, mongo: AsyncMongoClient, db_name
):
    shift_id = str(uuid.uuid4())
    opened = (await shop.order.OpenStoreShift(opening(shift_id))).shift
    assert opened.state == C.STORE_SHIFT_STATE_OPEN
    assert (await shop.order.OpenStoreShift(opening(shift_id))).shift == opened

    in_shift = till_sale(str(uuid.uuid4()), shift_id=shift_id)
    card = till_sale(
        str(uuid.uuid4()), quantity=1, tender=C.STORE_SALE_TENDER_CARD, shift_id=shift_id
    )
    await asyncio.gather(shop.order.RecordStoreSale(in_shift), shop.order.RecordStoreSale(card))
    await shop.order.RecordStoreSale(in_shift)  # a repeat adds nothing

    closed = await shop.order.CloseStoreShift(closing(shift_id, 13_900))
    assert not closed.already_closed
    shift = closed.shift
    assert shift.state == C.STORE_SHIFT_STATE_CLOSED
    assert tenders(shift) == {
        C.STORE_SALE_TENDER_CASH: (1, 3998),
        C.STORE_SALE_TENDER_CARD: (1, 1999),
    }
    assert shift.expected_cash.amount_minor == 13_998
    assert shift.cash_difference.amount_minor == -98

    late = till_sale(str(uuid.uuid4()), quantity=3, shift_id=shift_id, till_number=8)
    late.sold_at.FromSeconds(1_780_000_100)
    replies = await asyncio.gather(*(shop.order.RecordStoreSale(late) for _ in range(3)))
    outcomes = sorted(reply.outcome for reply in replies)
    assert outcomes[0] == C.STORE_SALE_OUTCOME_RECORDED
    assert set(outcomes[1:]) == {C.STORE_SALE_OUTCOME_ALREADY_RECORDED}
    assert replies[0].order.placed_at.seconds == 1_780_000_100, "at its own time"

    again = await shop.order.CloseStoreShift(closing(shift_id, 99))
    assert again.already_closed and again.shift == shift
    read = await shop.order.GetStoreShift(C.GetStoreShiftRequest(store_id=STORE, shift_id=shift_id))
    assert read.shift == shift, "the closed shift's totals are as they were closed"

    recovery = await shop.order.ListStoreRecoveryPostings(
        C.ListStoreRecoveryPostingsRequest(store_id=STORE)
    )
    [posting] = recovery.postings
    assert (posting.sale_id, posting.shift_id, posting.order_id) == (
        late.sale_id,
        shift_id,
        replies[0].order.id,
    )
    assert posting.sold_at.seconds == 1_780_000_100 and posting.total.amount_minor == 5997
    assert [(t.tender, t.sales, t.amount.amount_minor) for t in recovery.totals] == [
        (C.STORE_SALE_TENDER_CASH, 1, 5997)
    ]
    orders = mongo[f"{db_name}_order"]["orders"]
    order = await orders.find_one({"store_sale_id": late.sale_id})
    assert order["store_sale"]["recovery"]["shift_id"] == shift_id
    kept = await orders.find_one({"store_sale_id": in_shift.sale_id})
    assert kept["store_sale"]["shift_id"] == shift_id and "recovery" not in kept["store_sale"]
    listed = await shop.order.ListStoreShifts(
        C.ListStoreShiftsRequest(store_id=STORE, business_day="2026-05-28")
    )
    assert [s.shift_id for s in listed.shifts] == [shift_id]
    other_day = await shop.order.ListStoreShifts(
        C.ListStoreShiftsRequest(store_id=STORE, business_day="2026-05-29")
    )
    assert not other_day.shifts


async def test_shift_input_that_cannot_be_is_refused_naming_the_field(
    shop, mongo: AsyncMongoClient, db_name
):
    async def refused(call, request, code: grpc.StatusCode, field: str | None) -> None:
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await call(request)
        assert error.value.code() == code
        if field:
            assert error_details(error.value).field == field

    open_ = shop.order.OpenStoreShift
    bad = grpc.StatusCode.INVALID_ARGUMENT
    await refused(open_, opening("shift-1"), bad, "shift_id")
    await refused(open_, opening(str(uuid.uuid4()), till_id=""), bad, "till_id")
    await refused(open_, opening(str(uuid.uuid4()), business_day="28.05.2026"), bad, "business_day")
    no_float = opening(str(uuid.uuid4()))
    no_float.ClearField("opening_float")
    await refused(open_, no_float, bad, "opening_float.currency_code")
    shift_id = str(uuid.uuid4())
    await open_(opening(shift_id))
    await refused(
        open_, opening(shift_id, till_id="till-2"), grpc.StatusCode.FAILED_PRECONDITION, "shift_id"
    )

    day = C.ListStoreShiftsRequest(store_id=STORE, business_day="8.12.")
    await refused(shop.order.ListStoreShifts, day, bad, "business_day")
    close = shop.order.CloseStoreShift
    usd = closing(shift_id, 100)
    usd.counted_cash.currency_code = "USD"
    await refused(close, usd, bad, "counted_cash.currency_code")
    await refused(close, closing(str(uuid.uuid4()), 100), grpc.StatusCode.NOT_FOUND, None)

    unknown = stored_card_sale(str(uuid.uuid4()), "tok_visa")
    unknown.shift_id = str(uuid.uuid4())
    await refused(shop.order.RecordStoreSale, unknown, bad, "shift_id")
    db = mongo[f"{db_name}_order"]
    assert await db["orders"].count_documents({}) == 0
    assert await db["test_provider_payments"].count_documents({}) == 0, "nothing charged"
    read = await shop.order.GetStoreShift(C.GetStoreShiftRequest(store_id=STORE, shift_id=shift_id))
    assert read.shift.state == C.STORE_SHIFT_STATE_OPEN and not read.shift.tenders
