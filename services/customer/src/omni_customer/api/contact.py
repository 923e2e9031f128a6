"""Addresses, preferences, consents, and the contact permission other services ask for."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from grpc import aio
from pymongo.asynchronous.client_session import AsyncClientSession

from omni.customer.v1 import customer_pb2
from omni_customer.api import messages
from omni_customer.api.base import ApiBase
from omni_customer.api.messages import CONTACT_CHANNEL, CONTACT_PURPOSE, profile_message
from omni_customer.domain import addresses, permissions, preferences, profiles
from omni_customer.domain.profiles import Profile
from omni_customer.domain.timeline import ObjectRef
from omni_customer.events import publish
from omni_kit.facts import Event
from omni_kit.ids import new_id, utcnow
from omni_kit.protos import from_timestamp

pb = customer_pb2


class ContactApi(ApiBase):
    async def AddAddress(
        self, request: pb.AddAddressRequest, context: aio.ServicerContext
    ) -> pb.AddAddressResponse:
        address = dataclasses.replace(messages.address(request.address), id=new_id("adr"))
        actor = messages.actor(request.actor)

        async def work(
            profile: Profile, session: AsyncClientSession, now: datetime
        ) -> Sequence[Event]:
            addresses.add(profile, address)
            profiles.touch(profile, now)
            return [publish.profile_updated(profile, ["addresses"], actor)]

        def respond(profile: Profile) -> pb.AddAddressResponse:
            stored = addresses.find(profile, address.id, field="address.id")
            return pb.AddAddressResponse(
                address=messages.address_message(stored), profile=profile_message(profile)
            )

        return await self.change_profile(
            context, request, pb.AddAddressResponse, request.profile_id, work, respond=respond
        )

    async def UpdateAddress(
        self, request: pb.UpdateAddressRequest, context: aio.ServicerContext
    ) -> pb.UpdateAddressResponse:
        patch = messages.address(request.address)
        actor = messages.actor(request.actor)

        async def work(
            profile: Profile, session: AsyncClientSession, now: datetime
        ) -> Sequence[Event]:
            addresses.update(profile, patch, request.update_mask.paths)
            profiles.touch(profile, now)
            return [publish.profile_updated(profile, ["addresses"], actor)]

        def respond(profile: Profile) -> pb.UpdateAddressResponse:
            stored = addresses.find(profile, patch.id, field="address.id")
            return pb.UpdateAddressResponse(
                address=messages.address_message(stored), profile=profile_message(profile)
            )

        return await self.change_profile(
            context, request, pb.UpdateAddressResponse, request.profile_id, work, respond=respond
        )

    async def RemoveAddress(
        self, request: pb.RemoveAddressRequest, context: aio.ServicerContext
    ) -> pb.RemoveAddressResponse:
        actor = messages.actor(request.actor)

        async def work(
            profile: Profile, session: AsyncClientSession, now: datetime
        ) -> Sequence[Event]:
            addresses.remove(profile, request.address_id)
            profiles.touch(profile, now)
            return [publish.profile_updated(profile, ["addresses"], actor)]

        return await self.change_profile(
            context, request, pb.RemoveAddressResponse, request.profile_id, work
        )

    async def UpdatePreferences(
        self, request: pb.UpdatePreferencesRequest, context: aio.ServicerContext
    ) -> pb.UpdatePreferencesResponse:
        patch = messages.preferences(request.preferences)
        actor, channel = messages.actor(request.actor), messages.channel_ref(request.channel)

        async def work(
            profile: Profile, session: AsyncClientSession, now: datetime
        ) -> Sequence[Event]:
            if not preferences.update(profile, patch, request.update_mask.paths):
                return []
            profiles.touch(profile, now)
            return [publish.preferences_changed(profile, actor, channel)]

        return await self.change_profile(
            context, request, pb.UpdatePreferencesResponse, request.profile_id, work
        )

    async def RecordConsent(
        self, request: pb.RecordConsentRequest, context: aio.ServicerContext
    ) -> pb.RecordConsentResponse:
        channel, purpose = CONTACT_CHANNEL.of(request.channel), CONTACT_PURPOSE.of(request.purpose)
        source, actor = messages.channel_ref(request.source), messages.actor(request.actor)

        async def work(
            profile: Profile, session: AsyncClientSession, now: datetime
        ) -> Sequence[Event]:
            consent, before = preferences.record_consent(
                profile,
                channel,
                purpose,
                request.granted,
                source,
                actor,
                now,
                customer_request=request.customer_request,
            )
            profiles.touch(profile, now)
            await self.store.consents.append(profile.id, consent, session)
            await self.changes.profile_note(
                profile.id,
                preferences.describe(consent),
                ObjectRef("profile", profile.id),
                actor,
                now,
                session,
                seed=f"consent:{profile.id}:{profile.version}",
                channel=source,
            )
            return [publish.consent_changed(profile, consent, before)]

        return await self.change_profile(
            context, request, pb.RecordConsentResponse, request.profile_id, work
        )

    async def GetContactPermission(
        self, request: pb.GetContactPermissionRequest, context: aio.ServicerContext
    ) -> pb.GetContactPermissionResponse:
        profile = await self.store.profiles.surviving(request.profile_id)
        purpose = CONTACT_PURPOSE.of(request.purpose)
        channel = (  # without a purpose, that is the first thing to name
            CONTACT_CHANNEL.checked(request.channel, "unknown contact channel {}", "channel")
            if purpose
            else None
        )
        at = from_timestamp(request.at) if request.HasField("at") else utcnow()
        permission = permissions.contact_permission(
            profile, purpose, urgent=request.urgent, channel=channel, at=at
        )
        return pb.GetContactPermissionResponse(permission=messages.permission_message(permission))
