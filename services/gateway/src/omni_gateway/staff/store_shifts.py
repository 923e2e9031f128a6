"""Till shifts of a store and its recovery period, for staff of that store, consultants and
admins; a store manager (or an admin) may close a shift at the centre."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.di import Provide

from omni.order.v1 import order_pb2
from omni_gateway.downstream import actor_of
from omni_gateway.security import dependencies as auth
from omni_gateway.security.guards import roles, store_in_path
from omni_gateway.security.principals import Principal, StaffRole
from omni_gateway.views.common import to_proto_money
from omni_gateway.views.store_shifts import (
    CloseShiftBody,
    RecoveryPostings,
    StoreShiftList,
    StoreShiftView,
    posting_view,
    shift_view,
    tender_views,
)
from omni_kit.errors import FailedPrecondition


class StaffStoreShifts(Controller):
    path = "/staff/v1/stores/{store_id:str}"
    tags = ["stores (staff)"]
    dependencies = {"principal": Provide(auth.staff)}
    security = [{"bearerAuth": []}]
    guards = [store_in_path()]

    @get("/shifts", summary="A store's till shifts, newest first (optionally of one business day)")
    async def shifts(
        self, state: State, store_id: str, business_day: str | None = None
    ) -> StoreShiftList:
        reply = await state.downstream.call(
            state.downstream.order.ListStoreShifts,
            order_pb2.ListStoreShiftsRequest(store_id=store_id, business_day=business_day or ""),
            idempotent=True,
        )
        return StoreShiftList(shifts=[shift_view(shift) for shift in reply.shifts])

    @get(
        "/shifts/{shift_id:str}",
        summary="A till shift: its sales by tender, the cash counted against the cash expected",
    )
    async def shift(self, state: State, store_id: str, shift_id: str) -> StoreShiftView:
        reply = await state.downstream.call(
            state.downstream.order.GetStoreShift,
            order_pb2.GetStoreShiftRequest(store_id=store_id, shift_id=shift_id),
            idempotent=True,
        )
        return shift_view(reply.shift)

    @post(
        "/shifts/{shift_id:str}/close",
        status_code=200,
        summary="Close a till shift at the centre with the cash counted (store manager, admin); "
        "409 if it is closed already. Its later sales go to the recovery period",
        guards=[roles(StaffRole.STORE_MANAGER, StaffRole.ADMIN)],
    )
    async def close(
        self, state: State, principal: Principal, store_id: str, shift_id: str, data: CloseShiftBody
    ) -> StoreShiftView:
        reply = await state.downstream.call(
            state.downstream.order.CloseStoreShift,
            order_pb2.CloseStoreShiftRequest(
                store_id=store_id,
                shift_id=shift_id,
                counted_cash=to_proto_money(data.counted_cash),
                actor=actor_of(principal),
            ),
            idempotent=True,
        )
        if reply.already_closed:
            raise FailedPrecondition(
                f"shift {shift_id} is closed already", reason="SHIFT_CLOSED", field="shift_id"
            )
        return shift_view(reply.shift)

    @get(
        "/recovery-postings",
        summary="Till sales that reached the centre after their shift was closed, newest first, "
        "with their totals by tender",
    )
    async def recovery_postings(self, state: State, store_id: str) -> RecoveryPostings:
        reply = await state.downstream.call(
            state.downstream.order.ListStoreRecoveryPostings,
            order_pb2.ListStoreRecoveryPostingsRequest(store_id=store_id),
            idempotent=True,
        )
        return RecoveryPostings(
            postings=[posting_view(p) for p in reply.postings],
            totals=tender_views(list(reply.totals)),
        )
