"""A till's shift: opened with a float and closed with the cash counted, kept in the node's file
(so it works offline) and forwarded to the centre."""

from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody

from omni_kit.ids import utcnow
from omni_store_node.api.views import ShiftCloseBody, ShiftOpenBody, ShiftView, shift
from omni_store_node.centre import LinkDown
from omni_store_node.domain.sales import SaleRefused
from omni_store_node.domain.shifts import Shift, check_close, check_open
from omni_store_node.node import Node


class ShiftController(Controller):
    path = "/pos/v1/shifts"

    @post("", status_code=201)
    async def open(self, data: JSONBody[ShiftOpenBody], state: State) -> Response[ShiftView]:
        node: Node = state.node
        now = utcnow()
        opening = Shift(
            shift_id=data.shift_id.lower(),
            till_id=data.till_id,
            business_day=now.astimezone(node.settings.zone).date().isoformat(),
            opened_at=now,
            opened_by=data.staff_id,
            float_minor=data.opening_float.amount_minor,
            currency=data.opening_float.currency,
        )
        check_open(opening)
        kept, new = await node.store.shifts.open(opening)
        await _forward(node, kept, "open")
        return Response(shift(kept), status_code=201 if new else 200)

    @post("/{shift_id:str}/close", status_code=200)
    async def close(
        self, shift_id: FromPath[str], data: JSONBody[ShiftCloseBody], state: State
    ) -> ShiftView:
        """The summary of the shift's sales by tender, and the counted cash against the float
        and the cash sales. Closing a closed shift is a 409."""
        node: Node = state.node
        check_close(data.staff_id, data.counted_cash_minor)
        closed = await node.store.shifts.close(
            shift_id.lower(), data.staff_id, data.counted_cash_minor, utcnow()
        )
        await _forward(node, closed, "close")
        return shift(closed)

    @get("/{shift_id:str}")
    async def read(self, shift_id: FromPath[str], state: State) -> ShiftView:
        node: Node = state.node
        found = await node.store.shifts.get(shift_id.lower())
        if found is None:
            raise SaleRefused(f"no shift {shift_id!r} at this store", "shift_id", 404)
        return shift(found)


async def _forward(node: Node, kept: Shift, which: str) -> None:
    """Online, straight to the centre; a close whose sales still wait goes after them."""
    waiting = await node.store.shifts.waiting()
    ready = waiting[0] if which == "open" else waiting[1]
    if node.link.online and any(s.shift_id == kept.shift_id for s in ready):
        try:
            await node.forwarder.forward_shift(kept, which)
            return
        except LinkDown:
            pass
    node.forwarder.wake()
