"""Addresses, preferences, consents, and the contact permission other services ask for."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from grpc import aio
from pymongo.asynchronous.client_session import AsyncClientSession

from omni.customer.v1 import customer_pb2
from omni_customer.api.base import ApiBase
from omni_customer.domain import addresses, permissions, preferences, profiles
from omni_customer.events import publish
from omni_kit.facts import Event
from omni_kit.ids import new_id, utcnow
from omni_kit.protos import from_timestamp

pb = customer_pb2


class ContactApi(ApiBase):
    async def AddAddress(
        self, request: pb.AddAddressRequest, context: aio.ServicerContext
    ) -> pb.AddAddressResponse:
        address = pb.CustomerAddress()
        address.CopyFrom(request.address)
        address.id = new_id("adr")

        async def work(
            profile: pb.Profile, session: AsyncClientSession, now: datetime
        ) -> Sequence[Event]:
            added = pb.CustomerAddress()
            added.CopyFrom(address)  # the store may run this again: start from the request
            addresses.add(profile, added)
            profiles.touch(profile, now)
            return [publish.profile_updated(profile, ["addresses"], request.actor)]

        def respond(profile: pb.Profile) -> pb.AddAddressResponse:
            stored = addresses.find(profile, address.id, field="address.id")
            return pb.AddAddressResponse(address=stored, profile=profile)

        return await self.change_profile(
            context, request, pb.AddAddressResponse, request.profile_id, work, respond=respond
        )

    async def UpdateAddress(
        self, request: pb.UpdateAddressRequest, context: aio.ServicerContext
    ) -> pb.UpdateAddressResponse:
        async def work(
            profile: pb.Profile, session: AsyncClientSession, now: datetime
        ) -> Sequence[Event]:
            addresses.update(profile, request.address, request.update_mask)
            profiles.touch(profile, now)
            return [publish.profile_updated(profile, ["addresses"], request.actor)]

        def respond(profile: pb.Profile) -> pb.UpdateAddressResponse:
            stored = addresses.find(profile, request.address.id, field="address.id")
            return pb.UpdateAddressResponse(address=stored, profile=profile)

        return await self.change_profile(
            context, request, pb.UpdateAddressResponse, request.profile_id, work, respond=respond
        )

    async def RemoveAddress(
        self, request: pb.RemoveAddressRequest, context: aio.ServicerContext
    ) -> pb.RemoveAddressResponse:
        async def work(
            profile: pb.Profile, session: AsyncClientSession, now: datetime
        ) -> Sequence[Event]:
            addresses.remove(profile, request.address_id)
            profiles.touch(profile, now)
            return [publish.profile_updated(profile, ["addresses"], request.actor)]

        return await self.change_profile(
            context, request, pb.RemoveAddressResponse, request.profile_id, work
        )

    async def UpdatePreferences(
        self, request: pb.UpdatePreferencesRequest, context: aio.ServicerContext
    ) -> pb.UpdatePreferencesResponse:
        async def work(
            profile: pb.Profile, session: AsyncClientSession, now: datetime
        ) -> Sequence[Event]:
            if not preferences.update(profile, request.preferences, request.update_mask):
                return []
            profiles.touch(profile, now)
            return [publish.preferences_changed(profile, request.actor, request.channel)]

        return await self.change_profile(
            context, request, pb.UpdatePreferencesResponse, request.profile_id, work
        )

    async def RecordConsent(
        self, request: pb.RecordConsentRequest, context: aio.ServicerContext
    ) -> pb.RecordConsentResponse:
        async def work(
            profile: pb.Profile, session: AsyncClientSession, now: datetime
        ) -> Sequence[Event]:
            consent, before = preferences.record_consent(
                profile,
                request.channel,
                request.purpose,
                request.granted,
                request.source,
                request.actor,
                now,
            )
            profiles.touch(profile, now)
            await self.store.consents.append(profile.id, consent, session)
            await self.changes.profile_note(
                profile.id,
                preferences.describe(consent),
                pb.ObjectRef(kind="profile", id=profile.id),
                request.actor,
                now,
                session,
                seed=f"consent:{profile.id}:{profile.version}",
                channel=request.source,
            )
            return [publish.consent_changed(profile, consent, before)]

        return await self.change_profile(
            context, request, pb.RecordConsentResponse, request.profile_id, work
        )

    async def GetContactPermission(
        self, request: pb.GetContactPermissionRequest, context: aio.ServicerContext
    ) -> pb.GetContactPermissionResponse:
        profile = await self.store.profiles.surviving(request.profile_id)
        at = from_timestamp(request.at) if request.HasField("at") else utcnow()
        permission = permissions.contact_permission(
            profile, request.purpose, urgent=request.urgent, channel=request.channel, at=at
        )
        return pb.GetContactPermissionResponse(permission=permission)
