"""A customer's timeline for staff, every channel and every entry, and the notes staff add to
it: call notes, chat transcripts, store visits."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.di import Provide

from omni.customer.v1 import customer_pb2 as P
from omni_gateway import profiles
from omni_gateway.context import channel_ref
from omni_gateway.downstream import actor_of
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Channel, Principal
from omni_gateway.views.profile_requests import NoteBody, TimelineQuery, timeline_query
from omni_gateway.views.timeline import (
    ENTRY_TYPE,
    EntryType,
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
        return staff_timeline_entry(reply.entry)
