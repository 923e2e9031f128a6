"""The transactional outbox: an event is stored in the same transaction as the state it reports."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bson import Binary
from google.protobuf.message import Message
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.cursor import AsyncCursor
from pymongo.asynchronous.database import AsyncDatabase

from omni_kit.attributes import searchable_attributes
from omni_kit.events.codec import event_type
from omni_kit.events.names import AGGREGATE, CHANNEL
from omni_kit.ids import new_id, utcnow
from omni_kit.store import Document, ensure_indexes
from omni_kit.telemetry import inject_headers

COLLECTION = "outbox"
SENT_RETENTION = timedelta(days=7)

_last_sequence = 0


def _sequence() -> int:
    """Strictly increasing within the process, close to wall-clock time across processes."""
    # BSON dates keep milliseconds only, so two events of one transaction would tie on created_at.
    global _last_sequence
    _last_sequence = max(_last_sequence + 1, time.time_ns())
    return _last_sequence


class Outbox:
    def __init__(
        self, db: AsyncDatabase[Document], *, retention: timedelta = SENT_RETENTION
    ) -> None:
        self.collection = db[COLLECTION]
        self.retention = retention

    @staticmethod
    def indexes() -> dict[str, list[IndexModel]]:
        return {
            COLLECTION: [
                IndexModel([("sent_at", ASCENDING), ("seq", ASCENDING)], name="pending"),
                # expire_at is only set when the event is sent, so an unsent event never expires.
                IndexModel([("expire_at", ASCENDING)], name="purge_sent", expireAfterSeconds=0),
            ]
        }

    async def ensure_indexes(self) -> None:
        await ensure_indexes(self.collection.database, self.indexes())

    async def add(
        self,
        session: AsyncClientSession,
        subject: str,
        message: Message,
        *,
        event_id: str | None = None,
    ) -> str:
        """Store an event inside the caller's transaction; the relay publishes it after commit."""
        document = self._document(subject, message, event_id or new_id("evt"))
        await self.collection.insert_one(document, session=session)
        return str(document["_id"])

    async def add_many(
        self,
        session: AsyncClientSession,
        events: Sequence[tuple[str, Message, str | None]],
    ) -> list[str]:
        """Store several (subject, message, event id) events in one write, in order."""
        documents = [
            self._document(subject, message, event_id or new_id("evt"))
            for subject, message, event_id in events
        ]
        if documents:
            await self.collection.insert_many(documents, session=session)
        return [str(document["_id"]) for document in documents]

    def _document(self, subject: str, message: Message, event_id: str) -> dict[str, Any]:
        headers = inject_headers()
        channel = searchable_attributes(message).get("omni.channel")
        if channel:
            # The first channel named is the event's own (its meta); NATS headers are strings.
            headers[CHANNEL] = channel if isinstance(channel, str) else channel[0]
        if "meta" in message.DESCRIPTOR.fields_by_name:
            meta = message.meta  # type: ignore[attr-defined]
            if meta.aggregate_id:
                headers[AGGREGATE] = f"{meta.aggregate_type}:{meta.aggregate_id}"
        return {
            "_id": event_id,
            "subject": subject,
            "type": event_type(message),
            "payload": Binary(message.SerializeToString()),
            "headers": headers,
            "seq": _sequence(),
            "created_at": utcnow(),
            "sent_at": None,
        }

    async def pending(self, limit: int) -> list[dict[str, Any]]:
        cursor = self.collection.find({"sent_at": None}).sort("seq", ASCENDING).limit(limit)
        return await cursor.to_list(limit)

    async def mark_sent(self, event_ids: list[str]) -> None:
        """One write for a whole published batch: the relay's cost per event stays small."""
        now = utcnow()
        await self.collection.update_many(
            {"_id": {"$in": event_ids}, "sent_at": None},
            {"$set": {"sent_at": now, "expire_at": now + self.retention}},
        )

    async def backlog(self) -> int:
        return await self.collection.count_documents({"sent_at": None})

    async def oldest_pending_age(self) -> float:
        """Seconds the oldest unpublished event has waited; 0 when none waits."""
        oldest = await self.collection.find_one(
            {"sent_at": None}, {"created_at": 1}, sort=[("sent_at", ASCENDING), ("seq", ASCENDING)]
        )
        if oldest is None:
            return 0.0
        return max(0.0, (utcnow() - oldest["created_at"]).total_seconds())

    def written_since(self, since: datetime) -> AsyncCursor[dict[str, Any]]:
        """Every event written at or after `since`, sent or not, in the order written (what
        outbox republish sends again; sent events are kept for `retention`)."""
        return self.collection.find({"created_at": {"$gte": since}}).sort("seq", ASCENDING)
