"""Notification RPCs: staff sends, reads, lists, provider receipts."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format
from grpc import aio

from omni.notification.v1 import notification_pb2
from omni_kit import paging
from omni_kit.errors import Conflict, InvalidArgument, NotFound
from omni_kit.idempotency import Work, require_command
from omni_kit.ids import utcnow
from omni_kit.protos import from_document, from_timestamp, to_document, to_timestamp
from omni_kit.runtime import Infrastructure
from omni_notification import events
from omni_notification.api.templates import TemplateRpcs
from omni_notification.dispatch import Dispatcher
from omni_notification.domain import drafts, registry, requests, templates
from omni_notification.domain.records import new_notification
from omni_notification.store import NotificationStore

N = notification_pb2


def as_notification(document: dict[str, Any]) -> N.Notification:
    return from_document(document, N.Notification)


class NotificationRpcs(TemplateRpcs):
    infra: Infrastructure
    notifications: NotificationStore
    dispatcher: Dispatcher

    async def SendNotification(
        self, request: N.SendNotificationRequest, context: aio.ServicerContext
    ) -> N.SendNotificationResponse:
        require_command(context, request)  # a message staff send must go out once: it needs a key
        requests.check_send(request)
        variables = json_format.MessageToDict(request.variables)
        requests.check_variables(variables)
        response = await self.infra.idempotency.run(
            context,
            request,
            N.SendNotificationResponse,
            lambda: self._plan_send(request, variables),
        )
        self.dispatcher.wake()
        return response

    async def _plan_send(
        self, request: N.SendNotificationRequest, variables: dict[str, Any]
    ) -> Work[N.SendNotificationResponse]:
        urgent = request.urgent
        text = None
        if request.template_id:
            template = await self.stored_template(request.template_id)
            requests.check_send_template(request, template)
            needed = requests.staff_variables_needed(template)
            templates.missing_variables(
                notification_pb2.Template(variables=sorted(needed)), variables
            )
            event_type = template.event_type
            urgent = urgent or template.urgent
        else:
            event_type = registry.STAFF_AD_HOC
            text = {"subject": request.subject, "body": request.body}
        draft = drafts.Draft(
            customer_id=request.customer_id,
            event_type=event_type,
            subject_id=request.customer_id,
            variables=variables,
        )
        document = new_notification(
            draft,
            dedup_key=drafts.staff_dedup_key(),
            purpose=request.purpose,
            urgent=urgent,
            now=utcnow(),
            actor=request.actor,
            only_channel=request.channel,
            text=text,
        )

        async def write(session: Any) -> N.SendNotificationResponse:
            await self.notifications.insert(document, session)
            return N.SendNotificationResponse(notification=as_notification(document))

        return write

    async def GetNotification(
        self, request: N.GetNotificationRequest, context: aio.ServicerContext
    ) -> N.GetNotificationResponse:
        if not request.notification_id:
            raise InvalidArgument("notification_id is required", field="notification_id")
        document = await self.notifications.get(request.notification_id)
        if document is None:
            raise NotFound(
                f"no notification with id {request.notification_id!r}",
                reason="NOTIFICATION_NOT_FOUND",
            )
        return N.GetNotificationResponse(notification=as_notification(document))

    async def ListNotifications(
        self, request: N.ListNotificationsRequest, context: aio.ServicerContext
    ) -> N.ListNotificationsResponse:
        size = paging.page_size(request.page_size)
        after = paging.decode_cursor(request.page_token, 2)
        requests.check_event_type_filter(request.event_type)
        query: dict[str, Any] = {}
        if request.customer_id:
            query["customer_id"] = request.customer_id
        if request.statuses:
            query["status"] = {"$in": [N.NotificationStatus.Name(s) for s in request.statuses]}
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
            notifications=[as_notification(document) for document in found[:size]]
        )
        if len(found) > size:
            last = found[size - 1]
            reply.next_page_token = paging.encode_cursor([last["created_at"], last["_id"]])
        return reply

    async def RecordDeliveryReceipt(
        self, request: N.RecordDeliveryReceiptRequest, context: aio.ServicerContext
    ) -> N.RecordDeliveryReceiptResponse:
        requests.check_receipt(request)
        return await self.infra.idempotency.run(
            context,
            request,
            N.RecordDeliveryReceiptResponse,
            lambda: self._plan_receipt(request),
        )

    async def _plan_receipt(
        self, request: N.RecordDeliveryReceiptRequest
    ) -> Work[N.RecordDeliveryReceiptResponse]:
        document = await self.notifications.by_provider_message(
            request.provider, request.provider_message_id
        )
        if document is None:
            raise NotFound(
                f"no message {request.provider_message_id!r} from provider {request.provider!r}",
                reason="MESSAGE_NOT_FOUND",
            )
        notification = as_notification(document)
        previous = N.NotificationStatus.Name(notification.status)
        at = request.at if request.HasField("at") else to_timestamp(utcnow())
        attempt = notification.attempts.add(
            at=at,
            channel=notification.channel,
            provider=request.provider,
            outcome=request.outcome,
            error=request.error,
            provider_message_id=request.provider_message_id,
        )
        if attempt.outcome == N.DELIVERY_OUTCOME_DELIVERED:
            notification.status = N.NOTIFICATION_STATUS_DELIVERED
            notification.delivered_at.CopyFrom(at)
        elif attempt.outcome == N.DELIVERY_OUTCOME_FAILED:
            notification.status = N.NOTIFICATION_STATUS_FAILED
            notification.status_reason = request.error or "the provider reported a failure"
        notification.updated_at.CopyFrom(to_timestamp(utcnow()))
        changed = N.NotificationStatus.Name(notification.status) != previous
        event = events.notification_status(notification) if changed else None
        fields = self.receipt_fields(notification)

        async def write(session: Any) -> N.RecordDeliveryReceiptResponse:
            if not await self.notifications.update(notification.id, previous, fields, session):
                raise Conflict(
                    "the notification changed meanwhile; send the receipt again",
                    reason="CONCURRENT_UPDATE",
                )
            if event is not None:
                await self.infra.outbox.add(
                    session, event.subject, event.message, event_id=event.id
                )
            return N.RecordDeliveryReceiptResponse(notification=notification)

        return write

    @staticmethod
    def receipt_fields(notification: N.Notification) -> dict[str, Any]:
        document = to_document(notification)
        fields = {
            "status": document["status"],
            "status_reason": notification.status_reason,
            "attempts": document["attempts"],
            "updated_at": from_timestamp(notification.updated_at),
        }
        if notification.HasField("delivered_at"):
            fields["delivered_at"] = from_timestamp(notification.delivered_at)
        return fields
