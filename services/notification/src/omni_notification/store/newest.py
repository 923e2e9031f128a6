"""Newest-first pages over (created_at, _id), the order every notification list uses.

A list's query (equality, `$in`, and a `created_at` range) is planned into index branches
(`omni_kit.keyset.plan`) read in `created_at` windows, so every page is an index range of
about a page whatever the number of notifications."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from omni_kit import keyset, paging
from omni_kit.store import Document

CREATED = keyset.time_axis("created_at")


async def newest_first(
    collection: AsyncCollection[Document],
    query: Document,
    after: Sequence[paging.Value] | None,
    limit: int,
    lists: Sequence[tuple[str, ...]],
) -> list[Document]:
    """`after` is the (created_at, _id) of the previous page's last item; `lists` are the
    equality fields leading the collection's `created_at` indexes, most selective first."""
    wanted: dict[str, list[Any]] = {}
    window: Document = {}
    for name, condition in query.items():
        if name == "created_at":
            window = condition
        elif isinstance(condition, dict) and set(condition) == {"$in"}:
            wanted[name] = list(condition["$in"])
        elif isinstance(condition, dict):
            raise ValueError(f"{name}: only equality, $in and a created_at range are planned")
        else:
            wanted[name] = [condition]
    branches, rest = keyset.plan(wanted, lists)
    return await keyset.page(
        collection,
        branches,
        CREATED,
        limit=limit,
        after=None if after is None else (after[0], after[1]),
        start=window.get("$gte"),
        end=window.get("$lt"),
        keep=keyset.keeps(rest),
    )
