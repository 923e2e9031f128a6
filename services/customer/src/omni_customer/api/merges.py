"""Merging two profiles that are one person, undoing a merge, and the record of merges."""

from __future__ import annotations

from grpc import aio
from pymongo.asynchronous.client_session import AsyncClientSession

from omni.customer.v1 import customer_pb2
from omni_customer.api.base import ApiBase
from omni_customer.domain import identities, merge, profiles
from omni_customer.events import publish
from omni_customer.store.records import merge_cursor
from omni_kit import paging
from omni_kit.errors import InvalidArgument, NotFound
from omni_kit.ids import new_id, utcnow
from omni_kit.protos import from_document, to_timestamp

pb = customer_pb2


class MergesApi(ApiBase):
    async def MergeProfiles(
        self, request: pb.MergeProfilesRequest, context: aio.ServicerContext
    ) -> pb.MergeProfilesResponse:
        merge.check_ids(request.survivor_id, request.merged_id)
        merge_id = new_id("mrg")

        async def run(session: AsyncClientSession) -> pb.MergeProfilesResponse:
            now = utcnow()
            survivor = await self._exact(request.survivor_id, "survivor_id", session)
            merged = await self._exact(request.merged_id, "merged_id", session)
            record = pb.ProfileMerge(
                id=merge_id,
                reason=request.reason.strip(),
                merged_by=request.actor,
                merged_at=to_timestamp(now),
            )
            versions = survivor.version, merged.version
            moved = merge.merge(survivor, merged, record)
            for profile in (survivor, merged):
                profiles.touch(profile, now)
            await self.store.profiles.save(survivor, versions[0], session)
            await self.store.profiles.save(merged, versions[1], session)
            keys = [identities.key_of(identity) for identity in moved.identities]
            await self.store.profiles.reassign(keys, survivor.id, session)
            await self.store.timeline.move(merged.id, survivor.id, merge_id, session)
            await self.store.merges.insert(record, moved_points=moved.points, session=session)
            await self.changes.profile_note(
                survivor.id,
                f"Profile {merged.id} merged into this one"
                + (f": {record.reason}" if record.reason else ""),
                pb.ObjectRef(kind="merge", id=merge_id),
                request.actor,
                now,
                session,
                seed=f"merge:{merge_id}",
            )
            await self.changes.publish(
                [publish.profiles_merged(record, survivor, request.actor)], session
            )
            return pb.MergeProfilesResponse(merge=record, survivor=survivor)

        return await self.command(context, request, pb.MergeProfilesResponse, run)

    async def UnmergeProfiles(
        self, request: pb.UnmergeProfilesRequest, context: aio.ServicerContext
    ) -> pb.UnmergeProfilesResponse:
        if not request.merge_id:
            raise InvalidArgument("merge_id is required", field="merge_id")

        async def run(session: AsyncClientSession) -> pb.UnmergeProfilesResponse:
            document = await self.store.merges.get(request.merge_id, session)
            if document is None:
                raise NotFound(
                    f"no merge with id {request.merge_id!r}",
                    reason="MERGE_NOT_FOUND",
                    field="merge_id",
                )
            record = from_document(document, pb.ProfileMerge)
            survivor = await self._exact(record.survivor_id, "merge_id", session)
            merged = await self._exact(record.merged_id, "merge_id", session)
            now = utcnow()
            versions = survivor.version, merged.version
            back = merge.unmerge(
                record, survivor, merged, int(document.get("moved_points", 0)), request.actor, now
            )
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
                pb.ObjectRef(kind="merge", id=record.id),
                request.actor,
                now,
                session,
                seed=f"unmerge:{record.id}",
            )
            await self.changes.publish(
                [publish.profiles_unmerged(record, survivor, merged, request.actor)], session
            )
            return pb.UnmergeProfilesResponse(merge=record, survivor=survivor, restored=merged)

        return await self.command(context, request, pb.UnmergeProfilesResponse, run)

    async def ListMerges(
        self, request: pb.ListMergesRequest, context: aio.ServicerContext
    ) -> pb.ListMergesResponse:
        size = paging.page_size(request.page_size)
        after = paging.decode_cursor(request.page_token, 2, kinds=(int, str))
        found = await self.store.merges.page(
            request.profile_id,
            list(request.statuses),
            after,
            size + 1,
        )
        more = len(found) > size
        token = paging.encode_cursor(list(merge_cursor(found[size - 1]))) if more else ""
        return pb.ListMergesResponse(merges=found[:size], next_page_token=token)

    async def _exact(self, profile_id: str, field: str, session: AsyncClientSession) -> pb.Profile:
        """The profile with this id itself (not the one it was merged into)."""
        profile = await self.store.profiles.get(profile_id, session)
        if profile is None:
            raise NotFound(
                f"no profile with id {profile_id!r}", reason="PROFILE_NOT_FOUND", field=field
            )
        return profile
