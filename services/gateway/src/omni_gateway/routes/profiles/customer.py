"""A customer's own profile: name, preferences, consents, addresses, timeline, export.
Every object is checked against the caller, not just the route (OWASP API1)."""

from __future__ import annotations

from typing import Any

import grpc
import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import NotFoundException

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2
from omni_gateway.downstream import actor_of
from omni_gateway.resources import as_json
from omni_gateway.routes.profiles.bodies import (
    AddressBody,
    AddressPatch,
    ChannelFilter,
    ConsentBody,
    PageSize,
    PageToken,
    PersonalFields,
    PreferencesBody,
    TypeFilter,
    enum,
)
from omni_gateway.routes.profiles.common import (
    INTERNAL_TYPES,
    channel_ref,
    list_timeline,
    postal,
    set_fields,
    surviving,
    update_personal,
)
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Channel, Principal

pb = customer_pb2


class Me(Controller):
    path = "/api/v1/me"
    tags = ["customer"]
    dependencies = {"principal": Provide(auth.customer), "via": Provide(auth.frontend_channel)}
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
        self, state: State, principal: Principal, via: Channel, data: PreferencesBody
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
                channel=channel_ref(via),
                actor=actor_of(principal),
            ),
            idempotent=True,
        )
        return as_json(reply.profile)

    @post("/consents", summary="Give or withdraw a consent for a channel and purpose")
    async def consent(
        self, state: State, principal: Principal, via: Channel, data: ConsentBody
    ) -> dict[str, Any]:
        reply = await state.downstream.call(
            state.downstream.customer.RecordConsent,
            pb.RecordConsentRequest(
                profile_id=principal.id,
                channel=enum(common_pb2.ContactChannel, data.channel),
                purpose=enum(common_pb2.ContactPurpose, data.purpose),
                granted=data.granted,
                source=channel_ref(via),
                actor=actor_of(principal),
            ),
            idempotent=False,
        )
        return as_json(reply.profile)

    @post("/addresses", summary="Add an address", status_code=201)
    async def add_address(
        self, request: Request[Any, Any, Any], state: State, principal: Principal, data: AddressBody
    ) -> Response[Any]:

        reply = await state.downstream.call(
            state.downstream.customer.AddAddress,
            pb.AddAddressRequest(
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
        return Response(as_json(reply.address), status_code=201)

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
    dependencies = {"principal": Provide(auth.customer), "via": Provide(auth.frontend_channel)}
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
