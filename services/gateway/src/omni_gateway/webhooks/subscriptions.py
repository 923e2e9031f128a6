"""Which events partners may subscribe to, and who receives each event."""

from __future__ import annotations

from types import ModuleType

from google.protobuf.message import Message

from omni.catalog.v1 import events_pb2 as catalog_events
from omni.inventory.v1 import events_pb2 as inventory_events
from omni.order.v1 import events_pb2 as order_events
from omni_kit.outbound import OutboundPolicy, url_refusal

# Order events reach only the partner whose order it is; catalog and inventory facts are public
# to partners. Customer and notification events carry personal data and are never offered.
STREAMS: dict[str, ModuleType] = {
    "OMNI_ORDER": order_events,
    "OMNI_CATALOG": catalog_events,
    "OMNI_INVENTORY": inventory_events,
}
PARTNER_OWNED_PREFIX = "omni.order."
EVENT_TYPES = frozenset(
    {
        "omni.order.order.placed",
        "omni.order.order.confirmed",
        "omni.order.order.payment_failed",
        "omni.order.order.cancelled",
        "omni.order.order.lines_cancelled",
        "omni.order.shipment.created",
        "omni.order.order.shipped",
        "omni.order.order.delivered",
        "omni.order.order.ready_for_pickup",
        "omni.order.order.collected",
        "omni.order.return.received",
        "omni.order.refund.recorded",
        "omni.catalog.product.created",
        "omni.catalog.product.updated",
        "omni.catalog.product.deleted",
        "omni.catalog.product.published",
        "omni.catalog.product.unpublished",
        "omni.catalog.products.imported",
        "omni.catalog.price.changed",
        "omni.catalog.price.effective_changed",
        "omni.inventory.stock.changed",
        "omni.inventory.stock.low",
        "omni.inventory.stock.out_of_stock",
        "omni.inventory.stock.back_in_stock",
    }
)


def message_types(module: ModuleType) -> list[type[Message]]:
    return [getattr(module, name) for name in module.DESCRIPTOR.message_types_by_name]


def recipient_filter(event_type: str, partner_id: str) -> dict[str, object]:
    query: dict[str, object] = {"event_types": event_type, "active": True}
    if event_type.startswith(PARTNER_OWNED_PREFIX):
        query["partner_id"] = partner_id or "-"
    return query


def check_url(url: str, *, allow_http: bool, allow_private: bool) -> str | None:
    """Why a webhook URL is refused at registration, or None when acceptable. The same check, and
    the one of the addresses its host resolves to, runs again at every delivery."""
    return url_refusal(
        url, OutboundPolicy(allow_http=allow_http, allow_private_networks=allow_private)
    )
