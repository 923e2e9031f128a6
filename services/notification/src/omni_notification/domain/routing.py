"""Which channel a notification goes through, and when: the customer's answer to "may we contact
you" decides; failures move it to the next allowed channel."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2
from omni.notification.v1 import notification_pb2
from omni_kit.protos import from_timestamp
from omni_notification.domain.templates import DELIVERY_CHANNELS, channel_name

FAILED_OUTCOMES = (
    notification_pb2.DELIVERY_OUTCOME_FAILED,
    notification_pb2.DELIVERY_OUTCOME_TIMED_OUT,
)
# When the customer service says "quiet hours" without saying until when.
QUIET_HOURS_FALLBACK = timedelta(hours=1)


@dataclass(frozen=True)
class Route:
    channel: common_pb2.ContactChannel.ValueType
    address: str
    # For messengers: which one.
    identity_kind: customer_pb2.IdentityKind.ValueType = customer_pb2.IDENTITY_KIND_UNSPECIFIED


@dataclass(frozen=True)
class AttemptRecord:
    channel: common_pb2.ContactChannel.ValueType
    outcome: notification_pb2.DeliveryOutcome.ValueType
    # The provider refused for good (bad address, bounced): no retry on that channel.
    permanent: bool = False


@dataclass(frozen=True)
class Suppress:
    reason: str


@dataclass(frozen=True)
class Delay:
    until: datetime


@dataclass(frozen=True)
class GiveUp:
    reason: str


@dataclass(frozen=True)
class Send:
    routes: list[Route]


Decision = Suppress | Delay | GiveUp | Send


def purpose_name(purpose: common_pb2.ContactPurpose.ValueType) -> str:
    return common_pb2.ContactPurpose.Name(purpose).removeprefix("CONTACT_PURPOSE_").lower()


def decide(
    permission: customer_pb2.ContactPermission,
    *,
    purpose: common_pb2.ContactPurpose.ValueType,
    urgent: bool,
    now: datetime,
    attempts: Sequence[AttemptRecord] = (),
    max_attempts_per_channel: int = 4,
    only_channel: common_pb2.ContactChannel.ValueType = common_pb2.CONTACT_CHANNEL_UNSPECIFIED,
    preferred_channel: common_pb2.ContactChannel.ValueType = common_pb2.CONTACT_CHANNEL_UNSPECIFIED,
) -> Decision:
    """Suppress (no channel allowed), delay (quiet hours), give up (every allowed channel
    failed), or send through these routes, best first."""
    routes = allowed_routes(permission, only_channel)
    if not routes:
        return Suppress(_suppression_reason(permission, purpose, only_channel))
    if permission.in_quiet_hours and not urgent:
        until = (
            from_timestamp(permission.send_after)
            if permission.HasField("send_after")
            else now + QUIET_HOURS_FALLBACK
        )
        if until > now:
            return Delay(until)
    exhausted = exhausted_channels(attempts, max_attempts_per_channel)
    usable = [
        route for route in prefer(routes, preferred_channel) if route.channel not in exhausted
    ]
    if not usable:
        tried = ", ".join(channel_name(route.channel) for route in routes)
        return GiveUp(f"every allowed channel failed ({tried})")
    return Send(usable)


def allowed_routes(
    permission: customer_pb2.ContactPermission,
    only_channel: common_pb2.ContactChannel.ValueType = common_pb2.CONTACT_CHANNEL_UNSPECIFIED,
) -> list[Route]:
    """One route per channel we can send through, in the customer's order."""
    seen: set[common_pb2.ContactChannel.ValueType] = set()
    routes = []
    for given in permission.routes:
        if given.channel not in DELIVERY_CHANNELS or not given.address or given.channel in seen:
            continue
        if only_channel and given.channel != only_channel:
            continue
        seen.add(given.channel)
        routes.append(Route(given.channel, given.address, given.identity_kind))
    return routes


def prefer(routes: list[Route], channel: common_pb2.ContactChannel.ValueType) -> list[Route]:
    """The routes with `channel` moved first (a subscription's chosen channel), if allowed."""
    return sorted(routes, key=lambda route: route.channel != channel) if channel else routes


def exhausted_channels(
    attempts: Iterable[AttemptRecord], max_attempts: int
) -> set[common_pb2.ContactChannel.ValueType]:
    failures: Counter[common_pb2.ContactChannel.ValueType] = Counter()
    exhausted = set()
    for attempt in attempts:
        if attempt.outcome in FAILED_OUTCOMES:
            failures[attempt.channel] += 1
            if attempt.permanent or failures[attempt.channel] >= max_attempts:
                exhausted.add(attempt.channel)
    return exhausted


def _suppression_reason(
    permission: customer_pb2.ContactPermission,
    purpose: common_pb2.ContactPurpose.ValueType,
    only_channel: common_pb2.ContactChannel.ValueType,
) -> str:
    kind = purpose_name(purpose)
    if only_channel:
        return f"the customer allows no {kind} messages by {channel_name(only_channel)}"
    denied = ", ".join(channel_name(channel) for channel in permission.denied_channels)
    return f"the customer allows no channel for {kind} messages" + (
        f" (denied: {denied})" if denied else ""
    )
