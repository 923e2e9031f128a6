"""Catalog promotions (`catalog_promotions`), and the discounts that cover a product's listings.

A promotion in force or ahead keeps `targets`, one `<channel key>|<category id>` per pair it
covers, so the promotions covering a product are one indexed read of its channels times its
categories (with their ancestors: a promotion on a category covers its descendants). A
promotion that changed keeps `sweep` (what it covered before and after) until the sale-window
task has made the browse documents it covers due (sale_windows.py)."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from omni_catalog.domain.channels import Channel, SalesChannel, channel_key
from omni_catalog.domain.listings import ChannelListing
from omni_catalog.domain.promotions import Discount, Promotion, targets
from omni_catalog.domain.versions import stale
from omni_kit.errors import NotFound

Session = AsyncClientSession | None
COLLECTION = "catalog_promotions"
DAWN = datetime(1970, 1, 1, tzinfo=UTC)
# Lists go newest first by one unique string (creation time, then id): a page after a cursor is
# one range of one index.
NEWEST = "newest"
INDEXES = {
    COLLECTION: [
        IndexModel([("targets", ASCENDING), ("ends_at", ASCENDING)], name="targets"),
        IndexModel([("sweep_at", ASCENDING)], name="sweeps", sparse=True),
        IndexModel([(NEWEST, DESCENDING)], name="newest"),
        IndexModel([("active", ASCENDING), (NEWEST, DESCENDING)], name="active_newest"),
    ]
}


class PromotionStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.docs = db[COLLECTION]

    async def insert(self, promotion: Promotion, session: AsyncClientSession) -> None:
        await self.docs.insert_one(_document(promotion, None), session=session)

    async def replace(
        self, before: Promotion, after: Promotion, session: AsyncClientSession
    ) -> None:
        result = await self.docs.replace_one(
            {"_id": after.id, "version": before.version}, _document(after, before), session=session
        )
        if result.matched_count == 0:
            current = await self.get(after.id)
            raise stale("the promotion", before.version, current.version)

    async def get(self, promotion_id: str, field: str = "id") -> Promotion:
        document = await self.docs.find_one({"_id": promotion_id})
        if document is None:
            raise NotFound(
                f"no catalog promotion with id {promotion_id!r}",
                reason="PROMOTION_NOT_FOUND",
                field=field,
            )
        return _promotion(document)

    async def page(
        self, query: dict[str, Any], before: str | None, limit: int
    ) -> list[tuple[str, Promotion]]:
        """Promotions matching `query`, newest first, after the cursor `before`; each with its
        cursor."""
        if before is not None:
            query = {**query, NEWEST: {"$lt": before}}
        cursor = self.docs.find(query).sort([(NEWEST, DESCENDING)]).limit(limit)
        return [(document[NEWEST], _promotion(document)) async for document in cursor]

    async def covering(
        self, pairs: Sequence[str], at: datetime, session: Session = None
    ) -> list[Promotion]:
        """The promotions not over by `at` that cover any of the `<channel>|<category>` pairs:
        one indexed read per pair (an equality and a range is a shape every store serves from
        the index; `$in` with a range is not)."""
        found: dict[str, Promotion] = {}
        for pair in dict.fromkeys(pairs):
            query = {"targets": pair, "ends_at": {"$gt": at}}
            async for document in self.docs.find(query, session=session):
                found.setdefault(document["_id"], _promotion(document))
        return list(found.values())

    async def sweeps(self, limit: int) -> list[dict[str, Any]]:
        """Promotions whose change the browse documents have not yet followed."""
        cursor = self.docs.find({"sweep_at": {"$gte": DAWN}}, {"sweep": 1, "version": 1})
        return [document async for document in cursor.limit(limit)]

    async def swept(self, document: Mapping[str, Any]) -> None:
        """The sweep of `document` is done (unless the promotion changed again meanwhile)."""
        await self.docs.update_one(
            {"_id": document["_id"], "version": document["version"]},
            {"$unset": {"sweep_at": "", "sweep": ""}},
        )

    async def discounted(
        self,
        covered: Sequence[tuple[ChannelListing, Sequence[str]]],
        at: datetime,
        session: Session = None,
    ) -> list[ChannelListing]:
        """Each listing, given with its product's categories and their ancestors, carrying the
        promotions that cover it, in force or ahead (one read for them all)."""
        pairs = {
            pair
            for listing, cats in covered
            for pair in targets([channel_key(listing.channel)], cats)
        }
        found = await self.covering(sorted(pairs), at, session)
        by_pair: dict[str, list[Discount]] = defaultdict(list)
        for promotion in found:
            for pair in targets(promotion.channels_keys(), promotion.category_ids):
                by_pair[pair].append(promotion.discount)
        result = []
        for listing, cats in covered:
            mine = {
                discount
                for pair in targets([channel_key(listing.channel)], cats)
                for discount in by_pair.get(pair, ())
            }
            ordered = tuple(sorted(mine, key=lambda d: (d.starts_at, -d.basis_points, d.ends_at)))
            result.append(dataclasses.replace(listing, discounts=ordered))
        return result


def channel_of(key: str) -> Channel:
    """The channel a channel key names (channel_key's inverse)."""
    name, _, partner = key.partition(":")
    return Channel(SalesChannel[name.removeprefix("SALES_CHANNEL_")], partner)


def _document(promotion: Promotion, before: Promotion | None) -> dict[str, Any]:
    keys = promotion.channels_keys()
    document: dict[str, Any] = {
        "_id": promotion.id,
        "name": promotion.name,
        "percentage_basis_points": promotion.percentage_basis_points,
        "category_ids": list(promotion.category_ids),
        "channels": keys,
        "starts_at": promotion.starts_at,
        "ends_at": promotion.ends_at,
        "active": promotion.active,
        "version": promotion.version,
        "created_at": promotion.created_at,
        "updated_at": promotion.updated_at,
        "targets": targets(keys, promotion.category_ids) if promotion.active else [],
        NEWEST: f"{(promotion.created_at or DAWN).isoformat()}|{promotion.id}",
    }
    channels, cats = set(keys), set(promotion.category_ids)
    if before is not None:
        channels |= set(before.channels_keys())
        cats |= set(before.category_ids)
    document["sweep"] = {"channels": sorted(channels), "category_ids": sorted(cats)}
    document["sweep_at"] = promotion.updated_at
    return document


def _promotion(document: Mapping[str, Any]) -> Promotion:
    return Promotion(
        id=document["_id"],
        name=document["name"],
        percentage_basis_points=document["percentage_basis_points"],
        category_ids=tuple(document["category_ids"]),
        channels=tuple(channel_of(key) for key in document["channels"]),
        starts_at=document["starts_at"],
        ends_at=document["ends_at"],
        active=document["active"],
        version=document["version"],
        created_at=document["created_at"],
        updated_at=document["updated_at"],
    )
