"""The interaction timeline (staff entries, the feed) and loyalty adjustments by staff."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from grpc import aio
from pymongo.asynchronous.client_session import AsyncClientSession

from omni.customer.v1 import customer_pb2
from omni_customer.api.base import ApiBase
from omni_customer.domain import loyalty, profiles, timeline
from omni_customer.store.timeline import cursor_of
from omni_kit import paging
from omni_kit.facts import Event
from omni_kit.idempotency import require_command
from omni_kit.ids import new_id, utcnow

pb = customer_pb2


class TimelineApi(ApiBase):
    async def AddTimelineEntry(
        self, request: pb.AddTimelineEntryRequest, context: aio.ServicerContext
    ) -> pb.AddTimelineEntryResponse:
        entry = timeline.staff_entry(request.entry, utcnow())
        entry.id = timeline.entry_id(new_id())

        async def run(session: AsyncClientSession) -> pb.AddTimelineEntryResponse:
            profile = await self.store.profiles.surviving(
                entry.profile_id, session, field="entry.profile_id"
            )
            profiles.require_writable(profile)
            entry.profile_id = profile.id
            await self.changes.add_entry(entry, session)
            return pb.AddTimelineEntryResponse(entry=entry)

        return await self.command(context, request, pb.AddTimelineEntryResponse, run)

    async def ListTimeline(
        self, request: pb.ListTimelineRequest, context: aio.ServicerContext
    ) -> pb.ListTimelineResponse:
        size = paging.page_size(request.page_size)
        after = paging.decode_cursor(request.page_token, 2, kinds=(int, str))
        timeline.check_filters(list(request.channels), list(request.types))
        profile = await self.store.profiles.surviving(request.profile_id)
        found = await self.store.timeline.page(
            profile.id,
            channels=list(request.channels),
            types=list(request.types),
            time_range=request.time_range if request.HasField("time_range") else None,
            after=after,
            limit=size + 1,
        )
        more = len(found) > size
        token = paging.encode_cursor(list(cursor_of(found[size - 1]))) if more else ""
        return pb.ListTimelineResponse(entries=found[:size], next_page_token=token)

    async def AdjustLoyalty(
        self, request: pb.AdjustLoyaltyRequest, context: aio.ServicerContext
    ) -> pb.AdjustLoyaltyResponse:
        require_command(context, request)  # an adjustment must happen once: it needs a key
        loyalty.check_adjustment(request.points_delta, request.reason)
        key = f"adjustment:{new_id()}"

        async def work(
            profile: pb.Profile, session: AsyncClientSession, now: datetime
        ) -> Sequence[Event]:
            return await self.changes.adjust_points(
                profile,
                request.points_delta,
                key=key,
                reason=request.reason.strip(),
                order_id=request.order_id,
                actor=request.actor,
                now=now,
                session=session,
            )

        return await self.change_profile(
            context, request, pb.AdjustLoyaltyResponse, request.profile_id, work
        )
