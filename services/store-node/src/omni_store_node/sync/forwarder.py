"""Forwards the journal to the centre, oldest first, until nothing waits.

Exactly once rests on the centre: it records one order per sale_id for good and answers a
repeat as already recorded, so a sale sent twice (a crash between the centre's answer and the
journal's update, or an online sale forwarded inline and by this loop at once) is harmless. The
journal only moves a sale out of waiting on the centre's answer.

A shift's open reaches the centre before its first sale, and its close after its last one. A
shift the centre closed first keeps the centre's close; the sales that reach it afterwards go to
the store's recovery period there."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TypeVar

import grpc
import structlog

from omni_kit.ids import utcnow
from omni_store_node.centre import (
    ALREADY_CLOSED,
    Centre,
    LinkDown,
    close_shift_request,
    open_shift_request,
    sale_request,
)
from omni_store_node.domain.shifts import Shift
from omni_store_node.store import LocalStore
from omni_store_node.store.journal import RECORDED, REFUSED, Entry
from omni_store_node.sync.link import Link

log = structlog.get_logger(__name__)
T = TypeVar("T")


class Forwarder:
    def __init__(
        self,
        store: LocalStore,
        centre: Centre,
        link: Link,
        *,
        store_id: str,
        probe_seconds: float,
        concurrency: int,
        batch: int,
    ) -> None:
        self.store = store
        self.centre = centre
        self.link = link
        self.store_id = store_id
        self.probe_seconds = probe_seconds
        self.batch = batch
        self._slots = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def forward(self, entry: Entry) -> str:
        """Send one sale and settle it in the journal by the centre's answer; LinkDown if the
        centre cannot be reached (the sale stays waiting)."""
        shift_id = entry.sale.shift_id
        if shift_id and await self.store.shifts.open_waiting(shift_id):
            shift = await self.store.shifts.get(shift_id)
            assert shift is not None  # the journal kept the sale in it
            await self.forward_shift(shift, "open")
        request = sale_request(
            entry.sale,
            store_id=self.store_id,
            till_number=entry.till_number,
            offline=entry.sold_offline,
        )
        async with self._slots:
            recorded = await self._answer(self.centre.record(request), sale_id=entry.sale.sale_id)
        if recorded is None:
            await self.store.journal.settle(entry.sale.sale_id, REFUSED, "")
            return REFUSED
        if recorded.state != "recorded":
            log.error(
                "store_sale_quarantined",
                sale_id=entry.sale.sale_id,
                recorded_order_id=recorded.order_id,
            )
        await self.store.journal.settle(entry.sale.sale_id, recorded.state, recorded.order_id)
        return recorded.state

    async def forward_shift(self, shift: Shift, which: str) -> str:
        """Send a shift's open or close ("open", "close") and settle it by the centre's answer;
        LinkDown if the centre cannot be reached."""
        if which == "open":
            call = self.centre.open_shift(open_shift_request(shift, store_id=self.store_id))
        else:
            call = self.centre.close_shift(close_shift_request(shift, store_id=self.store_id))
        answer = await self._answer(call, shift_id=shift.shift_id, which=which)
        if answer is None:
            await self.store.shifts.settle(shift.shift_id, which, REFUSED)
            return REFUSED
        if answer == ALREADY_CLOSED:
            log.warning("store_shift_closed_at_centre_first", shift_id=shift.shift_id)
        await self.store.shifts.settle(shift.shift_id, which, RECORDED)
        return RECORDED

    async def _answer(self, call: Awaitable[T], **what: str) -> T | None:
        """The centre's answer; None when it read the request and refused it (sending it again
        changes nothing); LinkDown when it cannot be reached."""
        try:
            return await call
        except LinkDown as down:
            self.link.down(str(down))
            raise
        except grpc.aio.AioRpcError as error:
            log.error("refused_by_centre", code=error.code().name, details=error.details(), **what)
            return None

    async def _forward_shifts(self) -> None:
        opens, closes = await self.store.shifts.waiting()
        for shift in opens:
            await self.forward_shift(shift, "open")
        for shift in closes:
            await self.forward_shift(shift, "close")

    async def run(self, on_link_up: Callable[[], Awaitable[bool]]) -> None:
        """The loop: while online, drain the journal; while offline, probe the link, and once
        the centre answers, let `on_link_up` bring the link up (False: it went down again)."""
        while True:
            if not self.link.online and not (await self.centre.reachable() and await on_link_up()):
                await self._sleep()
                continue
            try:
                await self._forward_shifts()
            except LinkDown:
                continue
            waiting = await self.store.journal.waiting(self.batch)
            if not waiting:
                self.link.last_sync_at = utcnow()
                await self._sleep()
                # Idle and online: notice a lost link before a till's sale has to.
                if not await self.centre.reachable():
                    self.link.down("the centre does not answer its health check")
                continue
            results = await asyncio.gather(
                *(self.forward(entry) for entry in waiting), return_exceptions=True
            )
            for result in results:
                if isinstance(result, BaseException) and not isinstance(result, LinkDown):
                    raise result

    async def _sleep(self) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self.probe_seconds)
