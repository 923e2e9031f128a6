"""What the notification service publishes (subjects omni.notification.<entity>.<event>)."""

from __future__ import annotations

from omni.common.v1 import common_pb2
from omni.notification.v1 import events_pb2, notification_pb2
from omni_kit.facts import Event, make_event

STREAM = "OMNI_NOTIFICATION"
SUBJECTS = ["omni.notification.>"]

_STATUS_EVENTS = {
    notification_pb2.NOTIFICATION_STATUS_SENT: (events_pb2.NotificationSent, "sent"),
    notification_pb2.NOTIFICATION_STATUS_DELIVERED: (
        events_pb2.NotificationDelivered,
        "delivered",
    ),
    notification_pb2.NOTIFICATION_STATUS_FAILED: (events_pb2.NotificationFailed, "failed"),
    notification_pb2.NOTIFICATION_STATUS_SUPPRESSED_BY_PREFERENCE: (
        events_pb2.NotificationSuppressed,
        "suppressed",
    ),
    notification_pb2.NOTIFICATION_STATUS_DELAYED_QUIET_HOURS: (
        events_pb2.NotificationDelayed,
        "delayed",
    ),
}


def notification_status(notification: notification_pb2.Notification) -> Event | None:
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
        actor=notification.actor,
        causation_id=notification.source_event_id,
        notification=notification,
    )


_SUBSCRIPTION_EVENTS = {
    "created": events_pb2.BackInStockSubscribed,
    "closed": events_pb2.BackInStockSubscriptionClosed,
}


def subscription_event(
    name: str, subscription: notification_pb2.BackInStockSubscription, actor: common_pb2.Actor
) -> Event:
    """omni.notification.subscription.created or .closed."""
    return make_event(
        _SUBSCRIPTION_EVENTS[name],
        f"omni.notification.subscription.{name}",
        source="notification",
        aggregate_type="subscription",
        aggregate_id=subscription.id,
        channel=subscription.channel,
        actor=actor,
        subscription=subscription,
    )
