"""A customer's own profile: name, contact preferences, consents, and everything stored about
them. Every object is checked against the caller, not just the route (OWASP API1)."""

from __future__ import annotations

from google.protobuf.field_mask_pb2 import FieldMask
from litestar import Controller, get, patch, post, put
from litestar.datastructures import State
from litestar.di import Provide

from omni.customer.v1 import customer_pb2 as P
from omni_gateway import profiles
from omni_gateway.context import channel_ref
from omni_gateway.downstream import actor_of
from omni_gateway.openapi import ID, Follow, links
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Channel, Principal
from omni_gateway.views.export import ProfileExport, profile_export
from omni_gateway.views.profile import (
    CONTACT_CHANNEL,
    CONTACT_PURPOSE,
    Profile,
    profile_view,
)
from omni_gateway.views.profile_requests import (
    ConsentBody,
    PersonalFields,
    PreferencesBody,
    set_fields,
)

ME_LINKS = links(
    200,
    {
        "Timeline": Follow("GET /api/v1/customers/{profile_id}/timeline", {"profile_id": ID}),
        "ChangeAddress": Follow(
            "PATCH /api/v1/me/addresses/{address_id}",
            {"address_id": "$response.body#/addresses/0/id"},
        ),
    },
)


class Me(Controller):
    path = "/api/v1/me"
    tags = ["customer"]
    dependencies = {"principal": Provide(auth.customer), "via": Provide(auth.frontend_channel)}
    security = [{"bearerAuth": []}]

    @get("/", summary="My profile", opt=ME_LINKS)
    async def profile(self, state: State, principal: Principal) -> Profile:
        return profile_view(await profiles.surviving(state, principal.id))

    @patch("/", summary="Change my name (identities, preferences, loyalty have their own routes)")
    async def update(self, state: State, principal: Principal, data: PersonalFields) -> Profile:
        profile = await profiles.surviving(state, principal.id)
        return profile_view(await profiles.update_personal(state, principal, profile.id, data))

    @put("/preferences", summary="My contact preferences: preferred channel, quiet hours, zone")
    async def preferences(
        self, state: State, principal: Principal, via: Channel, data: PreferencesBody
    ) -> Profile:
        given = P.Preferences(time_zone=data.time_zone or "", language=data.language or "")
        if data.preferred_channel:
            given.preferred_channel = CONTACT_CHANNEL.number(data.preferred_channel)
        if data.quiet_hours:
            given.quiet_hours.start = data.quiet_hours.start
            given.quiet_hours.end = data.quiet_hours.end
        reply = await state.downstream.call(
            state.downstream.customer.UpdatePreferences,
            P.UpdatePreferencesRequest(
                profile_id=principal.id,
                preferences=given,
                update_mask=FieldMask(paths=set_fields(data)),
                channel=channel_ref(via),
                actor=actor_of(principal),
            ),
            idempotent=True,
        )
        return profile_view(reply.profile)

    @post("/consents", summary="Give or withdraw a consent for a channel and purpose")
    async def consent(
        self, state: State, principal: Principal, via: Channel, data: ConsentBody
    ) -> Profile:
        reply = await state.downstream.call(
            state.downstream.customer.RecordConsent,
            P.RecordConsentRequest(
                profile_id=principal.id,
                channel=CONTACT_CHANNEL.number(data.channel),
                purpose=CONTACT_PURPOSE.number(data.purpose),
                granted=data.granted,
                source=channel_ref(via),
                actor=actor_of(principal),
            ),
            idempotent=False,
        )
        return profile_view(reply.profile)

    @get("/export", summary="Everything stored about me")
    async def export(self, state: State, principal: Principal) -> ProfileExport:
        return profile_export(await profiles.export(state, principal, principal.id))
