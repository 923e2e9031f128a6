"""A till's shift at the node, offline: opened with a float, its sales summed by tender when it
is closed with the cash counted, and every sale or close it cannot take refused naming the field."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from litestar.testing import AsyncTestClient

from omni_store_node.centre import close_shift_request, open_shift_request, sale_request
from omni_store_node.domain.sales import Sale, SaleLine
from omni_store_node.domain.shifts import Shift
from omni_store_node.store import LocalStore
from omni_store_node.store.journal import payload_of
from omni_store_node.store.shifts import shift_in

EUR_100 = {"amount_minor": 10_000, "currency": "EUR"}


def opening(till: str = "till-1", **changes):
    return {
        "shift_id": str(uuid.uuid4()),
        "till_id": till,
        "staff_id": "staff-olena",
        "opening_float": EUR_100,
    } | changes


def sale(shift_id: str, tender: str = "cash", quantity: int = 2, till: str = "till-1"):
    return {
        "sale_id": str(uuid.uuid4()),
        "till_id": till,
        "tender": tender,
        "shift_id": shift_id,
        "lines": [{"sku": "TEE-M", "quantity": quantity}],
    }


def problem(reply, status: int, field: str) -> None:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith("application/problem+json")
    assert reply.json()["field"] == field


async def test_a_shift_closes_with_its_sales_by_tender_and_the_cash_difference(
    tills: AsyncTestClient,
):
    body = opening()
    opened = await tills.post("/pos/v1/shifts", json=body)
    assert opened.status_code == 201, opened.text
    shift = opened.json()
    assert shift["closed_at"] is None and shift["cash_difference"] is None
    assert len(shift["business_day"]) == 10
    again = await tills.post("/pos/v1/shifts", json=body)
    assert again.status_code == 200 and again.json()["opened_at"] == shift["opened_at"]

    for tender, quantity in (("cash", 2), ("cash", 1), ("card", 1)):
        sold = await tills.post("/pos/v1/sales", json=sale(body["shift_id"], tender, quantity))
        assert sold.status_code == 201, sold.text
    # Another till's sale has no part in it.
    other = opening(till="till-2")
    assert (await tills.post("/pos/v1/shifts", json=other)).status_code == 201
    sold = await tills.post("/pos/v1/sales", json=sale(other["shift_id"], "cash", 5, "till-2"))
    assert sold.status_code == 201, sold.text

    # 100.00 float + 59.97 cash sales = 159.97 expected; 159.00 counted is 0.97 short.
    closed = await tills.post(
        f"/pos/v1/shifts/{body['shift_id']}/close",
        json={"staff_id": "staff-maria", "counted_cash_minor": 15_900},
    )
    assert closed.status_code == 200, closed.text
    summary = closed.json()
    assert summary["tenders"] == [
        {"tender": "card", "sales": 1, "amount": {"amount_minor": 1999, "currency": "EUR"}},
        {"tender": "cash", "sales": 2, "amount": {"amount_minor": 5997, "currency": "EUR"}},
    ]
    assert summary["expected_cash"] == {"amount_minor": 15_997, "currency": "EUR"}
    assert summary["counted_cash"] == {"amount_minor": 15_900, "currency": "EUR"}
    assert summary["cash_difference"] == {"amount_minor": -97, "currency": "EUR"}
    assert summary["closed_by"] == "staff-maria" and summary["closed_at"]
    assert (await tills.get(f"/pos/v1/shifts/{body['shift_id']}")).json() == summary

    twice = await tills.post(
        f"/pos/v1/shifts/{body['shift_id']}/close",
        json={"staff_id": "staff-maria", "counted_cash_minor": 15_900},
    )
    problem(twice, 409, "shift_id")
    problem(await tills.post("/pos/v1/sales", json=sale(body["shift_id"])), 409, "shift_id")
    # Closed, the till may open its next shift.
    assert (await tills.post("/pos/v1/shifts", json=opening())).status_code == 201


async def test_sales_and_shifts_the_node_cannot_take_are_refused_naming_the_field(
    tills: AsyncTestClient,
):
    body = opening()
    assert (await tills.post("/pos/v1/shifts", json=body)).status_code == 201
    problem(await tills.post("/pos/v1/shifts", json=opening()), 409, "till_id")
    changed = body | {"opening_float": {"amount_minor": 1, "currency": "EUR"}}
    problem(await tills.post("/pos/v1/shifts", json=changed), 409, "shift_id")
    problem(await tills.post("/pos/v1/shifts", json=opening(shift_id="nope")), 422, "shift_id")
    problem(await tills.post("/pos/v1/shifts", json=opening(staff_id="")), 422, "staff_id")
    negative = opening(till="till-9", opening_float={"amount_minor": -1, "currency": "EUR"})
    problem(await tills.post("/pos/v1/shifts", json=negative), 422, "opening_float.amount_minor")
    # Refused opens wrote nothing: no shift for the negative float, the first one as it was.
    assert (await tills.get(f"/pos/v1/shifts/{negative['shift_id']}")).status_code == 404
    kept = await tills.get(f"/pos/v1/shifts/{body['shift_id']}")
    assert kept.json()["opening_float"] == EUR_100

    unknown = str(uuid.uuid4())
    problem(await tills.post("/pos/v1/sales", json=sale(unknown)), 422, "shift_id")
    problem(
        await tills.post("/pos/v1/sales", json=sale(body["shift_id"], till="till-2")),
        422,
        "shift_id",
    )
    close = {"staff_id": "staff-maria", "counted_cash_minor": 0}
    problem(await tills.post(f"/pos/v1/shifts/{unknown}/close", json=close), 404, "shift_id")
    short = close | {"counted_cash_minor": -5}
    problem(
        await tills.post(f"/pos/v1/shifts/{body['shift_id']}/close", json=short),
        422,
        "counted_cash_minor",
    )
    # A refused sale wrote nothing.
    status = (await tills.get("/pos/v1/status")).json()
    assert status["sales_waiting"] == 0


async def test_a_sale_carries_its_shift_to_the_centre_and_the_shift_reads_back(tmp_path):
    store = LocalStore(tmp_path / "journal.sqlite3")
    try:
        shift = Shift(str(uuid.uuid4()), "till-1", "2026-12-08", datetime.now(UTC), "s", 500, "EUR")
        await store.shifts.open(shift)
        kept = Sale(
            sale_id=str(uuid.uuid4()),
            till_id="till-1",
            tender="cash",
            currency="EUR",
            lines=(SaleLine("TEE-M", "Tee", 1, 1999),),
            sold_at=datetime.now(UTC),
            shift_id=shift.shift_id,
        )
        entry, _ = await store.journal.keep(kept)
        assert '"shift_id":"' + shift.shift_id in payload_of(entry.sale)
        request = sale_request(entry.sale, store_id="loc_1", till_number=1, offline=True)
        assert request.shift_id == shift.shift_id
        opens, closes = await store.shifts.waiting()
        assert [s.shift_id for s in opens] == [shift.shift_id] and closes == []
        assert open_shift_request(shift, store_id="loc_1").opening_float.amount_minor == 500

        closed = await store.shifts.close(shift.shift_id, "s", 2499, datetime.now(UTC))
        assert closed.cash_difference_minor == 0
        await store.shifts.settle(shift.shift_id, "open", "recorded")
        # Its sale still waits: the close goes after it.
        assert await store.shifts.waiting() == ([], [])
        await store.journal.settle(kept.sale_id, "recorded", "ord_1")
        _, closes = await store.shifts.waiting()
        assert [s.shift_id for s in closes] == [shift.shift_id]
        assert close_shift_request(closes[0], store_id="loc_1").counted_cash.amount_minor == 2499
        assert await store.run(lambda db: shift_in(db, shift.shift_id)) == closed
    finally:
        store.close()
