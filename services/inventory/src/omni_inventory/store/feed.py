"""The stock feed's order: each SKU once, at its latest level change, oldest change first.

The walk reads stock levels by update time in bounded windows (`omni_kit.keyset`) from the
feed's `updated_since`, or from the floor of every level's update time on a first sync, and
keeps a level only where it is its SKU's latest change (the SKU shows up again, later, at that
one). Each kept SKU's levels are read by its own index (a row per location)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from omni_inventory.store import Collections, listing
from omni_kit import keyset

Document = dict[str, Any]


@dataclass
class FeedEntry:
    sku: str
    available: int
    next_inbound_at: datetime | None
    updated_at: datetime
    # The (updated_at, level id) the next page starts after.
    cursor: tuple[datetime, str]


async def page(
    collections: Collections,
    since: datetime | None,
    after: tuple[datetime, str] | None,
    size: int,
    inactive: set[str],
) -> tuple[list[FeedEntry], bool]:
    """Up to `size` entries after the cursor `after`, and whether more follow."""
    branches, floor = await listing.start(collections.floors, "stock", "updated_at", [{}])
    if floor is None:
        return [], False
    begin = floor if since is None else max(since, floor)
    chosen: list[FeedEntry] = []
    cursor = after
    while len(chosen) <= size:
        want = size + 1 - len(chosen)
        rows = await keyset.page(
            collections.stock,
            branches,
            listing.UPDATED,
            limit=want,
            descending=False,
            after=cursor,
            start=begin,
        )
        skus = sorted({row["sku"] for row in rows})
        found = await asyncio.gather(*(_levels(collections, sku) for sku in skus))
        levels = dict(zip(skus, found, strict=True))
        for row in rows:
            entry = _entry(row, levels[row["sku"]], inactive)
            if entry is not None:
                chosen.append(entry)
        if len(rows) < want:
            break
        cursor = (rows[-1]["updated_at"], rows[-1]["_id"])
    return chosen[:size], len(chosen) > size


async def _levels(collections: Collections, sku: str) -> list[Document]:
    return await collections.stock.find({"sku": sku}).to_list(None)


def _entry(row: Document, levels: list[Document], inactive: set[str]) -> FeedEntry | None:
    """The SKU's entry when `row` is its latest change (None: a later one stands for it)."""
    latest = max(levels, key=lambda level: (level["updated_at"], level["_id"]), default=row)
    if latest["_id"] != row["_id"]:
        return None
    active = [level for level in levels if level["location_id"] not in inactive]
    arrivals = [level["next_inbound_at"] for level in active if level.get("next_inbound_at")]
    return FeedEntry(
        sku=row["sku"],
        available=sum(level.get("available", 0) for level in active),
        next_inbound_at=min(arrivals, default=None),
        updated_at=row["updated_at"],
        cursor=(row["updated_at"], row["_id"]),
    )
