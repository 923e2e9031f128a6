"""What the notification service publishes (subjects omni.notification.<entity>.<event>): the
contracts' event messages, made from the domain's notifications and subscriptions."""

from __future__ import annotations

from omni.notification.v1 import events_pb2
from omni_kit.facts import Event, make_event
from omni_notification.api import messages
from omni_notification.domain.common import Actor
from omni_notification.domain.notifications import Notification, NotificationStatus
from omni_notification.domain.subscriptions import Subscription

STREAM = "OMNI_NOTIFICATION"
SUBJECTS = ["omni.notification.>"]

_STATUS_EVENTS = {
    NotificationStatus.SENT: (events_pb2.NotificationSent, "sent"),
    NotificationStatus.DELIVERED: (events_pb2.NotificationDelivered, "delivered"),
    NotificationStatus.FAILED: (events_pb2.NotificationFailed, "failed"),
    NotificationStatus.SUPPRESSED_BY_PREFERENCE: (events_pb2.NotificationSuppressed, "suppressed"),
    NotificationStatus.DELAYED_QUIET_HOURS: (events_pb2.NotificationDelayed, "delayed"),
}


def notification_status(notification: Notification) -> Event | None:
    """The event for the notification's new status; None for a status nobody is told about."""
    if notification.status not in _STATUS_EVENTS:
        return None
    message_type, name = _STATUS_EVENTS[notification.status]
    return make_event(
        message_type,
        f"omni.notification.notification.{name}",
        source="notification",
        aggregate_type="notification",
        aggregate_id=notification.id,
        actor=messages.actor_message(notification.actor),
        causation_id=notification.source_event_id,
        notification=messages.notification_message(notification),
    )


_SUBSCRIPTION_EVENTS = {
    "created": events_pb2.BackInStockSubscribed,
    "closed": events_pb2.BackInStockSubscriptionClosed,
}


def subscription_event(name: str, subscription: Subscription, actor: Actor) -> Event:
    """omni.notification.subscription.created or .closed."""
    return make_event(
        _SUBSCRIPTION_EVENTS[name],
        f"omni.notification.subscription.{name}",
        source="notification",
        aggregate_type="subscription",
        aggregate_id=subscription.id,
        channel=messages.channel_ref_message(subscription.channel),
        actor=messages.actor_message(actor),
        subscription=messages.subscription_message(subscription),
    )
