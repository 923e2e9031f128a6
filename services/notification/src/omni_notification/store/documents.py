"""Documents <-> domain types, in the stored shape (see omni_kit.protos, which wrote it first):
keys are the contract's field names with `_id` for the id, integers are numbers, times are
dates, enums are stored by their contract name (`CONTACT_CHANNEL_EMAIL`), and a field that is
not set (empty text, zero, false, no items) is left out; a sub-document that was given, even
empty (an anonymous actor), is kept as `{}`."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, TypeVar

from omni_notification.domain.common import (
    Actor,
    ActorKind,
    ChannelRef,
    ContactChannel,
    ContactPurpose,
    SalesChannel,
)
from omni_notification.domain.notifications import (
    Attempt,
    DeliveryOutcome,
    Notification,
    NotificationStatus,
    StaffText,
)
from omni_notification.domain.places import Address, DatedHours, Hours, Interval, Place
from omni_notification.domain.subscriptions import Subscription, SubscriptionStatus
from omni_notification.domain.templates import Rendered, Template

E = TypeVar("E", bound=Enum)
Document = dict[str, Any]

# The sender's own channel fields (`only_channel`, `preferred_channel`, `dead_channels`) have
# always held the contract's enum numbers; stored numbers never change.
CHANNEL_NUMBERS = {
    ContactChannel.EMAIL: 1,
    ContactChannel.SMS: 2,
    ContactChannel.PUSH: 3,
    ContactChannel.MESSENGER: 4,
    ContactChannel.PHONE_CALL: 5,
}
_CHANNELS_BY_NUMBER = {number: channel for channel, number in CHANNEL_NUMBERS.items()}
WEEKDAYS = tuple(
    f"WEEKDAY_{day}"
    for day in ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
)


def template_document(template: Template) -> Document:
    return _compact(
        {
            "_id": template.id,
            "event_type": template.event_type,
            "channel": _name(template.channel),
            "language": template.language,
            "subject": template.subject,
            "body": template.body,
            "html_body": template.html_body,
            "purpose": _name(template.purpose),
            "urgent": template.urgent,
            "version": template.version,
            "variables": list(template.variables),
            "updated_by": actor_document(template.updated_by),
            "created_at": template.created_at,
            "updated_at": template.updated_at,
        }
    )


def to_template(document: Mapping[str, Any]) -> Template:
    return Template(
        id=document["_id"],
        event_type=document.get("event_type", ""),
        channel=member(ContactChannel, document.get("channel")),
        language=document.get("language", ""),
        subject=document.get("subject", ""),
        body=document.get("body", ""),
        html_body=document.get("html_body", ""),
        purpose=member(ContactPurpose, document.get("purpose")),
        urgent=document.get("urgent", False),
        version=int(document.get("version", 0)),
        variables=tuple(document.get("variables", ())),
        updated_by=to_actor(document.get("updated_by")),
        created_at=document.get("created_at"),
        updated_at=document.get("updated_at"),
    )


def notification_fields(notification: Notification) -> Document:
    """The notification as its contract shows it (`_id` included)."""
    n = notification
    return _compact(
        {
            "_id": n.id,
            "customer_id": n.customer_id,
            "event_type": n.event_type,
            "source_event_id": n.source_event_id,
            "dedup_key": n.dedup_key,
            "purpose": _name(n.purpose),
            "urgent": n.urgent,
            "channel": _name(n.channel),
            "recipient": n.recipient,
            "status": _name(n.status),
            "template_id": n.template_id,
            "template_version": n.template_version,
            "message": None if n.message is None else _rendered_document(n.message),
            "attempts": [_attempt_document(attempt) for attempt in n.attempts],
            "status_reason": n.status_reason,
            "scheduled_at": n.scheduled_at,
            "actor": actor_document(n.actor),
            "subject_id": n.subject_id,
            "created_at": n.created_at,
            "sent_at": n.sent_at,
            "delivered_at": n.delivered_at,
            "updated_at": n.updated_at,
        }
    )


def notification_document(notification: Notification) -> Document:
    """The whole stored document of a notification no sender holds (no lease)."""
    document = notification_fields(notification) | {
        "variables": notification.variables,
        "only_channel": channel_number(notification.only_channel),
        "preferred_channel": channel_number(notification.preferred_channel),
        "passes": notification.passes,
        "dead_channels": dead_channels(notification),
        "lease": None,
        "lease_until": None,
    }
    if notification.text is not None:
        document["text"] = {"subject": notification.text.subject, "body": notification.text.body}
    return document


def pass_fields(notification: Notification) -> Document:
    """What a send pass sets: the contract's fields that are set, the reason even when empty,
    and the sender's counters (variables, text and chosen channels never change)."""
    fields = {k: v for k, v in notification_fields(notification).items() if k != "_id"}
    return fields | {
        "status_reason": notification.status_reason,
        "passes": notification.passes,
        "dead_channels": dead_channels(notification),
    }


