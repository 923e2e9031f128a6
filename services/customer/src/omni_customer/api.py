"""The CustomerService gRPC servicer: protobuf <-> domain and store."""

from __future__ import annotations

from grpc import aio
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from omni.customer.v1 import customer_pb2, customer_pb2_grpc
from omni_customer import domain, events
from omni_customer.store import ProfileStore
from omni_kit.errors import InvalidArgument, NotFound
from omni_kit.ids import new_id, utcnow
from omni_kit.protos import from_document, to_document, to_timestamp
from omni_kit.runtime import Infrastructure

MAX_MERGE_HOPS = 16


class CustomerApi(customer_pb2_grpc.CustomerServiceServicer):
    def __init__(self, infra: Infrastructure, store: ProfileStore) -> None:
        self.infra = infra
        self.store = store

    async def GetProfile(
        self, request: customer_pb2.GetProfileRequest, context: aio.ServicerContext
    ) -> customer_pb2.GetProfileResponse:
        if not request.profile_id:
            raise InvalidArgument("profile_id is required", field="profile_id")
        return customer_pb2.GetProfileResponse(profile=await self._surviving(request.profile_id))

    async def FindOrCreateProfile(
        self, request: customer_pb2.FindOrCreateProfileRequest, context: aio.ServicerContext
    ) -> customer_pb2.FindOrCreateProfileResponse:
        given = request.identity
        value = domain.normalize_identity(given.kind, given.value, given.partner_id)
        key = domain.identity_key(given.kind, value, given.partner_id)
        owner = await self.store.owner_of(key)
        if owner is not None:
            return customer_pb2.FindOrCreateProfileResponse(profile=await self._surviving(owner))
        now = to_timestamp(utcnow())
        identity = customer_pb2.Identity(
            kind=given.kind,
            value=value,
            partner_id=given.partner_id,
            source_channel=request.channel.channel,
            added_at=now,
        )
        profile = customer_pb2.Profile(
            id=new_id("cus"),
            version=1,
            status=customer_pb2.PROFILE_STATUS_ACTIVE,
            display_name=request.display_name,
            identities=[identity],
            source_channel=request.channel.channel,
            created_at=now,
            updated_at=now,
        )
        event = events.profile_created(profile, request.channel, request.actor)

        async def write(session: AsyncClientSession) -> None:
            await self.store.insert(to_document(profile), [key], session)
            await self.infra.outbox.add(session, event.subject, event.message, event_id=event.id)

        try:
            await self.infra.transaction(write)
        except DuplicateKeyError:  # the same identity arrived from another channel at once
            owner = await self.store.owner_of(key)
            if owner is None:
                raise
            return customer_pb2.FindOrCreateProfileResponse(profile=await self._surviving(owner))
        return customer_pb2.FindOrCreateProfileResponse(profile=profile, created=True)

    async def _surviving(self, profile_id: str) -> customer_pb2.Profile:
        """The profile, following merges to the one that survived."""
        current = profile_id
        for _ in range(MAX_MERGE_HOPS):
            document = await self.store.get(current)
            if document is None:
                raise NotFound(f"no profile with id {profile_id!r}", reason="PROFILE_NOT_FOUND")
            if not document.get("merged_into_id"):
                return from_document(document, customer_pb2.Profile)
            current = document["merged_into_id"]
        raise NotFound(f"profile {profile_id!r} has a merge chain too long to follow")
