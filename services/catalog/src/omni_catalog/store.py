"""The catalog's collections, indexes and queries."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from omni_kit.errors import AlreadyExists

INDEXES = {
    "products": [
        IndexModel([("slug", ASCENDING)], unique=True),
        IndexModel([("variants.sku", ASCENDING)], unique=True, sparse=True),
        IndexModel([("category_ids", ASCENDING)]),
        IndexModel([("updated_at", ASCENDING), ("_id", ASCENDING)]),
    ],
}


class ProductStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.products = db["products"]

    async def insert(self, document: dict[str, Any], session: AsyncClientSession) -> None:
        try:
            await self.products.insert_one(document, session=session)
        except DuplicateKeyError as error:
            key = next(iter((error.details or {}).get("keyValue") or {"slug": ""}))
            field = "product.variants.sku" if key.startswith("variants") else "product.slug"
            raise AlreadyExists(
                f"another product already uses this {'SKU' if 'sku' in key else 'slug'}",
                reason="SKU_TAKEN" if "sku" in key else "SLUG_TAKEN",
                field=field,
            ) from None

    async def get(self, product_id: str) -> dict[str, Any] | None:
        return await self.products.find_one({"_id": product_id})
