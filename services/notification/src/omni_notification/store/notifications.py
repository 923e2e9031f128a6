"""Notification records: one per dedup key, claimed by one sender at a time (a lease)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from omni_kit import paging
from omni_kit.store import Document
from omni_notification.store.newest import newest_first

QUEUED = "NOTIFICATION_STATUS_QUEUED"
DELAYED = "NOTIFICATION_STATUS_DELAYED_QUIET_HOURS"
PENDING = [QUEUED, DELAYED]


def _newest(*fields: str) -> IndexModel:
    keys = [*((f, ASCENDING) for f in fields), ("created_at", DESCENDING), ("_id", DESCENDING)]
    return IndexModel(keys)


# The equality fields leading the `created_at` indexes, most selective first.
LISTS: list[tuple[str, ...]] = [
    ("customer_id",),
    ("event_type", "status"),
    ("event_type",),
    ("status",),
    (),
]


class NotificationStore:
    INDEXES = {
        "notifications": [
            IndexModel([("dedup_key", ASCENDING)], unique=True),
            _newest("customer_id"),
            _newest("event_type", "status"),
            _newest("event_type"),
            _newest("status"),
            _newest(),
            IndexModel([("status", ASCENDING), ("scheduled_at", ASCENDING)]),
            IndexModel([("attempts.provider_message_id", ASCENDING)]),
        ],
    }

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.notifications = db["notifications"]

    async def get(self, notification_id: str) -> Document | None:
        return await self.notifications.find_one({"_id": notification_id})

    async def by_dedup_key(
        self, key: str, session: AsyncClientSession | None = None
    ) -> Document | None:
        return await self.notifications.find_one({"dedup_key": key}, session=session)

    async def insert(self, document: Document, session: AsyncClientSession) -> None:
        await self.notifications.insert_one(document, session=session)

    async def due(self, now: datetime, limit: int) -> list[str]:
        """Ids of notifications whose send time has come and that nobody is working on (a
        (status, scheduled_at) range per pending status; the lease checked on the rows)."""
        due: list[Document] = []
        for status in PENDING:
            cursor = (
                self.notifications.find(
                    {"status": status, "scheduled_at": {"$lte": now}},
                    {"_id": 1, "scheduled_at": 1, "lease_until": 1},
                )
                .sort("scheduled_at", ASCENDING)
                .limit(2 * limit)  # some of them may be leased by a send in progress
            )
            due += await cursor.to_list(None)
        free = [d for d in due if d.get("lease_until") is None or d["lease_until"] <= now]
        free.sort(key=lambda document: document["scheduled_at"])
        return [document["_id"] for document in free[:limit]]

    async def claim(
        self, notification_id: str, token: str, now: datetime, until: datetime
    ) -> Document | None:
        """Take the notification for one send pass; None when it is not due or is taken."""
        return await self.notifications.find_one_and_update(
            {
                "_id": notification_id,
                "status": {"$in": PENDING},
                "scheduled_at": {"$lte": now},
                "$or": [{"lease_until": None}, {"lease_until": {"$lte": now}}],
            },
            {"$set": {"lease": token, "lease_until": until}},
            return_document=ReturnDocument.AFTER,
        )

    async def save_pass(
        self, notification_id: str, token: str, fields: Document, session: AsyncClientSession
    ) -> bool:
        """Store the outcome of a send pass and release the lease; False if the lease was lost."""
        result = await self.notifications.update_one(
            {"_id": notification_id, "lease": token},
            {"$set": {**fields, "lease": None, "lease_until": None}},
            session=session,
        )
        return result.matched_count == 1

    async def by_provider_message(self, provider: str, message_id: str) -> Document | None:
        async for document in self.notifications.find({"attempts.provider_message_id": message_id}):
            for attempt in document.get("attempts", []):
                if (attempt.get("provider"), attempt.get("provider_message_id")) == (
                    provider,
                    message_id,
                ):
                    return document
        return None

    async def update(
        self,
        notification_id: str,
        expected_status: str,
        fields: Document,
        session: AsyncClientSession,
    ) -> bool:
        result = await self.notifications.update_one(
            {"_id": notification_id, "status": expected_status},
            {"$set": fields},
            session=session,
        )
        return result.matched_count == 1

    async def page(
        self, query: Document, after: Sequence[paging.Value] | None, limit: int
    ) -> list[Document]:
        return await newest_first(self.notifications, query, after, limit, LISTS)
