"""Customer-profile routes: the caller's own profile (customers), profiles for staff.
Every object is checked against the caller, not just the route (OWASP API1)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import Provide

from omni.customer.v1 import customer_pb2
from omni_gateway.resources import as_json
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Principal


class Me(Controller):
    path = "/api/v1/me"
    tags = ["customer"]
    dependencies = {"principal": Provide(auth.customer), "channel": Provide(auth.frontend_channel)}
    security = [{"bearerAuth": []}]

    @get("/", summary="My profile")
    async def profile(self, state: State, principal: Principal) -> dict[str, Any]:
        reply = await state.downstream.call(
            state.downstream.customer.GetProfile,
            customer_pb2.GetProfileRequest(profile_id=principal.id),
            idempotent=True,
        )
        return as_json(reply.profile)


PUBLIC_ROUTES: list[Any] = [Me]
PARTNER_ROUTES: list[Any] = []
