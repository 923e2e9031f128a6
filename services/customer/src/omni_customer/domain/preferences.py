"""Contact preferences (quiet hours, time zone, language, preferred channel) and consents."""

from __future__ import annotations

import functools
import re
from datetime import datetime, time
from zoneinfo import ZoneInfo, available_timezones

from google.protobuf import field_mask_pb2

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2
from omni_customer.domain.identities import MESSENGER_KINDS
from omni_customer.domain.profiles import apply_mask, mask_paths
from omni_kit.errors import InvalidArgument
from omni_kit.protos import to_timestamp

UPDATABLE = ("preferred_channel", "quiet_hours", "time_zone", "language", "preferred_messenger")
_HH_MM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


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


def validate(preferences: customer_pb2.Preferences, field: str = "preferences") -> None:
    """Refuse what could not be obeyed: unknown zones, malformed quiet hours, unknown enums."""
    if preferences.time_zone and preferences.time_zone not in _zones():
        raise InvalidArgument(
            f"unknown time zone {preferences.time_zone!r}: use an IANA name such as "
            "'Europe/Berlin'",
            reason="UNKNOWN_TIME_ZONE",
            field=f"{field}.time_zone",
        )
    if preferences.HasField("quiet_hours"):
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
    channel = preferences.preferred_channel
    if channel not in common_pb2.ContactChannel.values():
        raise InvalidArgument(
            f"unknown contact channel {channel}", field=f"{field}.preferred_channel"
        )
    messenger = preferences.preferred_messenger
    if messenger and messenger not in MESSENGER_KINDS:
        raise InvalidArgument(
            "preferred_messenger must be a messenger identity kind (WhatsApp, Telegram, Viber, "
            "Instagram, Facebook)",
            field=f"{field}.preferred_messenger",
        )


def update(
    profile: customer_pb2.Profile,
    patch: customer_pb2.Preferences,
    mask: field_mask_pb2.FieldMask,
) -> list[str]:
    """Apply the masked preference fields (validated as a whole); returns the changed paths."""
    paths = mask_paths(
        mask, patch, UPDATABLE, owned_elsewhere={"consents": "RecordConsent (one at a time)"}
    )
    result = customer_pb2.Preferences()
    result.CopyFrom(profile.preferences)
    apply_mask(paths, patch, result)
    validate(result)
    changed = [
        path
        for path in UPDATABLE
        if getattr(result, path) != getattr(profile.preferences, path)
        or (
            path == "quiet_hours"
            and result.HasField("quiet_hours") != profile.preferences.HasField("quiet_hours")
        )
    ]
    profile.preferences.CopyFrom(result)
    return changed


def record_consent(
    profile: customer_pb2.Profile,
    channel: common_pb2.ContactChannel.ValueType,
    purpose: common_pb2.ContactPurpose.ValueType,
    granted: bool,
    source: common_pb2.ChannelRef,
    actor: common_pb2.Actor,
    now: datetime,
) -> tuple[customer_pb2.Consent, bool]:
    """Keep the latest consent per (channel, purpose); returns it and whether it was granted
    before."""
    if channel not in common_pb2.ContactChannel.values() or channel == 0:
        raise InvalidArgument(
            "channel is required (e-mail, SMS, push, messenger, phone call)", field="channel"
        )
    if purpose not in common_pb2.ContactPurpose.values() or purpose == 0:
        raise InvalidArgument("purpose is required (transactional or marketing)", field="purpose")
    consent = customer_pb2.Consent(
        channel=channel,
        purpose=purpose,
        granted=granted,
        source=source,
        recorded_by=actor,
        recorded_at=to_timestamp(now),
    )
    previous = latest_consent(profile, channel, purpose)
    kept = [c for c in profile.preferences.consents if (c.channel, c.purpose) != (channel, purpose)]
    del profile.preferences.consents[:]
    profile.preferences.consents.extend([*kept, consent])
    return consent, bool(previous and previous.granted)


def latest_consent(
    profile: customer_pb2.Profile,
    channel: common_pb2.ContactChannel.ValueType,
    purpose: common_pb2.ContactPurpose.ValueType,
) -> customer_pb2.Consent | None:
    for consent in profile.preferences.consents:
        if (consent.channel, consent.purpose) == (channel, purpose):
            return consent
    return None


def describe(consent: customer_pb2.Consent) -> str:
    """One timeline line, e.g. "Marketing by SMS: granted (web)"."""
    purpose = common_pb2.ContactPurpose.Name(consent.purpose).removeprefix("CONTACT_PURPOSE_")
    channel = common_pb2.ContactChannel.Name(consent.channel).removeprefix("CONTACT_CHANNEL_")
    source = common_pb2.SalesChannel.Name(consent.source.channel).removeprefix("SALES_CHANNEL_")
    verdict = "granted" if consent.granted else "withdrawn"
    where = "" if not consent.source.channel else f" ({source.lower()})"
    channel_label = channel.lower().replace("_", " ")
    return f"{purpose.capitalize()} by {channel_label}: {verdict}{where}"
