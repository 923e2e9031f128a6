"""Back-in-stock subscriptions: "tell me when it is back", optionally at one store; closed once
notified or cancelled."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from omni_kit.errors import FailedPrecondition
from omni_notification.domain.common import ChannelRef, ContactChannel


class SubscriptionStatus(Enum):
    ACTIVE = "SUBSCRIPTION_STATUS_ACTIVE"
    # The customer was notified once; the subscription is closed.
    NOTIFIED = "SUBSCRIPTION_STATUS_NOTIFIED"
    CANCELLED = "SUBSCRIPTION_STATUS_CANCELLED"


@dataclass(frozen=True)
class Subscription:
    id: str
    customer_id: str
    sku: str
    status: SubscriptionStatus | None
    # Empty: anywhere.
    location_id: str = ""
    # The sales channel whose listing must be published for the notice to go out.
    channel: ChannelRef | None = None
    # Tried first for the notice; None: the customer's preferred allowed one.
    contact_channel: ContactChannel | None = None
    notification_id: str = ""
    created_at: datetime | None = None
    notified_at: datetime | None = None
    cancelled_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.status is SubscriptionStatus.ACTIVE

    def cancel(self, now: datetime) -> Subscription:
        if not self.active:
            status = self.status.value if self.status else "SUBSCRIPTION_STATUS_UNSPECIFIED"
            raise FailedPrecondition(
                f"the subscription is already closed ({status})", reason="SUBSCRIPTION_CLOSED"
            )
        return dataclasses.replace(self, status=SubscriptionStatus.CANCELLED, cancelled_at=now)

    def notified(self, notification_id: str, now: datetime) -> Subscription:
        return dataclasses.replace(
            self,
            status=SubscriptionStatus.NOTIFIED,
            notification_id=notification_id,
            notified_at=now,
        )


@dataclass(frozen=True)
class ChannelShare:
    """How many units one sales channel may sell (marketplaces may see only a share)."""

    channel: ChannelRef
    available: int


@dataclass(frozen=True)
class StockBack:
    """A SKU came back in stock: at one location, or overall (no location)."""

    sku: str
    location_id: str
    available: int
    event_id: str
    shares: tuple[ChannelShare, ...] = ()


def matches(subscription_location: str, event_location: str) -> bool:
    """A subscription "anywhere" matches stock back at any location or overall; one that names
    a store matches only that store (an overall event has no location)."""
    return not subscription_location or subscription_location == event_location


def available_to(shares: Sequence[ChannelShare], channel: ChannelRef | None) -> bool:
    """Whether the channel may sell it: an event without a per-channel split means every
    channel; with one, the channel's own share must be above zero."""
    if not shares:
        return True
    wanted = channel or ChannelRef()
    return any(
        share.channel.channel == wanted.channel
        and share.channel.partner_id == wanted.partner_id
        and share.available > 0
        for share in shares
    )
