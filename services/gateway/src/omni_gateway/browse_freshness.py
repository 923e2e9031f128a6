"""Keeps shared browse answers true to the catalog and the stock: every gateway replica listens to
catalog and inventory events and marks the cached pages they touch stale, so a change shows on
the next request but one rather than after the cache time.

Plain NATS subscriptions, not durable consumers: each replica must see every event, and one it
misses while NATS is away only leaves a page as old as the cache time allows."""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message
from nats.aio.msg import Msg

from omni.catalog.v1 import events_pb2 as catalog_events
from omni.inventory.v1 import events_pb2 as inventory_events
from omni_gateway.microcache import Microcache
from omni_gateway.views.product import BrowseItem, ProductPage
from omni_gateway.webhooks.subscriptions import message_types
from omni_kit.attributes import searchable_attributes
from omni_kit.events import EventBus, PoisonMessage, decode
from omni_kit.logs import get_logger

log = get_logger("omni.gateway.cache")

SUBJECTS = ("omni.catalog.>", "omni.inventory.>")
EVENT_TYPES = [*message_types(catalog_events), *message_types(inventory_events)]
# Any catalog change may move a product into, out of or within any product list.
LISTS = "lists"


def product_tags(item: BrowseItem) -> list[str]:
    """What a rendered product shows: the product and its SKUs."""
    skus = (variant.sku for variant in item.product.variants)
    return [f"product:{item.product.id}", *(f"sku:{sku}" for sku in skus)]


def list_tags(page: ProductPage) -> list[str]:
    return [LISTS, *(tag for item in page.items for tag in product_tags(item))]


def touched(subject: str, event: Message) -> list[str]:
    found = searchable_attributes(event)
    tags = [f"product:{p}" for p in _values(found.get("omni.product_id"))]
    tags += [f"sku:{sku}" for sku in _values(found.get("omni.sku"))]
    if subject.startswith("omni.catalog."):
        tags.append(LISTS)
    return tags


async def watch(bus: EventBus, cache: Microcache[Any]) -> None:
    async def on_event(msg: Msg) -> None:
        try:
            event = decode(EVENT_TYPES, msg.data, msg.headers or {})
        except PoisonMessage as error:
            log.info("cache_event_ignored", subject=msg.subject, error=str(error))
            return
        cache.invalidate(touched(msg.subject, event))

    for subject in SUBJECTS:
        await bus.nc.subscribe(subject, cb=on_event)


def _values(value: str | list[str] | None) -> list[str]:
    return [] if value is None else [value] if isinstance(value, str) else value
