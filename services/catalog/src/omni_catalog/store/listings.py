"""Channel listings: one document per (product, channel[, partner]).

`feed_at` is the last time the listing or its product changed: marketplace feeds page by it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from omni_catalog.domain.listings import ChannelListing
from omni_catalog.domain.versions import stale
from omni_catalog.store.documents import RETIRED, listing_document, listing_id, listing_of
from omni_kit.errors import AlreadyExists, NotFound

Session = AsyncClientSession | None


class ListingStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.listings = db["listings"]

    async def get(
        self, product_id: str, key: str, session: Session = None
    ) -> ChannelListing | None:
        document = await self.listings.find_one(
            {"_id": listing_id(product_id, key)}, session=session
        )
        return None if document is None else listing_of(document)

    async def require(self, product_id: str, key: str, session: Session = None) -> ChannelListing:
        listing = await self.get(product_id, key, session)
        if listing is None:
            raise no_listing(product_id, key)
        return listing

    async def insert(self, listing: ChannelListing, session: AsyncClientSession) -> None:
        try:
            await self.listings.insert_one(_stored(listing), session=session)
        except DuplicateKeyError:
            raise AlreadyExists(
                "this product already has a listing on this channel; update it with its version",
                reason="LISTING_EXISTS",
                field="expected_version",
            ) from None

    async def insert_many(
        self, listings: Sequence[ChannelListing], session: AsyncClientSession
    ) -> None:
        if listings:
            await self.listings.insert_many(
                [_stored(listing) for listing in listings], session=session
            )

    async def replace(
        self,
        listing: ChannelListing,
        expected_version: int,
        session: AsyncClientSession,
    ) -> None:
        document = _stored(listing)
        result = await self.listings.replace_one(
            {"_id": document["_id"], "version": expected_version}, document, session=session
        )
        if result.matched_count == 0:
            current = await self.listings.find_one(
                {"_id": document["_id"]}, {"version": 1}, session=session
            )
            raise stale("the listing", expected_version, current["version"] if current else 0)

    async def for_product(self, product_id: str, session: Session = None) -> list[ChannelListing]:
        cursor = self.listings.find({"product_id": product_id}, session=session)
        return [listing_of(document) async for document in cursor]

    async def for_products(self, product_ids: Sequence[str], key: str) -> dict[str, ChannelListing]:
        ids = [listing_id(product_id, key) for product_id in product_ids]
        cursor = self.listings.find({"_id": {"$in": ids}})
        return {doc["product_id"]: listing_of(doc) async for doc in cursor}

    async def touch(self, product_id: str, at: datetime, session: AsyncClientSession) -> None:
        """The product changed: its listings reappear in feeds."""
        await self.listings.update_many(
            {"product_id": product_id}, {"$set": {"feed_at": at}}, session=session
        )

    async def touch_one(
        self, product_id: str, key: str, at: datetime, session: AsyncClientSession
    ) -> None:
        """The listing's price in force changed: it reappears in feeds."""
        await self.listings.update_one(
            {"_id": listing_id(product_id, key)}, {"$set": {"feed_at": at}}, session=session
        )

    async def retire(
        self, product_id: str, skus: list[str], at: datetime, session: AsyncClientSession
    ) -> None:
        """The product is deleted: its listings (unpublished by now) stay behind as tombstones,
        so a marketplace feed tells the partner to take the SKUs down."""
        await self.listings.update_many(
            {"product_id": product_id},
            {"$set": {RETIRED: skus, "feed_at": at}},
            session=session,
        )

    async def page(
        self, query: dict[str, Any], sort: list[tuple[str, int]], limit: int
    ) -> list[dict[str, Any]]:
        cursor = self.listings.find(query).sort(sort).limit(limit)
        return [document async for document in cursor]


def no_listing(product_id: str, key: str) -> NotFound:
    return NotFound(
        f"product {product_id!r} has no listing on {key}",
        reason="LISTING_NOT_FOUND",
        field="listing.channel",
        metadata={"product_id": product_id, "channel": key},
    )


def _stored(listing: ChannelListing) -> dict[str, Any]:
    document = listing_document(listing)
    document["feed_at"] = listing.updated_at
    return document
