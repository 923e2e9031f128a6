"""Back-in-stock subscriptions; at most one active per customer, SKU and location."""

from __future__ import annotations

from collections.abc import Sequence

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from omni_kit import paging
from omni_kit.store import Document
from omni_notification.domain.subscriptions import Subscription, SubscriptionStatus
from omni_notification.store.documents import subscription_document, to_subscription
from omni_notification.store.newest import newest_first

ACTIVE = SubscriptionStatus.ACTIVE.value


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

    async def get(self, subscription_id: str) -> Subscription | None:
        document = await self.subscriptions.find_one({"_id": subscription_id})
        return None if document is None else to_subscription(document)

    async def active(self, customer_id: str, sku: str, location_id: str) -> Subscription | None:
        document = await self.subscriptions.find_one(
            {"active_key": active_key(customer_id, sku, location_id)}
        )
        return None if document is None else to_subscription(document)

    async def insert(self, subscription: Subscription, session: AsyncClientSession) -> None:
        s = subscription
        document = subscription_document(s)
        document["active_key"] = active_key(s.customer_id, s.sku, s.location_id)
        await self.subscriptions.insert_one(document, session=session)

    async def active_for_sku(self, sku: str) -> list[Subscription]:
        cursor = self.subscriptions.find({"sku": sku, "status": ACTIVE})
        return [to_subscription(document) async for document in cursor]

    async def active_places(self, skus: Sequence[str]) -> set[tuple[str, str]]:
        """(SKU, location) of every active subscription to these SKUs, in one read of the
        (sku, status) index ("" for a subscription that takes any location)."""
        cursor = self.subscriptions.find(
            {"sku": {"$in": list(skus)}, "status": ACTIVE}, {"sku": 1, "location_id": 1}
        )
        return {(d["sku"], d.get("location_id") or "") async for d in cursor}

    async def close(self, subscription: Subscription, session: AsyncClientSession) -> bool:
        """Store the closed subscription if it is still active; False when it is not any more
        (only closing changes a subscription, so the rest is as it was read)."""
        fields = {k: v for k, v in subscription_document(subscription).items() if k != "_id"}
        closed = await self.subscriptions.update_one(
            {"_id": subscription.id, "status": ACTIVE},
            {"$set": fields, "$unset": {"active_key": ""}},
            session=session,
        )
        return closed.matched_count == 1

    async def page(
        self, query: Document, after: Sequence[paging.Value] | None, limit: int
    ) -> list[Subscription]:
        found = await newest_first(self.subscriptions, query, after, limit, LISTS)
        return [to_subscription(document) for document in found]
