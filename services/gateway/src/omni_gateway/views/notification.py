"""Message templates and previews (staff), messages sent to a customer (staff), and a customer's
back-in-stock subscriptions; the request bodies that make them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

import msgspec
from google.protobuf import struct_pb2
from litestar.exceptions import ValidationException

from omni.common.v1 import common_pb2
from omni.notification.v1 import notification_pb2 as N
from omni_gateway.account_messages import CARRY_A_CODE
from omni_gateway.security.principals import Channel
from omni_gateway.views.common import INT64_MAX, EnumMap, View, channel_of, when_set
from omni_gateway.views.profile import (
    CONTACT_CHANNEL,
    CONTACT_PURPOSE,
    ContactChannel,
    ContactPurpose,
)
from omni_gateway.views.timeline import Actor, actor_or_none

# The channels a message can go out on (a phone call is made by a person, not sent).
MessageChannel = Literal["email", "sms", "push", "messenger"]
Text = Annotated[str, msgspec.Meta(max_length=20_000)]
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class NotificationStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    SUPPRESSED_BY_PREFERENCE = "suppressed_by_preference"
    DELAYED_QUIET_HOURS = "delayed_quiet_hours"


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    NOTIFIED = "notified"
    CANCELLED = "cancelled"


NOTIFICATION_STATUS = EnumMap(NotificationStatus, N.NotificationStatus, "NOTIFICATION_STATUS_")
SUBSCRIPTION_STATUS = EnumMap(SubscriptionStatus, N.SubscriptionStatus, "SUBSCRIPTION_STATUS_")


def contact_channel(name: MessageChannel | None) -> common_pb2.ContactChannel.ValueType:
    if name is None:
        return common_pb2.CONTACT_CHANNEL_UNSPECIFIED
    return CONTACT_CHANNEL.number(ContactChannel(name))


def contact_purpose(purpose: ContactPurpose | None) -> common_pb2.ContactPurpose.ValueType:
    if purpose is None:
        return common_pb2.CONTACT_PURPOSE_UNSPECIFIED
    return CONTACT_PURPOSE.number(purpose)


class Template(View):
    """A message template; its version travels as the ETag."""

    id: str
    event_type: str
    channel: ContactChannel | None
    language: str
    subject: str
    body: str
    html_body: str
    purpose: ContactPurpose | None
    urgent: bool
    variables: list[str]
    updated_by: Actor | None
    created_at: datetime | None
    updated_at: datetime | None


class TemplatePage(View):
    templates: list[Template]
    next_page_token: str = ""


class RenderedMessage(View):
    channel: ContactChannel | None
    language: str
    subject: str
    body: str
    html_body: str


class Notification(View, kw_only=True):
    """A message to a customer: what was sent, on which channel, to whom, and how it went."""

    id: str
    customer_id: str
    event_type: str
    subject_id: str | None = None
    purpose: ContactPurpose | None
    urgent: bool
    channel: ContactChannel | None
    recipient: str
    status: NotificationStatus | None
    status_reason: str
    template_id: str | None = None
    message: RenderedMessage | None = None
    sent_by: Actor | None = None
    scheduled_at: datetime | None = None
    created_at: datetime | None
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    updated_at: datetime | None = None


class NotificationPage(View):
    notifications: list[Notification]
    next_page_token: str = ""


class Subscription(View, kw_only=True):
    """A customer's wish to hear when a SKU is back in stock (at one store, or anywhere)."""

    id: str
    sku: str
    location_id: str | None = None
    channel: Channel | None
    contact_channel: ContactChannel | None
    status: SubscriptionStatus | None
    created_at: datetime | None
    notified_at: datetime | None = None
    cancelled_at: datetime | None = None


class SubscriptionPage(View):
    subscriptions: list[Subscription]
    next_page_token: str = ""


def template_view(template: N.Template) -> Template:
    return Template(
        id=template.id,
        event_type=template.event_type,
        channel=CONTACT_CHANNEL.public(template.channel),
        language=template.language,
        subject=template.subject,
        body=template.body,
        html_body=template.html_body,
        purpose=CONTACT_PURPOSE.public(template.purpose),
        urgent=template.urgent,
        variables=list(template.variables),
        updated_by=actor_or_none(template, "updated_by"),
        created_at=when_set(template, "created_at"),
        updated_at=when_set(template, "updated_at"),
    )


def template_page(reply: N.ListTemplatesResponse) -> TemplatePage:
    return TemplatePage([template_view(t) for t in reply.templates], reply.next_page_token)


