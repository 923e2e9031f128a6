"""Wiring only: the notification service's store, providers, sender, triggers and servicer."""

from __future__ import annotations

from pymongo.asynchronous.client_session import AsyncClientSession

from omni.notification.v1 import notification_pb2, notification_pb2_grpc
from omni_kit.app import ServiceApp
from omni_kit.events.names import stream_name, stream_subjects
from omni_kit.outbound import OutboundClient
from omni_kit.runtime import Infrastructure
from omni_notification import events
from omni_notification.api import NotificationApi
from omni_notification.consumers import Triggers
from omni_notification.contacts import Contacts
from omni_notification.dispatch import Dispatcher
from omni_notification.domain import registry
from omni_notification.domain.defaults import BUILT_IN, default_templates
from omni_notification.providers import build_providers
from omni_notification.settings import NotificationSettings
from omni_notification.store import (
    INDEXES,
    MIGRATIONS,
    LocationStore,
    NotificationStore,
    SubscriptionStore,
    TemplateStore,
)


async def create_app(settings: NotificationSettings) -> ServiceApp:
    app = ServiceApp(settings)
    # The streams it reads too, so its consumers can bind whichever service starts first.
    streams = {events.STREAM: events.SUBJECTS}
    streams.update({stream_name(d): stream_subjects(d) for d in ("order", "inventory")})
    infra = Infrastructure(app, INDEXES, streams=streams, migrations=MIGRATIONS)
    templates = TemplateStore(infra.db)
    notifications = NotificationStore(infra.db)
    subscriptions = SubscriptionStore(infra.db)
    contacts = Contacts(
        settings.customer_addr,
        settings.catalog_addr,
        timeout=settings.downstream_timeout_seconds,
    )
    http = OutboundClient(settings.outbound_policy(), timeout=settings.provider_timeout_seconds)
    locations = LocationStore(infra.db)
    dispatcher = Dispatcher(
        infra,
        notifications,
        templates,
        contacts,
        build_providers(settings, http),
        settings,
        locations,
    )
    Triggers(infra, notifications, subscriptions, contacts, dispatcher, locations)
    api = NotificationApi(
        infra, templates, notifications, subscriptions, dispatcher, settings.fallback_language
    )

    async def seed() -> None:
        """Every built-in template on a first start; later, the account templates that are
        missing (account security messages must always be sendable)."""
        if not settings.seed_templates:
            return
        first = await templates.count() == 0
        writes = []
        for template in default_templates(settings.fallback_language):
            assert template.channel is not None  # every built-in template names its channel
            if not first and (
                template.event_type not in registry.ACCOUNT_EVENTS
                or await templates.find(template.event_type, template.channel, [template.language])
                is not None
            ):
                continue
            writes.append(await api.plan_template_upsert(template, 0, BUILT_IN))

        async def write_all(session: AsyncClientSession) -> None:
            for write in writes:
                await write(session)

        if writes:  # all in one transaction: a first start seeds 48 templates
            await infra.transaction(write_all)

    async def close() -> None:
        await http.aclose()
        await contacts.close()

    app.on_startup(seed)
    app.on_shutdown(close)
    app.add_background_task("dispatcher", dispatcher.run)
    app.add_service(
        notification_pb2.DESCRIPTOR.services_by_name["NotificationService"].full_name,
        lambda server: notification_pb2_grpc.add_NotificationServiceServicer_to_server(api, server),
    )
    return app
