"""The customer-service calls the shop and staff profile routes share: profiles that follow
merges, the timeline with the entries a caller may see, name changes, recent orders."""

from __future__ import annotations

from collections.abc import Set as AbstractSet

import grpc
import msgspec
from google.protobuf.field_mask_pb2 import FieldMask
from litestar.datastructures import State

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2 as P
from omni.order.v1 import order_pb2
from omni_gateway.context import SALES_CHANNELS, channel_ref
from omni_gateway.downstream import actor_of
from omni_gateway.security.principals import Channel, Principal
from omni_gateway.views.profile import IDENTITY_KIND, IdentityKind, PostalAddress
from omni_gateway.views.profile_requests import (
    NoteBody,
    PersonalFields,
    TimelineQuery,
    set_fields,
)
from omni_gateway.views.timeline import ENTRY_TYPE, EntryType
from omni_kit.logs import get_logger

log = get_logger("omni.gateway.profiles")

# Staff-internal entries a customer does not see in their own feed.
INTERNAL_TYPES = {P.TIMELINE_ENTRY_TYPE_CALL_NOTE, P.TIMELINE_ENTRY_TYPE_NOTE}


def postal(body: PostalAddress) -> common_pb2.Address:
    return common_pb2.Address(**msgspec.to_builtins(body))


async def surviving(state: State, profile_id: str) -> P.Profile:
    """The profile, or the one it was merged into."""
    reply = await state.downstream.call(
        state.downstream.customer.GetProfile,
        P.GetProfileRequest(profile_id=profile_id),
        idempotent=True,
    )
    return reply.profile


async def find(
    state: State,
    *,
    kind: IdentityKind | None = None,
    value: str = "",
    partner_id: str = "",
    query: str = "",
    page_size: int = 0,
    page_token: str = "",
) -> P.FindProfilesResponse:
    """Profiles by an identity (exact) or by name."""
    return await state.downstream.call(
        state.downstream.customer.FindProfiles,
        P.FindProfilesRequest(
            identity_kind=IDENTITY_KIND.number(kind) if kind else P.IDENTITY_KIND_UNSPECIFIED,
            identity_value=value,
            partner_id=partner_id,
            query=query,
            page_size=page_size,
            page_token=page_token,
        ),
        idempotent=True,
    )


async def add_note(
    state: State, principal: Principal, via: Channel, profile_id: str, data: NoteBody
) -> P.TimelineEntry:
    """A call note, chat transcript or store visit on the customer's timeline, by this staff
    member (at their first store, if they have one)."""
    store = sorted(principal.store_ids)[0] if principal.store_ids else ""
    entry = P.TimelineEntry(
        profile_id=profile_id,
        type=ENTRY_TYPE.number(EntryType(data.type)),
        channel=channel_ref(via, store_id=store),
        actor=actor_of(principal),
        summary=data.summary,
        body=data.body,
    )
    if data.ref:
        entry.ref.CopyFrom(P.ObjectRef(kind=data.ref.kind, id=data.ref.id))
    reply = await state.downstream.call(
        state.downstream.customer.AddTimelineEntry,
        P.AddTimelineEntryRequest(entry=entry),
        idempotent=True,
    )
    return reply.entry


async def list_timeline(
    state: State,
    profile_id: str,
    query: TimelineQuery,
    hidden: AbstractSet[int] = frozenset(),
) -> P.ListTimelineResponse:
    wanted = [ENTRY_TYPE.number(t) for t in query.types or []]
    if hidden:
        everything = [t for t in P.TimelineEntryType.values() if t]
        wanted = [t for t in wanted or everything if t not in hidden]
        if not wanted:  # asked only for entries this caller does not see
            return P.ListTimelineResponse()
    return await state.downstream.call(
        state.downstream.customer.ListTimeline,
        P.ListTimelineRequest(
            profile_id=profile_id,
            page_size=query.page_size or 0,
            page_token=query.page_token or "",
            channels=[SALES_CHANNELS[c] for c in query.channels or []],
            types=wanted,
        ),
        idempotent=True,
    )


async def update_personal(
    state: State, principal: Principal, profile_id: str, data: PersonalFields
) -> P.Profile:
    reply = await state.downstream.call(
        state.downstream.customer.UpdateProfile,
        P.UpdateProfileRequest(
            profile=P.Profile(id=profile_id, **msgspec.to_builtins(data)),
            update_mask=FieldMask(paths=set_fields(data)),
            actor=actor_of(principal),
        ),
        idempotent=False,
    )
    return reply.profile


async def export(state: State, principal: Principal, profile_id: str) -> str:
    """Everything the customer service stores about a customer, as its JSON document."""
    reply = await state.downstream.call(
        state.downstream.customer.ExportProfile,
        P.ExportProfileRequest(profile_id=profile_id, actor=actor_of(principal)),
        idempotent=True,
    )
    return reply.json


async def recent_orders(state: State, profile_id: str) -> list[order_pb2.Order] | None:
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
    return list(reply.orders)