def rendered_view(message: N.RenderedMessage) -> RenderedMessage:
    return RenderedMessage(
        channel=CONTACT_CHANNEL.public(message.channel),
        language=message.language,
        subject=message.subject,
        body=message.body,
        html_body=message.html_body,
    )


WITHHELD = "(withheld: this message carried a one-time code)"


def _shown(sent: N.Notification) -> RenderedMessage | None:
    if not sent.HasField("message"):
        return None
    shown = rendered_view(sent.message)
    if sent.event_type in CARRY_A_CODE:
        # A verification or reset code read back later is a way into the account.
        shown = msgspec.structs.replace(shown, body=WITHHELD, html_body="")
    return shown


def notification_view(sent: N.Notification) -> Notification:
    return Notification(
        id=sent.id,
        customer_id=sent.customer_id,
        event_type=sent.event_type,
        subject_id=sent.subject_id or None,
        purpose=CONTACT_PURPOSE.public(sent.purpose),
        urgent=sent.urgent,
        channel=CONTACT_CHANNEL.public(sent.channel),
        recipient=sent.recipient,
        status=NOTIFICATION_STATUS.public(sent.status),
        status_reason=sent.status_reason,
        template_id=sent.template_id or None,
        message=_shown(sent),
        sent_by=actor_or_none(sent, "actor"),
        scheduled_at=when_set(sent, "scheduled_at"),
        created_at=when_set(sent, "created_at"),
        sent_at=when_set(sent, "sent_at"),
        delivered_at=when_set(sent, "delivered_at"),
        updated_at=when_set(sent, "updated_at"),
    )


def notification_page(reply: N.ListNotificationsResponse) -> NotificationPage:
    return NotificationPage(
        [notification_view(n) for n in reply.notifications], reply.next_page_token
    )


def subscription_view(subscription: N.BackInStockSubscription) -> Subscription:
    return Subscription(
        id=subscription.id,
        sku=subscription.sku,
        location_id=subscription.location_id or None,
        channel=channel_of(subscription.channel.channel),
        contact_channel=CONTACT_CHANNEL.public(subscription.contact_channel),
        status=SUBSCRIPTION_STATUS.public(subscription.status),
        created_at=when_set(subscription, "created_at"),
        notified_at=when_set(subscription, "notified_at"),
        cancelled_at=when_set(subscription, "cancelled_at"),
    )


def subscription_page(reply: N.ListBackInStockSubscriptionsResponse) -> SubscriptionPage:
    return SubscriptionPage(
        [subscription_view(s) for s in reply.subscriptions], reply.next_page_token
    )


class TemplateBody(View):
    event_type: Id
    channel: MessageChannel
    language: Annotated[str, msgspec.Meta(min_length=2, max_length=35)]
    body: Text
    subject: Annotated[str, msgspec.Meta(max_length=500)] = ""
    html_body: Annotated[str, msgspec.Meta(max_length=200_000)] = ""
    purpose: ContactPurpose | None = None
    urgent: bool = False
    # The ETag of the template this replaces (0: create, or replace whatever is there).
    expected_version: Annotated[int, msgspec.Meta(ge=0, le=INT64_MAX)] = 0

    def to_proto(self) -> N.Template:
        return N.Template(
            event_type=self.event_type,
            channel=contact_channel(self.channel),
            language=self.language,
            subject=self.subject,
            body=self.body,
            html_body=self.html_body,
            purpose=contact_purpose(self.purpose),
            urgent=self.urgent,
        )


class PreviewBody(View):
    template_id: str = ""
    template: TemplateBody | None = None
    variables: dict[str, Any] = {}
    language: str = ""


class MessageBody(View):
    purpose: ContactPurpose = ContactPurpose.TRANSACTIONAL
    channel: MessageChannel | None = None
    template_id: str = ""
    variables: dict[str, Any] = {}
    subject: Annotated[str, msgspec.Meta(max_length=500)] = ""
    body: Text = ""
    urgent: bool = False


class SubscriptionBody(View):
    sku: Id
    location_id: Annotated[str, msgspec.Meta(max_length=200)] = ""
    contact_channel: MessageChannel | None = None


def variables(values: dict[str, Any]) -> struct_pb2.Struct:
    """Template variables as a protobuf Struct."""
    result = struct_pb2.Struct()
    try:
        result.update(values)
    except OverflowError:  # a JSON integer too large for a protobuf number (a double)
        raise ValidationException(
            "variables hold a number too large",
            extra=[{"key": "variables", "message": "numbers must fit a double"}],
        ) from None
    return result
