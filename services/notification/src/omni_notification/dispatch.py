"""The sender: takes due notifications one pass at a time, asks the customer service how they
may be contacted, renders and hands the message to a provider, and records the outcome (with
its event) in one transaction. Each pass runs in its own task, so a hanging provider holds up
only its own notification, and a timeout bounds it."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta
from typing import Any, TypeAlias

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2
from omni.notification.v1 import notification_pb2
from omni_kit.events.backoff import Backoff
from omni_kit.ids import new_id, utcnow
from omni_kit.logs import get_logger
from omni_kit.protos import from_document, to_document, to_timestamp
from omni_kit.runtime import Infrastructure
from omni_notification import events
from omni_notification.contacts import Contacts, CustomerUnknown, NotReachable
from omni_notification.domain import routing
from omni_notification.messages import Messages, Unrenderable
from omni_notification.providers import DeliveryError, Outgoing, Provider
from omni_notification.settings import NotificationSettings
from omni_notification.store import LocationStore, NotificationStore, TemplateStore

log = get_logger("omni.notification.dispatch")

N = notification_pb2
Status: TypeAlias = N.NotificationStatus.ValueType


class Dispatcher:
    def __init__(
        self,
        infra: Infrastructure,
        notifications: NotificationStore,
        template_store: TemplateStore,
        contacts: Contacts,
        providers: dict[int, Provider],
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
        document = await self.notifications.claim(notification_id, token, now, now + lease)
        if document is None:
            return
        notification = from_document(document, N.Notification)
        only_channel = document.get("only_channel", 0)
        try:
            permission = await self.contacts.permission(
                notification.customer_id,
                purpose=notification.purpose,
                urgent=notification.urgent,
                only_channel=only_channel,
                at=now,
            )
        except CustomerUnknown:
            reason = f"no customer profile {notification.customer_id!r}"
            await self._finish(document, token, notification, N.NOTIFICATION_STATUS_FAILED, reason)
            return
        except NotReachable as error:
            await self._retry_later(document, token, notification, str(error), now)
            return
        decision = self._decide(document, notification, permission, now, only_channel)
        if isinstance(decision, routing.Send):
            await self._deliver(document, token, notification, permission, decision, now)
        else:
            await self._settle(document, token, notification, decision)

    def _decide(
        self,
        document: dict[str, Any],
        notification: N.Notification,
        permission: customer_pb2.ContactPermission,
        now: datetime,
        only_channel: common_pb2.ContactChannel.ValueType,
    ) -> routing.Decision:
        dead = set(document.get("dead_channels", []))
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
            only_channel=only_channel,
            preferred_channel=document.get("preferred_channel", 0),
        )

    async def _settle(
        self,
        document: dict[str, Any],
        token: str,
        notification: N.Notification,
        decision: routing.Decision,
    ) -> None:
        if isinstance(decision, routing.Suppress):
            status, reason = N.NOTIFICATION_STATUS_SUPPRESSED_BY_PREFERENCE, decision.reason
        elif isinstance(decision, routing.Delay):
            notification.scheduled_at.CopyFrom(to_timestamp(decision.until))
            status, reason = N.NOTIFICATION_STATUS_DELAYED_QUIET_HOURS, "quiet hours"
        else:
            assert isinstance(decision, routing.GiveUp)
            status, reason = N.NOTIFICATION_STATUS_FAILED, decision.reason
        await self._finish(document, token, notification, status, reason)

    async def _deliver(
        self,
        document: dict[str, Any],
        token: str,
        notification: N.Notification,
        permission: customer_pb2.ContactPermission,
        decision: routing.Send,
        now: datetime,
    ) -> None:
        dead = set(document.get("dead_channels", []))
        for route in decision.routes:
            notification.channel = route.channel
            notification.recipient = route.address
            try:
                message, template = await self.messages.render(document, route.channel, permission)
            except Unrenderable as error:
                self._attempt(
                    notification, route.channel, "", N.DELIVERY_OUTCOME_FAILED, str(error)
                )
                dead.add(route.channel)
                continue
            notification.message.CopyFrom(message)
            notification.template_id = template.id
            notification.template_version = template.version
            if await self._try(notification, route, message, dead):
                notification.sent_at.CopyFrom(to_timestamp(utcnow()))
                document["dead_channels"] = sorted(dead)
                await self._finish(document, token, notification, N.NOTIFICATION_STATUS_SENT, "")
                return
        document["dead_channels"] = sorted(dead)
        again = self._decide(
            document, notification, permission, now, document.get("only_channel", 0)
        )
        if isinstance(again, routing.GiveUp):
            await self._finish(
                document, token, notification, N.NOTIFICATION_STATUS_FAILED, again.reason
            )
        else:
            reason = notification.attempts[-1].error if notification.attempts else ""
            await self._retry_later(document, token, notification, reason, utcnow())

    async def _try(
        self,
        notification: N.Notification,
        route: routing.Route,
        message: N.RenderedMessage,
        dead: set[common_pb2.ContactChannel.ValueType],
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
            self._attempt(
                notification, route.channel, provider.name, N.DELIVERY_OUTCOME_TIMED_OUT, error
            )
            return False
        except DeliveryError as error:
            if error.permanent:
                dead.add(route.channel)
            self._attempt(
                notification, route.channel, provider.name, N.DELIVERY_OUTCOME_FAILED, str(error)
            )
            return False
        attempt = self._attempt(
            notification, route.channel, provider.name, N.DELIVERY_OUTCOME_ACCEPTED
        )
        attempt.provider_message_id = message_id
        return True

    @staticmethod
    def _attempt(
        notification: N.Notification,
        channel: common_pb2.ContactChannel.ValueType,
        provider: str,
        outcome: N.DeliveryOutcome.ValueType,
        error: str = "",
    ) -> N.DeliveryAttempt:
        return notification.attempts.add(
            at=to_timestamp(utcnow()),
            channel=channel,
            provider=provider,
            outcome=outcome,
            error=error,
        )

    async def _retry_later(
        self,
        document: dict[str, Any],
        token: str,
        notification: N.Notification,
        reason: str,
        now: datetime,
    ) -> None:
        passes = document.get("passes", 0)
        notification.scheduled_at.CopyFrom(
            to_timestamp(now + timedelta(seconds=self.backoff.delay(passes)))
        )
        await self._finish(document, token, notification, N.NOTIFICATION_STATUS_QUEUED, reason)

    async def _finish(
        self,
        document: dict[str, Any],
        token: str,
        notification: N.Notification,
        status: Status,
        reason: str,
    ) -> None:
        previous = notification.status
        notification.status = status
        notification.status_reason = reason
        notification.updated_at.CopyFrom(to_timestamp(utcnow()))
        fields = {key: value for key, value in to_document(notification).items() if key != "_id"}
        fields.update(
            status_reason=reason,
            passes=document.get("passes", 0) + 1,
            dead_channels=document.get("dead_channels", []),
        )
        event = events.notification_status(notification) if status != previous else None

        async def write(session: Any) -> None:
            if not await self.notifications.save_pass(notification.id, token, fields, session):
                return
            if event is not None:
                await self.infra.outbox.add(
                    session, event.subject, event.message, event_id=event.id
                )

        await self.infra.transaction(write)
        log.info(
            "notification_pass",
            notification_id=notification.id,
            status=N.NotificationStatus.Name(status),
            channel=common_pb2.ContactChannel.Name(notification.channel),
        )
