"""The catalog's collections, indexes and queries."""

from __future__ import annotations

from pymongo import ASCENDING, IndexModel

from omni_catalog.store.categories import CategoryStore
from omni_catalog.store.listings import ListingStore
from omni_catalog.store.products import ProductStore

INDEXES = {
    "products": [
        IndexModel([("slug", ASCENDING)], unique=True),
        IndexModel([("variants.sku", ASCENDING)], unique=True, sparse=True),
        IndexModel([("category_ids", ASCENDING)]),
        IndexModel([("status", ASCENDING), ("created_at", ASCENDING), ("_id", ASCENDING)]),
        IndexModel([("updated_at", ASCENDING), ("_id", ASCENDING)]),
    ],
    "categories": [
        IndexModel([("path", ASCENDING)], unique=True),
        IndexModel([("parent_id", ASCENDING), ("position", ASCENDING), ("_id", ASCENDING)]),
        IndexModel([("ancestor_ids", ASCENDING)]),
    ],
    "listings": [
        IndexModel([("product_id", ASCENDING)]),
        IndexModel([("channel_key", ASCENDING), ("feed_at", ASCENDING), ("_id", ASCENDING)]),
    ],
}

__all__ = ["INDEXES", "CategoryStore", "ListingStore", "ProductStore"]
