"""Notification RPCs: staff sends, reads, lists, provider receipts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from grpc import aio

from omni.notification.v1 import notification_pb2
from omni_kit import paging
from omni_kit.errors import Conflict, InvalidArgument, NotFound
from omni_kit.idempotency import Work, require_command
from omni_kit.ids import utcnow
from omni_kit.protos import from_timestamp
from omni_kit.runtime import Infrastructure
from omni_notification import events
from omni_notification.api import messages
from omni_notification.api.templates import TemplateRpcs
from omni_notification.domain import drafts, registry, requests, templates
from omni_notification.domain.notifications import StaffText, new_notification
from omni_notification.domain.requests import StaffSend
from omni_notification.store import NotificationStore

if TYPE_CHECKING:  # the dispatcher imports the edge mapping of this package
    from omni_notification.dispatch import Dispatcher

N = notification_pb2


class NotificationRpcs(TemplateRpcs):
    infra: Infrastructure
    notifications: NotificationStore
    dispatcher: Dispatcher

    async def SendNotification(
        self, request: N.SendNotificationRequest, context: aio.ServicerContext
    ) -> N.SendNotificationResponse:
        require_command(context, request)  # a message staff send must go out once: it needs a key
        send = messages.staff_send(request)
        requests.check_send(send)
        variables = messages.variables_of(request.variables)
        requests.check_variables(variables)
        response = await self.infra.idempotency.run(
            context,
            request,
            N.SendNotificationResponse,
            lambda: self._plan_send(send, variables),
        )
        self.dispatcher.wake()
        return response

    async def _plan_send(
        self, send: StaffSend, variables: dict[str, Any]
    ) -> Work[N.SendNotificationResponse]:
        urgent = send.urgent
        text = None
        if send.template_id:
            template = await self.stored_template(send.template_id)
            requests.check_send_template(send.purpose, template)
            templates.missing_variables(requests.staff_variables_needed(template), variables)
            event_type = template.event_type
            urgent = urgent or template.urgent
        else:
            event_type = registry.STAFF_AD_HOC
            text = StaffText(send.subject, send.body)
        draft = drafts.Draft(
            customer_id=send.customer_id,
            event_type=event_type,
            subject_id=send.customer_id,
            variables=variables,
        )
        notification = new_notification(
            draft,
            dedup_key=drafts.staff_dedup_key(),
            purpose=send.purpose,
            urgent=urgent,
            now=utcnow(),
            actor=send.actor,
            only_channel=send.channel,
            text=text,
        )

        async def write(session: Any) -> N.SendNotificationResponse:
            await self.notifications.insert(notification, session)
            return N.SendNotificationResponse(
                notification=messages.notification_message(notification)
            )

        return write

    async def GetNotification(
        self, request: N.GetNotificationRequest, context: aio.ServicerContext
    ) -> N.GetNotificationResponse:
        if not request.notification_id:
            raise InvalidArgument("notification_id is required", field="notification_id")
        notification = await self.notifications.get(request.notification_id)
        if notification is None:
            raise NotFound(
                f"no notification with id {request.notification_id!r}",
                reason="NOTIFICATION_NOT_FOUND",
            )
        return N.GetNotificationResponse(notification=messages.notification_message(notification))

    async def ListNotifications(
        self, request: N.ListNotificationsRequest, context: aio.ServicerContext
    ) -> N.ListNotificationsResponse:
        size = paging.page_size(request.page_size)
        after = paging.decode_cursor(request.page_token, 2)
        requests.check_event_type_filter(request.event_type)
        query: dict[str, Any] = {}
        if request.customer_id:
            query["customer_id"] = request.customer_id
        if statuses := messages.notification_statuses(request.statuses):
            query["status"] = {"$in": [status.value for status in statuses]}
        if request.event_type:
            query["event_type"] = request.event_type
        window: dict[str, Any] = {}
        if request.time_range.HasField("start_time"):
            window["$gte"] = from_timestamp(request.time_range.start_time)
        if request.time_range.HasField("end_time"):
            window["$lt"] = from_timestamp(request.time_range.end_time)
        if window:
            query["created_at"] = window
        found = await self.notifications.page(query, after, size + 1)
        reply = N.ListNotificationsResponse(
            notifications=[messages.notification_message(n) for n in found[:size]]
        )
        if len(found) > size:
            last = found[size - 1]
            reply.next_page_token = paging.encode_cursor([last.created_at, last.id])
        return reply

    async def RecordDeliveryReceipt(
        self, request: N.RecordDeliveryReceiptRequest, context: aio.ServicerContext
    ) -> N.RecordDeliveryReceiptResponse:
        receipt = messages.receipt(request)
        requests.check_receipt(receipt)
        return await self.infra.idempotency.run(
            context,
            request,
            N.RecordDeliveryReceiptResponse,
            lambda: self._plan_receipt(receipt),
        )

    async def _plan_receipt(
        self, receipt: requests.Receipt
    ) -> Work[N.RecordDeliveryReceiptResponse]:
        notification = await self.notifications.by_provider_message(
            receipt.provider, receipt.provider_message_id
        )
        if notification is None:
            raise NotFound(
                f"no message {receipt.provider_message_id!r} from provider {receipt.provider!r}",
                reason="MESSAGE_NOT_FOUND",
            )
        previous = notification.status
        now = utcnow()
        changed = notification.receipt(
            receipt.provider,
            receipt.provider_message_id,
            receipt.outcome,
            receipt.error,
            receipt.at or now,
            now,
        )
        event = events.notification_status(notification) if changed else None
        reply = N.RecordDeliveryReceiptResponse(
            notification=messages.notification_message(notification)
        )

        async def write(session: Any) -> N.RecordDeliveryReceiptResponse:
            if not await self.notifications.save_receipt(notification, previous, session):
                raise Conflict(
                    "the notification changed meanwhile; send the receipt again",
                    reason="CONCURRENT_UPDATE",
                )
            if event is not None:
                await self.infra.outbox.add(
                    session, event.subject, event.message, event_id=event.id
                )
            return reply

        return write
