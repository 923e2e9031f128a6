"""Contact preferences (quiet hours, time zone, language, preferred channel) and consents."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from omni_customer.domain.identities import MESSENGER_KINDS, IdentityKind
from omni_customer.domain.masks import apply_mask, mask_paths
from omni_customer.domain.values import (
    Actor,
    ActorKind,
    ChannelRef,
    ContactChannel,
    ContactPurpose,
)
from omni_kit import timezones
from omni_kit.errors import InvalidArgument

if TYPE_CHECKING:
    from omni_customer.domain.profiles import Profile


@dataclass(frozen=True)
class Consent:
    """The customer's latest answer for one channel and purpose."""

    channel: ContactChannel
    purpose: ContactPurpose
    granted: bool = False
    source: ChannelRef | None = None
    recorded_by: Actor | None = None
    recorded_at: datetime | None = None
    # A staff member (recorded_by) recorded it on the customer's request.
    customer_request: bool = False


@dataclass(frozen=True)
class QuietHours:
    """Local wall-clock times, "HH:MM"; they may span midnight."""

    start: str = ""
    end: str = ""


@dataclass(frozen=True)
class Preferences:
    consents: tuple[Consent, ...] = ()
    preferred_channel: ContactChannel | None = None
    quiet_hours: QuietHours | None = None
    time_zone: str = ""
    language: str = ""
    preferred_messenger: IdentityKind | None = None


UPDATABLE = ("preferred_channel", "quiet_hours", "time_zone", "language", "preferred_messenger")
_HH_MM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def parse_hh_mm(value: str, field: str) -> time:
    match = _HH_MM.match(value)
    if match is None:
        raise InvalidArgument(
            f"{value!r} is not a time of day as HH:MM (00:00 to 23:59)",
            reason="INVALID_TIME_OF_DAY",
            field=field,
        )
    return time(int(match[1]), int(match[2]))


def validate(preferences: Preferences, field: str = "preferences") -> None:
    """Refuse what could not be obeyed: unknown zones, malformed quiet hours, unknown enums."""
    if preferences.time_zone and not timezones.known(preferences.time_zone):
        raise InvalidArgument(
            f"unknown time zone {preferences.time_zone!r}: use an IANA name such as "
            "'Europe/Berlin'",
            reason="UNKNOWN_TIME_ZONE",
            field=f"{field}.time_zone",
        )
    if preferences.quiet_hours is not None:
        start = parse_hh_mm(preferences.quiet_hours.start, f"{field}.quiet_hours.start")
        end = parse_hh_mm(preferences.quiet_hours.end, f"{field}.quiet_hours.end")
        if start == end:
            raise InvalidArgument(
                "quiet hours must start and end at different times",
                field=f"{field}.quiet_hours.end",
            )
        if not preferences.time_zone:
            raise InvalidArgument(
                "quiet hours need the customer's time zone", field=f"{field}.time_zone"
            )
    if preferences.language and not _LANGUAGE.match(preferences.language):
        raise InvalidArgument(
            f"{preferences.language!r} is not a BCP 47 language tag such as 'de' or 'en-GB'",
            field=f"{field}.language",
        )
    messenger = preferences.preferred_messenger
    if messenger and messenger not in MESSENGER_KINDS:
        raise InvalidArgument(
            "preferred_messenger must be a messenger identity kind (WhatsApp, Telegram, Viber, "
            "Instagram, Facebook)",
            field=f"{field}.preferred_messenger",
        )


def update(profile: Profile, patch: Preferences, mask: Sequence[str]) -> list[str]:
    """Apply the masked preference fields (validated as a whole); returns the changed paths."""
    paths = mask_paths(
        mask, patch, UPDATABLE, owned_elsewhere={"consents": "RecordConsent (one at a time)"}
    )
    result = apply_mask(paths, patch, profile.preferences)
    validate(result)
    changed = [
        path for path in UPDATABLE if getattr(result, path) != getattr(profile.preferences, path)
    ]
    profile.preferences = result
    return changed


def record_consent(
    profile: Profile,
    channel: ContactChannel | None,
    purpose: ContactPurpose | None,
    granted: bool,
    source: ChannelRef,
    actor: Actor,
    now: datetime,
    customer_request: bool = False,
) -> tuple[Consent, bool]:
    """Keep the latest consent per (channel, purpose); returns it and whether it was granted
    before. `customer_request`: a staff member records what the customer asked for."""
    if channel is None:
        raise InvalidArgument(
            "channel is required (e-mail, SMS, push, messenger, phone call)", field="channel"
        )
    if purpose is None:
        raise InvalidArgument("purpose is required (transactional or marketing)", field="purpose")
    if customer_request and actor.kind is not ActorKind.STAFF:
        raise InvalidArgument(
            "only a staff member records a consent on the customer's request",
            reason="NOT_STAFF",
            field="customer_request",
        )
    consent = Consent(
        channel=channel,
        purpose=purpose,
        granted=granted,
        source=source,
        recorded_by=actor,
        recorded_at=now,
        customer_request=customer_request,
    )
    previous = latest_consent(profile, channel, purpose)
    kept = [c for c in profile.preferences.consents if (c.channel, c.purpose) != (channel, purpose)]
    profile.preferences = dataclasses.replace(profile.preferences, consents=(*kept, consent))
    return consent, bool(previous and previous.granted)


def latest_consent(
    profile: Profile, channel: ContactChannel, purpose: ContactPurpose
) -> Consent | None:
    for consent in profile.preferences.consents:
        if (consent.channel, consent.purpose) == (channel, purpose):
            return consent
    return None


def describe(consent: Consent) -> str:
    """One timeline line, e.g. "Marketing by SMS: granted (web)"."""
    verdict = "granted" if consent.granted else "withdrawn"
    source = consent.source.channel if consent.source else None
    where = f" ({source.value})" if source else ""
    channel_label = consent.channel.value.replace("_", " ")
    line = f"{consent.purpose.value.capitalize()} by {channel_label}: {verdict}{where}"
    if consent.customer_request:  # the entry's actor is the staff member who recorded it
        line += ", on the customer's request"
    return line
