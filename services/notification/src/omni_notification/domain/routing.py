"""Which channel a notification goes through, and when: the customer's answer to "may we contact
you" decides; failures move it to the next allowed channel."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from omni_notification.domain.common import ContactChannel, ContactPurpose, IdentityKind
from omni_notification.domain.notifications import DeliveryOutcome
from omni_notification.domain.templates import DELIVERY_CHANNELS

FAILED_OUTCOMES = (DeliveryOutcome.FAILED, DeliveryOutcome.TIMED_OUT)
# When the customer service says "quiet hours" without saying until when.
QUIET_HOURS_FALLBACK = timedelta(hours=1)


@dataclass(frozen=True)
class Route:
    channel: ContactChannel
    address: str
    # For messengers: which one.
    identity_kind: IdentityKind | None = None


@dataclass(frozen=True)
class Permission:
    """The customer service's answer to "may we contact this customer for this, and how"."""

    # Allowed routes, best first; none: do not send.
    routes: tuple[Route, ...] = ()
    # Channels that exist but are not allowed for this purpose.
    denied_channels: tuple[ContactChannel | None, ...] = ()
    # Non-urgent messages wait until send_after while quiet hours are on.
    in_quiet_hours: bool = False
    send_after: datetime | None = None
    language: str = ""
    time_zone: str = ""
    display_name: str = ""


@dataclass(frozen=True)
class AttemptRecord:
    channel: ContactChannel | None
    outcome: DeliveryOutcome | None
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


def label(value: ContactChannel | ContactPurpose | None) -> str:
    return value.label if value is not None else "unspecified"


def decide(
    permission: Permission,
    *,
    purpose: ContactPurpose | None,
    urgent: bool,
    now: datetime,
    attempts: Sequence[AttemptRecord] = (),
    max_attempts_per_channel: int = 4,
    only_channel: ContactChannel | None = None,
    preferred_channel: ContactChannel | None = None,
) -> Decision:
    """Suppress (no channel allowed), delay (quiet hours), give up (every allowed channel
    failed), or send through these routes, best first."""
    routes = allowed_routes(permission, only_channel)
    if not routes:
        return Suppress(_suppression_reason(permission, purpose, only_channel))
    if permission.in_quiet_hours and not urgent:
        until = permission.send_after or now + QUIET_HOURS_FALLBACK
        if until > now:
            return Delay(until)
    exhausted = exhausted_channels(attempts, max_attempts_per_channel)
    usable = [
        route for route in prefer(routes, preferred_channel) if route.channel not in exhausted
    ]
    if not usable:
        tried = ", ".join(label(route.channel) for route in routes)
        return GiveUp(f"every allowed channel failed ({tried})")
    return Send(usable)


def allowed_routes(
    permission: Permission, only_channel: ContactChannel | None = None
) -> list[Route]:
    """One route per channel we can send through, in the customer's order."""
    seen: set[ContactChannel] = set()
    routes = []
    for given in permission.routes:
        channel = given.channel
        if channel not in DELIVERY_CHANNELS or not given.address or channel in seen:
            continue
        if only_channel and channel is not only_channel:
            continue
        seen.add(channel)
        routes.append(given)
    return routes


def prefer(routes: list[Route], channel: ContactChannel | None) -> list[Route]:
    """The routes with `channel` moved first (a subscription's chosen channel), if allowed."""
    return sorted(routes, key=lambda route: route.channel != channel) if channel else routes


def exhausted_channels(
    attempts: Iterable[AttemptRecord], max_attempts: int
) -> set[ContactChannel | None]:
    failures: Counter[ContactChannel | None] = Counter()
    exhausted = set()
    for attempt in attempts:
        if attempt.outcome in FAILED_OUTCOMES:
            failures[attempt.channel] += 1
            if attempt.permanent or failures[attempt.channel] >= max_attempts:
                exhausted.add(attempt.channel)
    return exhausted


def _suppression_reason(
    permission: Permission, purpose: ContactPurpose | None, only_channel: ContactChannel | None
) -> str:
    kind = label(purpose)
    if only_channel:
        return f"the customer allows no {kind} messages by {only_channel.label}"
    denied = ", ".join(label(channel) for channel in permission.denied_channels)
    return f"the customer allows no channel for {kind} messages" + (
        f" (denied: {denied})" if denied else ""
    )
