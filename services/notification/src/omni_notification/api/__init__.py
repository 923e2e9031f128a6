"""The NotificationService gRPC servicer: protobuf <-> domain and store, nothing clever."""

from __future__ import annotations

from typing import TYPE_CHECKING

from omni.notification.v1 import notification_pb2_grpc
from omni_kit.runtime import Infrastructure
from omni_notification.api.notifications import NotificationRpcs
from omni_notification.api.subscriptions import SubscriptionRpcs
from omni_notification.store import NotificationStore, SubscriptionStore, TemplateStore

if TYPE_CHECKING:  # the dispatcher imports the edge mapping of this package
    from omni_notification.dispatch import Dispatcher


class NotificationApi(
    NotificationRpcs, SubscriptionRpcs, notification_pb2_grpc.NotificationServiceServicer
):
    def __init__(
        self,
        infra: Infrastructure,
        templates: TemplateStore,
        notifications: NotificationStore,
        subscriptions: SubscriptionStore,
        dispatcher: Dispatcher,
        fallback_language: str,
    ) -> None:
        self.infra = infra
        self.templates = templates
        self.notifications = notifications
        self.subscriptions = subscriptions
        self.dispatcher = dispatcher
        self.fallback_language = fallback_language