def to_notification(document: Mapping[str, Any]) -> Notification:
    message = document.get("message")
    text = document.get("text")
    return Notification(
        id=document["_id"],
        customer_id=document.get("customer_id", ""),
        event_type=document.get("event_type", ""),
        source_event_id=document.get("source_event_id", ""),
        dedup_key=document.get("dedup_key", ""),
        purpose=member(ContactPurpose, document.get("purpose")),
        urgent=document.get("urgent", False),
        channel=member(ContactChannel, document.get("channel")),
        recipient=document.get("recipient", ""),
        status=member(NotificationStatus, document.get("status")),
        template_id=document.get("template_id", ""),
        template_version=int(document.get("template_version", 0)),
        message=None if message is None else _to_rendered(message),
        attempts=[_to_attempt(attempt) for attempt in document.get("attempts", [])],
        status_reason=document.get("status_reason", ""),
        scheduled_at=document.get("scheduled_at"),
        actor=to_actor(document.get("actor")),
        subject_id=document.get("subject_id", ""),
        created_at=document.get("created_at"),
        sent_at=document.get("sent_at"),
        delivered_at=document.get("delivered_at"),
        updated_at=document.get("updated_at"),
        variables=document.get("variables") or {},
        text=None if text is None else StaffText(text.get("subject", ""), text.get("body", "")),
        only_channel=_channel_of_number(document.get("only_channel")),
        preferred_channel=_channel_of_number(document.get("preferred_channel")),
        passes=document.get("passes", 0),
        dead_channels={
            channel
            for number in document.get("dead_channels", [])
            if (channel := _channel_of_number(number)) is not None
        },
    )


def channel_number(channel: ContactChannel | None) -> int:
    return 0 if channel is None else CHANNEL_NUMBERS[channel]


def dead_channels(notification: Notification) -> list[int]:
    return sorted(channel_number(channel) for channel in notification.dead_channels)


def _channel_of_number(number: Any) -> ContactChannel | None:
    return _CHANNELS_BY_NUMBER.get(number) if isinstance(number, int) else None


def _rendered_document(message: Rendered) -> Document:
    return _compact(
        {
            "channel": _name(message.channel),
            "language": message.language,
            "subject": message.subject,
            "body": message.body,
            "html_body": message.html_body,
        }
    )


def _to_rendered(document: Mapping[str, Any]) -> Rendered:
    return Rendered(
        channel=member(ContactChannel, document.get("channel")),
        language=document.get("language", ""),
        subject=document.get("subject", ""),
        body=document.get("body", ""),
        html_body=document.get("html_body", ""),
    )


def _attempt_document(attempt: Attempt) -> Document:
    return _compact(
        {
            "at": attempt.at,
            "channel": _name(attempt.channel),
            "provider": attempt.provider,
            "outcome": _name(attempt.outcome),
            "error": attempt.error,
            "provider_message_id": attempt.provider_message_id,
        }
    )


