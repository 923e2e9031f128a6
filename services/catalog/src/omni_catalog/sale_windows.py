"""Sale windows and catalog promotions open and close on time: a background task finds the
browse documents whose price in force changes now (their `flip_at` has come), rewrites them in a
transaction with the listing's feed time and an `omni.catalog.price.effective_changed` event, so
browse pages, the gateway's cache and marketplace feeds follow. Several replicas may run it:
each flip is made once, by whichever transaction sees the document still due.

A catalog promotion that is created or changed marks the documents it covers (before and after
the change) due now, in batches, and the same flips reprice them."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import PyMongoError

from omni_catalog import events
from omni_catalog.domain import products
from omni_catalog.domain.listings import ChannelListing, effective_price, effective_prices
from omni_catalog.domain.money import Money
from omni_catalog.readmodel import ReadModel
from omni_catalog.settings import CatalogSettings
from omni_catalog.store.browse_model import CATALOG, in_force
from omni_catalog.store.prices import PriceHistoryStore
from omni_catalog.store.products import ProductStore
from omni_kit.errors import NotFound
from omni_kit.ids import utcnow
from omni_kit.logs import get_logger
from omni_kit.runtime import Infrastructure

BATCH = 100
JUST_BEFORE = timedelta(microseconds=1)
log = get_logger("omni.catalog.sale_windows")


class SaleWindows:
    def __init__(self, infra: Infrastructure, readmodel: ReadModel, settings: CatalogSettings):
        self.infra = infra
        self.readmodel = readmodel
        self.products = ProductStore(infra.db)
        self.history = PriceHistoryStore(infra.db)
        self.poll = settings.sale_poll_seconds

    async def run(self) -> None:
        while True:
            try:
                await self.sweep_promotions()
                await self.flip_due()
            except PyMongoError as error:
                log.warning("sale_window_flip_failed", error=str(error))
            await asyncio.sleep(self.poll)

    async def flip_due(self, now: datetime | None = None) -> int:
        """Flip every price due at `now`; returns how many changed."""
        at = now or utcnow()
        flipped = 0
        while True:
            due = await self.readmodel.browse.due(at, BATCH)
            for document in due:
                flipped += await self._flip(document, at)
            if len(due) < BATCH:
                return flipped

    async def sweep_promotions(self, now: datetime | None = None) -> int:
        """Make the browse documents of every changed catalog promotion due now (the flips
        then reprice them one transaction each); returns how many were made due."""
        at = now or utcnow()
        marked = 0
        promotions = self.readmodel.promotions
        while True:
            changed = await promotions.sweeps(BATCH)
            for document in changed:
                sweep = document["sweep"]
                marked += await self.readmodel.browse.make_due(
                    sweep["channels"], sweep["category_ids"], at, BATCH
                )
                await promotions.swept(document)
            if len(changed) < BATCH:
                return marked

    async def _flip(self, document: dict[str, Any], at: datetime) -> int:
        product_id, scope = document["product_id"], document["scope"]
        previous = Money(document["price"], document["currency"])

        async def work(session: AsyncClientSession) -> int:
            current = await self.readmodel.browse.docs.find_one(
                {"_id": document["_id"]}, {"flip_at": 1}, session=session
            )
            if current is None or current.get("flip_at") != document["flip_at"]:
                return 0  # another replica flipped it, or the listing changed meanwhile
            try:
                product = await self.products.get(product_id, session)
            except NotFound:
                product = None
            stored = await self.readmodel.listings.get(product_id, scope, session)
            if product is None or stored is None:
                # A document left behind by what removed its product or listing: never due again
                # (else a batch of them would keep coming back and hold every later flip up).
                await self.readmodel.browse.docs.update_one(
                    {"_id": document["_id"]}, {"$unset": {"flip_at": ""}}, session=session
                )
                return 0
            [listing] = await self.readmodel.priced(product, [stored], at, session)
            await self.readmodel.refresh(product, session, scopes=[CATALOG, scope], now=at)
            await self.readmodel.listings.touch_one(product_id, scope, at, session)
            await self.history.follow(listing, scope, products.skus(product), at, session)
            if _changed(listing, document, at, previous):
                fact = events.effective_price_changed(listing, at, previous, products.skus(product))
                await self.infra.outbox.add(session, fact.subject, fact.message, event_id=fact.id)
            return 1

        return await self.infra.transaction(work)


def _changed(
    listing: ChannelListing, document: dict[str, Any], at: datetime, previous: Money
) -> bool:
    """Whether the flip changed a price in force: the product's, or any variant's in any
    currency (against what the document held; a document written before it kept them, against
    the moment before the flip)."""
    if effective_price(listing, at).money != previous:
        return True
    if "in_force" in document:
        return bool(document["in_force"] != in_force(listing, at))
    before = document["flip_at"] - JUST_BEFORE
    return effective_prices(listing, before) != effective_prices(listing, at)
