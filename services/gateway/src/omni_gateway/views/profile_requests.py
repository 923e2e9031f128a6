"""What callers send to the profile routes: request bodies and query parameters."""

from __future__ import annotations

from typing import Annotated, Literal, NamedTuple

import msgspec
from litestar.params import Parameter

from omni_gateway.security.principals import Channel
from omni_gateway.views.common import View
from omni_gateway.views.profile import (
    ContactChannel,
    ContactPurpose,
    IdentityKind,
    PostalAddress,
    QuietHours,
    Text,
)
from omni_gateway.views.timeline import EntryType

Id = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
# The entries staff write by hand; the others come from what happens in the shop.
StaffEntryType = Literal["call_note", "chat_transcript", "store_visit", "note", "message"]
PageSize = Annotated[int | None, Parameter(query="page_size", ge=0, le=200)]
PageToken = Annotated[str | None, Parameter(query="page_token", max_length=500)]
ChannelFilter = Annotated[list[Channel] | None, Parameter(query="channel")]
TypeFilter = Annotated[list[EntryType] | None, Parameter(query="type")]


class TimelineQuery(NamedTuple):
    """Which page of a timeline, and which entries."""

    page_size: int | None = None
    page_token: str | None = None
    channels: list[Channel] | None = None
    types: list[EntryType] | None = None


async def timeline_query(
    page_size: PageSize = None,
    page_token: PageToken = None,
    channels: ChannelFilter = None,
    types: TypeFilter = None,
) -> TimelineQuery:
    """The timeline routes' query parameters, as a dependency."""
    return TimelineQuery(page_size, page_token, channels, types)


class PersonalFields(View, omit_defaults=True):
    display_name: Text | msgspec.UnsetType = msgspec.UNSET
    given_name: Text | msgspec.UnsetType = msgspec.UNSET
    family_name: Text | msgspec.UnsetType = msgspec.UNSET


class PreferencesBody(View):
    preferred_channel: ContactChannel | msgspec.UnsetType | None = msgspec.UNSET
    quiet_hours: QuietHours | msgspec.UnsetType | None = msgspec.UNSET
    time_zone: Annotated[str, msgspec.Meta(max_length=64)] | msgspec.UnsetType = msgspec.UNSET
    language: Annotated[str, msgspec.Meta(max_length=35)] | msgspec.UnsetType = msgspec.UNSET


class ConsentBody(View):
    channel: ContactChannel
    purpose: ContactPurpose
    granted: bool


class AddressBody(View):
    address: PostalAddress
    label: Text = ""
    default_shipping: bool = False
    default_billing: bool = False


class AddressPatch(View):
    address: PostalAddress | msgspec.UnsetType = msgspec.UNSET
    label: Text | msgspec.UnsetType = msgspec.UNSET
    default_shipping: bool | msgspec.UnsetType = msgspec.UNSET
    default_billing: bool | msgspec.UnsetType = msgspec.UNSET


class IdentityBody(View):
    kind: IdentityKind
    value: Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
    partner_id: Text = ""


class Reference(View):
    kind: Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
    id: Id


class NoteBody(View):
    type: StaffEntryType
    summary: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
    body: Annotated[str, msgspec.Meta(max_length=100_000)] = ""
    ref: Reference | None = None


class MergeBody(View):
    survivor_id: Id
    merged_id: Id
    reason: Text = ""


class UndoBody(View):
    reason: Text = ""


class LoyaltyBody(View):
    points_delta: Annotated[int, msgspec.Meta(ge=-(10**9), le=10**9)]
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    order_id: Text = ""


def set_fields(body: msgspec.Struct) -> list[str]:
    """The fields a patch names (an update mask)."""
    return [name for name in body.__struct_fields__ if getattr(body, name) is not msgspec.UNSET]


class NewCustomer(View):
    """A customer staff record at the till from a phone number or an e-mail address alone (or
    both): each becomes an identity of the new profile, so either finds it again. `store_id`:
    the store it was created at (store staff: one of theirs)."""

    phone: Annotated[str, msgspec.Meta(max_length=32)] = ""
    email: Annotated[str, msgspec.Meta(max_length=254)] = ""
    display_name: Annotated[str, msgspec.Meta(max_length=200)] = ""
    store_id: Annotated[str, msgspec.Meta(max_length=100)] = ""
