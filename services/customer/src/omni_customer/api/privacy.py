"""Privacy: export everything stored about a customer; erase the person."""

from __future__ import annotations

from grpc import aio
from pymongo.asynchronous.client_session import AsyncClientSession

from omni.customer.v1 import customer_pb2
from omni_customer.api.base import ApiBase
from omni_customer.domain import identities, privacy, timeline
from omni_customer.events import publish
from omni_kit.ids import utcnow

pb = customer_pb2


class PrivacyApi(ApiBase):
    async def ExportProfile(
        self, request: pb.ExportProfileRequest, context: aio.ServicerContext
    ) -> pb.ExportProfileResponse:
        profile = await self.store.profiles.surviving(request.profile_id)
        merged = await self.store.profiles.merged_into(profile.id)
        ids = [profile.id, *(other.id for other in merged)]
        document = privacy.export_document(
            profile=profile,
            merged_profiles=merged,
            merges=await self.store.merges.involving(ids),
            timeline=await self.store.timeline.all_for(ids),
            consent_history=await self.store.consents.of(ids),
            loyalty_ledger=await self.store.ledger.of(ids),
            exported_at=utcnow(),
        )
        return pb.ExportProfileResponse(json=document)

    async def EraseProfile(
        self, request: pb.EraseProfileRequest, context: aio.ServicerContext
    ) -> pb.EraseProfileResponse:
        async def run(session: AsyncClientSession) -> pb.EraseProfileResponse:
            profile = await self.store.profiles.surviving(request.profile_id, session)
            if profile.status == pb.PROFILE_STATUS_ERASED:
                return pb.EraseProfileResponse(profile=profile)  # nothing left to erase
            merged = await self.store.profiles.merged_into(profile.id, session)
            ids = [profile.id, *(other.id for other in merged)]
            keys = [identities.key_of(identity) for identity in profile.identities]
            await self.store.profiles.release(keys, session)
            before = profile.version
            privacy.erase(profile, utcnow())
            await self.store.profiles.save(profile, before, session)
            for other in merged:
                version = other.version
                privacy.erase_merged(other, utcnow())
                await self.store.profiles.save(other, version, session)
            for entry in await self.store.timeline.all_for(ids, session):
                timeline.erase(entry)
                await self.store.timeline.replace(entry, session)
            await self.store.merges.forget_identities(ids, session)
            erased = [publish.profile_erased(p, request.actor) for p in (profile, *merged)]
            await self.changes.publish(erased, session)
            return pb.EraseProfileResponse(profile=profile)

        return await self.command(context, request, pb.EraseProfileResponse, run)
