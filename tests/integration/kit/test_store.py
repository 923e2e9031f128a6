import asyncio

import pytest
from pymongo import IndexModel
from pymongo.errors import DuplicateKeyError

from omni_kit.store import ensure_indexes, transaction


async def test_transaction_commits_all_or_nothing(mongo, db_name):
    db = mongo[db_name]

    async def fail_halfway(session):
        await db.a.insert_one({"_id": 1}, session=session)
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await transaction(mongo, fail_halfway)
    assert await db.a.count_documents({}) == 0

    async def both(session):
        await db.a.insert_one({"_id": 1}, session=session)
        await db.b.insert_one({"_id": 1}, session=session)

    await transaction(mongo, both)
    assert await db.a.count_documents({}) == 1
    assert await db.b.count_documents({}) == 1


async def test_transaction_retries_write_conflicts(mongo, db_name):
    """Concurrent increments of one document all land: conflicts are retried, none is lost."""
    db = mongo[db_name]
    await db.counter.insert_one({"_id": "c", "n": 0})

    async def bump(session):
        doc = await db.counter.find_one({"_id": "c"}, session=session)
        await db.counter.update_one({"_id": "c"}, {"$set": {"n": doc["n"] + 1}}, session=session)

    await asyncio.gather(*(transaction(mongo, bump) for _ in range(40)))
    assert (await db.counter.find_one({"_id": "c"}))["n"] == 40


async def test_ensure_indexes_is_idempotent_and_enforced(mongo, db_name):
    db = mongo[db_name]
    spec = {"items": [IndexModel([("sku", 1)], unique=True)]}
    await ensure_indexes(db, spec)
    await ensure_indexes(db, spec)
    await db.items.insert_one({"sku": "A"})
    with pytest.raises(DuplicateKeyError):
        await db.items.insert_one({"sku": "A"})
