"""What the profile routes share: profile lookups that follow merges, the timeline, orders."""

from __future__ import annotations

from typing import Any

import grpc
import msgspec
from litestar.datastructures import State

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2
from omni.order.v1 import order_pb2
from omni_gateway.context import SALES_CHANNELS
from omni_gateway.downstream import actor_of
from omni_gateway.resources import as_json
from omni_gateway.routes.profiles.bodies import (
    EntryType,
    PersonalFields,
    PostalAddress,
    enum,
)
from omni_gateway.security.principals import Channel, Principal, StaffRole
from omni_kit.logs import get_logger

log = get_logger("omni.gateway.profiles")
pb = customer_pb2


# Staff-internal entries a customer does not see in their own feed.
INTERNAL_TYPES = {pb.TIMELINE_ENTRY_TYPE_CALL_NOTE, pb.TIMELINE_ENTRY_TYPE_NOTE}
MERGERS = (StaffRole.CONSULTANT, StaffRole.ADMIN)


def set_fields(body: msgspec.Struct) -> list[str]:
    return [name for name in body.__struct_fields__ if getattr(body, name) is not msgspec.UNSET]


def postal(body: PostalAddress) -> common_pb2.Address:
    return common_pb2.Address(**msgspec.to_builtins(body))


def channel_ref(via: Channel, principal: Principal | None = None) -> common_pb2.ChannelRef:
    store = sorted(principal.store_ids)[0] if principal and principal.store_ids else ""
    return common_pb2.ChannelRef(channel=SALES_CHANNELS[via], store_id=store)


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
