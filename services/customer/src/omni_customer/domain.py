"""Customer rules: how identities are normalized. Pure: no I/O, no framework."""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from omni.customer.v1 import customer_pb2
from omni_kit.errors import InvalidArgument

HANDLE_KINDS = {
    customer_pb2.IDENTITY_KIND_INSTAGRAM,
    customer_pb2.IDENTITY_KIND_FACEBOOK,
    customer_pb2.IDENTITY_KIND_VIBER,
    customer_pb2.IDENTITY_KIND_TELEGRAM,
    customer_pb2.IDENTITY_KIND_WHATSAPP,
}


def normalize_identity(kind: int, value: str, partner_id: str = "", region: str = "DE") -> str:
    """The one stored form of an identity, so the same person matches from every channel."""
    value = value.strip()
    if not value:
        raise InvalidArgument("identity value is required", field="identity.value")
    if kind == customer_pb2.IDENTITY_KIND_EMAIL:
        try:
            return validate_email(value, check_deliverability=False).normalized.lower()
        except EmailNotValidError as error:
            raise InvalidArgument(
                f"invalid e-mail {value!r}: {error}", field="identity.value"
            ) from None
    if kind == customer_pb2.IDENTITY_KIND_PHONE:
        return normalize_phone(value, region)
    if kind in HANDLE_KINDS:
        return value.removeprefix("@").lower()
    if kind == customer_pb2.IDENTITY_KIND_MARKETPLACE_BUYER:
        if not partner_id:
            raise InvalidArgument(
                "a marketplace buyer id needs its partner_id", field="identity.partner_id"
            )
        return value
    if kind in (customer_pb2.IDENTITY_KIND_LOYALTY_CARD, customer_pb2.IDENTITY_KIND_PUSH_TOKEN):
        return value
    raise InvalidArgument("identity kind is required", field="identity.kind")


def normalize_phone(value: str, region: str) -> str:
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidArgument(f"invalid phone number {value!r}", field="identity.value")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def identity_key(kind: int, value: str, partner_id: str) -> str:
    """The unique key of an identity across all profiles."""
    name = customer_pb2.IdentityKind.Name(kind)
    return f"{name}:{partner_id}:{value}" if partner_id else f"{name}:{value}"
