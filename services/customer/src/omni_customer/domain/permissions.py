"""May we contact this customer, for this purpose, how, and when: read from the profile on every
call, so a consent given or withdrawn in any channel counts at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from omni_customer.domain.identities import MESSENGER_KINDS, IdentityKind
from omni_customer.domain.preferences import QuietHours, latest_consent, parse_hh_mm, zone
from omni_customer.domain.profiles import Profile, ProfileStatus
from omni_customer.domain.values import ContactChannel, ContactPurpose
from omni_kit.errors import InvalidArgument


@dataclass(frozen=True)
class ContactRoute:
    channel: ContactChannel
    address: str
    identity_kind: IdentityKind


@dataclass
class ContactPermission:
    """Where the customer may be reached for a purpose now, and when quiet hours end."""

    profile_id: str
    language: str = ""
    time_zone: str = ""
    display_name: str = ""
    routes: list[ContactRoute] = field(default_factory=list)
    denied_channels: list[ContactChannel] = field(default_factory=list)
    in_quiet_hours: bool = False
    send_after: datetime | None = None


# Without a preference: the channels customers expect first.
DEFAULT_ORDER = (
    ContactChannel.EMAIL,
    ContactChannel.SMS,
    ContactChannel.PUSH,
    ContactChannel.MESSENGER,
    ContactChannel.PHONE_CALL,
)
ADDRESS_KINDS = {
    ContactChannel.EMAIL: (IdentityKind.EMAIL,),
    ContactChannel.SMS: (IdentityKind.PHONE,),
    ContactChannel.PUSH: (IdentityKind.PUSH_TOKEN,),
    ContactChannel.MESSENGER: MESSENGER_KINDS,
    ContactChannel.PHONE_CALL: (IdentityKind.PHONE,),
}


def allowed(profile: Profile, channel: ContactChannel, purpose: ContactPurpose) -> bool:
    """Marketing needs a granted consent; transactional messages are allowed unless withdrawn."""
    consent = latest_consent(profile, channel, purpose)
    if purpose == ContactPurpose.MARKETING:
        return consent is not None and consent.granted
    return consent is None or consent.granted


def route(
    profile: Profile,
    channel: ContactChannel,
    purpose: ContactPurpose = ContactPurpose.TRANSACTIONAL,
) -> ContactRoute | None:
    """Where to reach the customer on a channel: a verified identity first, then the newest;
    without one, for transactional messages only, the newest unverified contact."""
    kinds = list(ADDRESS_KINDS[channel])
    preferred = profile.preferences.preferred_messenger
    if channel == ContactChannel.MESSENGER and preferred in kinds:
        kinds.remove(preferred)
        kinds.insert(0, preferred)
    for kind in kinds:
        candidates = [identity for identity in profile.identities if identity.kind == kind]
        if candidates:
            best = max(enumerate(candidates), key=lambda pair: (pair[1].verified, pair[0]))[1]
            return ContactRoute(channel=channel, address=best.value, identity_kind=kind)
    if purpose != ContactPurpose.TRANSACTIONAL:
        return None
    for kind in kinds:
        contacts = [contact for contact in profile.unverified_contacts if contact.kind == kind]
        if contacts:
            return ContactRoute(channel=channel, address=contacts[-1].value, identity_kind=kind)
    return None


def quiet_until(quiet_hours: QuietHours, time_zone: str, at: datetime) -> datetime | None:
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
    profile: Profile,
    purpose: ContactPurpose | None,
    *,
    urgent: bool,
    channel: ContactChannel | None,
    at: datetime,
) -> ContactPermission:
    """`channel` None: every channel the customer can be reached on, preferred first."""
    if purpose is None:
        raise InvalidArgument("purpose is required (transactional or marketing)", field="purpose")
    preferences = profile.preferences
    permission = ContactPermission(
        profile_id=profile.id,
        language=preferences.language,
        time_zone=preferences.time_zone,
        display_name=profile.display_name,
    )
    if profile.status != ProfileStatus.ACTIVE:
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
    if not urgent and preferences.quiet_hours is not None and preferences.time_zone:
        until = quiet_until(preferences.quiet_hours, preferences.time_zone, at)
        if until is not None:
            permission.in_quiet_hours = True
            permission.send_after = until
    return permission
