"""Protobuf <-> domain: the one place the service's own types meet its gRPC and event contracts.

Enums map by name (`IDENTITY_KIND_EMAIL` <-> `IdentityKind.EMAIL`); a zero value is None; a
message field that is unset is None where the domain tells absence apart."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, Generic, TypeVar

from google.protobuf.message import Message

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2 as pb
from omni_customer.domain.addresses import CustomerAddress, GeoPoint, PostalAddress
from omni_customer.domain.identities import Identity, IdentityKind
from omni_customer.domain.loyalty import Loyalty
from omni_customer.domain.merge import MergeStatus, ProfileMerge
from omni_customer.domain.permissions import ContactPermission, ContactRoute
from omni_customer.domain.preferences import Consent, Preferences, QuietHours
from omni_customer.domain.profiles import PersonalFields, Profile, ProfileStatus
from omni_customer.domain.timeline import Entry, EntryType, ObjectRef
from omni_customer.domain.values import (
    Actor,
    ActorKind,
    ChannelRef,
    ContactChannel,
    ContactPurpose,
    Money,
    SalesChannel,
)
from omni_kit.errors import InvalidArgument
from omni_kit.protos import from_timestamp, to_timestamp

E = TypeVar("E", bound=Enum)
M = TypeVar("M", bound=Message)
T = TypeVar("T")


class EnumMap(Generic[E]):
    """A protobuf enum (values `<PREFIX><NAME>`) and the domain enum of the same names."""

    def __init__(self, wrapper: Any, domain: type[E], prefix: str) -> None:
        self.wrapper = wrapper
        self.domain = domain
        self.prefix = prefix

    def known(self, number: int) -> bool:
        return number in self.wrapper.values()

    def of(self, number: int) -> E | None:
        """The domain value; None for zero and for a number this code does not know."""
        if not number or not self.known(number):
            return None
        return self.domain[self.wrapper.Name(number).removeprefix(self.prefix)]

    def checked(self, number: int, message: str, field: str) -> E | None:
        """As `of`, but a number this code does not know is refused naming the field."""
        if not self.known(number):
            raise InvalidArgument(message.format(number), field=field)
        return self.of(number)

    def number(self, value: E | None) -> Any:
        return 0 if value is None else self.wrapper.Value(self.prefix + value.name)


SALES_CHANNEL = EnumMap(common_pb2.SalesChannel, SalesChannel, "SALES_CHANNEL_")
ACTOR_KIND = EnumMap(common_pb2.ActorKind, ActorKind, "ACTOR_KIND_")
CONTACT_CHANNEL = EnumMap(common_pb2.ContactChannel, ContactChannel, "CONTACT_CHANNEL_")
CONTACT_PURPOSE = EnumMap(common_pb2.ContactPurpose, ContactPurpose, "CONTACT_PURPOSE_")
IDENTITY_KIND = EnumMap(pb.IdentityKind, IdentityKind, "IDENTITY_KIND_")
PROFILE_STATUS = EnumMap(pb.ProfileStatus, ProfileStatus, "PROFILE_STATUS_")
MERGE_STATUS = EnumMap(pb.MergeStatus, MergeStatus, "MERGE_STATUS_")
ENTRY_TYPE = EnumMap(pb.TimelineEntryType, EntryType, "TIMELINE_ENTRY_TYPE_")


def present(holder: Message, name: str, read: Callable[[Any], T]) -> T | None:
    """`read(holder.<name>)` when the message field is set, else None."""
    return read(getattr(holder, name)) if holder.HasField(name) else None


def _optional(value: T | None, write: Callable[[T], M]) -> M | None:
    return None if value is None else write(value)


# Shared values.


def channel_ref(message: common_pb2.ChannelRef) -> ChannelRef:
    return ChannelRef(SALES_CHANNEL.of(message.channel), message.partner_id, message.store_id)


def channel_ref_message(ref: ChannelRef) -> common_pb2.ChannelRef:
    return common_pb2.ChannelRef(
        channel=SALES_CHANNEL.number(ref.channel), partner_id=ref.partner_id, store_id=ref.store_id
    )


def actor(message: common_pb2.Actor) -> Actor:
    return Actor(ACTOR_KIND.of(message.kind), message.id, message.display)


def actor_message(value: Actor) -> common_pb2.Actor:
    return common_pb2.Actor(kind=ACTOR_KIND.number(value.kind), id=value.id, display=value.display)


def money(message: common_pb2.Money) -> Money:
    return Money(message.amount_minor, message.currency_code)


# Identities, addresses, preferences.


def identity(message: pb.Identity) -> Identity:
    return Identity(
        kind=IDENTITY_KIND.of(message.kind),
        value=message.value,
        partner_id=message.partner_id,
        verified=message.verified,
        source_channel=SALES_CHANNEL.of(message.source_channel),
        added_at=present(message, "added_at", from_timestamp),
    )


def identity_message(value: Identity) -> pb.Identity:
    return pb.Identity(
        kind=IDENTITY_KIND.number(value.kind),
        value=value.value,
        partner_id=value.partner_id,
        verified=value.verified,
        source_channel=SALES_CHANNEL.number(value.source_channel),
        added_at=_optional(value.added_at, to_timestamp),
    )


def address(message: pb.CustomerAddress) -> CustomerAddress:
    return CustomerAddress(
        id=message.id,
        label=message.label,
        address=present(message, "address", _postal),
        geo=present(message, "geo", lambda geo: GeoPoint(geo.lat, geo.lng)),
        default_shipping=message.default_shipping,
        default_billing=message.default_billing,
    )


def _postal(message: common_pb2.Address) -> PostalAddress:
    return PostalAddress(
        name=message.name,
        lines=tuple(message.lines),
        city=message.city,
        postal_code=message.postal_code,
        region=message.region,
        country_code=message.country_code,
        phone=message.phone,
    )


def address_message(value: CustomerAddress) -> pb.CustomerAddress:
    postal = value.address
    return pb.CustomerAddress(
        id=value.id,
        label=value.label,
        address=None
        if postal is None
        else common_pb2.Address(
            name=postal.name,
            lines=list(postal.lines),
            city=postal.city,
            postal_code=postal.postal_code,
            region=postal.region,
            country_code=postal.country_code,
            phone=postal.phone,
        ),
        geo=_optional(value.geo, lambda geo: common_pb2.GeoPoint(lat=geo.lat, lng=geo.lng)),
        default_shipping=value.default_shipping,
        default_billing=value.default_billing,
    )


def preferences(message: pb.Preferences, field: str = "preferences") -> Preferences:
    """A patch (consents are never patched: RecordConsent records them one at a time); an enum
    value this code does not know is refused."""
    return Preferences(
        preferred_channel=CONTACT_CHANNEL.checked(
            message.preferred_channel, "unknown contact channel {}", f"{field}.preferred_channel"
        ),
        quiet_hours=present(message, "quiet_hours", lambda q: QuietHours(q.start, q.end)),
        time_zone=message.time_zone,
        language=message.language,
        preferred_messenger=IDENTITY_KIND.checked(
            message.preferred_messenger,
            "unknown identity kind {}",
            f"{field}.preferred_messenger",
        ),
    )


def preferences_message(value: Preferences) -> pb.Preferences:
    quiet = value.quiet_hours
    return pb.Preferences(
        consents=[consent_message(item) for item in value.consents],
        preferred_channel=CONTACT_CHANNEL.number(value.preferred_channel),
        quiet_hours=None if quiet is None else pb.QuietHours(start=quiet.start, end=quiet.end),
        time_zone=value.time_zone,
        language=value.language,
        preferred_messenger=IDENTITY_KIND.number(value.preferred_messenger),
    )


def consent_message(value: Consent) -> pb.Consent:
    return pb.Consent(
        channel=CONTACT_CHANNEL.number(value.channel),
        purpose=CONTACT_PURPOSE.number(value.purpose),
        granted=value.granted,
        source=_optional(value.source, channel_ref_message),
        recorded_by=_optional(value.recorded_by, actor_message),
        recorded_at=_optional(value.recorded_at, to_timestamp),
        customer_request=value.customer_request,
    )


def _loyalty_message(value: Loyalty) -> pb.Loyalty | None:
    if value == Loyalty():
        return None
    return pb.Loyalty(
        points_balance=value.points_balance, updated_at=_optional(value.updated_at, to_timestamp)
    )


# Profiles, merges, the timeline, contact permissions.


def personal_fields(message: pb.Profile) -> PersonalFields:
    return PersonalFields(message.display_name, message.given_name, message.family_name)


def profile_message(value: Profile) -> pb.Profile:
    return pb.Profile(
        id=value.id,
        version=value.version,
        status=PROFILE_STATUS.number(value.status),
        display_name=value.display_name,
        given_name=value.given_name,
        family_name=value.family_name,
        identities=[identity_message(item) for item in value.identities],
        addresses=[address_message(item) for item in value.addresses],
        preferences=None
        if value.preferences == Preferences()
        else preferences_message(value.preferences),
        loyalty=_loyalty_message(value.loyalty),
        merged_into_id=value.merged_into_id,
        source_channel=SALES_CHANNEL.number(value.source_channel),
        created_at=_optional(value.created_at, to_timestamp),
        updated_at=_optional(value.updated_at, to_timestamp),
        unverified_contacts=[identity_message(item) for item in value.unverified_contacts],
        source_store_id=value.source_store_id,
    )


def merge_message(value: ProfileMerge) -> pb.ProfileMerge:
    return pb.ProfileMerge(
        id=value.id,
        survivor_id=value.survivor_id,
        merged_id=value.merged_id,
        status=MERGE_STATUS.number(value.status),
        reason=value.reason,
        merged_by=_optional(value.merged_by, actor_message),
        merged_at=_optional(value.merged_at, to_timestamp),
        unmerged_by=_optional(value.unmerged_by, actor_message),
        unmerged_at=_optional(value.unmerged_at, to_timestamp),
        moved_identities=[identity_message(item) for item in value.moved_identities],
        moved_address_ids=list(value.moved_address_ids),
    )


def entry(message: pb.TimelineEntry) -> Entry:
    """A staff entry as given; a channel this code does not know is refused."""
    SALES_CHANNEL.checked(message.channel.channel, "unknown sales channel", "entry.channel.channel")
    return Entry(
        id=message.id,
        profile_id=message.profile_id,
        type=ENTRY_TYPE.of(message.type),
        channel=present(message, "channel", channel_ref),
        occurred_at=present(message, "occurred_at", from_timestamp),
        actor=present(message, "actor", actor),
        summary=message.summary,
        body=message.body,
        ref=present(message, "ref", lambda ref: ObjectRef(ref.kind, ref.id)),
        attributes=dict(message.attributes),
        source_event_id=message.source_event_id,
        created_at=present(message, "created_at", from_timestamp),
    )


def entry_message(value: Entry) -> pb.TimelineEntry:
    ref = value.ref
    return pb.TimelineEntry(
        id=value.id,
        profile_id=value.profile_id,
        type=ENTRY_TYPE.number(value.type),
        channel=_optional(value.channel, channel_ref_message),
        occurred_at=_optional(value.occurred_at, to_timestamp),
        actor=_optional(value.actor, actor_message),
        summary=value.summary,
        body=value.body,
        ref=None if ref is None else pb.ObjectRef(kind=ref.kind, id=ref.id),
        attributes=value.attributes,
        source_event_id=value.source_event_id,
        created_at=_optional(value.created_at, to_timestamp),
    )


def permission_message(value: ContactPermission) -> pb.ContactPermission:
    return pb.ContactPermission(
        profile_id=value.profile_id,
        routes=[_route_message(item) for item in value.routes],
        denied_channels=[CONTACT_CHANNEL.number(item) for item in value.denied_channels],
        in_quiet_hours=value.in_quiet_hours,
        send_after=_optional(value.send_after, to_timestamp),
        language=value.language,
        time_zone=value.time_zone,
        display_name=value.display_name,
    )


def _route_message(value: ContactRoute) -> pb.ContactRoute:
    return pb.ContactRoute(
        channel=CONTACT_CHANNEL.number(value.channel),
        address=value.address,
        identity_kind=IDENTITY_KIND.number(value.identity_kind),
    )
