"""Timeline entries built from other services' events (the contracts they publish): orders and
their transitions, returns, pickups, notifications and their delivery status, back-in-stock
subscriptions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from google.protobuf.message import Message

from omni.common.v1 import common_pb2
from omni.notification.v1 import events_pb2 as notification_events
from omni.notification.v1 import notification_pb2
from omni.order.v1 import events_pb2 as order_events
from omni.order.v1 import order_pb2
from omni_customer.api.messages import actor, channel_ref, money, present
from omni_customer.domain.loyalty import format_money
from omni_customer.domain.timeline import Entry, EntryType, ObjectRef, entry_id
from omni_customer.domain.values import Actor, ActorKind
from omni_kit.protos import from_timestamp

T = EntryType


@dataclass(frozen=True)
class Found:
    """An entry for the customer the event names (resolved to the surviving profile later)."""

    customer_id: str
    entry: Entry


def _order_texts(
    event: Message,
) -> tuple[EntryType, str, dict[str, str]]:
    order: order_pb2.Order = event.order  # type: ignore[attr-defined]
    number = order.number or order.id
    total = format_money(money(order.totals.total)) if order.totals.total.currency_code else ""
    match event:
        case order_events.OrderPlaced():
            return T.ORDER, f"Order {number} placed ({total})", {}
        case order_events.OrderConfirmed():
            return T.ORDER, f"Order {number} confirmed ({total})", {}
        case order_events.OrderPaymentFailed():
            return (
                T.ORDER,
                f"Payment failed for order {number}",
                {"reason": event.reason},
            )
        case order_events.OrderCancelled():
            reason = order_pb2.CancellationReason.Name(event.reason)
            return (
                T.ORDER,
                f"Order {number} cancelled",
                {"reason": reason.removeprefix("CANCELLATION_REASON_").lower(), "note": event.note},
            )
        case order_events.OrderLinesCancelled():
            units = sum(line.quantity for line in event.lines)
            return T.ORDER, f"{units} item(s) cancelled on order {number}", {}
        case order_events.ShipmentCreated():
            return (
                T.ORDER,
                f"Shipment prepared for order {number}",
                {
                    "shipment_id": event.shipment.id,
                    "location_id": event.shipment.source_location_id,
                },
            )
        case order_events.OrderShipped():
            shipment = event.shipment
            return (
                T.ORDER,
                f"Order {number} shipped",
                {"carrier": shipment.carrier, "tracking_number": shipment.tracking_number},
            )
        case order_events.OrderDelivered():
            return T.ORDER, f"Order {number} delivered", {}
        case order_events.OrderReadyForPickup():
            return (
                T.PICKUP,
                f"Order {number} ready for pickup",
                {"location_id": order.delivery.pickup_location_id},
            )
        case order_events.OrderCollected():
            return (
                T.PICKUP,
                f"Order {number} collected",
                {"location_id": order.delivery.pickup_location_id},
            )
        case order_events.ReturnReceived():
            units = sum(line.quantity for line in event.order_return.lines)
            return (
                T.RETURN,
                f"Return of {units} item(s) received for order {number}",
                {"location_id": event.order_return.receiving_location_id},
            )
    raise TypeError(f"not an order event: {type(event).__name__}")


ORDER_EVENTS: dict[str, type[Message]] = {
    "omni.order.order.placed": order_events.OrderPlaced,
    "omni.order.order.confirmed": order_events.OrderConfirmed,
    "omni.order.order.payment_failed": order_events.OrderPaymentFailed,
    "omni.order.order.cancelled": order_events.OrderCancelled,
    "omni.order.order.lines_cancelled": order_events.OrderLinesCancelled,
    "omni.order.shipment.created": order_events.ShipmentCreated,
    "omni.order.order.shipped": order_events.OrderShipped,
    "omni.order.order.delivered": order_events.OrderDelivered,
    "omni.order.order.ready_for_pickup": order_events.OrderReadyForPickup,
    "omni.order.order.collected": order_events.OrderCollected,
    "omni.order.return.received": order_events.ReturnReceived,
}

NOTIFICATION_STATUS = {
    notification_events.NotificationSent: "sent",
    notification_events.NotificationDelivered: "delivered",
    notification_events.NotificationFailed: "failed",
    notification_events.NotificationSuppressed: "suppressed",
}
NOTIFICATION_EVENTS: dict[str, type[Message]] = {
    "omni.notification.notification.sent": notification_events.NotificationSent,
    "omni.notification.notification.delivered": notification_events.NotificationDelivered,
    "omni.notification.notification.failed": notification_events.NotificationFailed,
    "omni.notification.notification.suppressed": notification_events.NotificationSuppressed,
    "omni.notification.subscription.created": notification_events.BackInStockSubscribed,
    "omni.notification.subscription.closed": notification_events.BackInStockSubscriptionClosed,
}
CHANNEL_NAMES = {
    common_pb2.CONTACT_CHANNEL_EMAIL: "E-mail",
    common_pb2.CONTACT_CHANNEL_SMS: "SMS",
    common_pb2.CONTACT_CHANNEL_PUSH: "Push message",
    common_pb2.CONTACT_CHANNEL_MESSENGER: "Messenger message",
    common_pb2.CONTACT_CHANNEL_PHONE_CALL: "Call",
}


def _base(
    event: Message,
    event_id: str,
    now: datetime,
    kind: EntryType,
    summary: str,
    ref: ObjectRef,
    attributes: dict[str, str],
    channel: common_pb2.ChannelRef | None = None,
) -> Entry:
    """The entry of an event: its time, actor and channel (else `channel`), the empty attributes
    left out."""
    meta: common_pb2.EventMeta = event.meta  # type: ignore[attr-defined]
    occurred = present(meta, "occurred_at", from_timestamp)
    return Entry(
        id=entry_id(event_id),
        type=kind,
        channel=channel_ref(channel if channel is not None else meta.channel),
        occurred_at=occurred or now,
        actor=present(meta, "actor", actor) or Actor(ActorKind.SYSTEM, meta.source),
        summary=summary,
        ref=ref,
        attributes={key: value for key, value in attributes.items() if value},
        source_event_id=event_id,
        created_at=now,
    )


def order_entry(event: Message, event_id: str, now: datetime) -> Found | None:
    order: order_pb2.Order = event.order  # type: ignore[attr-defined]
    if not order.customer_id:  # an anonymous sale: nobody's timeline
        return None
    kind, summary, extra = _order_texts(event)
    channel = event.meta.channel  # type: ignore[attr-defined]
    if not channel.channel:
        channel = order.channel
    ref = ObjectRef("order", order.id)
    if isinstance(event, order_events.ReturnReceived):
        ref = ObjectRef("return", event.order_return.id)
        if event.order_return.HasField("channel"):
            channel = event.order_return.channel
    attributes = {
        "order_id": order.id,
        "order_number": order.number,
        "status": order_pb2.OrderStatus.Name(order.status).removeprefix("ORDER_STATUS_").lower(),
        **extra,
    }
    entry = _base(event, event_id, now, kind, summary, ref, attributes, channel)
    return Found(order.customer_id, entry)


def notification_entry(event: Message, event_id: str, now: datetime) -> Found | None:
    if isinstance(
        event,
        notification_events.BackInStockSubscribed
        | notification_events.BackInStockSubscriptionClosed,
    ):
        return _subscription_entry(event, event_id, now)
    notification: notification_pb2.Notification = event.notification  # type: ignore[attr-defined]
    if not notification.customer_id:
        return None
    status = NOTIFICATION_STATUS[type(event)]
    label = CHANNEL_NAMES.get(notification.channel, "Notification")
    about = notification.message.subject or notification.event_type
    words = "not sent (preferences)" if status == "suppressed" else status
    summary = f"{label} {words}" + (f": {about}" if about else "")
    contact = common_pb2.ContactChannel.Name(notification.channel)
    attributes = {
        "status": status,
        "contact_channel": contact.removeprefix("CONTACT_CHANNEL_").lower(),
        "event_type": notification.event_type,
        "reason": notification.status_reason,
        "recipient": notification.recipient,
        "subject_id": notification.subject_id,
    }
    ref = ObjectRef("notification", notification.id)
    entry = _base(event, event_id, now, T.NOTIFICATION, summary, ref, attributes)
    return Found(notification.customer_id, entry)


def _subscription_entry(
    event: notification_events.BackInStockSubscribed
    | notification_events.BackInStockSubscriptionClosed,
    event_id: str,
    now: datetime,
) -> Found | None:
    subscription = event.subscription
    if not subscription.customer_id:
        return None
    where = f" at store {subscription.location_id}" if subscription.location_id else ""
    attributes = {"sku": subscription.sku, "location_id": subscription.location_id}
    if isinstance(event, notification_events.BackInStockSubscribed):
        summary = f"Asked to be told when {subscription.sku} is back in stock{where}"
    else:
        status = notification_pb2.SubscriptionStatus.Name(subscription.status)
        summary = f"Back-in-stock request for {subscription.sku}{where} closed"
        attributes = {"status": status.removeprefix("SUBSCRIPTION_STATUS_").lower(), **attributes}
    channel = subscription.channel if subscription.HasField("channel") else None
    ref = ObjectRef("subscription", subscription.id)
    kind = T.BACK_IN_STOCK_SUBSCRIPTION
    entry = _base(event, event_id, now, kind, summary, ref, attributes, channel)
    return Found(subscription.customer_id, entry)


Builder = Callable[[Message, str, datetime], Found | None]
