"""Timeline entries, newest first; entries moved by a merge carry its id so undo moves them back."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from omni_customer.domain.timeline import Entry, EntryType
from omni_customer.domain.values import SalesChannel
from omni_customer.store.documents import entry_document, enum_name, to_entry
from omni_kit import keyset

Session = AsyncClientSession | None
# The newest first, ties broken by id: (occurred_at as epoch milliseconds, _id).
Cursor = tuple[int, str]
# One customer's history is sparse (a few entries a month): the first window looks back a week.
OCCURRED = keyset.time_axis("occurred_at", width=timedelta(days=7))
# A filter naming more values than this is checked on the entries read, not an index branch
# each (the customer's own feed asks for every type but the internal ones).
MAX_BRANCHES = 6


def _feed(*fields: str, name: str | None = None) -> IndexModel:
    keys = [("profile_id", ASCENDING), *((f, ASCENDING) for f in fields)]
    keys += [("occurred_at", DESCENDING), ("_id", DESCENDING)]
    return IndexModel(keys, name=name) if name else IndexModel(keys)


INDEXES = {
    "timeline": [
        _feed(name="feed"),
        _feed("type"),
        _feed("channel.channel"),
        _feed("channel.channel", "type"),
        IndexModel([("merges", ASCENDING)], name="moved_by_merge"),
    ]
}


# The equality fields leading the feed indexes, most selective first.
FEEDS: list[tuple[str, ...]] = [
    ("profile_id", "channel.channel", "type"),
    ("profile_id", "type"),
    ("profile_id", "channel.channel"),
    ("profile_id",),
]


def cursor_of(entry: Entry) -> Cursor:
    occurred = entry.occurred_at or datetime.fromtimestamp(0, UTC)
    return int(occurred.timestamp() * 1000), entry.id


class TimelineStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.entries = db["timeline"]

    async def insert(self, entry: Entry, session: AsyncClientSession) -> None:
        await self.entries.insert_one({**entry_document(entry), "merges": []}, session=session)

    async def exists(self, entry_id: str, session: Session = None) -> bool:
        return (
            await self.entries.find_one({"_id": entry_id}, {"_id": 1}, session=session) is not None
        )

    async def get(self, entry_id: str, session: Session = None) -> Entry | None:
        document = await self.entries.find_one({"_id": entry_id}, session=session)
        return None if document is None else to_entry(document)

    async def page(
        self,
        profile_id: str,
        *,
        channels: Sequence[SalesChannel | None],
        types: Sequence[EntryType | None],
        start: datetime | None,
        end: datetime | None,
        after: Cursor | None,
        limit: int,
    ) -> list[Entry]:
        wanted_channels: list[str | None] = [None if c is None else enum_name(c) for c in channels]
        wanted_types = [
            "TIMELINE_ENTRY_TYPE_UNSPECIFIED" if t is None else enum_name(t) for t in types
        ]
        wanted: dict[str, list[Any]] = {
            "profile_id": [profile_id],
            "channel.channel": wanted_channels,
            "type": wanted_types,
        }
        branches, rest = keyset.plan(wanted, FEEDS, max_branches=MAX_BRANCHES)
        since = None if after is None else datetime.fromtimestamp(after[0] / 1000, UTC)
        found = await keyset.page(
            self.entries,
            branches,
            OCCURRED,
            limit=limit,
            after=None if after is None or since is None else (since, after[1]),
            start=start,
            end=end,
            keep=keyset.keeps(rest),
        )
        return [to_entry(document) for document in found]

    async def all_for(self, profile_ids: Sequence[str], session: Session = None) -> list[Entry]:
        cursor = self.entries.find({"profile_id": {"$in": list(profile_ids)}}, session=session)
        cursor = cursor.sort([("occurred_at", DESCENDING), ("_id", DESCENDING)])
        return [to_entry(document) async for document in cursor]

    async def replace(self, entry: Entry, session: AsyncClientSession) -> None:
        tags = await self._tags(entry.id, session)
        await self.entries.replace_one(
            {"_id": entry.id}, {**entry_document(entry), "merges": tags}, session=session
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
