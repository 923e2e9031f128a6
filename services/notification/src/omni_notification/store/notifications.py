"""Notification records: one per dedup key, claimed by one sender at a time (a lease)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from omni_kit import paging
from omni_kit.store import Document
from omni_notification.domain.notifications import PENDING as PENDING_STATUSES
from omni_notification.domain.notifications import Notification, NotificationStatus
from omni_notification.store.documents import (
    notification_document,
    notification_fields,
    pass_fields,
    to_notification,
)
from omni_notification.store.newest import newest_first

PENDING = [status.value for status in PENDING_STATUSES]


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

    async def get(self, notification_id: str) -> Notification | None:
        document = await self.notifications.find_one({"_id": notification_id})
        return None if document is None else to_notification(document)

    async def recorded(self, key: str, session: AsyncClientSession | None = None) -> bool:
        """Whether a notification with this dedup key exists."""
        found = await self.notifications.find_one({"dedup_key": key}, {"_id": 1}, session=session)
        return found is not None

    async def insert(self, notification: Notification, session: AsyncClientSession) -> None:
        await self.notifications.insert_one(notification_document(notification), session=session)

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
    ) -> Notification | None:
        """Take the notification for one send pass; None when it is not due or is taken."""
        document = await self.notifications.find_one_and_update(
            {
                "_id": notification_id,
                "status": {"$in": PENDING},
                "scheduled_at": {"$lte": now},
                "$or": [{"lease_until": None}, {"lease_until": {"$lte": now}}],
            },
            {"$set": {"lease": token, "lease_until": until}},
            return_document=ReturnDocument.AFTER,
        )
        return None if document is None else to_notification(document)

    async def save_pass(
        self, notification: Notification, token: str, session: AsyncClientSession
    ) -> bool:
        """Store the outcome of a send pass and release the lease; False if the lease was lost."""
        result = await self.notifications.update_one(
            {"_id": notification.id, "lease": token},
            {"$set": {**pass_fields(notification), "lease": None, "lease_until": None}},
            session=session,
        )
        return result.matched_count == 1

    async def by_provider_message(self, provider: str, message_id: str) -> Notification | None:
        async for document in self.notifications.find({"attempts.provider_message_id": message_id}):
            for attempt in document.get("attempts", []):
                if (attempt.get("provider"), attempt.get("provider_message_id")) == (
                    provider,
                    message_id,
                ):
                    return to_notification(document)
        return None

    async def save_receipt(
        self,
        notification: Notification,
        expected_status: NotificationStatus | None,
        session: AsyncClientSession,
    ) -> bool:
        """Store a receipt's changes if the status is still the one it was read with."""
        document = notification_fields(notification)
        fields = {
            "status": document["status"],
            "status_reason": notification.status_reason,
            "attempts": document["attempts"],
            "updated_at": notification.updated_at,
        }
        if notification.delivered_at is not None:
            fields["delivered_at"] = notification.delivered_at
        status = expected_status.value if expected_status else None
        result = await self.notifications.update_one(
            {"_id": notification.id, "status": status},
            {"$set": fields},
            session=session,
        )
        return result.matched_count == 1

    async def page(
        self, query: Document, after: Sequence[paging.Value] | None, limit: int
    ) -> list[Notification]:
        found = await newest_first(self.notifications, query, after, limit, LISTS)
        return [to_notification(document) for document in found]
