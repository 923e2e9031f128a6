"""The sender: takes due notifications one pass at a time, asks the customer service how they
may be contacted, renders and hands the message to a provider, and records the outcome (with
its event) in one transaction. Each pass runs in its own task, so a hanging provider holds up
only its own notification, and a timeout bounds it."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta
from typing import Any

from omni_kit.events.backoff import Backoff
from omni_kit.ids import new_id, utcnow
from omni_kit.logs import get_logger
from omni_kit.runtime import Infrastructure
from omni_notification import events
from omni_notification.contacts import Contacts, CustomerUnknown, NotReachable
from omni_notification.domain import routing
from omni_notification.domain.common import ContactChannel
from omni_notification.domain.notifications import (
    DeliveryOutcome,
    Notification,
    NotificationStatus,
)
from omni_notification.domain.templates import Rendered
from omni_notification.messages import Messages, Unrenderable
from omni_notification.providers import DeliveryError, Outgoing, Provider
from omni_notification.settings import NotificationSettings
from omni_notification.store import LocationStore, NotificationStore, TemplateStore

log = get_logger("omni.notification.dispatch")


class Dispatcher:
    def __init__(
        self,
        infra: Infrastructure,
        notifications: NotificationStore,
        template_store: TemplateStore,
        contacts: Contacts,
        providers: dict[ContactChannel, Provider],
        settings: NotificationSettings,
        locations: LocationStore,
    ) -> None:
        self.infra = infra
        self.notifications = notifications
        self.messages = Messages(template_store, locations, settings.fallback_language)
        self.contacts = contacts
        self.providers = providers
        self.settings = settings
        self.backoff = Backoff(
            first=settings.retry_first_seconds, maximum=settings.retry_max_seconds
        )
        self._wake = asyncio.Event()
        self._running: dict[str, asyncio.Task[None]] = {}
        self._slots = asyncio.Semaphore(settings.max_concurrent_sends)

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Start a pass for every due notification, forever; woken early by new work."""
        try:
            while True:
                self._wake.clear()
                for notification_id in await self.notifications.due(utcnow(), 100):
                    if notification_id not in self._running:
                        self._start(notification_id)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._wake.wait(), self.settings.scheduler_interval_seconds
                    )
        finally:
            for task in list(self._running.values()):
                task.cancel()

    def _start(self, notification_id: str) -> None:
        task = asyncio.create_task(self._bounded(notification_id))
        self._running[notification_id] = task
        task.add_done_callback(lambda _: self._running.pop(notification_id, None))

    async def _bounded(self, notification_id: str) -> None:
        async with self._slots:
            try:
                await self.send_pass(notification_id)
            except Exception:
                log.exception("send_pass_failed", notification_id=notification_id)

    async def send_pass(self, notification_id: str) -> None:
        now = utcnow()
        token = new_id("lease")
        lease = timedelta(seconds=self.settings.dispatch_lease_seconds)
        notification = await self.notifications.claim(notification_id, token, now, now + lease)
        if notification is None:
            return
        try:
            permission = await self.contacts.permission(
                notification.customer_id,
                purpose=notification.purpose,
                urgent=notification.urgent,
                only_channel=notification.only_channel,
                at=now,
            )
        except CustomerUnknown:
            reason = f"no customer profile {notification.customer_id!r}"
            await self._finish(token, notification, NotificationStatus.FAILED, reason)
            return
        except NotReachable as error:
            await self._retry_later(token, notification, str(error), now)
            return
        decision = self._decide(notification, permission, now)
        if isinstance(decision, routing.Send):
            await self._deliver(token, notification, permission, decision, now)
        else:
            await self._settle(token, notification, decision)

    def _decide(
        self, notification: Notification, permission: routing.Permission, now: datetime
    ) -> routing.Decision:
        dead = notification.dead_channels
        attempts = [
            routing.AttemptRecord(attempt.channel, attempt.outcome, attempt.channel in dead)
            for attempt in notification.attempts
        ]
        return routing.decide(
            permission,
            purpose=notification.purpose,
            urgent=notification.urgent,
            now=now,
            attempts=attempts,
            max_attempts_per_channel=self.settings.max_attempts_per_channel,
            only_channel=notification.only_channel,
            preferred_channel=notification.preferred_channel,
        )

    async def _settle(
        self, token: str, notification: Notification, decision: routing.Decision
    ) -> None:
        if isinstance(decision, routing.Suppress):
            status, reason = NotificationStatus.SUPPRESSED_BY_PREFERENCE, decision.reason
        elif isinstance(decision, routing.Delay):
            notification.scheduled_at = decision.until
            status, reason = NotificationStatus.DELAYED_QUIET_HOURS, "quiet hours"
        else:
            assert isinstance(decision, routing.GiveUp)
            status, reason = NotificationStatus.FAILED, decision.reason
        await self._finish(token, notification, status, reason)

    async def _deliver(
        self,
        token: str,
        notification: Notification,
        permission: routing.Permission,
        decision: routing.Send,
        now: datetime,
    ) -> None:
        for route in decision.routes:
            notification.channel = route.channel
            notification.recipient = route.address
            try:
                message, template = await self.messages.render(
                    notification, route.channel, permission
                )
            except Unrenderable as error:
                notification.attempt(
                    route.channel, "", DeliveryOutcome.FAILED, utcnow(), str(error)
                )
                notification.dead_channels.add(route.channel)
                continue
            notification.message = message
            notification.template_id = template.id
            notification.template_version = template.version
            if await self._try(notification, route, message):
                notification.sent_at = utcnow()
                await self._finish(token, notification, NotificationStatus.SENT, "")
                return
        again = self._decide(notification, permission, now)
        if isinstance(again, routing.GiveUp):
            await self._finish(token, notification, NotificationStatus.FAILED, again.reason)
        else:
            reason = notification.attempts[-1].error if notification.attempts else ""
            await self._retry_later(token, notification, reason, utcnow())

    async def _try(
        self, notification: Notification, route: routing.Route, message: Rendered
    ) -> bool:
        provider = self.providers[route.channel]
        outgoing = Outgoing(
            notification.id, route.channel, route.address, message, route.identity_kind
        )
        try:
            async with asyncio.timeout(self.settings.provider_timeout_seconds):
                message_id = await provider.send(outgoing)
        except TimeoutError:
            error = (
                f"{provider.name} did not answer within {self.settings.provider_timeout_seconds:g}s"
            )
            notification.attempt(
                route.channel, provider.name, DeliveryOutcome.TIMED_OUT, utcnow(), error
            )
            return False
        except DeliveryError as error:
            if error.permanent:
                notification.dead_channels.add(route.channel)
            notification.attempt(
                route.channel, provider.name, DeliveryOutcome.FAILED, utcnow(), str(error)
            )
            return False
        notification.attempt(
            route.channel,
            provider.name,
            DeliveryOutcome.ACCEPTED,
            utcnow(),
            provider_message_id=message_id,
        )
        return True

    async def _retry_later(
        self, token: str, notification: Notification, reason: str, now: datetime
    ) -> None:
        delay = timedelta(seconds=self.backoff.delay(notification.passes))
        notification.scheduled_at = now + delay
        await self._finish(token, notification, NotificationStatus.QUEUED, reason)

    async def _finish(
        self, token: str, notification: Notification, status: NotificationStatus, reason: str
    ) -> None:
        changed = notification.settle(status, reason, utcnow())
        event = events.notification_status(notification) if changed else None

        async def write(session: Any) -> None:
            if not await self.notifications.save_pass(notification, token, session):
                return
            if event is not None:
                await self.infra.outbox.add(
                    session, event.subject, event.message, event_id=event.id
                )

        await self.infra.transaction(write)
        log.info(
            "notification_pass",
            notification_id=notification.id,
            status=status.value,
            channel=notification.channel.value if notification.channel else None,
        )
