"""The node's parts, wired once: its local store, the link, the centre and the forwarder."""

from __future__ import annotations

import structlog

from omni_kit.app import BackgroundTasks
from omni_store_node.centre import Centre, LinkDown
from omni_store_node.domain.payments import CardLimits
from omni_store_node.settings import StoreNodeSettings
from omni_store_node.store import LocalStore
from omni_store_node.store.journal import WAITING
from omni_store_node.sync.catalog_events import CatalogRefresh
from omni_store_node.sync.forwarder import Forwarder
from omni_store_node.sync.link import Link
from omni_store_node.sync.status_report import StatusReporter

log = structlog.get_logger(__name__)


class Node:
    def __init__(self, settings: StoreNodeSettings) -> None:
        self.settings = settings
        self.store = LocalStore(settings.journal_path)
        self.link = Link()
        self.centre = Centre(
            settings.order_addr, settings.catalog_addr, settings.centre_timeout_seconds
        )
        self.forwarder = Forwarder(
            self.store,
            self.centre,
            self.link,
            store_id=settings.store_id,
            probe_seconds=settings.link_probe_seconds,
            concurrency=settings.forward_concurrency,
            batch=settings.forward_batch,
        )
        self.reporter = StatusReporter(
            self.store,
            self.centre,
            self.link,
            store_id=settings.store_id,
            every=settings.status_report_seconds,
        )
        self.tasks = BackgroundTasks()
        self.tasks.add("forwarder", lambda: self.forwarder.run(self.link_came_back))
        self.tasks.add("status-report", self.reporter.run)
        if settings.nats_url:
            refresh = CatalogRefresh(settings.nats_url, self.centre, self.store)
            self.tasks.add("catalog-events", refresh.run)

    async def link_came_back(self) -> bool:
        """The centre answers again: tell it of the outage and the sales it left waiting, then
        reload the prices (changes missed while offline), and only then count the link as up.
        False if the link failed meanwhile (the forwarder probes again)."""
        counts = await self.store.journal.counts()
        outage = self.link.ending_outage(counts[WAITING])
        try:
            await self.reporter.send(outage)
            await self.reload_prices()
        except LinkDown as down:
            log.info("link_still_down", reason=str(down))
            return False
        self.link.up(outage)
        return True

    async def reload_prices(self) -> None:
        """The store's whole price list from the centre, replacing the replica in one write."""
        prices = await self.centre.store_prices()
        await self.store.replica.replace_all(prices)
        log.info("prices_reloaded", skus=len(prices))

    async def card_limits(self) -> CardLimits:
        """The store's offline card limits from the centre, else the node's own defaults."""
        kept = await self.store.replica.card_limits()
        if kept is not None:
            return kept
        settings = self.settings
        return CardLimits(
            currency=settings.card_offline_currency,
            sale_cap_minor=settings.card_offline_sale_cap_minor,
            stored_cap_minor=settings.card_offline_stored_cap_minor,
            max_age_seconds=settings.card_offline_max_age_seconds,
        )

    async def start(self) -> None:
        self.tasks.start()

    async def stop(self) -> None:
        await self.tasks.stop(timeout=5.0)
        await self.centre.close()
        self.store.close()
