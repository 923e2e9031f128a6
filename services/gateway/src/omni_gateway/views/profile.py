"""Customer profiles as the customer and as staff see them: identities, addresses, contact
preferences and consents, loyalty; merges of two profiles; the staff's 360° view."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import msgspec

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2 as P
from omni.order.v1 import order_pb2
from omni_gateway.security.principals import Channel
from omni_gateway.views.common import EnumMap, View, channel_of, when_set
from omni_gateway.views.timeline import Actor, StaffTimelinePage, actor_or_none

Text = Annotated[str, msgspec.Meta(max_length=200)]


class ContactChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    PUSH = "push"
    MESSENGER = "messenger"
    PHONE_CALL = "phone_call"


class ContactPurpose(StrEnum):
    TRANSACTIONAL = "transactional"
    MARKETING = "marketing"


class IdentityKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    INSTAGRAM = "instagram"
    FACEBOOK = "facebook"
    VIBER = "viber"
    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"
    MARKETPLACE_BUYER = "marketplace_buyer"
    LOYALTY_CARD = "loyalty_card"
    PUSH_TOKEN = "push_token"  # noqa: S105 - an identity kind, not a secret


class ProfileStatus(StrEnum):
    ACTIVE = "active"
    MERGED = "merged"
    ERASED = "erased"


class MergeStatus(StrEnum):
    ACTIVE = "active"
    UNDONE = "undone"


CONTACT_CHANNEL = EnumMap(ContactChannel, common_pb2.ContactChannel, "CONTACT_CHANNEL_")
CONTACT_PURPOSE = EnumMap(ContactPurpose, common_pb2.ContactPurpose, "CONTACT_PURPOSE_")
IDENTITY_KIND = EnumMap(IdentityKind, P.IdentityKind, "IDENTITY_KIND_")
PROFILE_STATUS = EnumMap(ProfileStatus, P.ProfileStatus, "PROFILE_STATUS_")
MERGE_STATUS = EnumMap(MergeStatus, P.MergeStatus, "MERGE_STATUS_")


class PostalAddress(View):
    """A postal address, in requests and responses."""

    lines: Annotated[list[Text], msgspec.Meta(min_length=1, max_length=4)]
    city: Text
    country_code: Annotated[str, msgspec.Meta(max_length=2)]
    postal_code: Text = ""
    region: Text = ""
    name: Text = ""
    phone: Annotated[str, msgspec.Meta(max_length=50)] = ""


class QuietHours(View):
    """Local times (HH:MM) between which only urgent messages are sent."""

    start: Annotated[str, msgspec.Meta(max_length=5)]
    end: Annotated[str, msgspec.Meta(max_length=5)]


class Identity(View):
    kind: IdentityKind | None
    value: str
    partner_id: str | None
    verified: bool
    source_channel: Channel | None
    added_at: datetime | None


class Address(View):
    id: str
    label: str
    address: PostalAddress | None
    default_shipping: bool
    default_billing: bool


class Consent(View):
    channel: ContactChannel | None
    purpose: ContactPurpose | None
    granted: bool
    source: Channel | None
    recorded_at: datetime | None
    # A staff member recorded it on the customer's request (who, only staff see).
    customer_request: bool = False


class StaffConsent(Consent, kw_only=True):
    recorded_by: Actor | None = None


class Preferences(View):
    consents: Sequence[Consent]  # a list (Sequence: staff's own list narrows it)
    preferred_channel: ContactChannel | None
    quiet_hours: QuietHours | None
    time_zone: str
    language: str
    preferred_messenger: IdentityKind | None


class StaffPreferences(Preferences, kw_only=True):
    consents: list[StaffConsent]


class Loyalty(View):
    points_balance: int
    updated_at: datetime | None = None


class Profile(View):
    """The customer's own profile."""

    id: str
    display_name: str
    given_name: str
    family_name: str
    identities: list[Identity]
    addresses: list[Address]
    preferences: Preferences
    loyalty: Loyalty
    created_at: datetime | None
    updated_at: datetime | None


class StaffProfile(Profile, kw_only=True):
    """Staff also see the profile's state, where it began, the survivor of a merge, and who
    recorded a consent on the customer's request."""

    preferences: StaffPreferences
    status: ProfileStatus | None
    source_channel: Channel | None
    merged_into_id: str | None = None


class CreatedCustomer(View):
    """A profile staff created, with the store it was created at (the channel is the profile's
    `source_channel`)."""

    profile: StaffProfile
    store_id: str | None


class ProfilePage(View):
    profiles: list[StaffProfile]
    next_page_token: str = ""


class Merge(View):
    id: str
    survivor_id: str
    merged_id: str
    status: MergeStatus | None
    reason: str
    merged_by: Actor | None
    merged_at: datetime | None
    unmerged_by: Actor | None
    unmerged_at: datetime | None


class MergeResult(View):
    merge: Merge
    survivor: StaffProfile


class UnmergeResult(View):
    merge: Merge
    survivor: StaffProfile
    restored: StaffProfile


class RecentOrder(View):
    """One of the customer's latest orders, as the 360° view lists it."""

    id: str
    number: str
    status: str
    channel: Channel | None
    store_id: str | None
    partner_id: str | None
    placed_at: datetime | None


