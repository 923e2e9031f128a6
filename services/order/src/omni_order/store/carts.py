"""Carts: one active cart per customer and per anonymous visitor."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from omni_kit.errors import NotFound
from omni_order.domain.carts import Cart, CartStatus
from omni_order.store.documents import from_document, save_version, to_document

ACTIVE = CartStatus.ACTIVE.value

CART_INDEXES = {
    "carts": [
        # One active cart per customer and per anonymous visitor, whatever the device.
        # `$gte: ""` (every string) rather than `$type`, which the dev store cannot reason
        # about: a look-up of an owner's active cart then reads this index.
        IndexModel(
            [("customer_id", ASCENDING)],
            unique=True,
            partialFilterExpression={"status": ACTIVE, "customer_id": {"$gte": ""}},
            name="one_active_cart_per_customer_id",
        ),
        IndexModel(
            [("anonymous_id", ASCENDING)],
            unique=True,
            partialFilterExpression={"status": ACTIVE, "anonymous_id": {"$gte": ""}},
            name="one_active_cart_per_visitor_id",
        ),
    ],
}
OBSOLETE_CART_INDEXES = {"carts": ["one_active_cart_per_customer", "one_active_cart_per_visitor"]}


class CartStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.carts = db["carts"]

    async def get(self, cart_id: str) -> Cart:
        document = await self.carts.find_one({"_id": cart_id})
        if document is None:
            raise NotFound(f"no cart with id {cart_id!r}", reason="CART_NOT_FOUND", field="cart_id")
        return from_document(document, Cart)

    async def find_active(self, owner_field: str, owner: str) -> Cart | None:
        document = await self.carts.find_one({owner_field: owner, "status": ACTIVE})
        return None if document is None else from_document(document, Cart)

    async def insert_active(self, cart: Cart) -> bool:
        """False when another device created the owner's active cart first."""
        try:
            await self.carts.insert_one(to_document(cart))
        except DuplicateKeyError:
            return False
        return True

    async def save(self, cart: Cart, session: AsyncClientSession) -> None:
        """Write the cart's next version (cart.version already incremented)."""
        await save_version(self.carts, cart, {}, session)
