"""The notification service's collections, indexes and queries."""

from omni_notification.store.notifications import NotificationStore
from omni_notification.store.subscriptions import SubscriptionStore
from omni_notification.store.templates import TemplateStore

INDEXES = {
    **TemplateStore.INDEXES,
    **NotificationStore.INDEXES,
    **SubscriptionStore.INDEXES,
}

__all__ = ["INDEXES", "NotificationStore", "SubscriptionStore", "TemplateStore"]
