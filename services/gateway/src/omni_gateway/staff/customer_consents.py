"""A contact preference changed by staff on the customer's request (a call, a chat, the till):
one consent per contact channel and purpose, recorded by the customer service as given or
withdrawn by the customer, through this staff member, who shows in the consent and the timeline."""

from __future__ import annotations

from litestar import Controller, post
from litestar.datastructures import State
from litestar.di import Provide

from omni.customer.v1 import customer_pb2 as P
from omni_gateway.context import channel_ref
from omni_gateway.downstream import actor_of
from omni_gateway.security import dependencies as auth
from omni_gateway.security.guards import roles
from omni_gateway.security.principals import Channel, Principal, StaffRole
from omni_gateway.views.profile import (
    CONTACT_CHANNEL,
    CONTACT_PURPOSE,
    StaffProfile,
    staff_profile_view,
)
from omni_gateway.views.profile_requests import ConsentBody

CONSENT_RECORDERS = (StaffRole.CONSULTANT, StaffRole.ADMIN)


async def record_requested_consent(
    state: State, principal: Principal, via: Channel, profile_id: str, data: ConsentBody
) -> StaffProfile:
    """The customer's answer for one channel and purpose, as the customer asked staff to record
    it (the customer service's RecordConsent, the same call as the customer's own route)."""
    auth.require_roles(principal, *CONSENT_RECORDERS)  # the route's guard too, for every caller
    reply = await state.downstream.call(
        state.downstream.customer.RecordConsent,
        P.RecordConsentRequest(
            profile_id=profile_id,
            channel=CONTACT_CHANNEL.number(data.channel),
            purpose=CONTACT_PURPOSE.number(data.purpose),
            granted=data.granted,
            source=channel_ref(via),
            actor=actor_of(principal),
            customer_request=True,
        ),
        idempotent=False,
    )
    return staff_profile_view(reply.profile)


class StaffCustomerConsents(Controller):
    path = "/staff/v1/customers/{profile_id:str}/consents"
    tags = ["staff customers"]
    dependencies = {"principal": Provide(auth.staff), "via": Provide(auth.staff_channel)}
    guards = [roles(*CONSENT_RECORDERS)]
    security = [{"bearerAuth": []}]

    @post(
        "/",
        summary="Give or withdraw a consent on the customer's request (consultant, admin)",
        description=(
            "Recorded as the customer's answer for the contact channel and purpose, made by "
            "this staff member on the customer's request: the consent's `recorded_by` and "
            "`customer_request`, and an entry in the customer's timeline, show who and when. "
            "`X-Channel` names where the customer asked (default `pos`; a call is `phone`)."
        ),
        status_code=200,
    )
    async def record(
        self, state: State, principal: Principal, via: Channel, profile_id: str, data: ConsentBody
    ) -> StaffProfile:
        return await record_requested_consent(state, principal, via, profile_id, data)
