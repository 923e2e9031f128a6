"""What every part of the servicer shares: the stores, transactional writes with their events,
and request_id replay for creates."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from google.protobuf.message import Message
from pymongo.asynchronous.client_session import AsyncClientSession

from omni_catalog.readmodel import ReadModel
from omni_catalog.store import CategoryStore, ListingStore, ProductStore
from omni_kit.facts import Event
from omni_kit.idempotency import IdempotencyStore, fingerprint
from omni_kit.runtime import Infrastructure

R = TypeVar("R", bound=Message)
Work = Callable[[AsyncClientSession], Awaitable[list[Event]]]


class Catalog:
    def __init__(self, infra: Infrastructure) -> None:
        self.infra = infra
        self.products = ProductStore(infra.db)
        self.categories = CategoryStore(infra.db)
        self.listings = ListingStore(infra.db)
        self.idempotency = IdempotencyStore(infra.db)
        self.readmodel = ReadModel(infra.db, getattr(infra.settings, "vocabulary_seconds", 30.0))

    async def commit(self, work: Work) -> None:
        """Run `work` in one transaction with the events it returns: all or nothing."""

        async def run(session: AsyncClientSession) -> None:
            facts = [(event.subject, event.message, event.id) for event in await work(session)]
            await self.infra.outbox.add_many(session, facts)

        await self.infra.transaction(run)

    async def once(
        self,
        method: str,
        request_id: str,
        request: Message,
        response_type: type[R],
        work: Callable[[], Awaitable[R]],
    ) -> R:
        """Run a create once per request_id; a repeat gets the first response."""
        if not request_id:
            return await work()

        async def run() -> bytes:
            return (await work()).SerializeToString()

        digest = fingerprint(request.SerializeToString(deterministic=True))
        outcome = await self.idempotency.run(method, request_id, digest, run)
        return response_type.FromString(outcome.response)
