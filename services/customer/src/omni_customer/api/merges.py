"""Merging two profiles that are one person, undoing a merge, and the record of merges."""

from __future__ import annotations

from grpc import aio
from pymongo.asynchronous.client_session import AsyncClientSession

from omni.customer.v1 import customer_pb2
from omni_customer.api import messages
from omni_customer.api.base import ApiBase
from omni_customer.api.messages import MERGE_STATUS, merge_message, profile_message
from omni_customer.domain import identities, merge, profiles
from omni_customer.domain.merge import ProfileMerge
from omni_customer.domain.profiles import Profile
from omni_customer.domain.timeline import ObjectRef
from omni_customer.domain.values import Actor
from omni_customer.events import publish
from omni_customer.store.records import merge_cursor
from omni_kit import paging
from omni_kit.errors import InvalidArgument, NotFound
from omni_kit.ids import new_id, utcnow

pb = customer_pb2


class MergesApi(ApiBase):
    async def MergeProfiles(
        self, request: pb.MergeProfilesRequest, context: aio.ServicerContext
    ) -> pb.MergeProfilesResponse:
        merge.check_ids(request.survivor_id, request.merged_id)
        actor = messages.actor(request.actor)
        if request.dry_run:
            return await self._dry_run(request, actor)
        merge_id = new_id("mrg")

        async def run(session: AsyncClientSession) -> pb.MergeProfilesResponse:
            now = utcnow()
            survivor = await self._exact(request.survivor_id, "survivor_id", session)
            merged = await self._exact(request.merged_id, "merged_id", session)
            record = ProfileMerge(
                id=merge_id, reason=request.reason.strip(), merged_by=actor, merged_at=now
            )
            versions = survivor.version, merged.version
            merge.merge(survivor, merged, record)
            for profile in (survivor, merged):
                profiles.touch(profile, now)
            await self.store.profiles.save(survivor, versions[0], session)
            await self.store.profiles.save(merged, versions[1], session)
            keys = [identities.key_of(identity) for identity in record.moved_identities]
            await self.store.profiles.reassign(keys, survivor.id, session)
            await self.store.timeline.move(merged.id, survivor.id, merge_id, session)
            await self.store.merges.insert(record, session)
            await self.changes.profile_note(
                survivor.id,
                f"Profile {merged.id} merged into this one"
                + (f": {record.reason}" if record.reason else ""),
                ObjectRef("merge", merge_id),
                actor,
                now,
                session,
                seed=f"merge:{merge_id}",
            )
            await self.changes.publish([publish.profiles_merged(record, survivor, actor)], session)
            return pb.MergeProfilesResponse(
                merge=merge_message(record), survivor=profile_message(survivor)
            )

        return await self.command(context, request, pb.MergeProfilesResponse, run)

    async def UnmergeProfiles(
        self, request: pb.UnmergeProfilesRequest, context: aio.ServicerContext
    ) -> pb.UnmergeProfilesResponse:
        if not request.merge_id:
            raise InvalidArgument("merge_id is required", field="merge_id")
        actor = messages.actor(request.actor)

        async def run(session: AsyncClientSession) -> pb.UnmergeProfilesResponse:
            record = await self.store.merges.get(request.merge_id, session)
            if record is None:
                raise NotFound(
                    f"no merge with id {request.merge_id!r}",
                    reason="MERGE_NOT_FOUND",
                    field="merge_id",
                )
            survivor = await self._exact(record.survivor_id, "merge_id", session)
            merged = await self._exact(record.merged_id, "merge_id", session)
            now = utcnow()
            versions = survivor.version, merged.version
            back = merge.unmerge(record, survivor, merged, actor, now)
            for profile in (survivor, merged):
                profiles.touch(profile, now)
            await self.store.profiles.save(survivor, versions[0], session)
            await self.store.profiles.save(merged, versions[1], session)
            keys = [identities.key_of(identity) for identity in back]
            await self.store.profiles.reassign(keys, merged.id, session)
            await self.store.timeline.move_back(record.id, merged.id, session)
            await self.store.merges.save(record, session)
            await self.changes.profile_note(
                survivor.id,
                f"Merge with profile {merged.id} undone"
                + (f": {request.reason.strip()}" if request.reason.strip() else ""),
                ObjectRef("merge", record.id),
                actor,
                now,
                session,
                seed=f"unmerge:{record.id}",
            )
            await self.changes.publish(
                [publish.profiles_unmerged(record, survivor, merged, actor)], session
            )
            return pb.UnmergeProfilesResponse(
                merge=merge_message(record),
                survivor=profile_message(survivor),
                restored=profile_message(merged),
            )

        return await self.command(context, request, pb.UnmergeProfilesResponse, run)

    async def ListMerges(
        self, request: pb.ListMergesRequest, context: aio.ServicerContext
    ) -> pb.ListMergesResponse:
        size = paging.page_size(request.page_size)
        after = paging.decode_cursor(request.page_token, 2, kinds=(int, str))
        found = await self.store.merges.page(
            request.profile_id,
            [MERGE_STATUS.of(status) for status in request.statuses],
            after,
            size + 1,
        )
        more = len(found) > size
        token = paging.encode_cursor(list(merge_cursor(found[size - 1]))) if more else ""
        merges = [merge_message(record) for record in found[:size]]
        return pb.ListMergesResponse(merges=merges, next_page_token=token)

    async def _dry_run(
        self, request: pb.MergeProfilesRequest, actor: Actor
    ) -> pb.MergeProfilesResponse:
        """What MergeProfiles would record and the survivor it would leave, by the same merge
        code on the profiles as they are now; nothing is written."""
        survivor = await self._exact(request.survivor_id, "survivor_id")
        merged = await self._exact(request.merged_id, "merged_id")
        record = ProfileMerge(id="", reason=request.reason.strip(), merged_by=actor)
        merge.merge(survivor, merged, record)
        return pb.MergeProfilesResponse(
            merge=merge_message(record), survivor=profile_message(survivor)
        )

    async def _exact(
        self, profile_id: str, field: str, session: AsyncClientSession | None = None
    ) -> Profile:
        """The profile with this id itself (not the one it was merged into)."""
        profile = await self.store.profiles.get(profile_id, session)
        if profile is None:
            raise NotFound(
                f"no profile with id {profile_id!r}", reason="PROFILE_NOT_FOUND", field=field
            )
        return profile
