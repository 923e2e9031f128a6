"""The node tells the centre how it stands: at every reconnect (before it forwards what waited,
so the centre sees the outage and its waiting sales) and every few seconds while online. A
report that cannot get through marks the link down like any other call."""

from __future__ import annotations

import asyncio
from importlib.metadata import version

import structlog

from omni.order.v1 import order_pb2
from omni_kit.protos import to_timestamp
from omni_store_node.centre import Centre, LinkDown
from omni_store_node.store import LocalStore
from omni_store_node.store.journal import WAITING
from omni_store_node.sync.link import Link, Outage

log = structlog.get_logger(__name__)
NODE_VERSION = version("omni-store-node")


class StatusReporter:
    def __init__(
        self, store: LocalStore, centre: Centre, link: Link, *, store_id: str, every: float
    ) -> None:
        self.store = store
        self.centre = centre
        self.link = link
        self.store_id = store_id
        self.every = every

    async def send(self, outage: Outage | None) -> None:
        """One report, naming this outage as the last one, and the store's card limits and paper
        blocks from the answer kept for when the link is down; LinkDown if it cannot get
        through."""
        counts = await self.store.journal.counts()
        standing = await self.centre.report_status(
            order_pb2.ReportStoreNodeStatusRequest(
                store_id=self.store_id,
                node_version=NODE_VERSION,
                sales_waiting=counts[WAITING],
                last_sync_at=to_timestamp(self.link.last_sync_at),
                last_outage=None
                if outage is None
                else order_pb2.StoreNodeOutage(
                    started_at=to_timestamp(outage.started_at),
                    ended_at=to_timestamp(outage.ended_at),
                    sales_waiting=outage.sales_waiting,
                ),
            )
        )
        await self.store.replica.keep_card_limits(standing.limits)
        await self.store.replica.keep_paper_blocks(standing.paper_blocks)

    async def run(self) -> None:
        """While the link is up, report every few seconds (the reconnect's report is sent by
        the node as it brings the link up)."""
        while True:
            if self.link.online:
                try:
                    await self.send(self.link.last_outage)
                except LinkDown as down:
                    self.link.down(str(down))
            await asyncio.sleep(self.every)
