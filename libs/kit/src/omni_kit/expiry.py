"""Deletes what a TTL index says has expired, through that index: a bounded range read of the
expired entries only. MongoDB's own TTL monitor does the same; the dev store's sweeper instead
reads every document of the collection under a global lock (so it is turned off, see
localstack.STORE_CONFIG), and this task is what keeps outboxes, inboxes and idempotency records
from growing without end there."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pymongo import IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from omni_kit.ids import utcnow
from omni_kit.logs import get_logger
from omni_kit.store import Document

DAWN = datetime(1970, 1, 1, tzinfo=UTC)
log = get_logger("omni.kit.expiry")


@dataclass(frozen=True)
class Expiring:
    collection: str
    field: str
    after: timedelta


def expiring(indexes: Mapping[str, Sequence[IndexModel]]) -> list[Expiring]:
    """The single-field TTL indexes among `indexes`."""
    found = []
    for collection, models in indexes.items():
        for model in models:
            spec = model.document
            seconds = spec.get("expireAfterSeconds")
            keys = list(spec["key"])
            if seconds is not None and len(keys) == 1:
                found.append(Expiring(collection, keys[0], timedelta(seconds=seconds)))
    return found


async def delete_expired(
    db: AsyncDatabase[Document], rules: Sequence[Expiring], now: datetime | None = None
) -> int:
    at = now or utcnow()
    deleted = 0
    for rule in rules:
        # Bounded below too: documents without the field (not yet expiring) are never read.
        query = {rule.field: {"$gte": DAWN, "$lt": at - rule.after}}
        result = await db[rule.collection].delete_many(query)
        deleted += result.deleted_count
    return deleted


async def run(db: AsyncDatabase[Document], rules: Sequence[Expiring], every: float = 60.0) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            await delete_expired(db, rules)
        except PyMongoError as error:
            log.warning("expiry_failed", error=str(error))
