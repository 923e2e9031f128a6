"""Identities: the one stored form of each way to recognise a customer, and its unique key."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2
from omni_kit.errors import AlreadyExists, InvalidArgument, NotFound
from omni_kit.protos import to_timestamp

Identity = customer_pb2.Identity

MESSENGER_KINDS = (
    customer_pb2.IDENTITY_KIND_WHATSAPP,
    customer_pb2.IDENTITY_KIND_TELEGRAM,
    customer_pb2.IDENTITY_KIND_VIBER,
    customer_pb2.IDENTITY_KIND_INSTAGRAM,
    customer_pb2.IDENTITY_KIND_FACEBOOK,
)
# Usernames on these networks are case-insensitive; numeric ids are unaffected by lower().
CASE_INSENSITIVE_HANDLES = {
    customer_pb2.IDENTITY_KIND_INSTAGRAM,
    customer_pb2.IDENTITY_KIND_FACEBOOK,
    customer_pb2.IDENTITY_KIND_TELEGRAM,
}
MAX_VALUE_LENGTH = 256
MAX_UNVERIFIED_CONTACTS = 5
_TOKEN = re.compile(r"^\S+$")
_LOYALTY_CARD = re.compile(r"^[A-Z0-9]{4,32}$")


def normalize_identity(
    kind: customer_pb2.IdentityKind.ValueType,
    value: str,
    partner_id: str = "",
    *,
    region: str = "DE",
    field: str = "identity.",
) -> str:
    """The one stored form of an identity, so the same person matches from every channel.

    `field` prefixes the names of the request fields at fault ("identity." -> "identity.value").
    """
    value = value.strip()
    if kind not in customer_pb2.IdentityKind.values() or kind == 0:
        raise InvalidArgument("identity kind is required", field=f"{field}kind")
    name = kind_label(kind)
    if not value:
        raise InvalidArgument(f"the {name} is required", field=f"{field}value")
    if len(value) > MAX_VALUE_LENGTH:
        raise InvalidArgument(
            f"the {name} is longer than {MAX_VALUE_LENGTH} characters", field=f"{field}value"
        )
    if kind == customer_pb2.IDENTITY_KIND_EMAIL:
        try:
            return validate_email(value, check_deliverability=False).normalized.lower()
        except EmailNotValidError as error:
            raise InvalidArgument(
                f"invalid e-mail {value!r}: {error}", field=f"{field}value"
            ) from None
    if kind in (customer_pb2.IDENTITY_KIND_PHONE, customer_pb2.IDENTITY_KIND_WHATSAPP):
        # WhatsApp accounts are phone numbers.
        return normalize_phone(value, region, field=f"{field}value")
    if kind == customer_pb2.IDENTITY_KIND_LOYALTY_CARD:
        card = re.sub(r"[\s-]", "", value).upper()
        if not _LOYALTY_CARD.match(card):
            raise InvalidArgument(
                f"invalid loyalty card number {value!r}: 4 to 32 letters or digits",
                field=f"{field}value",
            )
        return card
    if not _TOKEN.match(value):
        raise InvalidArgument(f"the {name} must not contain spaces", field=f"{field}value")
    if kind == customer_pb2.IDENTITY_KIND_MARKETPLACE_BUYER:
        if not partner_id.strip():
            raise InvalidArgument(
                "a marketplace buyer id needs its partner_id", field=f"{field}partner_id"
            )
        return value
    if kind in CASE_INSENSITIVE_HANDLES:
        handle = value.removeprefix("@").lower()
        if not handle:
            raise InvalidArgument(f"the {name} is required", field=f"{field}value")
        return handle
    # Viber ids are case-sensitive opaque strings; push tokens are opaque too.
    return value.removeprefix("@") if kind == customer_pb2.IDENTITY_KIND_VIBER else value


def normalize_phone(value: str, region: str, *, field: str = "identity.value") -> str:
    """E.164 from international or local formats ("0151 23456789" in region DE)."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidArgument(f"invalid phone number {value!r}", field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def identity_key(
    kind: customer_pb2.IdentityKind.ValueType, value: str, partner_id: str = ""
) -> str:
    """The unique key of an identity across all profiles."""
    name = customer_pb2.IdentityKind.Name(kind)
    return f"{name}:{partner_id}:{value}" if partner_id else f"{name}:{value}"


def key_of(identity: Identity) -> str:
    partner = (
        identity.partner_id if identity.kind == customer_pb2.IDENTITY_KIND_MARKETPLACE_BUYER else ""
    )
    return identity_key(identity.kind, identity.value, partner)


