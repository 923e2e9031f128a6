"""What every part of the servicer shares: the store, the outbox, one way to change a profile.

Every state-changing RPC is a command of the kit's idempotency pipeline: its write reads,
checks and changes state through the session it is given, in the transaction that also records
the caller's key with the response, so a repeat under that key answers the stored response."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TypeVar

from google.protobuf.message import Message
from grpc import aio
from pymongo.asynchronous.client_session import AsyncClientSession

from omni_customer.api.messages import profile_message
from omni_customer.changes import Changes
from omni_customer.domain.profiles import Profile, require_writable
from omni_customer.settings import CustomerSettings
from omni_customer.store import CustomerStore
from omni_kit.facts import Event
from omni_kit.idempotency import Work as Write
from omni_kit.ids import utcnow
from omni_kit.runtime import Infrastructure

R = TypeVar("R", bound=Message)
# Changes the loaded profile (calling domain.profiles.touch when it does), may write other
# collections through the session, and returns the events to publish.
Work = Callable[[Profile, AsyncClientSession, datetime], Awaitable[Sequence[Event]]]


class ApiBase:
    def __init__(
        self, infra: Infrastructure, store: CustomerStore, settings: CustomerSettings
    ) -> None:
        self.infra = infra
        self.store = store
        self.settings = settings
        self.changes = Changes(store, infra.outbox)

    async def command(
        self,
        context: aio.ServicerContext,
        request: Message,
        response_type: type[R],
        write: Write[R],
    ) -> R:
        """Run `write` (it reads, checks and writes through its session, all in one transaction)
        once per caller and idempotency key; a repeat answers the stored response."""

        async def plan() -> Write[R]:
            return write

        return await self.infra.idempotency.run(context, request, response_type, plan)

    async def change_profile(
        self,
        context: aio.ServicerContext,
        request: Message,
        response_type: type[R],
        profile_id: str,
        work: Work,
        *,
        respond: Callable[[Profile], R] | None = None,
        field: str = "profile_id",
    ) -> R:
        """As one command: load the surviving profile, apply `work`, store it and its events,
        and answer `respond(profile)` (by default `response_type(profile=profile)`).

        Nothing is written when `work` raises.
        """

        async def run(session: AsyncClientSession) -> R:
            profile = await self.store.profiles.surviving(profile_id, session, field=field)
            require_writable(profile)
            before = profile.version
            events = await work(profile, session, utcnow())
            await self.changes.save(profile, before, events, session)
            if respond is not None:
                return respond(profile)
            return response_type(profile=profile_message(profile))

        return await self.command(context, request, response_type, run)


def answer(response: R) -> Write[R]:
    """The write of a command that changes nothing: it only answers (and is recorded so)."""

    async def write(session: AsyncClientSession) -> R:
        return response

    return write
