"""A notification: what to send to whom (one per dedup key), each try through a channel, and
the status its sends and the provider's receipts move it to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from omni_kit.ids import new_id
from omni_notification.domain.common import Actor, ContactChannel, ContactPurpose
from omni_notification.domain.drafts import Draft
from omni_notification.domain.templates import Rendered


class NotificationStatus(Enum):
    QUEUED = "NOTIFICATION_STATUS_QUEUED"
    # Accepted by a provider.
    SENT = "NOTIFICATION_STATUS_SENT"
    # The provider confirmed delivery.
    DELIVERED = "NOTIFICATION_STATUS_DELIVERED"
    # Every allowed channel failed after retries.
    FAILED = "NOTIFICATION_STATUS_FAILED"
    # No channel allowed for the purpose; nothing sent.
    SUPPRESSED_BY_PREFERENCE = "NOTIFICATION_STATUS_SUPPRESSED_BY_PREFERENCE"
    # Held until quiet hours end (scheduled_at).
    DELAYED_QUIET_HOURS = "NOTIFICATION_STATUS_DELAYED_QUIET_HOURS"


# Waiting for the sender.
PENDING = (NotificationStatus.QUEUED, NotificationStatus.DELAYED_QUIET_HOURS)


class DeliveryOutcome(Enum):
    # The provider accepted the message.
    ACCEPTED = "DELIVERY_OUTCOME_ACCEPTED"
    DELIVERED = "DELIVERY_OUTCOME_DELIVERED"
    FAILED = "DELIVERY_OUTCOME_FAILED"
    TIMED_OUT = "DELIVERY_OUTCOME_TIMED_OUT"


@dataclass(frozen=True)
class Attempt:
    """One try through one channel and provider (or a provider's later receipt)."""

    at: datetime | None
    channel: ContactChannel | None
    outcome: DeliveryOutcome | None
    provider: str = ""
    error: str = ""
    # The provider's id for the message, matched by delivery receipts.
    provider_message_id: str = ""


@dataclass(frozen=True)
class StaffText:
    """A staff member's free text, sent instead of a template."""

    subject: str
    body: str


@dataclass
class Notification:
    """Changed in place by one send pass or one receipt, then stored whole."""

    id: str
    customer_id: str
    event_type: str
    # Unique: the same key is never sent twice.
    dedup_key: str
    purpose: ContactPurpose | None
    status: NotificationStatus | None
    # The event that triggered it; empty for staff sends.
    source_event_id: str = ""
    urgent: bool = False
    # The channel used last (or to be used), and the address used.
    channel: ContactChannel | None = None
    recipient: str = ""
    template_id: str = ""
    template_version: int = 0
    message: Rendered | None = None
    attempts: list[Attempt] = field(default_factory=list)
    # Why it was suppressed or failed.
    status_reason: str = ""
    # Next send time (quiet hours, retry backoff).
    scheduled_at: datetime | None = None
    actor: Actor | None = None
    # What it is about: the order id, the subscription id.
    subject_id: str = ""
    created_at: datetime | None = None
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    updated_at: datetime | None = None
    # What the sender needs later, never shown: the template's variables or a free text, the
    # channel staff chose or the subscriber prefers, passes so far, channels that refused.
    variables: dict[str, Any] = field(default_factory=dict)
    text: StaffText | None = None
    only_channel: ContactChannel | None = None
    preferred_channel: ContactChannel | None = None
    passes: int = 0
    dead_channels: set[ContactChannel] = field(default_factory=set)

    def attempt(
        self,
        channel: ContactChannel | None,
        provider: str,
        outcome: DeliveryOutcome,
        now: datetime,
        error: str = "",
        provider_message_id: str = "",
    ) -> Attempt:
        made = Attempt(now, channel, outcome, provider, error, provider_message_id)
        self.attempts.append(made)
        return made

    def receipt(
        self,
        provider: str,
        provider_message_id: str,
        outcome: DeliveryOutcome | None,
        error: str,
        at: datetime,
        now: datetime,
    ) -> bool:
        """Record a provider's receipt; True when it changed the status."""
        previous = self.status
        self.attempts.append(
            Attempt(at, self.channel, outcome, provider, error, provider_message_id)
        )
        if outcome is DeliveryOutcome.DELIVERED:
            self.status = NotificationStatus.DELIVERED
            self.delivered_at = at
        elif outcome is DeliveryOutcome.FAILED:
            self.status = NotificationStatus.FAILED
            self.status_reason = error or "the provider reported a failure"
        self.updated_at = now
        return self.status is not previous

    def settle(self, status: NotificationStatus, reason: str, now: datetime) -> bool:
        """End a send pass in `status`; True when the status changed."""
        previous = self.status
        self.status = status
        self.status_reason = reason
        self.updated_at = now
        self.passes += 1
        return status is not previous


def new_notification(
    draft: Draft,
    *,
    dedup_key: str,
    purpose: ContactPurpose | None,
    urgent: bool,
    now: datetime,
    actor: Actor,
    only_channel: ContactChannel | None = None,
    text: StaffText | None = None,
) -> Notification:
    return Notification(
        id=new_id("ntf"),
        customer_id=draft.customer_id,
        event_type=draft.event_type,
        source_event_id=draft.source_event_id,
        dedup_key=dedup_key,
        purpose=purpose,
        urgent=urgent,
        channel=only_channel or draft.preferred_channel,
        status=NotificationStatus.QUEUED,
        actor=actor,
        subject_id=draft.subject_id,
        created_at=now,
        updated_at=now,
        scheduled_at=now,
        variables=draft.variables,
        text=text,
        only_channel=only_channel,
        preferred_channel=draft.preferred_channel,
    )
