"""Customers for staff: search by any identity, the 360° view, name and identities, loyalty
corrections (not associates), export and erasure (admins)."""

from __future__ import annotations

import asyncio
from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import Parameter

from omni.customer.v1 import customer_pb2 as P
from omni.inventory.v1.inventory_pb2 import GetStockLocationRequest
from omni_gateway import profiles
from omni_gateway.catalog_calls import call, invalid
from omni_gateway.context import SALES_CHANNELS, channel_ref
from omni_gateway.downstream import actor_of
from omni_gateway.openapi import Follow, links
from omni_gateway.security import dependencies as auth
from omni_gateway.security.guards import roles
from omni_gateway.security.principals import STORE_ROLES, Channel, Principal, StaffRole
from omni_gateway.views.export import ProfileExport, profile_export
from omni_gateway.views.profile import (
    IDENTITY_KIND,
    CreatedCustomer,
    CustomerOverview,
    IdentityKind,
    ProfilePage,
    StaffProfile,
    profile_page,
    recent_order,
    staff_profile_view,
)
from omni_gateway.views.profile_requests import (
    IdentityBody,
    LoyaltyBody,
    NewCustomer,
    PageSize,
    PageToken,
    PersonalFields,
    TimelineQuery,
)
from omni_gateway.views.timeline import staff_timeline_page

PROFILE = {"profile_id": "$response.body#/profile/id"}
FIRST_PROFILE = {"profile_id": "$response.body#/profiles/0/id"}


