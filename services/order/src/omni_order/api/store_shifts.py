"""Till shifts at the centre: opened and closed by the store node (or closed by staff), read by
staff; and the store's recovery period, where a sale for a shift already closed is posted."""

from __future__ import annotations

from grpc import aio
from pymongo.asynchronous.client_session import AsyncClientSession

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_kit.errors import FailedPrecondition, InvalidArgument, NotFound
from omni_kit.ids import utcnow
from omni_kit.protos import from_timestamp, to_timestamp
from omni_kit.shifts import TenderTotal
from omni_kit.store import Document
from omni_order.api.deps import Deps
from omni_order.domain import store_sales as sales
from omni_order.domain import store_shifts as rules
from omni_order.domain.orders import Order
from omni_order.domain.values import Money
from omni_order.messages import money
from omni_order.store.store_shifts import IN_RECOVERY, StoreShiftStore

C = order_pb2
SHOWN = 500
TENDERS = {"cash": C.STORE_SALE_TENDER_CASH, "card": C.STORE_SALE_TENDER_CARD}
STATES = {rules.OPEN: C.STORE_SHIFT_STATE_OPEN, rules.CLOSED: C.STORE_SHIFT_STATE_CLOSED}


def store_shifts(deps: Deps) -> StoreShiftStore:
    return StoreShiftStore(deps.orders.infra.db)


def _money(value: Money | None) -> common_pb2.Money | None:
    if value is None:
        return None
    return common_pb2.Money(amount_minor=value.amount_minor, currency_code=value.currency_code)


def tender_messages(tenders: dict[str, TenderTotal], currency: str) -> list[C.StoreShiftTender]:
    return [
        C.StoreShiftTender(
            tender=TENDERS[name],
            sales=total.sales,
            amount=common_pb2.Money(amount_minor=total.amount_minor, currency_code=currency),
        )
        for name, total in sorted(tenders.items())
    ]


def shift_message(shift: rules.Shift) -> C.StoreShift:
    return C.StoreShift(
        shift_id=shift.shift_id,
        store_id=shift.store_id,
        till_id=shift.till_id,
        business_day=shift.business_day,
        state=STATES[shift.state],
        opening_float=_money(shift.opening_float),
        opened_at=to_timestamp(shift.opened_at),
        opened_by=shift.opened_by,
        closed_at=to_timestamp(shift.closed_at),
        closed_by=shift.closed_by,
        counted_cash=_money(shift.counted_cash),
        tenders=tender_messages(shift.tenders, shift.opening_float.currency_code),
        expected_cash=_money(shift.expected_cash),
        cash_difference=_money(shift.cash_difference),
    )


def _store(store_id: str) -> str:
    if not store_id:
        raise InvalidArgument("store_id is required", field="store_id")
    return store_id


async def check_shift(deps: Deps, sale: sales.TillSale) -> None:
    """Before anything is charged or written: the sale's shift is one of its store's."""
    if await store_shifts(deps).get(sale.store_id, sale.shift_id) is None:
        raise InvalidArgument(
            f"store {sale.store_id!r} has no shift {sale.shift_id!r}", field="shift_id"
        )


async def post_to_shift(
    deps: Deps, session: AsyncClientSession, sale: sales.TillSale, order: Order
) -> Document:
    """In the sale's transaction: into its open shift's totals, or, its shift closed, into the
    store's recovery period (once per sale: the posting's id is the sale id). The order keeps its
    shift, and `recovery` when it was posted there."""
    shifts = store_shifts(deps)
    placed = await shifts.post_sale(
        session, sale.store_id, sale.shift_id, sale.tender, sale.total.amount_minor
    )
    assert placed is not None  # check_shift found it, and shifts are never deleted
    if placed != IN_RECOVERY:
        return {"shift_id": sale.shift_id}
    now = utcnow()
    await shifts.add_recovery(
        session,
        {
            "_id": sale.sale_id,
            "order_id": order.id,
            "store_id": sale.store_id,
            "till_id": sale.till_id,
            "shift_id": sale.shift_id,
            "sold_at": sale.sold_at,
            "posted_at": now,
            "tender": sale.tender,
            "total": {
                "amount_minor": sale.total.amount_minor,
                "currency_code": sale.total.currency_code,
            },
        },
    )
    return {"shift_id": sale.shift_id, "recovery": {"shift_id": sale.shift_id, "posted_at": now}}