class CustomerOverview(View, kw_only=True):
    """The 360° view: the profile, the latest timeline entries, and the latest orders (left out
    when the order service cannot list them)."""

    profile: StaffProfile
    timeline: StaffTimelinePage
    orders: list[RecentOrder] | None = None


def postal_address(holder: Any, field: str = "address") -> PostalAddress | None:
    """The address field of a message, or None when it is unset."""
    if not holder.HasField(field):
        return None
    postal: common_pb2.Address = getattr(holder, field)
    return PostalAddress(
        lines=list(postal.lines),
        city=postal.city,
        country_code=postal.country_code,
        postal_code=postal.postal_code,
        region=postal.region,
        name=postal.name,
        phone=postal.phone,
    )


def address_view(address: P.CustomerAddress) -> Address:
    return Address(
        id=address.id,
        label=address.label,
        address=postal_address(address),
        default_shipping=address.default_shipping,
        default_billing=address.default_billing,
    )


def consent_view(consent: P.Consent) -> Consent:
    return Consent(
        channel=CONTACT_CHANNEL.public(consent.channel),
        purpose=CONTACT_PURPOSE.public(consent.purpose),
        granted=consent.granted,
        source=channel_of(consent.source.channel),
        recorded_at=when_set(consent, "recorded_at"),
        customer_request=consent.customer_request,
    )


def staff_consent_view(consent: P.Consent) -> StaffConsent:
    return StaffConsent(
        **msgspec.structs.asdict(consent_view(consent)),
        recorded_by=actor_or_none(consent, "recorded_by"),
    )


def identity_view(identity: P.Identity) -> Identity:
    return Identity(
        kind=IDENTITY_KIND.public(identity.kind),
        value=identity.value,
        partner_id=identity.partner_id or None,
        verified=identity.verified,
        source_channel=channel_of(identity.source_channel),
        added_at=when_set(identity, "added_at"),
    )


def _preferences(preferences: P.Preferences) -> Preferences:
    quiet = preferences.quiet_hours
    return Preferences(
        consents=[consent_view(c) for c in preferences.consents],
        preferred_channel=CONTACT_CHANNEL.public(preferences.preferred_channel),
        quiet_hours=QuietHours(quiet.start, quiet.end)
        if preferences.HasField("quiet_hours")
        else None,
        time_zone=preferences.time_zone,
        language=preferences.language,
        preferred_messenger=IDENTITY_KIND.public(preferences.preferred_messenger),
    )


def profile_view(profile: P.Profile) -> Profile:
    return Profile(
        id=profile.id,
        display_name=profile.display_name,
        given_name=profile.given_name,
        family_name=profile.family_name,
        identities=[identity_view(i) for i in profile.identities],
        addresses=[address_view(a) for a in profile.addresses],
        preferences=_preferences(profile.preferences),
        loyalty=Loyalty(profile.loyalty.points_balance, when_set(profile.loyalty, "updated_at")),
        created_at=when_set(profile, "created_at"),
        updated_at=when_set(profile, "updated_at"),
    )


def staff_profile_view(profile: P.Profile) -> StaffProfile:
    customers = profile_view(profile)
    preferences = StaffPreferences(
        **msgspec.structs.asdict(customers.preferences)
        | {"consents": [staff_consent_view(c) for c in profile.preferences.consents]}
    )
    return StaffProfile(
        **msgspec.structs.asdict(customers) | {"preferences": preferences},
        status=PROFILE_STATUS.public(profile.status),
        source_channel=channel_of(profile.source_channel),
        merged_into_id=profile.merged_into_id or None,
    )


def profile_page(reply: P.FindProfilesResponse) -> ProfilePage:
    return ProfilePage([staff_profile_view(p) for p in reply.profiles], reply.next_page_token)


def merge_view(merge: P.ProfileMerge) -> Merge:
    return Merge(
        id=merge.id,
        survivor_id=merge.survivor_id,
        merged_id=merge.merged_id,
        status=MERGE_STATUS.public(merge.status),
        reason=merge.reason,
        merged_by=actor_or_none(merge, "merged_by"),
        merged_at=when_set(merge, "merged_at"),
        unmerged_by=actor_or_none(merge, "unmerged_by"),
        unmerged_at=when_set(merge, "unmerged_at"),
    )


def merge_result(reply: P.MergeProfilesResponse) -> MergeResult:
    return MergeResult(merge_view(reply.merge), staff_profile_view(reply.survivor))


def unmerge_result(reply: P.UnmergeProfilesResponse) -> UnmergeResult:
    return UnmergeResult(
        merge_view(reply.merge),
        staff_profile_view(reply.survivor),
        staff_profile_view(reply.restored),
    )


def recent_order(order: order_pb2.Order) -> RecentOrder:
    status = order_pb2.OrderStatus.Name(order.status).removeprefix("ORDER_STATUS_").lower()
    return RecentOrder(
        id=order.id,
        number=order.number,
        status=status,
        channel=channel_of(order.channel.channel),
        store_id=order.channel.store_id or None,
        partner_id=order.channel.partner_id or None,
        placed_at=when_set(order, "placed_at"),
    )
