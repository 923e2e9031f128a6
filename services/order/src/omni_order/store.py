"""The order service's collections, indexes and queries."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

ACTIVE = "CART_STATUS_ACTIVE"

INDEXES = {
    "carts": [
        # One active cart per customer and per anonymous visitor, whatever the device.
        IndexModel(
            [("customer_id", ASCENDING)],
            unique=True,
            partialFilterExpression={"status": ACTIVE, "customer_id": {"$type": "string"}},
            name="one_active_cart_per_customer",
        ),
        IndexModel(
            [("anonymous_id", ASCENDING)],
            unique=True,
            partialFilterExpression={"status": ACTIVE, "anonymous_id": {"$type": "string"}},
            name="one_active_cart_per_visitor",
        ),
    ],
}


class CartStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.carts = db["carts"]

    async def get(self, cart_id: str) -> dict[str, Any] | None:
        return await self.carts.find_one({"_id": cart_id})

    async def find_active(self, owner_field: str, owner: str) -> dict[str, Any] | None:
        return await self.carts.find_one({owner_field: owner, "status": ACTIVE})

    async def insert_active(self, document: dict[str, Any]) -> bool:
        """False when another device created the owner's active cart first."""
        try:
            await self.carts.insert_one(document)
        except DuplicateKeyError:
            return False
        return True
