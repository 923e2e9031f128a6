"""Privacy: export everything stored about a customer; erase the person."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message
from grpc import aio
from pymongo.asynchronous.client_session import AsyncClientSession

from omni.customer.v1 import customer_pb2
from omni_customer.api import messages
from omni_customer.api.base import ApiBase
from omni_customer.api.messages import profile_message
from omni_customer.domain import identities, privacy, timeline
from omni_customer.domain.merge import ProfileMerge
from omni_customer.domain.profiles import Profile, ProfileStatus
from omni_customer.domain.timeline import Entry
from omni_customer.events import publish
from omni_kit.ids import utcnow
from omni_kit.protos import to_timestamp

pb = customer_pb2


class PrivacyApi(ApiBase):
    async def ExportProfile(
        self, request: pb.ExportProfileRequest, context: aio.ServicerContext
    ) -> pb.ExportProfileResponse:
        profile = await self.store.profiles.surviving(request.profile_id)
        merged = await self.store.profiles.merged_into(profile.id)
        ids = [profile.id, *(other.id for other in merged)]
        document = export_document(
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
        actor = messages.actor(request.actor)

        async def run(session: AsyncClientSession) -> pb.EraseProfileResponse:
            profile = await self.store.profiles.surviving(request.profile_id, session)
            if profile.status == ProfileStatus.ERASED:  # nothing left to erase
                return pb.EraseProfileResponse(profile=profile_message(profile))
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
                await self.store.timeline.replace(timeline.erase(entry), session)
            await self.store.merges.forget_identities(ids, session)
            erased = [publish.profile_erased(p, actor) for p in (profile, *merged)]
            await self.changes.publish(erased, session)
            return pb.EraseProfileResponse(profile=profile_message(profile))

        return await self.command(context, request, pb.EraseProfileResponse, run)


def export_document(
    *,
    profile: Profile,
    merged_profiles: Iterable[Profile],
    merges: Iterable[ProfileMerge],
    timeline: Iterable[Entry],
    consent_history: Iterable[Mapping[str, Any]],
    loyalty_ledger: Iterable[Mapping[str, Any]],
    exported_at: datetime,
) -> str:
    """Everything stored, as JSON: the records in their contract's JSON form."""
    document = {
        "exported_at": _json(to_timestamp(exported_at)),
        "profile": _json(profile_message(profile)),
        "merged_profiles": [_json(profile_message(p)) for p in merged_profiles],
        "merges": [_json(messages.merge_message(m)) for m in merges],
        "consent_history": [_plain(record) for record in consent_history],
        "loyalty_ledger": [_plain(record) for record in loyalty_ledger],
        "timeline": [_json(messages.entry_message(entry)) for entry in timeline],
    }
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True)


def _json(message: Message) -> Any:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, Mapping):
        return {("id" if key == "_id" else key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value
