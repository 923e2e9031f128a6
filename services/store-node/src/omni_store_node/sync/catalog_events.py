"""Catalog events refresh the price replica between reloads: any event naming SKUs makes the
node ask the centre for those SKUs' store prices now. Missed events (the link was down) do not
matter: every reconnect reloads the whole list."""

from __future__ import annotations

import asyncio

import nats
import structlog
from google.protobuf.message import Message
from nats.aio.msg import Msg

from omni.catalog.v1 import events_pb2
from omni_kit.events.codec import PoisonMessage, decode
from omni_store_node.centre import Centre, LinkDown
from omni_store_node.store import LocalStore

log = structlog.get_logger(__name__)
SUBJECT = "omni.catalog.>"
EVENTS: list[type[Message]] = [
    events_pb2.ProductCreated,
    events_pb2.ProductUpdated,
    events_pb2.ProductDeleted,
    events_pb2.ProductPublished,
    events_pb2.ProductUnpublished,
    events_pb2.PriceChanged,
    events_pb2.EffectivePriceChanged,
    events_pb2.ProductsImported,
]


def skus_named(event: Message) -> set[str]:
    """The SKUs an event is about: its own list, or its products' variants."""
    fields = event.DESCRIPTOR.fields_by_name
    skus: set[str] = set(getattr(event, "skus", ())) if "skus" in fields else set()
    products = list(getattr(event, "products", ())) if "products" in fields else []
    if "product" in fields and event.HasField("product"):
        products.append(getattr(event, "product"))  # noqa: B009 - not every event type has one
    for product in products:
        skus.update(variant.sku for variant in product.variants)
    return skus


class CatalogRefresh:
    def __init__(self, nats_url: str, centre: Centre, store: LocalStore) -> None:
        self.nats_url = nats_url
        self.centre = centre
        self.store = store

    async def run(self) -> None:
        client = await nats.connect(self.nats_url, max_reconnect_attempts=-1)
        try:
            await client.subscribe(SUBJECT, cb=self.on_message)
            await asyncio.Event().wait()
        finally:
            await client.close()

    async def on_message(self, msg: Msg) -> None:
        try:
            event = decode(EVENTS, msg.data, msg.headers or {})
        except PoisonMessage as error:
            log.warning("catalog_event_skipped", subject=msg.subject, error=str(error))
            return
        skus = skus_named(event)
        if skus:
            await self.refresh(skus)

    async def refresh(self, skus: set[str]) -> None:
        try:
            found = await self.centre.prices(skus)
        except LinkDown:
            return  # the reload at the reconnect brings these too
        await self.store.replica.apply(found, gone=skus - {price.sku for price in found})
        log.info("prices_refreshed", skus=len(skus))