def _posting_message(document: Document) -> C.StoreRecoveryPosting:
    return C.StoreRecoveryPosting(
        sale_id=document["_id"],
        order_id=document["order_id"],
        store_id=document["store_id"],
        till_id=document["till_id"],
        shift_id=document["shift_id"],
        sold_at=to_timestamp(document["sold_at"]),
        posted_at=to_timestamp(document["posted_at"]),
        tender=TENDERS[document["tender"]],
        total=common_pb2.Money(**document["total"]),
    )


class StoreShiftApi:
    deps: Deps

    async def OpenStoreShift(
        self, request: C.OpenStoreShiftRequest, context: aio.ServicerContext
    ) -> C.OpenStoreShiftResponse:
        shift = rules.Shift(
            shift_id=request.shift_id,
            store_id=request.store_id,
            till_id=request.till_id,
            business_day=request.business_day,
            opening_float=money(request.opening_float),
            opened_at=from_timestamp(request.opened_at)
            if request.HasField("opened_at")
            else utcnow(),
            opened_by=request.actor.id,
        )
        rules.check_open(shift)
        kept, _ = await store_shifts(self.deps).open(shift)
        if not rules.same_open(kept, shift):
            raise FailedPrecondition(
                f"shift {shift.shift_id} was opened for another store, till or float",
                field="shift_id",
            )
        return C.OpenStoreShiftResponse(shift=shift_message(kept))

    async def CloseStoreShift(
        self, request: C.CloseStoreShiftRequest, context: aio.ServicerContext
    ) -> C.CloseStoreShiftResponse:
        shifts = store_shifts(self.deps)
        shift = await shifts.get(_store(request.store_id), request.shift_id)
        if shift is None:
            raise NotFound(f"store {request.store_id!r} has no shift {request.shift_id!r}")
        counted = money(request.counted_cash)
        rules.check_close(shift, counted)
        closed_at = from_timestamp(request.closed_at) if request.HasField("closed_at") else utcnow()
        found = await shifts.close(
            request.store_id, request.shift_id, counted, closed_at, request.actor.id
        )
        assert found is not None  # shifts are never deleted
        closed, before = found
        return C.CloseStoreShiftResponse(shift=shift_message(closed), already_closed=before)

    async def GetStoreShift(
        self, request: C.GetStoreShiftRequest, context: aio.ServicerContext
    ) -> C.GetStoreShiftResponse:
        shift = await store_shifts(self.deps).get(_store(request.store_id), request.shift_id)
        if shift is None:
            raise NotFound(f"store {request.store_id!r} has no shift {request.shift_id!r}")
        return C.GetStoreShiftResponse(shift=shift_message(shift))

    async def ListStoreShifts(
        self, request: C.ListStoreShiftsRequest, context: aio.ServicerContext
    ) -> C.ListStoreShiftsResponse:
        if request.business_day:
            rules.check_business_day(request.business_day)
        found = await store_shifts(self.deps).of_store(
            _store(request.store_id), request.business_day, SHOWN
        )
        return C.ListStoreShiftsResponse(shifts=[shift_message(shift) for shift in found])

    async def ListStoreRecoveryPostings(
        self, request: C.ListStoreRecoveryPostingsRequest, context: aio.ServicerContext
    ) -> C.ListStoreRecoveryPostingsResponse:
        shifts = store_shifts(self.deps)
        store_id = _store(request.store_id)
        postings = await shifts.recovery_postings(store_id, SHOWN)
        totals = await shifts.recovery_totals(store_id)
        currency = postings[0]["total"]["currency_code"] if postings else ""
        return C.ListStoreRecoveryPostingsResponse(
            postings=[_posting_message(p) for p in postings],
            totals=tender_messages(totals, currency),
        )
