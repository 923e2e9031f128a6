"""A till's shift as the centre keeps it: its float, its sales by tender, the cash counted
against the cash expected; and the store's recovery period, where a sale that reached the
centre after its shift was closed is posted. Times are UTC; consoles show them in the store's
zone."""

from __future__ import annotations

from datetime import datetime

from omni.order.v1 import order_pb2 as P
from omni_gateway.views.common import Money, View, money, when_set

STATES = {P.STORE_SHIFT_STATE_OPEN: "open", P.STORE_SHIFT_STATE_CLOSED: "closed"}
TENDERS = {P.STORE_SALE_TENDER_CASH: "cash", P.STORE_SALE_TENDER_CARD: "card"}


class SignedMoney(View):
    # Below zero when short.
    amount_minor: int
    currency: str


class ShiftTenderView(View):
    tender: str
    sales: int
    amount: Money


class StoreShiftView(View):
    shift_id: str
    store_id: str
    till_id: str
    # The store's business day (YYYY-MM-DD, in its zone).
    business_day: str
    state: str
    opening_float: Money
    opened_at: datetime | None
    opened_by: str
    closed_at: datetime | None
    closed_by: str
    counted_cash: Money | None
    # The sales recorded in the shift (not those posted to the recovery period).
    tenders: list[ShiftTenderView]
    # The opening float and the cash sales.
    expected_cash: Money
    # Counted minus expected; null while open.
    cash_difference: SignedMoney | None


class StoreShiftList(View):
    shifts: list[StoreShiftView]


class CloseShiftBody(View):
    # Counted in the drawer, in the float's currency.
    counted_cash: Money


class RecoveryPostingView(View):
    sale_id: str
    order_id: str
    till_id: str
    shift_id: str
    # When the till sold (the order's own time).
    sold_at: datetime | None
    # When it reached the centre, after its shift was closed.
    posted_at: datetime | None
    tender: str
    total: Money


class RecoveryPostings(View):
    postings: list[RecoveryPostingView]
    # Every posting of the store, by tender.
    totals: list[ShiftTenderView]


def tender_views(tenders: list[P.StoreShiftTender]) -> list[ShiftTenderView]:
    return [ShiftTenderView(TENDERS[t.tender], t.sales, money(t.amount)) for t in tenders]


def shift_view(shift: P.StoreShift) -> StoreShiftView:
    difference = shift.cash_difference
    return StoreShiftView(
        shift_id=shift.shift_id,
        store_id=shift.store_id,
        till_id=shift.till_id,
        business_day=shift.business_day,
        state=STATES[shift.state],
        opening_float=money(shift.opening_float),
        opened_at=when_set(shift, "opened_at"),
        opened_by=shift.opened_by,
        closed_at=when_set(shift, "closed_at"),
        closed_by=shift.closed_by,
        counted_cash=money(shift.counted_cash) if shift.HasField("counted_cash") else None,
        tenders=tender_views(list(shift.tenders)),
        expected_cash=money(shift.expected_cash),
        cash_difference=SignedMoney(difference.amount_minor, difference.currency_code)
        if shift.HasField("cash_difference")
        else None,
    )


def posting_view(posting: P.StoreRecoveryPosting) -> RecoveryPostingView:
    return RecoveryPostingView(
        sale_id=posting.sale_id,
        order_id=posting.order_id,
        till_id=posting.till_id,
        shift_id=posting.shift_id,
        sold_at=when_set(posting, "sold_at"),
        posted_at=when_set(posting, "posted_at"),
        tender=TENDERS[posting.tender],
        total=money(posting.total),
    )
