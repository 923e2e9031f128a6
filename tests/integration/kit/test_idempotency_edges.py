"""A store made by the earlier kit keeps its idempotency expiry index: the service starts."""

from __future__ import annotations

from pymongo import ASCENDING, IndexModel

from omni_kit.idempotency import Idempotency
from omni_kit.store import ensure_indexes


async def test_a_store_with_the_earlier_kits_expiry_index_starts(mongo, db_name):
    """Catalog and gateway stores made before the pipeline have the expiry index already."""
    db = mongo[db_name]
    await db["idempotency"].create_indexes(
        [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0)]
    )
    await ensure_indexes(db, Idempotency.indexes())
    names = [index["name"] async for index in await db["idempotency"].list_indexes()]
    assert sorted(names) == ["_id_", "expires_at_1"]
