"""Protobuf <-> domain at the service's edge: requests and responses of its RPCs, the events it
publishes and consumes, and what it asks the customer and catalog services."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

from google.protobuf import json_format
from google.protobuf.message import Message

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2
from omni.inventory.v1 import events_pb2 as inventory_events
from omni.notification.v1 import notification_pb2 as N
from omni.order.v1 import order_pb2
from omni_kit.errors import InvalidArgument
from omni_kit.protos import from_timestamp, to_timestamp
from omni_notification.domain.common import (
    Actor,
    ActorKind,
    ChannelRef,
    ContactChannel,
    ContactPurpose,
    IdentityKind,
    Money,
    SalesChannel,
)
from omni_notification.domain.drafts import OrderLine, OrderNotice, Returned
from omni_notification.domain.notifications import (
    Attempt,
    DeliveryOutcome,
    Notification,
    NotificationStatus,
)
from omni_notification.domain.requests import NewSubscription, Receipt, StaffSend
from omni_notification.domain.routing import Permission, Route
from omni_notification.domain.subscriptions import (
    ChannelShare,
    StockBack,
    Subscription,
    SubscriptionStatus,
)
from omni_notification.domain.templates import Rendered, Template

E = TypeVar("E", bound=Enum)


def member(kind: type[E], wrapper: Any, value: int, field: str = "") -> E | None:
    """The domain member for a contract enum number; None for the zero value. A number the
    contract does not name is the caller's mistake when `field` names a request field (else
    None: a newer peer may know more values)."""
    if not value:
        return None
    try:
        return kind(wrapper.Name(value))
    except ValueError:
        if field:
            raise InvalidArgument(f"{field} has no value {value}", field=field) from None
        return None


def number(value: Enum | None, wrapper: Any) -> Any:
    return 0 if value is None else wrapper.Value(value.value)


def contact_channel(value: int, field: str = "") -> ContactChannel | None:
    return member(ContactChannel, common_pb2.ContactChannel, value, field)


def channel_number(value: ContactChannel | None) -> common_pb2.ContactChannel.ValueType:
    return number(value, common_pb2.ContactChannel)


def contact_purpose(value: int, field: str = "") -> ContactPurpose | None:
    return member(ContactPurpose, common_pb2.ContactPurpose, value, field)


def purpose_number(value: ContactPurpose | None) -> common_pb2.ContactPurpose.ValueType:
    return number(value, common_pb2.ContactPurpose)


def time(stamp: Any, present: bool) -> datetime | None:
    return from_timestamp(stamp) if present else None


def actor_from_message(actor: common_pb2.Actor) -> Actor:
    return Actor(
        kind=member(ActorKind, common_pb2.ActorKind, actor.kind),
        id=actor.id,
        display=actor.display,
    )


def actor_message(actor: Actor | None) -> common_pb2.Actor | None:
    if actor is None:
        return None
    return common_pb2.Actor(
        kind=number(actor.kind, common_pb2.ActorKind), id=actor.id, display=actor.display
    )


def template_from_message(template: N.Template) -> Template:
    """A template as a request gives it (id, version and times are the store's to assign)."""
    return Template(
        event_type=template.event_type,
        channel=contact_channel(template.channel, "template.channel"),
        language=template.language,
        subject=template.subject,
        body=template.body,
        html_body=template.html_body,
        purpose=contact_purpose(template.purpose, "template.purpose"),
        urgent=template.urgent,
        variables=tuple(template.variables),
    )


def template_message(template: Template) -> N.Template:
    return N.Template(
        id=template.id,
        event_type=template.event_type,
        channel=channel_number(template.channel),
        language=template.language,
        subject=template.subject,
        body=template.body,
        html_body=template.html_body,
        purpose=purpose_number(template.purpose),
        urgent=template.urgent,
        version=template.version,
        variables=template.variables,
        updated_by=actor_message(template.updated_by),
        created_at=to_timestamp(template.created_at),
        updated_at=to_timestamp(template.updated_at),
    )


def rendered_message(rendered: Rendered) -> N.RenderedMessage:
    return N.RenderedMessage(
        channel=channel_number(rendered.channel),
        language=rendered.language,
        subject=rendered.subject,
        body=rendered.body,
        html_body=rendered.html_body,
    )


def variables_of(struct: Any) -> dict[str, Any]:
    return json_format.MessageToDict(struct)


def channel_ref(channel: common_pb2.ChannelRef, field: str = "") -> ChannelRef:
    return ChannelRef(
        member(SalesChannel, common_pb2.SalesChannel, channel.channel, field),
        channel.partner_id,
        channel.store_id,
    )


def channel_ref_message(channel: ChannelRef | None) -> common_pb2.ChannelRef | None:
    if channel is None:
        return None
    return common_pb2.ChannelRef(
        channel=number(channel.channel, common_pb2.SalesChannel),
        partner_id=channel.partner_id,
        store_id=channel.store_id,
    )


def money(amount: common_pb2.Money) -> Money:
    return Money(amount.amount_minor, amount.currency_code)


def staff_send(request: N.SendNotificationRequest) -> StaffSend:
    return StaffSend(
        customer_id=request.customer_id,
        purpose=contact_purpose(request.purpose, "purpose"),
        channel=contact_channel(request.channel, "channel"),
        template_id=request.template_id,
        subject=request.subject,
        body=request.body,
        urgent=request.urgent,
        actor=actor_from_message(request.actor),
    )


def receipt(request: N.RecordDeliveryReceiptRequest) -> Receipt:
    return Receipt(
        provider=request.provider,
        provider_message_id=request.provider_message_id,
        outcome=member(DeliveryOutcome, N.DeliveryOutcome, request.outcome, "outcome"),
        error=request.error,
        at=time(request.at, request.HasField("at")),
    )


def new_subscription(request: N.CreateBackInStockSubscriptionRequest) -> NewSubscription:
    return NewSubscription(
        customer_id=request.customer_id,
        sku=request.sku,
        location_id=request.location_id,
        channel=channel_ref(request.channel, "channel.channel"),
        contact_channel=contact_channel(request.contact_channel, "contact_channel"),
    )


def notification_statuses(statuses: Any) -> list[NotificationStatus]:
    found = (member(NotificationStatus, N.NotificationStatus, s, "statuses") for s in statuses)
    return [status for status in found if status is not None]


def subscription_statuses(statuses: Any) -> list[SubscriptionStatus]:
    found = (member(SubscriptionStatus, N.SubscriptionStatus, s, "statuses") for s in statuses)
    return [status for status in found if status is not None]


def notification_message(notification: Notification) -> N.Notification:
    n = notification
    return N.Notification(
        id=n.id,
        customer_id=n.customer_id,
        event_type=n.event_type,
        source_event_id=n.source_event_id,
        dedup_key=n.dedup_key,
        purpose=purpose_number(n.purpose),
        urgent=n.urgent,
        channel=channel_number(n.channel),
        recipient=n.recipient,
        status=number(n.status, N.NotificationStatus),
        template_id=n.template_id,
        template_version=n.template_version,
        message=None if n.message is None else rendered_message(n.message),
        attempts=[_attempt_message(attempt) for attempt in n.attempts],
        status_reason=n.status_reason,
        scheduled_at=to_timestamp(n.scheduled_at),
        actor=actor_message(n.actor),
        subject_id=n.subject_id,
        created_at=to_timestamp(n.created_at),
        sent_at=to_timestamp(n.sent_at),
        delivered_at=to_timestamp(n.delivered_at),
        updated_at=to_timestamp(n.updated_at),
    )


def _attempt_message(attempt: Attempt) -> N.DeliveryAttempt:
    return N.DeliveryAttempt(
        at=to_timestamp(attempt.at),
        channel=channel_number(attempt.channel),
        provider=attempt.provider,
        outcome=number(attempt.outcome, N.DeliveryOutcome),
        error=attempt.error,
        provider_message_id=attempt.provider_message_id,
    )


def subscription_message(subscription: Subscription) -> N.BackInStockSubscription:
    s = subscription
    return N.BackInStockSubscription(
        id=s.id,
        customer_id=s.customer_id,
        sku=s.sku,
        location_id=s.location_id,
        channel=channel_ref_message(s.channel),
        contact_channel=channel_number(s.contact_channel),
        status=number(s.status, N.SubscriptionStatus),
        notification_id=s.notification_id,
        created_at=to_timestamp(s.created_at),
        notified_at=to_timestamp(s.notified_at),
        cancelled_at=to_timestamp(s.cancelled_at),
    )


def permission(given: customer_pb2.ContactPermission) -> Permission:
    return Permission(
        routes=tuple(
            Route(
                channel,
                route.address,
                member(IdentityKind, customer_pb2.IdentityKind, route.identity_kind),
            )
            for route in given.routes
            if (channel := contact_channel(route.channel)) is not None
        ),
        denied_channels=tuple(contact_channel(channel) for channel in given.denied_channels),
        in_quiet_hours=given.in_quiet_hours,
        send_after=time(given.send_after, given.HasField("send_after")),
        language=given.language,
        time_zone=given.time_zone,
        display_name=given.display_name,
    )


def order_notice(subject: str, event: Message) -> OrderNotice:
    """What an order event (any of those notifications follow) tells about its order."""
    order: order_pb2.Order = event.order  # type: ignore[attr-defined]
    meta: common_pb2.EventMeta = event.meta  # type: ignore[attr-defined]
    fields = event.DESCRIPTOR.fields_by_name
    notice = OrderNotice(
        event_type=subject,
        event_id=meta.event_id,
        correlation_id=meta.correlation_id,
        order_id=order.id,
        customer_id=order.customer_id,
        number=order.number,
        total=money(order.totals.total),
        lines=tuple(
            OrderLine(line.line_id, line.sku, line.product_name, line.quantity)
            for line in order.lines
        ),
        pickup_location_id=order.delivery.pickup_location_id,
        pickup_code=order.pickup.code,
        pickup_deadline=time(order.pickup.deadline, order.pickup.HasField("deadline")),
    )
    if "reminder_number" in fields:
        notice = _with(
            notice,
            reminder_number=event.reminder_number,  # type: ignore[attr-defined]
            reminder_deadline=time(event.deadline, event.HasField("deadline")),  # type: ignore[attr-defined]
        )
    if "shipment" in fields:
        shipment: order_pb2.Shipment = event.shipment  # type: ignore[attr-defined]
        notice = _with(notice, carrier=shipment.carrier, tracking_number=shipment.tracking_number)
    if "order_return" in fields:
        returned: order_pb2.OrderReturn = event.order_return  # type: ignore[attr-defined]
        notice = _with(
            notice,
            returned=Returned(
                returned.id,
                tuple((line.line_id, line.quantity) for line in returned.lines),
                money(returned.refund_total),
                returned.receiving_location_id,
            ),
        )
    return notice


def _with(notice: OrderNotice, **changes: Any) -> OrderNotice:
    return dataclasses.replace(notice, **changes)


def stock_back(event: inventory_events.BackInStock) -> StockBack:
    return StockBack(
        sku=event.sku,
        location_id=event.location_id,
        available=event.available,
        event_id=event.meta.event_id,
        shares=tuple(
            ChannelShare(channel_ref(share.channel), share.available)
            for share in event.channel_availability
        ),
    )
