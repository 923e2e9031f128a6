"""The catalog's collections, indexes and queries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection

from omni.catalog.v1 import catalog_pb2
from omni_catalog.store import browse, browse_model, prices, promotions, vocabulary
from omni_catalog.store.categories import CategoryStore
from omni_catalog.store.listings import ListingStore
from omni_catalog.store.products import ProductStore
from omni_kit.migrations import TYPED_DOCUMENTS, Migration, reshape

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
        IndexModel([("parent_id", ASCENDING), ("path", ASCENDING)]),
        IndexModel([("ancestor_ids", ASCENDING)]),
    ],
    "listings": [
        IndexModel([("product_id", ASCENDING)]),
        IndexModel([("channel_key", ASCENDING), ("feed_at", ASCENDING), ("_id", ASCENDING)]),
    ],
    browse_model.COLLECTION: browse.INDEXES,
    vocabulary.COLLECTION: vocabulary.INDEXES,
    **prices.INDEXES,
    **promotions.INDEXES,
}


async def _rebuild_browse(collection: AsyncCollection[dict[str, Any]]) -> Mapping[str, int]:
    # Imported here: the rebuild reads this package.
    from omni_catalog.rebuild import rebuild

    report = await rebuild(collection.database)
    return {"products": report.products, "documents": report.documents}


MIGRATIONS = [
    Migration("products", 1, TYPED_DOCUMENTS, reshape(catalog_pb2.Product)),
    Migration("categories", 1, TYPED_DOCUMENTS, reshape(catalog_pb2.Category)),
    Migration("listings", 1, TYPED_DOCUMENTS, reshape(catalog_pb2.ChannelListing)),
    Migration(
        browse_model.COLLECTION,
        1,
        "channel documents carry name, newest and updated keys too: the read model rebuilt",
        _rebuild_browse,
    ),
]

__all__ = ["INDEXES", "MIGRATIONS", "CategoryStore", "ListingStore", "ProductStore"]
