"""Wiring only: the notification service's store, events and gRPC servicer on a kit ServiceApp."""

from omni.notification.v1 import notification_pb2, notification_pb2_grpc
from omni_kit.app import ServiceApp
from omni_kit.runtime import Infrastructure
from omni_notification import events
from omni_notification.api import NotificationApi
from omni_notification.settings import NotificationSettings
from omni_notification.store import INDEXES, TemplateStore


async def create_app(settings: NotificationSettings) -> ServiceApp:
    app = ServiceApp(settings)
    infra = Infrastructure(app, INDEXES, streams={events.STREAM: events.SUBJECTS})
    api = NotificationApi(TemplateStore(infra.db))
    app.add_service(
        notification_pb2.DESCRIPTOR.services_by_name["NotificationService"].full_name,
        lambda server: notification_pb2_grpc.add_NotificationServiceServicer_to_server(api, server),
    )
    return app
