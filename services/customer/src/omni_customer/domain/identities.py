"""Identities: the one stored form of each way to recognise a customer, and its unique key."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from omni_customer.domain.values import SalesChannel
from omni_kit.errors import AlreadyExists, InvalidArgument, NotFound

if TYPE_CHECKING:
    from omni_customer.domain.profiles import Profile


class IdentityKind(Enum):
    EMAIL = "email"
    PHONE = "phone"
    INSTAGRAM = "instagram"
    FACEBOOK = "facebook"
    VIBER = "viber"
    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"
    MARKETPLACE_BUYER = "marketplace_buyer"
    LOYALTY_CARD = "loyalty_card"
    PUSH_TOKEN = "push_token"  # noqa: S105 - a kind of identity, not a secret


@dataclass(frozen=True)
class Identity:
    """One way to recognise a customer; `kind` is None only in a request that did not name it."""

    kind: IdentityKind | None
    value: str
    partner_id: str = ""
    verified: bool = False
    source_channel: SalesChannel | None = None
    added_at: datetime | None = None


MESSENGER_KINDS = (
    IdentityKind.WHATSAPP,
    IdentityKind.TELEGRAM,
    IdentityKind.VIBER,
    IdentityKind.INSTAGRAM,
    IdentityKind.FACEBOOK,
)
# Usernames on these networks are case-insensitive; numeric ids are unaffected by lower().
CASE_INSENSITIVE_HANDLES = {
    IdentityKind.INSTAGRAM,
    IdentityKind.FACEBOOK,
    IdentityKind.TELEGRAM,
}
MAX_VALUE_LENGTH = 256
MAX_UNVERIFIED_CONTACTS = 5
_TOKEN = re.compile(r"^\S+$")
_LOYALTY_CARD = re.compile(r"^[A-Z0-9]{4,32}$")


def normalize_identity(
    kind: IdentityKind | None,
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
    if kind is None:
        raise InvalidArgument("identity kind is required", field=f"{field}kind")
    name = kind_label(kind)
    if not value:
        raise InvalidArgument(f"the {name} is required", field=f"{field}value")
    if len(value) > MAX_VALUE_LENGTH:
        raise InvalidArgument(
            f"the {name} is longer than {MAX_VALUE_LENGTH} characters", field=f"{field}value"
        )
    if kind == IdentityKind.EMAIL:
        try:
            return validate_email(value, check_deliverability=False).normalized.lower()
        except EmailNotValidError as error:
            raise InvalidArgument(
                f"invalid e-mail {value!r}: {error}", field=f"{field}value"
            ) from None
    if kind in (IdentityKind.PHONE, IdentityKind.WHATSAPP):
        # WhatsApp accounts are phone numbers.
        return normalize_phone(value, region, field=f"{field}value")
    if kind == IdentityKind.LOYALTY_CARD:
        card = re.sub(r"[\s-]", "", value).upper()
        if not _LOYALTY_CARD.match(card):
            raise InvalidArgument(
                f"invalid loyalty card number {value!r}: 4 to 32 letters or digits",
                field=f"{field}value",
            )
        return card
    if not _TOKEN.match(value):
        raise InvalidArgument(f"the {name} must not contain spaces", field=f"{field}value")
    if kind == IdentityKind.MARKETPLACE_BUYER:
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
    return value.removeprefix("@") if kind == IdentityKind.VIBER else value


def normalize_phone(value: str, region: str, *, field: str = "identity.value") -> str:
    """E.164 from international or local formats ("0151 23456789" in region DE)."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidArgument(f"invalid phone number {value!r}", field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def kind_name(kind: IdentityKind | None) -> str:
    """The kind's name in identity keys and error details, e.g. "IDENTITY_KIND_EMAIL"."""
    return f"IDENTITY_KIND_{kind.name if kind else 'UNSPECIFIED'}"


def identity_key(kind: IdentityKind | None, value: str, partner_id: str = "") -> str:
    """The unique key of an identity across all profiles (stored as the identity index's _id,
    so its spelling never changes)."""
    name = kind_name(kind)
    return f"{name}:{partner_id}:{value}" if partner_id else f"{name}:{value}"


def key_of(identity: Identity) -> str:
    partner = identity.partner_id if identity.kind == IdentityKind.MARKETPLACE_BUYER else ""
    return identity_key(identity.kind, identity.value, partner)


def kind_label(kind: IdentityKind | None) -> str:
    """ "IDENTITY_KIND_MARKETPLACE_BUYER" -> "marketplace buyer id", for messages."""
    labels = {
        IdentityKind.EMAIL: "e-mail",
        IdentityKind.PHONE: "phone number",
        IdentityKind.MARKETPLACE_BUYER: "marketplace buyer id",
        IdentityKind.LOYALTY_CARD: "loyalty card number",
        IdentityKind.PUSH_TOKEN: "push token",
    }
    if kind is None:
        return "identity"
    if kind in labels:
        return labels[kind]
    return kind.value + " handle"


def normalized(
    given: Identity,
    *,
    region: str,
    source_channel: SalesChannel | None,
    now: datetime,
    field: str = "identity.",
) -> Identity:
    """A copy of `given` in stored form, stamped with where and when it was first seen."""
    partner = given.partner_id.strip() if given.kind == IdentityKind.MARKETPLACE_BUYER else ""
    value = normalize_identity(given.kind, given.value, partner, region=region, field=field)
    return Identity(
        kind=given.kind,
        value=value,
        partner_id=partner,
        verified=given.verified,
        source_channel=given.source_channel or source_channel,
        added_at=now,
    )


def unverified_contacts(
    given: Sequence[Identity],
    *,
    region: str,
    source_channel: SalesChannel | None,
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
    source_channel: SalesChannel | None,
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


def drop_contact(profile: Profile, key: str) -> None:
    """The contact became an identity of the profile: it is no longer unverified."""
    profile.unverified_contacts = [c for c in profile.unverified_contacts if key_of(c) != key]


def refuse_taken(identity: Identity, owner_id: str, *, field: str = "identity.value") -> None:
    """Another profile owns the identity: name the conflict, never move it silently."""
    raise AlreadyExists(
        f"the {kind_label(identity.kind)} {identity.value!r} already belongs to another profile",
        reason="IDENTITY_TAKEN",
        field=field,
        metadata={
            "identity": key_of(identity),
            "kind": kind_name(identity.kind),
            "value": identity.value,
            "owner_profile_id": owner_id,
        },
    )


def add(profile: Profile, identity: Identity) -> bool:
    """Add the identity unless the profile already has it; True when added."""
    key = key_of(identity)
    if any(key_of(existing) == key for existing in profile.identities):
        return False
    profile.identities.append(identity)
    return True


def mark_verified(profile: Profile, key: str) -> bool:
    """The profile's identity `key` is proven (its owner showed a code sent to it); True when
    that changed it."""
    for index, existing in enumerate(profile.identities):
        if key_of(existing) == key and not existing.verified:
            profile.identities[index] = dataclasses.replace(existing, verified=True)
            return True
    return False


def remove(profile: Profile, key: str) -> Identity:
    for index, existing in enumerate(profile.identities):
        if key_of(existing) == key:
            return profile.identities.pop(index)
    raise NotFound(
        f"profile {profile.id!r} has no identity {key!r}",
        reason="IDENTITY_NOT_FOUND",
        field="value",
    )
