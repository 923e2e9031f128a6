"""Rebuild the browse read model and the vocabulary from products, listings and categories:
`python -m omni_catalog rebuild-browse` (same settings as the service).

Safe while the service runs: a document is only replaced by one built from data at least as new
(its stamp grows with every product and listing version), and a document is only removed when
its product is gone."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from pymongo import ReplaceOne, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from omni_catalog.api.messages import Wire
from omni_catalog.domain.search import neighbourhood, product_words
from omni_catalog.settings import CatalogSettings
from omni_catalog.store import INDEXES, browse_model
from omni_catalog.store.documents import RETIRED, category_of, listing_of, product_of
from omni_catalog.store.promotions import PromotionStore
from omni_catalog.store.vocabulary import COLLECTION as VOCABULARY
from omni_kit.ids import utcnow
from omni_kit.store import ensure_indexes, mongo_client

BATCH = 500


@dataclass
class Rebuilt:
    products: int = 0
    documents: int = 0
    removed: int = 0
    words: int = 0


async def rebuild(db: AsyncDatabase[dict[str, Any]], batch: int = BATCH) -> Rebuilt:
    report = Rebuilt()
    categories = {doc["_id"]: category_of(doc) async for doc in db["categories"].find({})}
    words: Counter[str] = Counter()
    expected: set[str] = set()
    pending: list[dict[str, Any]] = []
    async for document in db["products"].find({}):
        pending.append(document)
        if len(pending) >= batch:
            await _rebuild_batch(db, pending, categories, words, expected, report)
            pending = []
    if pending:
        await _rebuild_batch(db, pending, categories, words, expected, report)
    report.removed = await _remove_strays(db, expected)
    report.words = await _recount(db, words)
    return report


async def _rebuild_batch(
    db: AsyncDatabase[dict[str, Any]],
    documents: list[dict[str, Any]],
    categories: dict[str, Any],
    words: Counter[str],
    expected: set[str],
    report: Rebuilt,
) -> None:
    products = [product_of(document) for document in documents]
    listed: dict[str, list[Any]] = defaultdict(list)
    query = {"product_id": {"$in": [p.id for p in products]}, RETIRED: {"$exists": False}}
    async for document in db["listings"].find(query):
        listed[document["product_id"]].append(listing_of(document))
    now = utcnow()
    covered = [
        (listing, browse_model.categories_of(product, categories))
        for product in products
        for listing in listed[product.id]
    ]
    listed.clear()
    for priced in await PromotionStore(db).discounted(covered, now):
        listed[priced.product_id].append(priced)
    built = []
    for product in products:
        built += browse_model.documents(product, listed[product.id], categories, now, Wire())
        words.update(product_words(product).spelling)
    expected.update(doc["_id"] for doc in built)
    browse = db[browse_model.COLLECTION]
    ids = [doc["_id"] for doc in built]
    stored = {doc["_id"] async for doc in browse.find({"_id": {"$in": ids}}, {"_id": 1})}
    fresh = [doc for doc in built if doc["_id"] not in stored]
    if fresh:
        try:
            await browse.insert_many(fresh, ordered=False)
        except BulkWriteError as error:
            # Written meanwhile by the service itself, from data at least as new: keep it.
            if any(e.get("code") != 11000 for e in error.details.get("writeErrors", [])):
                raise
    changes = [
        ReplaceOne({"_id": doc["_id"], "stamp": {"$lte": doc["stamp"]}}, doc)
        for doc in built
        if doc["_id"] in stored
    ]
    if changes:
        await browse.bulk_write(changes, ordered=False)
    report.products += len(products)
    report.documents += len(built)


async def _remove_strays(db: AsyncDatabase[dict[str, Any]], expected: set[str]) -> int:
    """Browse documents of products that no longer exist."""
    strays = [
        doc
        async for doc in db[browse_model.COLLECTION].find({}, {"product_id": 1})
        if doc["_id"] not in expected
    ]
    if not strays:
        return 0
    owners = list({doc["product_id"] for doc in strays})
    alive = {doc["_id"] async for doc in db["products"].find({"_id": {"$in": owners}}, {"_id": 1})}
    gone = [doc["_id"] for doc in strays if doc["product_id"] not in alive]
    if gone:
        await db[browse_model.COLLECTION].delete_many({"_id": {"$in": gone}})
    return len(gone)


async def _recount(db: AsyncDatabase[dict[str, Any]], words: Counter[str]) -> int:
    known = {doc["_id"] async for doc in db[VOCABULARY].find({}, {"_id": 1})}
    changes = [
        UpdateOne(
            {"_id": word},
            {"$set": {"n": count}, "$setOnInsert": {"near": neighbourhood(word)}},
            upsert=True,
        )
        for word, count in words.items()
    ]
    changes += [UpdateOne({"_id": word}, {"$set": {"n": 0}}) for word in known - set(words)]
    for start in range(0, len(changes), 1000):
        await db[VOCABULARY].bulk_write(changes[start : start + 1000], ordered=False)
    return len(words)


async def main(settings: CatalogSettings) -> Rebuilt:
    client = mongo_client(settings.mongo_uri, app_name="omni-catalog-rebuild")
    try:
        db = client[settings.mongo_database]
        await ensure_indexes(db, INDEXES)
        return await rebuild(db)
    finally:
        await client.close()


def run(settings: CatalogSettings) -> None:
    report = asyncio.run(main(settings))
    print(
        f"rebuilt {report.documents} browse documents of {report.products} products, "
        f"removed {report.removed} strays, {report.words} words in the vocabulary"
    )
