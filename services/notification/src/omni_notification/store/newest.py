"""Newest-first pages over (created_at, _id), the order every notification list uses."""

from __future__ import annotations

from pymongo import DESCENDING
from pymongo.asynchronous.collection import AsyncCollection

from omni_kit.store import Document


async def newest_first(
    collection: AsyncCollection[Document], query: Document, after: list[object] | None, limit: int
) -> list[Document]:
    """`after` is the (created_at, _id) of the previous page's last item."""
    if after is not None:
        created_at, last_id = after
        query = {
            **query,
            "$or": [
                {"created_at": {"$lt": created_at}},
                {"created_at": created_at, "_id": {"$lt": last_id}},
            ],
        }
    cursor = collection.find(query).sort([("created_at", DESCENDING), ("_id", DESCENDING)])
    return await cursor.limit(limit).to_list(limit)
