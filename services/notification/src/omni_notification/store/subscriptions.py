"""Back-in-stock subscriptions; at most one active per customer, SKU and location."""

from __future__ import annotations

from collections.abc import Sequence

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from omni_kit import paging
from omni_kit.store import Document
from omni_notification.store.newest import newest_first

ACTIVE = "SUBSCRIPTION_STATUS_ACTIVE"


def active_key(customer_id: str, sku: str, location_id: str) -> str:
    return f"{customer_id}|{sku}|{location_id}"


def _newest(*fields: str) -> IndexModel:
    keys = [*((f, ASCENDING) for f in fields), ("created_at", DESCENDING), ("_id", DESCENDING)]
    return IndexModel(keys)


# The equality fields leading the `created_at` indexes, most selective first.
LISTS: list[tuple[str, ...]] = [("customer_id",), ("sku", "status"), ("sku",), ("status",), ()]


class SubscriptionStore:
    INDEXES = {
        "subscriptions": [
            # Set only while active, so closed subscriptions never block a new one.
            IndexModel([("active_key", ASCENDING)], unique=True, sparse=True),
            IndexModel([("sku", ASCENDING), ("status", ASCENDING)]),
            _newest("customer_id"),
            _newest("sku", "status"),
            _newest("sku"),
            _newest("status"),
            _newest(),
        ],
    }

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.subscriptions = db["subscriptions"]

    async def get(self, subscription_id: str) -> Document | None:
        return await self.subscriptions.find_one({"_id": subscription_id})

    async def active(self, customer_id: str, sku: str, location_id: str) -> Document | None:
        return await self.subscriptions.find_one(
            {"active_key": active_key(customer_id, sku, location_id)}
        )

    async def insert(self, document: Document, session: AsyncClientSession) -> None:
        key = active_key(document["customer_id"], document["sku"], document.get("location_id", ""))
        await self.subscriptions.insert_one({**document, "active_key": key}, session=session)

    async def active_for_sku(self, sku: str) -> list[Document]:
        return await self.subscriptions.find({"sku": sku, "status": ACTIVE}).to_list(None)

    async def close(
        self, subscription_id: str, fields: Document, session: AsyncClientSession
    ) -> Document | None:
        """Close an active subscription; None when it is not active any more."""
        return await self.subscriptions.find_one_and_update(
            {"_id": subscription_id, "status": ACTIVE},
            {"$set": fields, "$unset": {"active_key": ""}},
            session=session,
            return_document=ReturnDocument.AFTER,
        )

    async def page(
        self, query: Document, after: Sequence[paging.Value] | None, limit: int
    ) -> list[Document]:
        return await newest_first(self.subscriptions, query, after, limit, LISTS)
