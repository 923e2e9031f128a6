"""Products: one document per product, its variants inside; SKUs unique by index."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from omni_catalog.domain.products import Product
from omni_catalog.domain.versions import stale
from omni_catalog.store.documents import product_document, product_of
from omni_kit.errors import AlreadyExists, NotFound

Session = AsyncClientSession | None


class ProductStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.products = db["products"]

    async def insert(self, product: Product, session: AsyncClientSession) -> None:
        try:
            await self.products.insert_one(product_document(product), session=session)
        except DuplicateKeyError as error:
            raise _taken(error) from None

    async def insert_many(self, products: Sequence[Product], session: AsyncClientSession) -> None:
        try:
            await self.products.insert_many(
                [product_document(product) for product in products], session=session
            )
        except BulkWriteError as error:
            duplicate = next(
                (e for e in error.details.get("writeErrors", []) if e.get("code") == 11000), None
            )
            if duplicate is None:
                raise
            raise _taken(DuplicateKeyError(duplicate.get("errmsg", ""), 11000, duplicate)) from None

    async def slug_owners(self, slugs: Sequence[str]) -> dict[str, str]:
        cursor = self.products.find({"slug": {"$in": list(slugs)}}, {"slug": 1})
        return {document["slug"]: document["_id"] async for document in cursor}

    async def replace(
        self, product: Product, expected_version: int, session: AsyncClientSession
    ) -> None:
        """Store `product` if the stored one still has `expected_version`."""
        try:
            result = await self.products.replace_one(
                {"_id": product.id, "version": expected_version},
                product_document(product),
                session=session,
            )
        except DuplicateKeyError as error:
            raise _taken(error) from None
        if result.matched_count == 0:
            await self.stale(product.id, expected_version, session)

    async def delete(
        self, product_id: str, expected_version: int, session: AsyncClientSession
    ) -> None:
        query: dict[str, Any] = {"_id": product_id}
        if expected_version:
            query["version"] = expected_version
        result = await self.products.delete_one(query, session=session)
        if result.deleted_count == 0:
            await self.stale(product_id, expected_version, session)

    async def stale(self, product_id: str, expected_version: int, session: Session) -> None:
        """Raise why a conditional write on `product_id` matched nothing."""
        current = await self.products.find_one({"_id": product_id}, {"version": 1}, session=session)
        if current is None:
            raise not_found(product_id)
        raise stale(f"product {product_id!r}", expected_version, current["version"])

    async def get(
        self, product_id: str, session: Session = None, field: str = "product_id"
    ) -> Product:
        document = await self.products.find_one({"_id": product_id}, session=session)
        if document is None:
            raise not_found(product_id, field)
        return product_of(document)

    async def find(self, product_ids: Sequence[str]) -> dict[str, Product]:
        cursor = self.products.find({"_id": {"$in": list(product_ids)}})
        return {doc["_id"]: product_of(doc) async for doc in cursor}

    async def in_categories(
        self, category_ids: Sequence[str], session: Session = None
    ) -> list[Product]:
        cursor = self.products.find({"category_ids": {"$in": list(category_ids)}}, session=session)
        return [product_of(document) async for document in cursor]

    async def by_skus(self, skus: Sequence[str]) -> dict[str, Product]:
        """The product owning each SKU that exists."""
        wanted = set(skus)
        owners: dict[str, Product] = {}
        async for document in self.products.find({"variants.sku": {"$in": list(wanted)}}):
            product = product_of(document)
            owners.update({v.sku: product for v in product.variants if v.sku in wanted})
        return owners

    async def sku_owner(self, skus: Sequence[str], other_than: str = "") -> tuple[str, str] | None:
        """(sku, product id) of the first SKU in `skus` another product already has."""
        query: dict[str, Any] = {"variants.sku": {"$in": list(skus)}}
        if other_than:
            query["_id"] = {"$ne": other_than}
        document = await self.products.find_one(query, {"variants.sku": 1})
        if document is None:
            return None
        taken = {variant["sku"] for variant in document["variants"]}
        return next(sku for sku in skus if sku in taken), document["_id"]

    async def slug_owner(self, slug: str, other_than: str = "") -> str | None:
        query: dict[str, Any] = {"slug": slug}
        if other_than:
            query["_id"] = {"$ne": other_than}
        document = await self.products.find_one(query, {"_id": 1})
        return None if document is None else str(document["_id"])


def not_found(product_id: str, field: str = "product_id") -> NotFound:
    return NotFound(
        f"no product with id {product_id!r}",
        reason="PRODUCT_NOT_FOUND",
        field=field,
        metadata={"product_id": product_id},
    )


def sku_taken(sku: str, owner: str = "") -> AlreadyExists:
    return AlreadyExists(
        f"SKU {sku!r} already belongs to another product{f' ({owner})' if owner else ''}",
        reason="SKU_TAKEN",
        field="product.variants.sku",
        metadata={"sku": sku, **({"product_id": owner} if owner else {})},
    )


def slug_taken(slug: str) -> AlreadyExists:
    return AlreadyExists(
        f"slug {slug!r} already belongs to another product",
        reason="SLUG_TAKEN",
        field="product.slug",
        metadata={"slug": slug},
    )


def _taken(error: DuplicateKeyError) -> AlreadyExists:
    """A unique index refused a write another request raced in first."""
    key, value = next(iter(((error.details or {}).get("keyValue") or {"slug": ""}).items()))
    return sku_taken(str(value)) if "sku" in key else slug_taken(str(value))
