"""The inbox: a consumer's effect and the record that it processed the event commit together,
so a redelivered (or concurrently delivered) event has no second effect."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from pymongo import ASCENDING, AsyncMongoClient, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from omni_kit.ids import utcnow
from omni_kit.store import Document, ensure_indexes, transaction

COLLECTION = "inbox"
# Longer than any redelivery window (consumer retries, outbox republish after a crash).
RETENTION = timedelta(days=14)

Effect = Callable[[AsyncClientSession], Awaitable[Any]]


class _AlreadyProcessed(Exception):
    pass


class Inbox:
    def __init__(
        self,
        db: AsyncDatabase[Document],
        consumer_name: str,
        *,
        retention: timedelta = RETENTION,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self.collection = db[COLLECTION]
        self.consumer_name = consumer_name
        self.retention = retention
        # Called after an effect commits (the service's outbox relay: publish what it added).
        self.on_commit = on_commit

    @staticmethod
    def indexes() -> dict[str, list[IndexModel]]:
        return {COLLECTION: [IndexModel([("expire_at", ASCENDING)], expireAfterSeconds=0)]}

    async def ensure_indexes(self) -> None:
        await ensure_indexes(self.collection.database, self.indexes())

    async def handle_once(
        self, client: AsyncMongoClient[Document], event_id: str, effect: Effect
    ) -> bool:
        """Apply `effect(session)` unless this consumer already did for this event id.

        Returns True if the effect was applied now, False if it had been applied before.
        """
        key = f"{self.consumer_name}:{event_id}"

        async def work(session: AsyncClientSession) -> bool:
            if await self.collection.find_one({"_id": key}, {"_id": 1}, session=session):
                return False
            now = utcnow()
            try:
                # Recorded before the effect: a concurrent duplicate conflicts here, is retried
                # by the transaction helper, and then finds this record.
                await self.collection.insert_one(
                    {
                        "_id": key,
                        "consumer": self.consumer_name,
                        "event_id": event_id,
                        "processed_at": now,
                        "expire_at": now + self.retention,
                    },
                    session=session,
                )
            except DuplicateKeyError:
                raise _AlreadyProcessed from None
            await effect(session)
            return True

        try:
            applied = await transaction(client, work)
        except _AlreadyProcessed:
            return False
        if applied and self.on_commit is not None:
            self.on_commit()
        return applied
