"""Customer-profile routes: the caller's own profile (customers), profiles for staff.
Every object is checked against the caller, not just the route (OWASP API1)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

import grpc
import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.params import Parameter

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2
from omni.order.v1 import order_pb2
from omni_gateway.context import SALES_CHANNELS
from omni_gateway.downstream import actor_of
from omni_gateway.idempotency import idempotency_key, idempotent
from omni_gateway.resources import as_json
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Channel, Principal, StaffRole
from omni_kit.ids import new_id
from omni_kit.logs import get_logger

log = get_logger("omni.gateway.profiles")
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
# Staff-internal entries a customer does not see in their own feed.
INTERNAL_TYPES = {pb.TIMELINE_ENTRY_TYPE_CALL_NOTE, pb.TIMELINE_ENTRY_TYPE_NOTE}
MERGERS = (StaffRole.CONSULTANT, StaffRole.ADMIN)
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


def set_fields(body: msgspec.Struct) -> list[str]:
    return [name for name in body.__struct_fields__ if getattr(body, name) is not msgspec.UNSET]


def postal(body: PostalAddress) -> common_pb2.Address:
    return common_pb2.Address(**msgspec.to_builtins(body))


def channel_ref(channel: Channel, principal: Principal | None = None) -> common_pb2.ChannelRef:
    store = sorted(principal.store_ids)[0] if principal and principal.store_ids else ""
    return common_pb2.ChannelRef(channel=SALES_CHANNELS[channel], store_id=store)


async def surviving(state: State, profile_id: str) -> customer_pb2.Profile:
    reply = await state.downstream.call(
        state.downstream.customer.GetProfile,
        pb.GetProfileRequest(profile_id=profile_id),
        idempotent=True,
    )
    return reply.profile


async def list_timeline(
    state: State,
    profile_id: str,
    page_size: int | None,
    page_token: str | None,
    channels: list[Channel] | None,
    types: list[EntryType] | None,
    hidden: set[int] | None = None,
) -> dict[str, Any]:
    wanted = [enum(pb.TimelineEntryType, t) for t in types or []]
    if hidden:
        everything = [t for t in pb.TimelineEntryType.values() if t]
        wanted = [t for t in wanted or everything if t not in hidden]
        if not wanted:  # asked only for entries this caller does not see
            return {"entries": []}
    reply = await state.downstream.call(
        state.downstream.customer.ListTimeline,
        pb.ListTimelineRequest(
            profile_id=profile_id,
            page_size=page_size or 0,
            page_token=page_token or "",
            channels=[SALES_CHANNELS[c] for c in channels or []],
            types=wanted,
        ),
        idempotent=True,
    )
    return as_json(reply)


async def update_personal(
    state: State, principal: Principal, profile_id: str, data: PersonalFields
) -> dict[str, Any]:
    reply = await state.downstream.call(
        state.downstream.customer.UpdateProfile,
        pb.UpdateProfileRequest(
            profile=pb.Profile(id=profile_id, **msgspec.to_builtins(data)),
            update_mask={"paths": set_fields(data)},
            actor=actor_of(principal),
        ),
        idempotent=False,
    )
    return as_json(reply.profile)


class Me(Controller):
    path = "/api/v1/me"
    tags = ["customer"]
    dependencies = {"principal": Provide(auth.customer), "channel": Provide(auth.frontend_channel)}
    security = [{"bearerAuth": []}]

    @get("/", summary="My profile")
    async def profile(self, state: State, principal: Principal) -> dict[str, Any]:
        return as_json(await surviving(state, principal.id))

    @patch("/", summary="Change my name (identities, preferences, loyalty have their own routes)")
    async def update(
        self, state: State, principal: Principal, data: PersonalFields
    ) -> dict[str, Any]:
        profile = await surviving(state, principal.id)
        return await update_personal(state, principal, profile.id, data)

    @put("/preferences", summary="My contact preferences: preferred channel, quiet hours, zone")
    async def preferences(
        self, state: State, principal: Principal, channel: Channel, data: PreferencesBody
    ) -> dict[str, Any]:
        given = pb.Preferences(time_zone=data.time_zone or "", language=data.language or "")
        if data.preferred_channel:
            given.preferred_channel = enum(common_pb2.ContactChannel, data.preferred_channel)
        if data.quiet_hours:
            given.quiet_hours.start, given.quiet_hours.end = (
                data.quiet_hours.start,
                data.quiet_hours.end,
            )
        reply = await state.downstream.call(
            state.downstream.customer.UpdatePreferences,
            pb.UpdatePreferencesRequest(
                profile_id=principal.id,
                preferences=given,
                update_mask={"paths": set_fields(data)},
                channel=channel_ref(channel),
                actor=actor_of(principal),
            ),
            idempotent=True,
        )
        return as_json(reply.profile)

    @post("/consents", summary="Give or withdraw a consent for a channel and purpose")
    async def consent(
        self, state: State, principal: Principal, channel: Channel, data: ConsentBody
    ) -> dict[str, Any]:
        reply = await state.downstream.call(
            state.downstream.customer.RecordConsent,
            pb.RecordConsentRequest(
                profile_id=principal.id,
                channel=enum(common_pb2.ContactChannel, data.channel),
                purpose=enum(common_pb2.ContactPurpose, data.purpose),
                granted=data.granted,
                source=channel_ref(channel),
                actor=actor_of(principal),
            ),
            idempotent=False,
        )
        return as_json(reply.profile)

    @post("/addresses", summary="Add an address", status_code=201)
    async def add_address(
        self, request: Request[Any, Any, Any], state: State, principal: Principal, data: AddressBody
    ) -> Response[Any]:
        request_id = idempotency_key(request) or new_id()

        async def work() -> tuple[int, Any]:
            reply = await state.downstream.call(
                state.downstream.customer.AddAddress,
                pb.AddAddressRequest(
                    request_id=request_id,
                    profile_id=principal.id,
                    address=pb.CustomerAddress(
                        label=data.label,
                        address=postal(data.address),
                        default_shipping=data.default_shipping,
                        default_billing=data.default_billing,
                    ),
                    actor=actor_of(principal),
                ),
                idempotent=True,
            )
            return 201, as_json(reply.address)

        return await idempotent(request, state, principal, work)

    @patch("/addresses/{address_id:str}", summary="Change one of my addresses")
    async def update_address(
        self, state: State, principal: Principal, address_id: str, data: AddressPatch
    ) -> dict[str, Any]:
        address = pb.CustomerAddress(id=address_id, label=data.label or "")
        if data.address:
            address.address.CopyFrom(postal(data.address))
        address.default_shipping = bool(data.default_shipping)
        address.default_billing = bool(data.default_billing)
        reply = await state.downstream.call(
            state.downstream.customer.UpdateAddress,
            pb.UpdateAddressRequest(
                profile_id=principal.id,
                address=address,
                update_mask={"paths": set_fields(data)},
                actor=actor_of(principal),
            ),
            idempotent=True,
        )
        return as_json(reply.address)

    @delete("/addresses/{address_id:str}", summary="Remove one of my addresses", status_code=204)
    async def remove_address(self, state: State, principal: Principal, address_id: str) -> None:
        await state.downstream.call(
            state.downstream.customer.RemoveAddress,
            pb.RemoveAddressRequest(
                profile_id=principal.id, address_id=address_id, actor=actor_of(principal)
            ),
            idempotent=False,
        )

    @get("/timeline", summary="My interactions with the shop, in every channel, newest first")
    async def my_timeline(
        self,
        state: State,
        principal: Principal,
        page_size: PageSize = None,
        page_token: PageToken = None,
        channels: ChannelFilter = None,
        types: TypeFilter = None,
    ) -> dict[str, Any]:
        return await list_timeline(
            state, principal.id, page_size, page_token, channels, types, INTERNAL_TYPES
        )

    @get("/export", summary="Everything stored about me (JSON)")
    async def export(self, state: State, principal: Principal) -> dict[str, Any]:
        reply = await state.downstream.call(
            state.downstream.customer.ExportProfile,
            pb.ExportProfileRequest(profile_id=principal.id, actor=actor_of(principal)),
            idempotent=True,
        )
        return dict(msgspec.json.decode(reply.json))


class CustomerTimelines(Controller):
    path = "/api/v1/customers"
    tags = ["customer"]
    dependencies = {"principal": Provide(auth.customer), "channel": Provide(auth.frontend_channel)}
    security = [{"bearerAuth": []}]

    @get("/{profile_id:str}/timeline", summary="A customer's timeline: only my own")
    async def timeline(
        self,
        state: State,
        principal: Principal,
        profile_id: str,
        page_size: PageSize = None,
        page_token: PageToken = None,
        channels: ChannelFilter = None,
        types: TypeFilter = None,
    ) -> dict[str, Any]:
        mine = await surviving(state, principal.id)
        try:
            asked = await surviving(state, profile_id)
        except grpc.aio.AioRpcError as error:
            if error.code() != grpc.StatusCode.NOT_FOUND:
                raise
            asked = None
        if asked is None or asked.id != mine.id:
            # Not 403: whether another customer exists is not the caller's business.
            raise NotFoundException(f"no customer {profile_id!r}")
        return await list_timeline(
            state, mine.id, page_size, page_token, channels, types, INTERNAL_TYPES
        )


class StaffCustomers(Controller):
    path = "/staff/v1/customers"
    tags = ["staff customers"]
    dependencies = {"principal": Provide(auth.staff), "channel": Provide(auth.staff_channel)}
    security = [{"bearerAuth": []}]

    @get("/", summary="Search customers by any identity (exact) or by name")
    async def search(
        self,
        state: State,
        principal: Principal,
        kind: IdentityKind | None = None,
        value: Annotated[str | None, Parameter(max_length=256)] = None,
        partner_id: Annotated[str | None, Parameter(max_length=100)] = None,
        q: Annotated[str | None, Parameter(max_length=100)] = None,
        page_size: PageSize = None,
        page_token: PageToken = None,
    ) -> dict[str, Any]:
        reply = await state.downstream.call(
            state.downstream.customer.FindProfiles,
            pb.FindProfilesRequest(
                identity_kind=enum(pb.IdentityKind, kind) if kind else 0,
                identity_value=value or "",
                partner_id=partner_id or "",
                query=q or "",
                page_size=page_size or 0,
                page_token=page_token or "",
            ),
            idempotent=True,
        )
        return as_json(reply)

    @get("/{profile_id:str}", summary="360° view: profile, latest timeline entries and orders")
    async def view(self, state: State, principal: Principal, profile_id: str) -> dict[str, Any]:
        profile = await surviving(state, profile_id)
        view: dict[str, Any] = {
            "profile": as_json(profile),
            "timeline": await list_timeline(state, profile.id, 20, None, None, None),
        }
        orders = await recent_orders(state, profile.id)
        if orders is not None:
            view["orders"] = orders
        return view

    @get("/{profile_id:str}/timeline", summary="The customer's timeline, every channel")
    async def timeline(
        self,
        state: State,
        principal: Principal,
        profile_id: str,
        page_size: PageSize = None,
        page_token: PageToken = None,
        channels: ChannelFilter = None,
        types: TypeFilter = None,
    ) -> dict[str, Any]:
        return await list_timeline(state, profile_id, page_size, page_token, channels, types)

    @post("/{profile_id:str}/notes", summary="Add a call note, chat transcript or store visit")
    async def add_note(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        channel: Channel,
        profile_id: str,
        data: NoteBody,
    ) -> Response[Any]:
        request_id = idempotency_key(request) or new_id()
        entry = pb.TimelineEntry(
            profile_id=profile_id,
            type=enum(pb.TimelineEntryType, data.type),
            channel=channel_ref(channel, principal),
            actor=actor_of(principal),
            summary=data.summary,
            body=data.body,
        )
        if data.ref:
            entry.ref.CopyFrom(pb.ObjectRef(kind=data.ref.kind, id=data.ref.id))

        async def work() -> tuple[int, Any]:
            reply = await state.downstream.call(
                state.downstream.customer.AddTimelineEntry,
                pb.AddTimelineEntryRequest(request_id=request_id, entry=entry),
                idempotent=True,
            )
            return 201, as_json(reply.entry)

        return await idempotent(request, state, principal, work)

    @patch("/{profile_id:str}", summary="Change the customer's name")
    async def update(
        self, state: State, principal: Principal, profile_id: str, data: PersonalFields
    ) -> dict[str, Any]:
        return await update_personal(state, principal, profile_id, data)

    @post("/{profile_id:str}/identities", summary="Add an identity; 409 names another owner")
    async def add_identity(
        self,
        state: State,
        principal: Principal,
        channel: Channel,
        profile_id: str,
        data: IdentityBody,
    ) -> dict[str, Any]:
        reply = await state.downstream.call(
            state.downstream.customer.AddIdentity,
            pb.AddIdentityRequest(
                profile_id=profile_id,
                identity=pb.Identity(
                    kind=enum(pb.IdentityKind, data.kind),
                    value=data.value,
                    partner_id=data.partner_id,
                    source_channel=SALES_CHANNELS[channel],
                ),
                actor=actor_of(principal),
            ),
            idempotent=True,
        )
        return as_json(reply.profile)

    @post(
        "/{profile_id:str}/loyalty-adjustments", summary="Correct loyalty points (not associates)"
    )
    async def adjust_loyalty(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        profile_id: str,
        data: LoyaltyBody,
    ) -> Response[Any]:
        auth.require_roles(principal, StaffRole.STORE_MANAGER, *MERGERS)
        request_id = idempotency_key(request) or new_id()

        async def work() -> tuple[int, Any]:
            reply = await state.downstream.call(
                state.downstream.customer.AdjustLoyalty,
                pb.AdjustLoyaltyRequest(
                    request_id=request_id,
                    profile_id=profile_id,
                    points_delta=data.points_delta,
                    reason=data.reason,
                    order_id=data.order_id,
                    actor=actor_of(principal),
                ),
                idempotent=True,
            )
            return 201, as_json(reply.profile)

        return await idempotent(request, state, principal, work)

    @post("/merges", summary="Merge two profiles of one person (consultant, admin)")
    async def merge(
        self, request: Request[Any, Any, Any], state: State, principal: Principal, data: MergeBody
    ) -> Response[Any]:
        auth.require_roles(principal, *MERGERS)
        request_id = idempotency_key(request) or new_id()

        async def work() -> tuple[int, Any]:
            reply = await state.downstream.call(
                state.downstream.customer.MergeProfiles,
                pb.MergeProfilesRequest(
                    request_id=request_id,
                    survivor_id=data.survivor_id,
                    merged_id=data.merged_id,
                    reason=data.reason,
                    actor=actor_of(principal),
                ),
                idempotent=True,
            )
            return 201, as_json(reply)

        return await idempotent(request, state, principal, work)

    @post(
        "/merges/{merge_id:str}/undo", summary="Undo a merge (consultant, admin)", status_code=200
    )
    async def unmerge(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        merge_id: str,
        data: UndoBody,
    ) -> Response[Any]:
        auth.require_roles(principal, *MERGERS)
        request_id = idempotency_key(request) or new_id()

        async def work() -> tuple[int, Any]:
            reply = await state.downstream.call(
                state.downstream.customer.UnmergeProfiles,
                pb.UnmergeProfilesRequest(
                    request_id=request_id,
                    merge_id=merge_id,
                    reason=data.reason,
                    actor=actor_of(principal),
                ),
                idempotent=True,
            )
            return 200, as_json(reply)

        return await idempotent(request, state, principal, work)

    @get("/{profile_id:str}/export", summary="Everything stored about the customer (admin)")
    async def export(self, state: State, principal: Principal, profile_id: str) -> dict[str, Any]:
        auth.require_roles(principal, StaffRole.ADMIN)
        reply = await state.downstream.call(
            state.downstream.customer.ExportProfile,
            pb.ExportProfileRequest(profile_id=profile_id, actor=actor_of(principal)),
            idempotent=True,
        )
        return dict(msgspec.json.decode(reply.json))

    @post(
        "/{profile_id:str}/erasure",
        summary="Erase the customer's personal data (admin)",
        status_code=200,
    )
    async def erase(self, state: State, principal: Principal, profile_id: str) -> dict[str, Any]:
        auth.require_roles(principal, StaffRole.ADMIN)
        reply = await state.downstream.call(
            state.downstream.customer.EraseProfile,
            pb.EraseProfileRequest(profile_id=profile_id, actor=actor_of(principal)),
            idempotent=True,
        )
        return as_json(reply.profile)


async def recent_orders(state: State, profile_id: str) -> list[dict[str, Any]] | None:
    """The customer's latest orders; None when the order service cannot list them (not yet
    implemented, or down): the profile and timeline are still worth showing."""
    try:
        reply = await state.downstream.call(
            state.downstream.order.ListOrders,
            order_pb2.ListOrdersRequest(customer_id=profile_id, page_size=20),
            idempotent=True,
        )
    except grpc.aio.AioRpcError as error:
        log.warning("orders_unavailable", code=error.code().name, customer_id=profile_id)
        return None
    return [as_json(order) for order in reply.orders]


PUBLIC_ROUTES: list[Any] = [Me, CustomerTimelines, StaffCustomers]
PARTNER_ROUTES: list[Any] = []
