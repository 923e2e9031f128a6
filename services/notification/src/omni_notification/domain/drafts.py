"""From a fact (an order event, stock back, a staff request) to the notification it asks for:
who, about what, with which variables, and the key that makes it happen once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from google.protobuf.message import Message

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2
from omni.order.v1 import order_pb2
from omni_kit.ids import new_id
from omni_kit.protos import from_timestamp
from omni_notification.domain import registry
from omni_notification.domain.routing import purpose_name

# ISO 4217 exponents other than 2.
_EXPONENTS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG"), 0),
    **dict.fromkeys(("RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}


@dataclass(frozen=True)
class Draft:
    customer_id: str
    event_type: str
    # What it is about: the order id, the subscription id.
    subject_id: str
    variables: dict[str, Any] = field(default_factory=dict)
    source_event_id: str = ""
    correlation_id: str = ""
    # Tried first when the customer allows it (a subscription's chosen channel).
    preferred_channel: common_pb2.ContactChannel.ValueType = common_pb2.CONTACT_CHANNEL_UNSPECIFIED


def dedup_key(event_id: str, customer_id: str, purpose: common_pb2.ContactPurpose.ValueType) -> str:
    """One notification per event, customer and purpose, however often the event arrives."""
    return f"{event_id}:{customer_id}:{purpose_name(purpose)}"


def staff_dedup_key() -> str:
    """Each staff send is a notification of its own; the idempotency pipeline answers a repeated
    request with the first one's response."""
    return f"staff:{new_id()}"


def money(amount: common_pb2.Money) -> str:
    """19.99 EUR from (1999, "EUR"); integer arithmetic only."""
    if not amount.currency_code:
        return ""
    exponent = _EXPONENTS.get(amount.currency_code, 2)
    sign = "-" if amount.amount_minor < 0 else ""
    units, minor = divmod(abs(amount.amount_minor), 10**exponent)
    number = f"{units}.{minor:0{exponent}d}" if exponent else str(units)
    return f"{sign}{number} {amount.currency_code}"


def order_draft(subject: str, event: Message) -> Draft | None:
    """The notification an order event asks for; None when the order has no customer profile
    (an anonymous sale)."""
    order: order_pb2.Order = event.order  # type: ignore[attr-defined]
    if not order.customer_id:
        return None
    meta: common_pb2.EventMeta = event.meta  # type: ignore[attr-defined]
    variables = order_variables(order)
    if subject in (registry.READY_FOR_PICKUP, registry.PICKUP_REMINDER):
        deadline = order.pickup.deadline if order.pickup.HasField("deadline") else None
        if subject == registry.PICKUP_REMINDER:
            variables["reminder_number"] = event.reminder_number  # type: ignore[attr-defined]
            if event.HasField("deadline"):
                deadline = event.deadline  # type: ignore[attr-defined]
        variables["pickup_code"] = order.pickup.code
        variables["pickup_deadline"] = from_timestamp(deadline) if deadline else ""
    elif subject in (registry.ORDER_SHIPPED, registry.ORDER_DELIVERED):
        shipment: order_pb2.Shipment = event.shipment  # type: ignore[attr-defined]
        variables["carrier"] = shipment.carrier
        variables["tracking_number"] = shipment.tracking_number
    elif subject == registry.RETURN_RECEIVED:
        returned: order_pb2.OrderReturn = event.order_return  # type: ignore[attr-defined]
        lines = {line.line_id: line for line in order.lines}
        variables["return_id"] = returned.id
        variables["returned_items"] = [
            _item(lines.get(line.line_id), line.quantity) for line in returned.lines
        ]
        variables["refund_total"] = money(returned.refund_total)
        variables["store_id"] = returned.receiving_location_id
    return Draft(
        customer_id=order.customer_id,
        event_type=subject,
        subject_id=order.id,
        variables=variables,
        source_event_id=meta.event_id,
        correlation_id=meta.correlation_id,
    )


def order_variables(order: order_pb2.Order) -> dict[str, Any]:
    items = [_item(line, line.quantity) for line in order.lines]
    return {
        "order_id": order.id,
        "order_number": order.number or order.id,
        "order_total": money(order.totals.total),
        "item_count": sum(item["quantity"] for item in items),
        "items": items,
        # The store's name, address and hours are added from it when the message is made.
        "store_id": order.delivery.pickup_location_id,
    }


def _item(line: order_pb2.OrderLine | None, quantity: int) -> dict[str, Any]:
    if line is None:
        return {"product_name": "", "sku": "", "quantity": quantity}
    return {"product_name": line.product_name, "sku": line.sku, "quantity": quantity}


def subscription_matches(subscription_location: str, event_location: str) -> bool:
    """A subscription "anywhere" matches stock back at any location or overall; one that names
    a store matches only that store (an overall event has no location)."""
    return not subscription_location or subscription_location == event_location


def available_to(
    availability: Sequence[inventory_pb2.ChannelAvailability], channel: common_pb2.ChannelRef
) -> bool:
    """Whether the channel may sell it: an event without a per-channel split means every
    channel; with one, the channel's own share must be above zero."""
    if not availability:
        return True
    return any(
        share.channel.channel == channel.channel
        and share.channel.partner_id == channel.partner_id
        and share.available > 0
        for share in availability
    )


def back_in_stock_variables(
    sku: str, product_name: str, location_id: str, available: int
) -> dict[str, Any]:
    return {
        "sku": sku,
        "product_name": product_name or sku,
        "store_id": location_id,
        "available": available,
    }


def is_due(scheduled_at: datetime | None, now: datetime) -> bool:
    return scheduled_at is None or scheduled_at <= now
