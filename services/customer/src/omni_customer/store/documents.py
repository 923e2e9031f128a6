"""Domain <-> stored documents: the one place the service's types meet its collections.

The shape is the one every document has had since the migration to typed documents
(`omni_kit.migrations.TYPED_DOCUMENTS`): keys are the field names; integers are numbers; times
are BSON dates; enums by their contract names (`IDENTITY_KIND_EMAIL`, `SALES_CHANNEL_WEB`), the
one spelling queries use; fields at their zero value are left out; a part that is present but
empty is `{}`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TypeVar

from omni_customer.domain.addresses import CustomerAddress, GeoPoint, PostalAddress
from omni_customer.domain.identities import Identity, IdentityKind
from omni_customer.domain.loyalty import Loyalty
from omni_customer.domain.merge import MergeStatus, ProfileMerge
from omni_customer.domain.preferences import Consent, Preferences, QuietHours
from omni_customer.domain.profiles import Profile, ProfileStatus
from omni_customer.domain.timeline import Entry, EntryType, ObjectRef
from omni_customer.domain.values import (
    Actor,
    ActorKind,
    ChannelRef,
    ContactChannel,
    ContactPurpose,
    SalesChannel,
)

Document = dict[str, Any]
E = TypeVar("E", bound=Enum)
T = TypeVar("T")

PREFIXES: dict[type[Enum], str] = {
    SalesChannel: "SALES_CHANNEL_",
    ActorKind: "ACTOR_KIND_",
    ContactChannel: "CONTACT_CHANNEL_",
    ContactPurpose: "CONTACT_PURPOSE_",
    IdentityKind: "IDENTITY_KIND_",
    ProfileStatus: "PROFILE_STATUS_",
    MergeStatus: "MERGE_STATUS_",
    EntryType: "TIMELINE_ENTRY_TYPE_",
}


def enum_name(value: Enum) -> str:
    """The stored spelling of an enum value, e.g. "PROFILE_STATUS_ACTIVE"."""
    return PREFIXES[type(value)] + value.name


def _enum(kind: type[E], stored: Any) -> E | None:
    """The value a stored name spells; None for none, the zero name, or a name not known here."""
    if not isinstance(stored, str):
        return None
    return kind.__members__.get(stored.removeprefix(PREFIXES[kind]))


def _date(stored: Any) -> datetime | None:
    if stored is None:
        return None
    if isinstance(stored, str):  # the shape before typed documents
        return datetime.fromisoformat(stored.replace("Z", "+00:00"))
    return stored if stored.tzinfo else stored.replace(tzinfo=UTC)


def _part(stored: Mapping[str, Any], key: str, read: Callable[[Mapping[str, Any]], T]) -> T | None:
    value = stored.get(key)
    return None if value is None else read(value)


def _document(**fields: Any) -> Document:
    """The fields not at their zero value (None, "", 0, False, empty); enums by name."""
    document: Document = {}
    for key, value in fields.items():
        if isinstance(value, Enum):
            value = enum_name(value)
        zero = isinstance(value, bool | int | float | str | list) and not value
        if value is None or zero:
            continue
        document[key] = value
    return document


def _optional(value: T | None, write: Callable[[T], Document]) -> Document | None:
    return None if value is None else write(value)


# Shared values.


def channel_ref_document(ref: ChannelRef) -> Document:
    return _document(channel=ref.channel, partner_id=ref.partner_id, store_id=ref.store_id)


def to_channel_ref(stored: Mapping[str, Any]) -> ChannelRef:
    return ChannelRef(
        _enum(SalesChannel, stored.get("channel")),
        stored.get("partner_id", ""),
        stored.get("store_id", ""),
    )


def actor_document(actor: Actor) -> Document:
    return _document(kind=actor.kind, id=actor.id, display=actor.display)


def to_actor(stored: Mapping[str, Any]) -> Actor:
    return Actor(
        _enum(ActorKind, stored.get("kind")), stored.get("id", ""), stored.get("display", "")
    )


# Parts of a profile.


def identity_document(identity: Identity) -> Document:
    return _document(
        kind=identity.kind,
        value=identity.value,
        partner_id=identity.partner_id,
        verified=identity.verified,
        source_channel=identity.source_channel,
        added_at=identity.added_at,
    )


def to_identity(stored: Mapping[str, Any]) -> Identity:
    return Identity(
        kind=_enum(IdentityKind, stored.get("kind")),
        value=stored.get("value", ""),
        partner_id=stored.get("partner_id", ""),
        verified=bool(stored.get("verified", False)),
        source_channel=_enum(SalesChannel, stored.get("source_channel")),
        added_at=_date(stored.get("added_at")),
    )


def _address_document(address: CustomerAddress) -> Document:
    postal, geo = address.address, address.geo
    return _document(
        id=address.id,
        label=address.label,
        address=None
        if postal is None
        else _document(
            name=postal.name,
            lines=list(postal.lines),
            city=postal.city,
            postal_code=postal.postal_code,
            region=postal.region,
            country_code=postal.country_code,
            phone=postal.phone,
        ),
        geo=None if geo is None else _document(lat=geo.lat, lng=geo.lng),
        default_shipping=address.default_shipping,
        default_billing=address.default_billing,
    )


def _to_address(stored: Mapping[str, Any]) -> CustomerAddress:
    return CustomerAddress(
        id=stored.get("id", ""),
        label=stored.get("label", ""),
        address=_part(
            stored,
            "address",
            lambda postal: PostalAddress(
                name=postal.get("name", ""),
                lines=tuple(postal.get("lines", ())),
                city=postal.get("city", ""),
                postal_code=postal.get("postal_code", ""),
                region=postal.get("region", ""),
                country_code=postal.get("country_code", ""),
                phone=postal.get("phone", ""),
            ),
        ),
        geo=_part(
            stored,
            "geo",
            lambda geo: GeoPoint(float(geo.get("lat", 0.0)), float(geo.get("lng", 0.0))),
        ),
        default_shipping=bool(stored.get("default_shipping", False)),
        default_billing=bool(stored.get("default_billing", False)),
    )


def consent_document(consent: Consent) -> Document:
    return _document(
        channel=consent.channel,
        purpose=consent.purpose,
        granted=consent.granted,
        source=_optional(consent.source, channel_ref_document),
        recorded_by=_optional(consent.recorded_by, actor_document),
        recorded_at=consent.recorded_at,
        customer_request=consent.customer_request,
    )


def _to_consent(stored: Mapping[str, Any]) -> Consent | None:
    channel = _enum(ContactChannel, stored.get("channel"))
    purpose = _enum(ContactPurpose, stored.get("purpose"))
    if channel is None or purpose is None:
        return None
    return Consent(
        channel=channel,
        purpose=purpose,
        granted=bool(stored.get("granted", False)),
        source=_part(stored, "source", to_channel_ref),
        recorded_by=_part(stored, "recorded_by", to_actor),
        recorded_at=_date(stored.get("recorded_at")),
        customer_request=bool(stored.get("customer_request", False)),
    )


def _preferences_document(preferences: Preferences) -> Document | None:
    if preferences == Preferences():
        return None
    quiet = preferences.quiet_hours
    return _document(
        consents=[consent_document(consent) for consent in preferences.consents],
        preferred_channel=preferences.preferred_channel,
        quiet_hours=None if quiet is None else _document(start=quiet.start, end=quiet.end),
        time_zone=preferences.time_zone,
        language=preferences.language,
        preferred_messenger=preferences.preferred_messenger,
    )


def _to_preferences(stored: Mapping[str, Any]) -> Preferences:
    consents = [_to_consent(item) for item in stored.get("consents", [])]
    return Preferences(
        consents=tuple(consent for consent in consents if consent is not None),
        preferred_channel=_enum(ContactChannel, stored.get("preferred_channel")),
        quiet_hours=_part(
            stored, "quiet_hours", lambda q: QuietHours(q.get("start", ""), q.get("end", ""))
        ),
        time_zone=stored.get("time_zone", ""),
        language=stored.get("language", ""),
        preferred_messenger=_enum(IdentityKind, stored.get("preferred_messenger")),
    )


def _loyalty_document(loyalty: Loyalty) -> Document | None:
    if loyalty == Loyalty():
        return None
    return _document(points_balance=loyalty.points_balance, updated_at=loyalty.updated_at)


# The collections' documents.


def profile_document(profile: Profile) -> Document:
    """The stored profile (without the search words its store adds)."""
    return {
        "_id": profile.id,
        **_document(
            version=profile.version,
            status=profile.status,
            display_name=profile.display_name,
            given_name=profile.given_name,
            family_name=profile.family_name,
            identities=[identity_document(item) for item in profile.identities],
            addresses=[_address_document(item) for item in profile.addresses],
            preferences=_preferences_document(profile.preferences),
            loyalty=_loyalty_document(profile.loyalty),
            merged_into_id=profile.merged_into_id,
            source_channel=profile.source_channel,
            created_at=profile.created_at,
            updated_at=profile.updated_at,
            unverified_contacts=[identity_document(i) for i in profile.unverified_contacts],
            source_store_id=profile.source_store_id,
        ),
    }


def to_profile(stored: Mapping[str, Any]) -> Profile:
    loyalty = stored.get("loyalty") or {}
    return Profile(
        id=stored["_id"],
        version=int(stored.get("version", 0)),
        status=_enum(ProfileStatus, stored.get("status")),
        display_name=stored.get("display_name", ""),
        given_name=stored.get("given_name", ""),
        family_name=stored.get("family_name", ""),
        identities=[to_identity(item) for item in stored.get("identities", [])],
        addresses=[_to_address(item) for item in stored.get("addresses", [])],
        preferences=_to_preferences(stored.get("preferences") or {}),
        loyalty=Loyalty(int(loyalty.get("points_balance", 0)), _date(loyalty.get("updated_at"))),
        merged_into_id=stored.get("merged_into_id", ""),
        source_channel=_enum(SalesChannel, stored.get("source_channel")),
        created_at=_date(stored.get("created_at")),
        updated_at=_date(stored.get("updated_at")),
        unverified_contacts=[to_identity(item) for item in stored.get("unverified_contacts", [])],
        source_store_id=stored.get("source_store_id", ""),
    )


def merge_document(merge: ProfileMerge) -> Document:
    """The stored merge: the record, and the loyalty points it moved (always written)."""
    return {
        "_id": merge.id,
        **_document(
            survivor_id=merge.survivor_id,
            merged_id=merge.merged_id,
            status=merge.status,
            reason=merge.reason,
            merged_by=_optional(merge.merged_by, actor_document),
            merged_at=merge.merged_at,
            unmerged_by=_optional(merge.unmerged_by, actor_document),
            unmerged_at=merge.unmerged_at,
            moved_identities=[identity_document(item) for item in merge.moved_identities],
            moved_address_ids=list(merge.moved_address_ids),
        ),
        "moved_points": merge.moved_points,
    }


def to_merge(stored: Mapping[str, Any]) -> ProfileMerge:
    return ProfileMerge(
        id=stored["_id"],
        survivor_id=stored.get("survivor_id", ""),
        merged_id=stored.get("merged_id", ""),
        status=_enum(MergeStatus, stored.get("status")),
        reason=stored.get("reason", ""),
        merged_by=_part(stored, "merged_by", to_actor),
        merged_at=_date(stored.get("merged_at")),
        unmerged_by=_part(stored, "unmerged_by", to_actor),
        unmerged_at=_date(stored.get("unmerged_at")),
        moved_identities=[to_identity(item) for item in stored.get("moved_identities", [])],
        moved_address_ids=list(stored.get("moved_address_ids", [])),
        moved_points=int(stored.get("moved_points", 0)),
    )


def entry_document(entry: Entry) -> Document:
    """The stored entry (without the merge tags its store adds)."""
    ref = entry.ref
    return {
        "_id": entry.id,
        **_document(
            profile_id=entry.profile_id,
            type=entry.type,
            channel=_optional(entry.channel, channel_ref_document),
            occurred_at=entry.occurred_at,
            actor=_optional(entry.actor, actor_document),
            summary=entry.summary,
            body=entry.body,
            ref=None if ref is None else _document(kind=ref.kind, id=ref.id),
            attributes=dict(entry.attributes) or None,
            source_event_id=entry.source_event_id,
            created_at=entry.created_at,
        ),
    }


def to_entry(stored: Mapping[str, Any]) -> Entry:
    return Entry(
        id=stored["_id"],
        profile_id=stored.get("profile_id", ""),
        type=_enum(EntryType, stored.get("type")),
        channel=_part(stored, "channel", to_channel_ref),
        occurred_at=_date(stored.get("occurred_at")),
        actor=_part(stored, "actor", to_actor),
        summary=stored.get("summary", ""),
        body=stored.get("body", ""),
        ref=_part(stored, "ref", lambda ref: ObjectRef(ref.get("kind", ""), ref.get("id", ""))),
        attributes=dict(stored.get("attributes") or {}),
        source_event_id=stored.get("source_event_id", ""),
        created_at=_date(stored.get("created_at")),
    )
