"""Timeline entries, newest first; entries moved by a merge carry its id so undo moves them back."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2
from omni_kit.protos import from_document, from_timestamp, to_document

Session = AsyncClientSession | None
Entry = customer_pb2.TimelineEntry
# The newest first, ties broken by id: (occurred_at as epoch milliseconds, _id).
Cursor = tuple[int, str]

INDEXES = {
    "timeline": [
        IndexModel(
            [("profile_id", ASCENDING), ("occurred_at", DESCENDING), ("_id", DESCENDING)],
            name="feed",
        ),
        IndexModel([("merges", ASCENDING)], name="moved_by_merge"),
    ]
}


def cursor_of(entry: Entry) -> Cursor:
    return int(from_timestamp(entry.occurred_at).timestamp() * 1000), entry.id


class TimelineStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.entries = db["timeline"]

    async def insert(self, entry: Entry, session: AsyncClientSession) -> None:
        await self.entries.insert_one({**to_document(entry), "merges": []}, session=session)

    async def exists(self, entry_id: str, session: Session = None) -> bool:
        return (
            await self.entries.find_one({"_id": entry_id}, {"_id": 1}, session=session) is not None
        )

    async def get(self, entry_id: str, session: Session = None) -> Entry | None:
        document = await self.entries.find_one({"_id": entry_id}, session=session)
        return None if document is None else from_document(document, Entry)

    async def page(
        self,
        profile_id: str,
        *,
        channels: Sequence[int],
        types: Sequence[int],
        time_range: common_pb2.TimeRange | None,
        after: Cursor | None,
        limit: int,
    ) -> list[Entry]:
        conditions: list[dict[str, Any]] = [{"profile_id": profile_id}]
        if channels:
            names = [common_pb2.SalesChannel.Name(c) for c in channels]
            if common_pb2.SALES_CHANNEL_UNSPECIFIED in channels:
                conditions.append(
                    {"$or": [{"channel.channel": {"$in": names}}, {"channel.channel": None}]}
                )
            else:
                conditions.append({"channel.channel": {"$in": names}})
        if types:
            names = [customer_pb2.TimelineEntryType.Name(t) for t in types]
            conditions.append({"type": {"$in": names}})
        if time_range is not None and time_range.HasField("start_time"):
            conditions.append({"occurred_at": {"$gte": from_timestamp(time_range.start_time)}})
        if time_range is not None and time_range.HasField("end_time"):
            conditions.append({"occurred_at": {"$lt": from_timestamp(time_range.end_time)}})
        if after is not None:
            at = datetime.fromtimestamp(after[0] / 1000, UTC)
            conditions.append(
                {
                    "$or": [
                        {"occurred_at": {"$lt": at}},
                        {"occurred_at": at, "_id": {"$lt": after[1]}},
                    ]
                }
            )
        cursor = (
            self.entries.find({"$and": conditions})
            .sort([("occurred_at", DESCENDING), ("_id", DESCENDING)])
            .limit(limit)
        )
        return [from_document(document, Entry) async for document in cursor]

    async def all_for(self, profile_ids: Sequence[str], session: Session = None) -> list[Entry]:
        cursor = self.entries.find({"profile_id": {"$in": list(profile_ids)}}, session=session)
        cursor = cursor.sort([("occurred_at", DESCENDING), ("_id", DESCENDING)])
        return [from_document(document, Entry) async for document in cursor]

    async def replace(self, entry: Entry, session: AsyncClientSession) -> None:
        tags = await self._tags(entry.id, session)
        await self.entries.replace_one(
            {"_id": entry.id}, {**to_document(entry), "merges": tags}, session=session
        )

    async def move(
        self, from_profile: str, to_profile: str, merge_id: str, session: AsyncClientSession
    ) -> int:
        result = await self.entries.update_many(
            {"profile_id": from_profile},
            {"$set": {"profile_id": to_profile}, "$push": {"merges": merge_id}},
            session=session,
        )
        return result.modified_count

    async def move_back(self, merge_id: str, to_profile: str, session: AsyncClientSession) -> int:
        result = await self.entries.update_many(
            {"merges": merge_id},
            {"$set": {"profile_id": to_profile}, "$pull": {"merges": merge_id}},
            session=session,
        )
        return result.modified_count

    async def _tags(self, entry_id: str, session: AsyncClientSession) -> list[str]:
        found = await self.entries.find_one({"_id": entry_id}, {"merges": 1}, session=session)
        return list((found or {}).get("merges", []))
