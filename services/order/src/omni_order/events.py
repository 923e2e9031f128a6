"""What the order service publishes (subjects omni.order.<entity>.<event>); every event carries
the order as it is after the change."""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message

from omni.order.v1 import events_pb2
from omni_kit.facts import Event, make_event
from omni_order.domain.orders import Order
from omni_order.domain.values import Actor
from omni_order.messages import actor_message, channel_message, message_fields, order_message

STREAM = "OMNI_ORDER"
SUBJECTS = ["omni.order.>"]

KINDS: dict[str, tuple[type[Message], str]] = {
    "placed": (events_pb2.OrderPlaced, "omni.order.order.placed"),
    "confirmed": (events_pb2.OrderConfirmed, "omni.order.order.confirmed"),
    "payment_failed": (events_pb2.OrderPaymentFailed, "omni.order.order.payment_failed"),
    "failed": (events_pb2.OrderFailed, "omni.order.order.failed"),
    "cancelled": (events_pb2.OrderCancelled, "omni.order.order.cancelled"),
    "lines_cancelled": (events_pb2.OrderLinesCancelled, "omni.order.order.lines_cancelled"),
    "shipment_created": (events_pb2.ShipmentCreated, "omni.order.shipment.created"),
    "shipped": (events_pb2.OrderShipped, "omni.order.order.shipped"),
    "delivered": (events_pb2.OrderDelivered, "omni.order.order.delivered"),
    "ready_for_pickup": (events_pb2.OrderReadyForPickup, "omni.order.order.ready_for_pickup"),
    "reminder_due": (events_pb2.PickupReminderDue, "omni.order.pickup.reminder_due"),
    "collected": (events_pb2.OrderCollected, "omni.order.order.collected"),
    "return_received": (events_pb2.ReturnReceived, "omni.order.return.received"),
    "refund_recorded": (events_pb2.RefundRecorded, "omni.order.refund.recorded"),
}


def customer_reassigned(order: Order, previous: str, merge_id: str) -> Event:
    """The order (its new version) moved from customer `previous` by a merge or its undo."""
    return make_event(
        events_pb2.OrderCustomerReassigned,
        "omni.order.order.customer_reassigned",
        source="order",
        aggregate_type="order",
        aggregate_id=order.id,
        aggregate_version=order.version,
        correlation_id=order.id,
        channel=channel_message(order.channel),
        order_id=order.id,
        previous_customer_id=previous,
        customer_id=order.customer_id,
        merge_id=merge_id,
    )


def order_event(kind: str, order: Order, **fields: Any) -> Event:
    """The event for the order's latest history entry (its actor and channel)."""
    message_type, subject = KINDS[kind]
    last = order.history[-1] if order.history else None
    channel = channel_message(last.channel if last else order.channel)
    # Partner webhooks route by the event's partner: a marketplace order's updates reach its
    # partner whoever made them (staff in a store, the pickup sweeper).
    channel.partner_id = channel.partner_id or order.channel.partner_id
    return make_event(
        message_type,
        subject,
        source="order",
        aggregate_type="order",
        aggregate_id=order.id,
        aggregate_version=order.version,
        correlation_id=order.id,
        channel=channel,
        actor=actor_message(last.actor if last else Actor()),
        order=order_message(order),
        **message_fields(message_type, fields),
    )


EventSpec = tuple[str, dict[str, Any]]


def next_version(order: Order, *specs: EventSpec) -> list[Event]:
    """Move the order to its next version and build the events of this change (saved together)."""
    order.version += 1
    return [order_event(kind, order, **fields) for kind, fields in specs]
