"""The notification service's collections, indexes and queries."""

from omni.notification.v1 import notification_pb2
from omni_kit.migrations import TYPED_DOCUMENTS, Migration, reshape
from omni_notification.store.locations import LocationStore
from omni_notification.store.notifications import NotificationStore
from omni_notification.store.subscriptions import SubscriptionStore
from omni_notification.store.templates import TemplateStore

INDEXES = {
    **TemplateStore.INDEXES,
    **NotificationStore.INDEXES,
    **SubscriptionStore.INDEXES,
}
MIGRATIONS = [
    Migration("templates", 1, TYPED_DOCUMENTS, reshape(notification_pb2.Template)),
    Migration("notifications", 1, TYPED_DOCUMENTS, reshape(notification_pb2.Notification)),
    Migration(
        "subscriptions", 1, TYPED_DOCUMENTS, reshape(notification_pb2.BackInStockSubscription)
    ),
]

__all__ = [
    "INDEXES",
    "MIGRATIONS",
    "LocationStore",
    "NotificationStore",
    "SubscriptionStore",
    "TemplateStore",
]