class StaffCustomers(Controller):
    path = "/staff/v1/customers"
    tags = ["staff customers"]
    dependencies = {"principal": Provide(auth.staff), "via": Provide(auth.staff_channel)}
    security = [{"bearerAuth": []}]

    @get(
        "/",
        summary="Search customers by any identity (exact) or by name",
        opt=links(
            200,
            {
                "View": Follow("GET /staff/v1/customers/{profile_id}", FIRST_PROFILE),
                "Timeline": Follow("GET /staff/v1/customers/{profile_id}/timeline", FIRST_PROFILE),
                "AddNote": Follow("POST /staff/v1/customers/{profile_id}/notes", FIRST_PROFILE),
                "Notify": Follow(
                    "POST /staff/v1/customers/{profile_id}/notifications", FIRST_PROFILE
                ),
                "Orders": Follow(
                    "GET /staff/v1/customers/{customer_id}/orders",
                    {"customer_id": FIRST_PROFILE["profile_id"]},
                ),
            },
        ),
    )
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
    ) -> ProfilePage:
        return profile_page(
            await profiles.find(
                state,
                kind=kind,
                value=value or "",
                partner_id=partner_id or "",
                query=q or "",
                page_size=page_size or 0,
                page_token=page_token or "",
            )
        )

    @post(
        "/",
        summary="Create a customer at the till from a phone number or an e-mail alone",
        status_code=201,
        opt=links(201, {"View": Follow("GET /staff/v1/customers/{profile_id}", PROFILE)}),
    )
    async def create(
        self, state: State, principal: Principal, via: Channel, data: NewCustomer
    ) -> CreatedCustomer:
        given = [
            (kind, value.strip(), name)
            for kind, value, name in (
                (P.IDENTITY_KIND_PHONE, data.phone, "phone"),
                (P.IDENTITY_KIND_EMAIL, data.email, "email"),
            )
            if value.strip()
        ]
        if not given:
            raise invalid("phone", "give a phone number or an e-mail address")
        store_id = data.store_id
        if not store_id and principal.role in STORE_ROLES and len(principal.store_ids) == 1:
            store_id = next(iter(principal.store_ids))
        if store_id:
            auth.require_store(principal, store_id)
            await call(
                state,
                state.downstream.inventory.GetStockLocation,
                GetStockLocationRequest(location_id=store_id),
                idempotent=True,
                fields={"location_id": "store_id"},
            )
        reply = await call(
            state,
            state.downstream.customer.CreateProfile,
            P.CreateProfileRequest(
                display_name=data.display_name,
                identities=[
                    P.Identity(kind=kind, value=value, source_channel=SALES_CHANNELS[via])
                    for kind, value, _ in given
                ],
                channel=channel_ref(via, store_id=store_id),
                actor=actor_of(principal),
            ),
            idempotent=False,
            fields={f"identities[{index}].value": name for index, (_, _, name) in enumerate(given)}
            | {"display_name": "display_name"},
        )
        return CreatedCustomer(
            profile=staff_profile_view(reply.profile),
            store_id=reply.profile.source_store_id or None,
        )

    @get(
        "/{profile_id:str}",
        summary="360° view: profile, latest timeline entries and orders",
        opt=links(
            200,
            {
                "Change": Follow("PATCH /staff/v1/customers/{profile_id}", PROFILE),
                "Sent": Follow("GET /staff/v1/customers/{profile_id}/notifications", PROFILE),
                "Export": Follow("GET /staff/v1/customers/{profile_id}/export", PROFILE),
                "AdjustLoyalty": Follow(
                    "POST /staff/v1/customers/{profile_id}/loyalty-adjustments", PROFILE
                ),
            },
        ),
    )
    async def view(self, state: State, principal: Principal, profile_id: str) -> CustomerOverview:
        profile = await profiles.surviving(state, profile_id)
        timeline, orders = await asyncio.gather(
            profiles.list_timeline(state, profile.id, TimelineQuery(page_size=20)),
            profiles.recent_orders(state, profile.id),
        )
        return CustomerOverview(
            profile=staff_profile_view(profile),
            timeline=staff_timeline_page(timeline),
            orders=None if orders is None else [recent_order(order) for order in orders],
        )

    @patch("/{profile_id:str}", summary="Change the customer's name")
    async def update(
        self, state: State, principal: Principal, profile_id: str, data: PersonalFields
    ) -> StaffProfile:
        return staff_profile_view(
            await profiles.update_personal(state, principal, profile_id, data)
        )

    @post("/{profile_id:str}/identities", summary="Add an identity; 409 names another owner")
    async def add_identity(
        self,
        state: State,
        principal: Principal,
        via: Channel,
        profile_id: str,
        data: IdentityBody,
    ) -> StaffProfile:
        reply = await state.downstream.call(
            state.downstream.customer.AddIdentity,
            P.AddIdentityRequest(
                profile_id=profile_id,
                identity=P.Identity(
                    kind=IDENTITY_KIND.number(data.kind),
                    value=data.value,
                    partner_id=data.partner_id,
                    source_channel=SALES_CHANNELS[via],
                ),
                actor=actor_of(principal),
            ),
            idempotent=True,
        )
        return staff_profile_view(reply.profile)

    @post(
        "/{profile_id:str}/loyalty-adjustments",
        summary="Correct loyalty points (not associates)",
        guards=[roles(StaffRole.STORE_MANAGER, StaffRole.CONSULTANT, StaffRole.ADMIN)],
    )
    async def adjust_loyalty(
        self, state: State, principal: Principal, profile_id: str, data: LoyaltyBody
    ) -> StaffProfile:
        reply = await state.downstream.call(
            state.downstream.customer.AdjustLoyalty,
            P.AdjustLoyaltyRequest(
                profile_id=profile_id,
                points_delta=data.points_delta,
                reason=data.reason,
                order_id=data.order_id,
                actor=actor_of(principal),
            ),
            idempotent=True,
        )
        return staff_profile_view(reply.profile)

    @get(
        "/{profile_id:str}/export",
        summary="Everything stored about the customer (admin)",
        guards=[roles(StaffRole.ADMIN)],
    )
    async def export(self, state: State, principal: Principal, profile_id: str) -> ProfileExport:
        return profile_export(await profiles.export(state, principal, profile_id))

    @post(
        "/{profile_id:str}/erasure",
        summary="Erase the customer's personal data (admin)",
        status_code=200,
        guards=[roles(StaffRole.ADMIN)],
    )
    async def erase(self, state: State, principal: Principal, profile_id: str) -> StaffProfile:
        reply = await state.downstream.call(
            state.downstream.customer.EraseProfile,
            P.EraseProfileRequest(profile_id=profile_id, actor=actor_of(principal)),
            idempotent=True,
        )
        return staff_profile_view(reply.profile)
