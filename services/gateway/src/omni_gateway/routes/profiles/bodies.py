"""Request bodies and query parameters of the profile routes, and enum names -> values."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

import msgspec
from litestar.params import Parameter

from omni.customer.v1 import customer_pb2
from omni_gateway.security.principals import Channel

pb = customer_pb2
Text = Annotated[str, msgspec.Meta(max_length=200)]
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
ContactChannel = Literal["email", "sms", "push", "messenger", "phone_call"]
IdentityKind = Literal[
    "email",
    "phone",
    "instagram",
    "facebook",
    "viber",
    "telegram",
    "whatsapp",
    "marketplace_buyer",
    "loyalty_card",
    "push_token",
]
StaffEntryType = Literal["call_note", "chat_transcript", "store_visit", "note", "message"]
EntryType = Literal[
    "order",
    "pickup",
    "return",
    "notification",
    "back_in_stock_subscription",
    "message",
    "call_note",
    "chat_transcript",
    "store_visit",
    "note",
    "profile",
    "loyalty",
]
PageSize = Annotated[int | None, Parameter(query="page_size", ge=0, le=200)]
PageToken = Annotated[str | None, Parameter(query="page_token", max_length=500)]
ChannelFilter = Annotated[list[Channel] | None, Parameter(query="channel")]
TypeFilter = Annotated[list[EntryType] | None, Parameter(query="type")]


def enum(enum_type: Any, name: str) -> int:
    """ "sms" of ContactChannel -> CONTACT_CHANNEL_SMS."""
    prefix = re.sub(r"(?<!^)(?=[A-Z])", "_", enum_type.DESCRIPTOR.name).upper()
    return int(enum_type.Value(f"{prefix}_{name.upper()}"))


class PersonalFields(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    display_name: Text | msgspec.UnsetType = msgspec.UNSET
    given_name: Text | msgspec.UnsetType = msgspec.UNSET
    family_name: Text | msgspec.UnsetType = msgspec.UNSET


class QuietHours(msgspec.Struct, forbid_unknown_fields=True):
    start: Annotated[str, msgspec.Meta(max_length=5)]
    end: Annotated[str, msgspec.Meta(max_length=5)]


class PreferencesBody(msgspec.Struct, forbid_unknown_fields=True):
    preferred_channel: ContactChannel | msgspec.UnsetType | None = msgspec.UNSET
    quiet_hours: QuietHours | msgspec.UnsetType | None = msgspec.UNSET
    time_zone: Annotated[str, msgspec.Meta(max_length=64)] | msgspec.UnsetType = msgspec.UNSET
    language: Annotated[str, msgspec.Meta(max_length=35)] | msgspec.UnsetType = msgspec.UNSET


class ConsentBody(msgspec.Struct, forbid_unknown_fields=True):
    channel: ContactChannel
    purpose: Literal["transactional", "marketing"]
    granted: bool


class PostalAddress(msgspec.Struct, forbid_unknown_fields=True):
    lines: Annotated[list[Text], msgspec.Meta(min_length=1, max_length=4)]
    city: Text
    country_code: Annotated[str, msgspec.Meta(max_length=2)]
    postal_code: Text = ""
    region: Text = ""
    name: Text = ""


class AddressBody(msgspec.Struct, forbid_unknown_fields=True):
    address: PostalAddress
    label: Text = ""
    default_shipping: bool = False
    default_billing: bool = False


class AddressPatch(msgspec.Struct, forbid_unknown_fields=True):
    address: PostalAddress | msgspec.UnsetType = msgspec.UNSET
    label: Text | msgspec.UnsetType = msgspec.UNSET
    default_shipping: bool | msgspec.UnsetType = msgspec.UNSET
    default_billing: bool | msgspec.UnsetType = msgspec.UNSET


class IdentityBody(msgspec.Struct, forbid_unknown_fields=True):
    kind: IdentityKind
    value: Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
    partner_id: Text = ""


class Reference(msgspec.Struct, forbid_unknown_fields=True):
    kind: Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
    id: Id


class NoteBody(msgspec.Struct, forbid_unknown_fields=True):
    type: StaffEntryType
    summary: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
    body: Annotated[str, msgspec.Meta(max_length=100_000)] = ""
    ref: Reference | None = None


class MergeBody(msgspec.Struct, forbid_unknown_fields=True):
    survivor_id: Id
    merged_id: Id
    reason: Text = ""


class UndoBody(msgspec.Struct, forbid_unknown_fields=True):
    reason: Text = ""


class LoyaltyBody(msgspec.Struct, forbid_unknown_fields=True):
    points_delta: Annotated[int, msgspec.Meta(ge=-(10**9), le=10**9)]
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    order_id: Text = ""
