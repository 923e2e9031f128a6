"""The interaction timeline (staff entries, the feed) and loyalty adjustments by staff."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from grpc import aio
from pymongo.asynchronous.client_session import AsyncClientSession

from omni.customer.v1 import customer_pb2
from omni_customer.api import messages
from omni_customer.api.base import ApiBase
from omni_customer.api.messages import ENTRY_TYPE, SALES_CHANNEL, entry_message
from omni_customer.domain import loyalty, profiles, timeline
from omni_customer.domain.profiles import Profile
from omni_customer.store.timeline import cursor_of
from omni_kit import paging
from omni_kit.facts import Event
from omni_kit.idempotency import require_command
from omni_kit.ids import new_id, utcnow
from omni_kit.protos import from_timestamp

pb = customer_pb2


class TimelineApi(ApiBase):
    async def AddTimelineEntry(
        self, request: pb.AddTimelineEntryRequest, context: aio.ServicerContext
    ) -> pb.AddTimelineEntryResponse:
        given = messages.entry(request.entry)
        checked = timeline.staff_entry(given, utcnow())
        entry_id = timeline.entry_id(new_id())

        async def run(session: AsyncClientSession) -> pb.AddTimelineEntryResponse:
            profile = await self.store.profiles.surviving(
                checked.profile_id, session, field="entry.profile_id"
            )
            profiles.require_writable(profile)
            entry = dataclasses.replace(checked, id=entry_id, profile_id=profile.id)
            await self.changes.add_entry(entry, session)
            return pb.AddTimelineEntryResponse(entry=entry_message(entry))

        return await self.command(context, request, pb.AddTimelineEntryResponse, run)

    async def ListTimeline(
        self, request: pb.ListTimelineRequest, context: aio.ServicerContext
    ) -> pb.ListTimelineResponse:
        size = paging.page_size(request.page_size)
        after = paging.decode_cursor(request.page_token, 2, kinds=(int, str))
        channels = [
            SALES_CHANNEL.checked(channel, "unknown sales channel {}", "channels")
            for channel in request.channels
        ]
        types = [
            ENTRY_TYPE.checked(kind, "unknown timeline entry type {}", "types")
            for kind in request.types
        ]
        span = request.time_range
        profile = await self.store.profiles.surviving(request.profile_id)
        found = await self.store.timeline.page(
            profile.id,
            channels=channels,
            types=types,
            start=from_timestamp(span.start_time) if span.HasField("start_time") else None,
            end=from_timestamp(span.end_time) if span.HasField("end_time") else None,
            after=after,
            limit=size + 1,
        )
        more = len(found) > size
        token = paging.encode_cursor(list(cursor_of(found[size - 1]))) if more else ""
        entries = [entry_message(entry) for entry in found[:size]]
        return pb.ListTimelineResponse(entries=entries, next_page_token=token)

    async def AdjustLoyalty(
        self, request: pb.AdjustLoyaltyRequest, context: aio.ServicerContext
    ) -> pb.AdjustLoyaltyResponse:
        require_command(context, request)  # an adjustment must happen once: it needs a key
        loyalty.check_adjustment(request.points_delta, request.reason)
        key = f"adjustment:{new_id()}"
        actor = messages.actor(request.actor)

        async def work(
            profile: Profile, session: AsyncClientSession, now: datetime
        ) -> Sequence[Event]:
            return await self.changes.adjust_points(
                profile,
                request.points_delta,
                key=key,
                reason=request.reason.strip(),
                order_id=request.order_id,
                actor=actor,
                now=now,
                session=session,
            )

        return await self.change_profile(
            context, request, pb.AdjustLoyaltyResponse, request.profile_id, work
        )