def kind_label(kind: customer_pb2.IdentityKind.ValueType) -> str:
    """ "IDENTITY_KIND_MARKETPLACE_BUYER" -> "marketplace buyer id", for messages."""
    labels = {
        customer_pb2.IDENTITY_KIND_EMAIL: "e-mail",
        customer_pb2.IDENTITY_KIND_PHONE: "phone number",
        customer_pb2.IDENTITY_KIND_MARKETPLACE_BUYER: "marketplace buyer id",
        customer_pb2.IDENTITY_KIND_LOYALTY_CARD: "loyalty card number",
        customer_pb2.IDENTITY_KIND_PUSH_TOKEN: "push token",
    }
    if kind in labels:
        return labels[kind]
    return customer_pb2.IdentityKind.Name(kind).removeprefix("IDENTITY_KIND_").lower() + " handle"


def normalized(
    given: Identity,
    *,
    region: str,
    source_channel: common_pb2.SalesChannel.ValueType,
    now: datetime,
    field: str = "identity.",
) -> Identity:
    """A copy of `given` in stored form, stamped with where and when it was first seen."""
    partner = (
        given.partner_id.strip()
        if given.kind == customer_pb2.IDENTITY_KIND_MARKETPLACE_BUYER
        else ""
    )
    value = normalize_identity(given.kind, given.value, partner, region=region, field=field)
    return Identity(
        kind=given.kind,
        value=value,
        partner_id=partner,
        verified=given.verified,
        source_channel=given.source_channel or source_channel,
        added_at=to_timestamp(now),
    )


def unverified_contacts(
    given: Sequence[Identity],
    *,
    region: str,
    source_channel: common_pb2.SalesChannel.ValueType,
    now: datetime,
) -> list[Identity]:
    """Contacts a customer gave but has not proven, in stored form, each once."""
    for index, contact in enumerate(given):
        if contact.verified:
            raise InvalidArgument(
                "an unverified contact cannot be verified: add a proven identity with AddIdentity",
                field=f"unverified_contacts[{index}].verified",
            )
    return each_once(
        given, "unverified_contacts", region=region, source_channel=source_channel, now=now
    )


def each_once(
    given: Sequence[Identity],
    field: str,
    *,
    region: str,
    source_channel: common_pb2.SalesChannel.ValueType,
    now: datetime,
) -> list[Identity]:
    """At most five identities of a request's `field`, in stored form, each once."""
    if len(given) > MAX_UNVERIFIED_CONTACTS:
        raise InvalidArgument(f"at most {MAX_UNVERIFIED_CONTACTS} {field}", field=field)
    found: dict[str, Identity] = {}
    for index, identity in enumerate(given):
        stored = normalized(
            identity,
            region=region,
            source_channel=source_channel,
            now=now,
            field=f"{field}[{index}].",
        )
        found.setdefault(key_of(stored), stored)
    return list(found.values())


def drop_contact(profile: customer_pb2.Profile, key: str) -> None:
    """The contact became an identity of the profile: it is no longer unverified."""
    kept = [contact for contact in profile.unverified_contacts if key_of(contact) != key]
    if len(kept) != len(profile.unverified_contacts):
        del profile.unverified_contacts[:]
        profile.unverified_contacts.extend(kept)


def refuse_taken(identity: Identity, owner_id: str, *, field: str = "identity.value") -> None:
    """Another profile owns the identity: name the conflict, never move it silently."""
    raise AlreadyExists(
        f"the {kind_label(identity.kind)} {identity.value!r} already belongs to another profile",
        reason="IDENTITY_TAKEN",
        field=field,
        metadata={
            "identity": key_of(identity),
            "kind": customer_pb2.IdentityKind.Name(identity.kind),
            "value": identity.value,
            "owner_profile_id": owner_id,
        },
    )


def add(profile: customer_pb2.Profile, identity: Identity) -> bool:
    """Add the identity unless the profile already has it; True when added."""
    key = key_of(identity)
    if any(key_of(existing) == key for existing in profile.identities):
        return False
    profile.identities.append(identity)
    return True


def mark_verified(profile: customer_pb2.Profile, key: str) -> bool:
    """The profile's identity `key` is proven (its owner showed a code sent to it); True when
    that changed it."""
    for existing in profile.identities:
        if key_of(existing) == key and not existing.verified:
            existing.verified = True
            return True
    return False


def remove(profile: customer_pb2.Profile, key: str) -> Identity:
    for index, existing in enumerate(profile.identities):
        if key_of(existing) == key:
            removed = Identity()
            removed.CopyFrom(existing)
            del profile.identities[index]
            return removed
    raise NotFound(
        f"profile {profile.id!r} has no identity {key!r}",
        reason="IDENTITY_NOT_FOUND",
        field="value",
    )
