"""Searchable span attributes taken from requests and events: an SRE finds every span of one
order, customer, SKU or channel without each handler remembering to set them."""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message
from opentelemetry import trace

# Field names worth searching by, as they appear in the contracts.
IDS = {
    "order_id": "omni.order_id",
    "customer_id": "omni.customer_id",
    "profile_id": "omni.customer_id",
    "cart_id": "omni.cart_id",
    "product_id": "omni.product_id",
    "sku": "omni.sku",
    "location_id": "omni.location_id",
    "reservation_id": "omni.reservation_id",
    "partner_id": "omni.partner_id",
    "return_id": "omni.return_id",
    "notification_id": "omni.notification_id",
}
# A nested message's own `id` names the object: order.id is an order id.
OBJECTS = {"order": "omni.order_id", "profile": "omni.customer_id", "product": "omni.product_id"}
MAX_DEPTH = 2
MAX_VALUES = 10


def searchable_attributes(message: Message) -> dict[str, str | list[str]]:
    """Ids by name, from the message and its nested messages (repeated ones too: the SKUs of
    every line). One value stays a string; several become a list."""
    found: dict[str, list[str]] = {}
    _collect(message, found, 0)
    return {key: values[0] if len(values) == 1 else values for key, values in found.items()}


def _add(found: dict[str, list[str]], key: str, value: str) -> None:
    values = found.setdefault(key, [])
    if value and value not in values and len(values) < MAX_VALUES:
        values.append(value)


def _collect(message: Message, found: dict[str, list[str]], depth: int) -> None:
    for field, value in message.ListFields():
        name = field.name
        if field.message_type is None:
            if name in IDS and isinstance(value, str):
                _add(found, IDS[name], value)
            continue
        if field.message_type.GetOptions().map_entry:
            continue
        items = list(value)[:MAX_VALUES] if field.is_repeated else [value]
        for item in items:
            if field.message_type.full_name == "omni.common.v1.ChannelRef":
                if item.channel:
                    _add(found, "omni.channel", sales_channel(item))
                continue
            if name in OBJECTS:
                _add(found, OBJECTS[name], getattr(item, "id", ""))
            if depth < MAX_DEPTH:
                _collect(item, found, depth + 1)


def sales_channel(ref: Any) -> str:
    """A ChannelRef's sales channel as a short name ("web", "pos"), without a partner's id."""
    enum = ref.DESCRIPTOR.fields_by_name["channel"].enum_type
    return enum.values_by_number[ref.channel].name.removeprefix("SALES_CHANNEL_").lower()


def annotate_current_span(message: Any) -> None:
    span = trace.get_current_span()
    if isinstance(message, Message) and span.is_recording():
        span.set_attributes(searchable_attributes(message))
