"""Profiles and identities: find or create by any identity, search, update, add/remove."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from grpc import aio
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from omni.customer.v1 import customer_pb2
from omni_customer.api import messages
from omni_customer.api.base import ApiBase, Write, answer
from omni_customer.api.messages import IDENTITY_KIND, profile_message
from omni_customer.domain import identities, profiles
from omni_customer.domain.identities import Identity, IdentityKind
from omni_customer.domain.profiles import Profile
from omni_customer.events import publish
from omni_kit import paging
from omni_kit.facts import Event
from omni_kit.ids import new_id, utcnow

pb = customer_pb2


class ProfilesApi(ApiBase):
    async def GetProfile(
        self, request: pb.GetProfileRequest, context: aio.ServicerContext
    ) -> pb.GetProfileResponse:
        profile = await self.store.profiles.surviving(request.profile_id)
        return pb.GetProfileResponse(profile=profile_message(profile))

    async def FindProfiles(
        self, request: pb.FindProfilesRequest, context: aio.ServicerContext
    ) -> pb.FindProfilesResponse:
        size = paging.page_size(request.page_size)
        if request.identity_kind or request.identity_value:
            kind = IDENTITY_KIND.of(request.identity_kind)
            value = identities.normalize_identity(
                kind,
                request.identity_value,
                request.partner_id,
                region=self.settings.default_phone_region,
                field="identity_",
            )
            partner = request.partner_id.strip() if kind == IdentityKind.MARKETPLACE_BUYER else ""
            owner = await self.store.profiles.owner_of(
                identities.identity_key(kind, value, partner)
            )
            found = [await self.store.profiles.surviving(owner)] if owner else []
            return pb.FindProfilesResponse(profiles=[profile_message(p) for p in found])
        after = paging.decode_cursor(request.page_token, 1, kinds=(str,))
        found = await self.store.profiles.search(
            request.query.strip(),
            request.include_merged,
            after[0] if after else None,
            size + 1,
        )
        more = len(found) > size
        return pb.FindProfilesResponse(
            profiles=[profile_message(profile) for profile in found[:size]],
            next_page_token=paging.encode_cursor([found[size - 1].id]) if more else "",
        )

    async def FindOrCreateProfile(
        self, request: pb.FindOrCreateProfileRequest, context: aio.ServicerContext
    ) -> pb.FindOrCreateProfileResponse:
        now = utcnow()
        channel = messages.channel_ref(request.channel)
        identity = identities.normalized(
            messages.identity(request.identity),
            region=self.settings.default_phone_region,
            source_channel=channel.channel,
            now=now,
        )
        key = identities.key_of(identity)

        async def plan() -> Write[pb.FindOrCreateProfileResponse]:
            owner = await self.store.profiles.owner_of(key)
            if owner is not None:
                profile = await self.store.profiles.surviving(owner)
                return answer(pb.FindOrCreateProfileResponse(profile=profile_message(profile)))
            profile = profiles.new_profile(
                new_id("cus"), identity, request.display_name, channel.channel, now
            )
            event = publish.profile_created(profile, channel, messages.actor(request.actor))

            async def write(session: AsyncClientSession) -> pb.FindOrCreateProfileResponse:
                await self.store.profiles.insert(profile, [key], session)
                await self.changes.publish([event], session)
                return pb.FindOrCreateProfileResponse(
                    profile=profile_message(profile), created=True
                )

            return write

        try:
            return await self.infra.idempotency.run(
                context, request, pb.FindOrCreateProfileResponse, plan
            )
        except DuplicateKeyError:  # the same identity arrived from another channel at once
            owner = await self.store.profiles.owner_of(key)
            if owner is None:
                raise
            profile = await self.store.profiles.surviving(owner)
            return pb.FindOrCreateProfileResponse(profile=profile_message(profile))

    async def CreateProfile(
        self, request: pb.CreateProfileRequest, context: aio.ServicerContext
    ) -> pb.CreateProfileResponse:
        now = utcnow()
        given = messages.channel_ref(request.channel)
        region, channel = self.settings.default_phone_region, given.channel
        contacts = identities.unverified_contacts(
            [messages.identity(contact) for contact in request.unverified_contacts],
            region=region,
            source_channel=channel,
            now=now,
        )
        owned = identities.each_once(
            [messages.identity(identity) for identity in request.identities],
            "identities",
            region=region,
            source_channel=channel,
            now=now,
        )
        profile = profiles.new_profile(new_id("cus"), None, request.display_name, channel, now)
        profile.identities.extend(owned)
        profile.unverified_contacts.extend(contacts)
        profile.source_store_id = given.store_id
        keys = [identities.key_of(identity) for identity in owned]
        event = publish.profile_created(profile, given, messages.actor(request.actor))

        async def plan() -> Write[pb.CreateProfileResponse]:
            await self._refuse_owned(owned)

            async def write(session: AsyncClientSession) -> pb.CreateProfileResponse:
                await self.store.profiles.insert(profile, keys, session)
                await self.changes.publish([event], session)
                return pb.CreateProfileResponse(profile=profile_message(profile))

            return write

        try:
            return await self.infra.idempotency.run(
                context, request, pb.CreateProfileResponse, plan
            )
        except DuplicateKeyError:  # another profile took one of them meanwhile
            await self._refuse_owned(owned)
            raise

    async def _refuse_owned(self, owned: Sequence[Identity]) -> None:
        for index, identity in enumerate(owned):
            owner = await self.store.profiles.owner_of(identities.key_of(identity))
            if owner is not None:
                identities.refuse_taken(identity, owner, field=f"identities[{index}].value")

    async def UpdateProfile(
        self, request: pb.UpdateProfileRequest, context: aio.ServicerContext
    ) -> pb.UpdateProfileResponse:
        patch = messages.personal_fields(request.profile)
        actor = messages.actor(request.actor)

        async def work(
            profile: Profile, session: AsyncClientSession, now: datetime
        ) -> Sequence[Event]:
            profiles.check_version(profile, request.expected_version)
            changed = profiles.update_personal(profile, patch, request.update_mask.paths)
            if not changed:
                return []
            profiles.touch(profile, now)
            return [publish.profile_updated(profile, changed, actor)]

        return await self.change_profile(
            context, request, pb.UpdateProfileResponse, request.profile.id, work, field="profile.id"
        )

    async def AddIdentity(
        self, request: pb.AddIdentityRequest, context: aio.ServicerContext
    ) -> pb.AddIdentityResponse:
        identity = identities.normalized(
            messages.identity(request.identity),
            region=self.settings.default_phone_region,
            source_channel=None,
            now=utcnow(),
        )
        key = identities.key_of(identity)
        actor = messages.actor(request.actor)

        async def work(
            profile: Profile, session: AsyncClientSession, now: datetime
        ) -> Sequence[Event]:
            owner = await self.store.profiles.owner_of(key, session)
            if owner == profile.id:  # already this profile's; now perhaps proven
                if not (identity.verified and identities.mark_verified(profile, key)):
                    return []
                profiles.touch(profile, now)
                return [publish.profile_updated(profile, ["identities"], actor)]
            if owner is not None:
                identities.refuse_taken(identity, owner)
            identities.add(profile, identity)
            identities.drop_contact(profile, key)
            await self.store.profiles.claim([key], profile.id, session)
            profiles.touch(profile, now)
            return [publish.profile_updated(profile, ["identities"], actor)]

        try:
            return await self.change_profile(
                context, request, pb.AddIdentityResponse, request.profile_id, work
            )
        except DuplicateKeyError:  # claimed by another profile at the same moment
            identities.refuse_taken(identity, await self.store.profiles.owner_of(key) or "")
            raise

    async def RemoveIdentity(
        self, request: pb.RemoveIdentityRequest, context: aio.ServicerContext
    ) -> pb.RemoveIdentityResponse:
        kind = IDENTITY_KIND.of(request.kind)
        partner = request.partner_id if kind == IdentityKind.MARKETPLACE_BUYER else ""
        value = identities.normalize_identity(
            kind,
            request.value,
            partner,
            region=self.settings.default_phone_region,
            field="",
        )
        key = identities.identity_key(kind, value, partner)
        actor = messages.actor(request.actor)

        async def work(
            profile: Profile, session: AsyncClientSession, now: datetime
        ) -> Sequence[Event]:
            identities.remove(profile, key)
            await self.store.profiles.release([key], session)
            profiles.touch(profile, now)
            return [publish.profile_updated(profile, ["identities"], actor)]

        return await self.change_profile(
            context, request, pb.RemoveIdentityResponse, request.profile_id, work
        )