def _to_attempt(document: Mapping[str, Any]) -> Attempt:
    return Attempt(
        at=document.get("at"),
        channel=member(ContactChannel, document.get("channel")),
        outcome=member(DeliveryOutcome, document.get("outcome")),
        provider=document.get("provider", ""),
        error=document.get("error", ""),
        provider_message_id=document.get("provider_message_id", ""),
    )


def subscription_document(subscription: Subscription) -> Document:
    s = subscription
    return _compact(
        {
            "_id": s.id,
            "customer_id": s.customer_id,
            "sku": s.sku,
            "location_id": s.location_id,
            "channel": None if s.channel is None else _channel_ref_document(s.channel),
            "contact_channel": _name(s.contact_channel),
            "status": _name(s.status),
            "notification_id": s.notification_id,
            "created_at": s.created_at,
            "notified_at": s.notified_at,
            "cancelled_at": s.cancelled_at,
        }
    )


def to_subscription(document: Mapping[str, Any]) -> Subscription:
    channel = document.get("channel")
    return Subscription(
        id=document["_id"],
        customer_id=document.get("customer_id", ""),
        sku=document.get("sku", ""),
        status=member(SubscriptionStatus, document.get("status")),
        location_id=document.get("location_id", ""),
        channel=None
        if channel is None
        else ChannelRef(
            member(SalesChannel, channel.get("channel")),
            channel.get("partner_id", ""),
            channel.get("store_id", ""),
        ),
        contact_channel=member(ContactChannel, document.get("contact_channel")),
        notification_id=document.get("notification_id", ""),
        created_at=document.get("created_at"),
        notified_at=document.get("notified_at"),
        cancelled_at=document.get("cancelled_at"),
    )


def _channel_ref_document(channel: ChannelRef) -> Document:
    return _compact(
        {
            "channel": _name(channel.channel),
            "partner_id": channel.partner_id,
            "store_id": channel.store_id,
        }
    )


def to_place(document: Mapping[str, Any]) -> Place:
    """A location as inventory published it (the copy keeps inventory's whole message)."""
    address = document.get("address") or {}
    return Place(
        id=document["_id"],
        name=document.get("name", ""),
        time_zone=document.get("time_zone", ""),
        address=Address(
            lines=tuple(address.get("lines", ())),
            postal_code=address.get("postal_code", ""),
            city=address.get("city", ""),
        ),
        opening_hours=tuple(
            Hours(_weekday(hours.get("weekday")), hours.get("opens", ""), hours.get("closes", ""))
            for hours in document.get("opening_hours", ())
        ),
        opening_exceptions=tuple(
            DatedHours(
                exception.get("date", ""),
                tuple(
                    Interval(interval.get("opens", ""), interval.get("closes", ""))
                    for interval in exception.get("intervals", ())
                ),
            )
            for exception in document.get("opening_exceptions", ())
        ),
    )


def _weekday(stored: Any) -> int:
    """1 (Monday) .. 7 from inventory's `WEEKDAY_MONDAY` .. `WEEKDAY_SUNDAY`; 0 when unknown."""
    return WEEKDAYS.index(stored) + 1 if stored in WEEKDAYS else 0


def actor_document(actor: Actor | None) -> Document | None:
    if actor is None:
        return None
    return _compact({"kind": _name(actor.kind), "id": actor.id, "display": actor.display})


def to_actor(document: Mapping[str, Any] | None) -> Actor | None:
    if document is None:
        return None
    return Actor(
        kind=member(ActorKind, document.get("kind")),
        id=document.get("id", ""),
        display=document.get("display", ""),
    )


def member(kind: type[E], stored: Any) -> E | None:
    """The enum member stored by name; None when absent (or a number no name was known for)."""
    try:
        return kind(stored) if isinstance(stored, str) else None
    except ValueError:
        return None


def _name(value: Enum | None) -> str | None:
    return None if value is None else value.value


def _compact(fields: Document) -> Document:
    return {key: value for key, value in fields.items() if not _unset(value)}


def _unset(value: Any) -> bool:
    return value is None or (not isinstance(value, dict) and not value)
