"""May we contact this customer, for this purpose, how, and when: read from the profile on every
call, so a consent given or withdrawn in any channel counts at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2
from omni_customer.domain.identities import MESSENGER_KINDS
from omni_customer.domain.preferences import latest_consent, parse_hh_mm, zone
from omni_kit.errors import InvalidArgument
from omni_kit.protos import to_timestamp

# Without a preference: the channels customers expect first.
DEFAULT_ORDER = (
    common_pb2.CONTACT_CHANNEL_EMAIL,
    common_pb2.CONTACT_CHANNEL_SMS,
    common_pb2.CONTACT_CHANNEL_PUSH,
    common_pb2.CONTACT_CHANNEL_MESSENGER,
    common_pb2.CONTACT_CHANNEL_PHONE_CALL,
)
ADDRESS_KINDS = {
    common_pb2.CONTACT_CHANNEL_EMAIL: (customer_pb2.IDENTITY_KIND_EMAIL,),
    common_pb2.CONTACT_CHANNEL_SMS: (customer_pb2.IDENTITY_KIND_PHONE,),
    common_pb2.CONTACT_CHANNEL_PUSH: (customer_pb2.IDENTITY_KIND_PUSH_TOKEN,),
    common_pb2.CONTACT_CHANNEL_MESSENGER: MESSENGER_KINDS,
    common_pb2.CONTACT_CHANNEL_PHONE_CALL: (customer_pb2.IDENTITY_KIND_PHONE,),
}


def allowed(
    profile: customer_pb2.Profile,
    channel: common_pb2.ContactChannel.ValueType,
    purpose: common_pb2.ContactPurpose.ValueType,
) -> bool:
    """Marketing needs a granted consent; transactional messages are allowed unless withdrawn."""
    consent = latest_consent(profile, channel, purpose)
    if purpose == common_pb2.CONTACT_PURPOSE_MARKETING:
        return consent is not None and consent.granted
    return consent is None or consent.granted


def route(
    profile: customer_pb2.Profile,
    channel: common_pb2.ContactChannel.ValueType,
    purpose: common_pb2.ContactPurpose.ValueType = common_pb2.CONTACT_PURPOSE_TRANSACTIONAL,
) -> customer_pb2.ContactRoute | None:
    """Where to reach the customer on a channel: a verified identity first, then the newest;
    without one, for transactional messages only, the newest unverified contact."""
    kinds = list(ADDRESS_KINDS[channel])
    preferred = profile.preferences.preferred_messenger
    if channel == common_pb2.CONTACT_CHANNEL_MESSENGER and preferred in kinds:
        kinds.remove(preferred)
        kinds.insert(0, preferred)
    for kind in kinds:
        candidates = [identity for identity in profile.identities if identity.kind == kind]
        if candidates:
            best = max(enumerate(candidates), key=lambda pair: (pair[1].verified, pair[0]))[1]
            return customer_pb2.ContactRoute(
                channel=channel, address=best.value, identity_kind=best.kind
            )
    if purpose != common_pb2.CONTACT_PURPOSE_TRANSACTIONAL:
        return None
    for kind in kinds:
        contacts = [contact for contact in profile.unverified_contacts if contact.kind == kind]
        if contacts:
            return customer_pb2.ContactRoute(
                channel=channel, address=contacts[-1].value, identity_kind=kind
            )
    return None


def quiet_until(
    quiet_hours: customer_pb2.QuietHours, time_zone: str, at: datetime
) -> datetime | None:
    """When the quiet period containing `at` ends (UTC), or None when `at` is outside it.

    Quiet hours are local wall-clock times and may span midnight ("22:00"-"07:00").
    """
    start = parse_hh_mm(quiet_hours.start, "preferences.quiet_hours.start")
    end = parse_hh_mm(quiet_hours.end, "preferences.quiet_hours.end")
    tz = zone(time_zone)
    local = at.astimezone(tz)
    now = local.time().replace(tzinfo=None)
    if start < end:
        inside = start <= now < end
        end_day = local.date()
    else:
        inside = now >= start or now < end
        end_day = local.date() if now < end else local.date() + timedelta(days=1)
    if not inside:
        return None
    # A wall time skipped by a DST change resolves to the same instant after the gap.
    return datetime.combine(end_day, end, tzinfo=tz).astimezone(UTC)


def contact_permission(
    profile: customer_pb2.Profile,
    purpose: common_pb2.ContactPurpose.ValueType,
    *,
    urgent: bool,
    channel: common_pb2.ContactChannel.ValueType,
    at: datetime,
) -> customer_pb2.ContactPermission:
    if purpose not in common_pb2.ContactPurpose.values() or purpose == 0:
        raise InvalidArgument("purpose is required (transactional or marketing)", field="purpose")
    if channel not in common_pb2.ContactChannel.values():
        raise InvalidArgument(f"unknown contact channel {channel}", field="channel")
    preferences = profile.preferences
    permission = customer_pb2.ContactPermission(
        profile_id=profile.id,
        language=preferences.language,
        time_zone=preferences.time_zone,
        display_name=profile.display_name,
    )
    if profile.status != customer_pb2.PROFILE_STATUS_ACTIVE:
        return permission
    order = list(DEFAULT_ORDER)
    if preferences.preferred_channel:
        order.remove(preferences.preferred_channel)
        order.insert(0, preferences.preferred_channel)
    if channel:
        order = [channel]
    for candidate in order:
        found = route(profile, candidate, purpose)
        if found is None:
            continue
        if allowed(profile, candidate, purpose):
            permission.routes.append(found)
        else:
            permission.denied_channels.append(candidate)
    if not urgent and preferences.HasField("quiet_hours") and preferences.time_zone:
        until = quiet_until(preferences.quiet_hours, preferences.time_zone, at)
        if until is not None:
            permission.in_quiet_hours = True
            permission.send_after.CopyFrom(to_timestamp(until))
    return permission
