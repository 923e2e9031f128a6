"""Which events partners may subscribe to, and who receives each event."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from google.protobuf.message import Message

from omni.catalog.v1 import events_pb2 as catalog_events
from omni.inventory.v1 import events_pb2 as inventory_events
from omni.order.v1 import events_pb2 as order_events
from omni_gateway.views.webhook_events import EVENTS
from omni_kit.outbound import OutboundPolicy, url_refusal

# Order events reach only the partner whose order it is, listing events (published, unpublished,
# prices) only the partner whose marketplace channel the listing is on; products and stock are
# public to partners (an import's listings and the stock a channel can sell are narrowed to the
# receiving partner's own, see views/webhook_events.py). Customer and notification events carry
# personal data and are never offered.
STREAMS: dict[str, ModuleType] = {
    "OMNI_ORDER": order_events,
    "OMNI_CATALOG": catalog_events,
    "OMNI_INVENTORY": inventory_events,
}
PARTNER_OWNED = (
    "omni.order.",
    "omni.catalog.product.published",
    "omni.catalog.product.unpublished",
    "omni.catalog.price.",
)
EVENT_TYPES = frozenset(EVENTS)


def message_types(module: ModuleType) -> list[type[Message]]:
    return [getattr(module, name) for name in module.DESCRIPTOR.message_types_by_name]


def recipient_filter(event_type: str, partner_id: str) -> dict[str, object]:
    """The active webhooks that receive an event (the store's query)."""
    query: dict[str, object] = {"event_types": event_type, "active": True}
    if event_type.startswith(PARTNER_OWNED):
        query["partner_id"] = partner_id or "-"
    return query


def receives(webhook: dict[str, Any], event_type: str, partner_id: str) -> bool:
    """`recipient_filter` for one active webhook already read."""
    if event_type not in webhook["event_types"]:
        return False
    return not event_type.startswith(PARTNER_OWNED) or webhook["partner_id"] == (partner_id or "-")


def check_url(url: str, *, allow_http: bool, allow_private: bool) -> str | None:
    """Why a webhook URL is refused at registration, or None when acceptable. The same check, and
    the one of the addresses its host resolves to, runs again at every delivery."""
    return url_refusal(
        url, OutboundPolicy(allow_http=allow_http, allow_private_networks=allow_private)
    )
