"""A customer's own timeline: their interactions with the shop in every channel, without the
staff's internal notes. Another customer's timeline is not found (OWASP API1)."""

from __future__ import annotations

import grpc
from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import NotFoundException

from omni_gateway import profiles
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Principal
from omni_gateway.views.profile_requests import TimelineQuery, timeline_query
from omni_gateway.views.timeline import TimelinePage, timeline_page


class MyTimeline(Controller):
    path = "/api/v1"
    tags = ["customer"]
    dependencies = {"principal": Provide(auth.customer), "wanted": Provide(timeline_query)}
    security = [{"bearerAuth": []}]

    @get("/me/timeline", summary="My interactions with the shop, in every channel, newest first")
    async def mine(
        self,
        state: State,
        principal: Principal,
        wanted: TimelineQuery,
    ) -> TimelinePage:
        return await _own_timeline(state, principal.id, wanted)

    @get("/customers/{profile_id:str}/timeline", summary="A customer's timeline: only my own")
    async def customers(
        self,
        state: State,
        principal: Principal,
        profile_id: str,
        wanted: TimelineQuery,
    ) -> TimelinePage:
        mine = await profiles.surviving(state, principal.id)
        try:
            asked = await profiles.surviving(state, profile_id)
        except grpc.aio.AioRpcError as error:
            if error.code() != grpc.StatusCode.NOT_FOUND:
                raise
            asked = None
        if asked is None or asked.id != mine.id:
            # Not 403: whether another customer exists is not the caller's business.
            raise NotFoundException(f"no customer {profile_id!r}")
        return await _own_timeline(state, mine.id, wanted)


async def _own_timeline(state: State, profile_id: str, query: TimelineQuery) -> TimelinePage:
    """A customer's own feed: without the staff's internal notes."""
    reply = await profiles.list_timeline(state, profile_id, query, profiles.INTERNAL_TYPES)
    return timeline_page(reply)
