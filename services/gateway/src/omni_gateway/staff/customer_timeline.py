"""A customer's timeline for staff, every channel and every entry, and the notes staff add to
it: call notes, chat transcripts, store visits."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.di import Provide

from omni_gateway import profiles
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Channel, Principal
from omni_gateway.views.profile_requests import NoteBody, TimelineQuery, timeline_query
from omni_gateway.views.timeline import (
    StaffTimelineEntry,
    StaffTimelinePage,
    staff_timeline_entry,
    staff_timeline_page,
)


class StaffCustomerTimeline(Controller):
    path = "/staff/v1/customers/{profile_id:str}"
    tags = ["staff customers"]
    dependencies = {"principal": Provide(auth.staff), "via": Provide(auth.staff_channel)}
    security = [{"bearerAuth": []}]

    @get(
        "/timeline",
        summary="The customer's timeline, every channel",
        dependencies={"wanted": Provide(timeline_query)},
    )
    async def timeline(
        self,
        state: State,
        principal: Principal,
        profile_id: str,
        wanted: TimelineQuery,
    ) -> StaffTimelinePage:
        reply = await profiles.list_timeline(state, profile_id, wanted)
        return staff_timeline_page(reply)

    @post("/notes", summary="Add a call note, chat transcript or store visit")
    async def add_note(
        self,
        state: State,
        principal: Principal,
        via: Channel,
        profile_id: str,
        data: NoteBody,
    ) -> StaffTimelineEntry:
        entry = await profiles.add_note(state, principal, via, profile_id, data)
        return staff_timeline_entry(entry)
