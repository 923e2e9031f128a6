"""What every part of the servicer shares: the store, the outbox, one way to change a profile."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from pymongo.asynchronous.client_session import AsyncClientSession

from omni.customer.v1 import customer_pb2
from omni_customer.changes import Changes
from omni_customer.domain.profiles import require_writable
from omni_customer.settings import CustomerSettings
from omni_customer.store import CustomerStore
from omni_kit.facts import Event
from omni_kit.ids import new_id, utcnow
from omni_kit.runtime import Infrastructure

Profile = customer_pb2.Profile
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

    async def change_profile(
        self, profile_id: str, work: Work, *, field: str = "profile_id"
    ) -> Profile:
        """In one transaction: load the surviving profile, apply `work`, store it and its events.

        Nothing is written when `work` raises.
        """

        async def run(session: AsyncClientSession) -> Profile:
            profile = await self.store.profiles.surviving(profile_id, session, field=field)
            require_writable(profile)
            before = profile.version
            events = await work(profile, session, utcnow())
            await self.changes.save(profile, before, events, session)
            return profile

        return await self.infra.transaction(run)


def stable_id(prefix: str, *parts: str) -> str:
    """An id derived from a client's request id, so a retried request finds its first result."""
    if not parts[-1]:
        return new_id(prefix)
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f"{prefix}_{digest}"
