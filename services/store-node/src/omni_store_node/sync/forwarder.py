"""Forwards the journal to the centre, oldest first, until nothing waits.

Exactly once rests on the centre: it records one order per sale_id for good and answers a
repeat as already recorded, so a sale sent twice (a crash between the centre's answer and the
journal's update, or an online sale forwarded inline and by this loop at once) is harmless. The
journal only moves a sale out of waiting on the centre's answer."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import grpc
import structlog

from omni_kit.ids import utcnow
from omni_store_node.centre import Centre, LinkDown, sale_request
from omni_store_node.store import LocalStore
from omni_store_node.store.journal import REFUSED, Entry
from omni_store_node.sync.link import Link

log = structlog.get_logger(__name__)


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
        request = sale_request(
            entry.sale,
            store_id=self.store_id,
            till_number=entry.till_number,
            offline=entry.sold_offline,
        )
        async with self._slots:
            try:
                recorded = await self.centre.record(request)
            except LinkDown as down:
                self.link.down(str(down))
                raise
            except grpc.aio.AioRpcError as error:
                # The centre read the sale and refused it: sending it again changes nothing.
                log.error(
                    "store_sale_refused_by_centre",
                    sale_id=entry.sale.sale_id,
                    code=error.code().name,
                    details=error.details(),
                )
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

    async def run(self, on_link_up: Callable[[], Awaitable[bool]]) -> None:
        """The loop: while online, drain the journal; while offline, probe the link, and once
        the centre answers, let `on_link_up` bring the link up (False: it went down again)."""
        while True:
            if not self.link.online and not (await self.centre.reachable() and await on_link_up()):
                await self._sleep()
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
