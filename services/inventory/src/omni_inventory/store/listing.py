"""Keyset pagination over a collection sorted by (field, _id), ascending."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from omni_inventory.domain import paging


async def page(
    collection: AsyncCollection[dict[str, Any]],
    query: dict[str, Any],
    field: str,
    size: int,
    token: str,
) -> tuple[list[dict[str, Any]], str]:
    """One page of documents and the token for the next ("" at the end)."""
    after = paging.decode(token, 2)
    if after is not None:
        value, last_id = _load(after[0]), after[1]
        query = {
            "$and": [
                query,
                {"$or": [{field: {"$gt": value}}, {field: value, "_id": {"$gt": last_id}}]},
            ]
        }
    cursor = collection.find(query).sort([(field, 1), ("_id", 1)]).limit(size + 1)
    documents = await cursor.to_list(size + 1)
    if len(documents) <= size:
        return documents, ""
    last = documents[size - 1]
    return documents[:size], paging.encode(_dump(last.get(field)), last["_id"])


def _dump(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"ms": int(value.timestamp() * 1000)}
    return value


def _load(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"ms"}:
        return datetime.fromtimestamp(value["ms"] / 1000, UTC)
    return value
