"""The idempotency pipeline's edges: a command whose own write breaks a unique index fails as
that, keyed or not (it is not taken for a concurrent duplicate of itself, re-planned, then
reported as still in progress); a store made by the earlier kit keeps its expiry index."""

from __future__ import annotations

import pytest
from google.protobuf.wrappers_pb2 import StringValue
from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from omni_kit.idempotency import Idempotency, call_metadata
from omni_kit.store import ensure_indexes


class Context:
    """The part of a grpc.aio.ServicerContext the pipeline reads and writes."""

    def __init__(self, metadata: tuple[tuple[str, str], ...]) -> None:
        self.metadata = metadata
        self.trailing: tuple[tuple[str, str], ...] = ()

    def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
        return self.metadata

    def set_trailing_metadata(self, metadata: tuple[tuple[str, str], ...]) -> None:
        self.trailing = metadata


@pytest.mark.parametrize("metadata", [call_metadata("k1", "test"), ()], ids=["keyed", "unkeyed"])
async def test_a_write_that_breaks_a_unique_index_fails_as_such_and_records_nothing(
    mongo, db_name, metadata
):
    db = mongo[db_name]
    await db["things"].insert_one({"_id": "taken"})
    idempotency = Idempotency(mongo, db)
    plans = []

    async def plan():
        plans.append(1)

        async def write(session):
            await db["things"].insert_one({"_id": "taken"}, session=session)
            return StringValue(value="done")

        return write

    with pytest.raises(DuplicateKeyError):
        await idempotency.run(Context(metadata), StringValue(value="x"), StringValue, plan)
    assert len(plans) == 1
    assert await db["idempotency"].count_documents({}) == 0


async def test_a_store_with_the_earlier_kits_expiry_index_starts(mongo, db_name):
    """Catalog and gateway stores made before the pipeline have the expiry index already."""
    db = mongo[db_name]
    await db["idempotency"].create_indexes(
        [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0)]
    )
    await ensure_indexes(db, Idempotency.indexes())
    names = [index["name"] async for index in await db["idempotency"].list_indexes()]
    assert sorted(names) == ["_id_", "expires_at_1"]
