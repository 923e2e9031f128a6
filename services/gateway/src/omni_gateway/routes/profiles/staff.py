"""Customers for staff: search by any identity, the 360° view, notes, identities, loyalty
corrections, merges (consultants and admins), export and erasure (admins)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, patch, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import Parameter

from omni.customer.v1 import customer_pb2
from omni_gateway.context import SALES_CHANNELS
from omni_gateway.downstream import actor_of
from omni_gateway.resources import as_json
from omni_gateway.routes.profiles.bodies import (
    ChannelFilter,
    IdentityBody,
    IdentityKind,
    LoyaltyBody,
    MergeBody,
    NoteBody,
    PageSize,
    PageToken,
    PersonalFields,
    TypeFilter,
    UndoBody,
    enum,
)
from omni_gateway.routes.profiles.common import (
    MERGERS,
    channel_ref,
    list_timeline,
    recent_orders,
    surviving,
    update_personal,
)
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Channel, Principal, StaffRole

pb = customer_pb2


class StaffCustomers(Controller):
    path = "/staff/v1/customers"
    tags = ["staff customers"]
    dependencies = {"principal": Provide(auth.staff), "via": Provide(auth.staff_channel)}
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
        via: Channel,
        profile_id: str,
        data: NoteBody,
    ) -> Response[Any]:
        entry = pb.TimelineEntry(
            profile_id=profile_id,
            type=enum(pb.TimelineEntryType, data.type),
            channel=channel_ref(via, principal),
            actor=actor_of(principal),
            summary=data.summary,
            body=data.body,
        )
        if data.ref:
            entry.ref.CopyFrom(pb.ObjectRef(kind=data.ref.kind, id=data.ref.id))

        reply = await state.downstream.call(
            state.downstream.customer.AddTimelineEntry,
            pb.AddTimelineEntryRequest(entry=entry),
            idempotent=True,
        )
        return Response(as_json(reply.entry), status_code=201)

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
        via: Channel,
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
                    source_channel=SALES_CHANNELS[via],
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

        reply = await state.downstream.call(
            state.downstream.customer.AdjustLoyalty,
            pb.AdjustLoyaltyRequest(
                profile_id=profile_id,
                points_delta=data.points_delta,
                reason=data.reason,
                order_id=data.order_id,
                actor=actor_of(principal),
            ),
            idempotent=True,
        )
        return Response(as_json(reply.profile), status_code=201)

    @post("/merges", summary="Merge two profiles of one person (consultant, admin)")
    async def merge(
        self, request: Request[Any, Any, Any], state: State, principal: Principal, data: MergeBody
    ) -> Response[Any]:
        auth.require_roles(principal, *MERGERS)

        reply = await state.downstream.call(
            state.downstream.customer.MergeProfiles,
            pb.MergeProfilesRequest(
                survivor_id=data.survivor_id,
                merged_id=data.merged_id,
                reason=data.reason,
                actor=actor_of(principal),
            ),
            idempotent=True,
        )
        return Response(as_json(reply), status_code=201)

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

        reply = await state.downstream.call(
            state.downstream.customer.UnmergeProfiles,
            pb.UnmergeProfilesRequest(
                merge_id=merge_id,
                reason=data.reason,
                actor=actor_of(principal),
            ),
            idempotent=True,
        )
        return Response(as_json(reply), status_code=200)

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
