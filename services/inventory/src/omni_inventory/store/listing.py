"""Keyset pagination over a collection sorted by (field, _id), ascending."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from omni_kit import paging


async def page(
    collection: AsyncCollection[dict[str, Any]],
    query: dict[str, Any],
    field: str,
    size: int,
    token: str,
) -> tuple[list[dict[str, Any]], str]:
    """One page of documents and the token for the next ("" at the end)."""
    after = paging.decode_cursor(token, 2)
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
    return documents[:size], paging.encode_cursor([_dump(last.get(field)), last["_id"]])


def where(**conditions: Any) -> dict[str, Any]:
    """A query from the filters a List request set (empty strings and lists mean "any");
    a list matches any of its values."""
    query: dict[str, Any] = {}
    for name, value in conditions.items():
        if isinstance(value, str) or not isinstance(value, Iterable):
            if value:
                query[name] = value
        elif values := list(value):
            query[name] = {"$in": values}
    return query


def names(enum: Any, values: Any) -> list[str]:
    """Enum values as the names documents store."""
    return [enum.Name(value) for value in values]


def _dump(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"ms": int(value.timestamp() * 1000)}
    return value


def _load(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"ms"}:
        return datetime.fromtimestamp(value["ms"] / 1000, UTC)
    return value
