"""The kit's idempotency pipeline against the real store: the record commits with the change, a
repeat replays, another request under the key is refused, a continuation is taken over."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from google.protobuf.struct_pb2 import Value
from pymongo.errors import DuplicateKeyError

from omni_kit.idempotency import (
    CALLER_METADATA,
    KEY_METADATA,
    REPLAYED_METADATA,
    Command,
    Idempotency,
    IdempotencyInProgress,
    IdempotencyKeyReused,
)
from omni_kit.ids import utcnow
from omni_kit.store import ensure_indexes


class Context:
    """The two things the pipeline asks of a grpc.aio ServicerContext."""

    def __init__(self, key: str = "", caller: str = "tester") -> None:
        self.metadata = ((KEY_METADATA, key), (CALLER_METADATA, caller)) if key else ()
        self.trailing: tuple = ()

    def invocation_metadata(self):
        return self.metadata

    def set_trailing_metadata(self, metadata) -> None:
        self.trailing = metadata


@pytest.fixture
async def pipeline(mongo, db_name):
    idempotency = Idempotency(mongo, mongo[db_name], lease=timedelta(milliseconds=300))
    await ensure_indexes(mongo[db_name], Idempotency.indexes())
    return idempotency


def counting(pipeline, db, runs: list[str]):
    """A plan whose write inserts one document (the effect) and answers its number."""

    async def plan():
        runs.append("plan")

        async def write(session):
            count = await db["effects"].count_documents({}, session=session)
            await db["effects"].insert_one({"n": count + 1}, session=session)
            return Value(number_value=count + 1)

        return write

    return plan


async def test_a_repeat_replays_the_stored_response_without_running_again(pipeline, mongo, db_name):
    db, runs = mongo[db_name], []
    first_context, second_context = Context("k1"), Context("k1")
    request = Value(string_value="add one")
    first = await pipeline.run(first_context, request, Value, counting(pipeline, db, runs))
    second = await pipeline.run(second_context, request, Value, counting(pipeline, db, runs))
    assert (first.number_value, second.number_value) == (1, 1)
    assert runs == ["plan"]
    assert await db["effects"].count_documents({}) == 1
    assert first_context.trailing == ()
    assert second_context.trailing == ((REPLAYED_METADATA, "true"),)
    record = await db["idempotency"].find_one({})
    assert record["_id"] == "google.protobuf.Value|tester|k1"
    assert record["expires_at"] > utcnow() + timedelta(hours=23)
    indexes = await db["idempotency"].index_information()
    ttl = [i for i in indexes.values() if i["key"] == [("expires_at", 1)]]
    assert ttl[0]["expireAfterSeconds"] == 0  # the store drops expired records


async def test_another_request_under_the_key_is_refused_and_callers_do_not_collide(
    pipeline, mongo, db_name
):
    db, runs = mongo[db_name], []
    await pipeline.run(Context("k2"), Value(string_value="a"), Value, counting(pipeline, db, runs))
    with pytest.raises(IdempotencyKeyReused) as refused:
        await pipeline.run(
            Context("k2"), Value(string_value="b"), Value, counting(pipeline, db, runs)
        )
    assert (refused.value.field, refused.value.metadata) == ("Idempotency-Key", {"key": "k2"})
    other = await pipeline.run(
        Context("k2", caller="someone-else"),
        Value(string_value="b"),
        Value,
        counting(pipeline, db, runs),
    )
    assert other.number_value == 2
    assert await db["effects"].count_documents({}) == 2


async def test_a_failed_write_leaves_neither_the_change_nor_the_record(pipeline, mongo, db_name):
    db = mongo[db_name]

    async def plan():
        async def write(session):
            await db["effects"].insert_one({"n": 1}, session=session)
            raise RuntimeError("the write failed after its first change")

        return write

    with pytest.raises(RuntimeError):
        await pipeline.run(Context("k3"), Value(string_value="x"), Value, plan)
    assert await db["effects"].count_documents({}) == 0
    assert await db["idempotency"].count_documents({}) == 0


async def test_concurrent_duplicates_make_one_change(pipeline, mongo, db_name):
    db, runs = mongo[db_name], []
    request = Value(string_value="once")
    results = await asyncio.gather(
        *(
            pipeline.run(Context("k4"), request, Value, counting(pipeline, db, runs))
            for _ in range(5)
        ),
        return_exceptions=True,
    )
    answers = [r for r in results if not isinstance(r, BaseException)]
    assert all(isinstance(r, IdempotencyInProgress) for r in results if r not in answers)
    assert answers and {a.number_value for a in answers} == {1}
    assert await db["effects"].count_documents({}) == 1


async def test_a_continuation_is_in_progress_under_its_lease_then_taken_over(
    pipeline, mongo, db_name
):
    db, runs = mongo[db_name], []
    request = Value(string_value="place")
    finished: list[float] = []

    async def dies(response: Value) -> Value:
        raise ConnectionError("the process died in its continuation")

    async def finishes(response: Value) -> Value:
        finished.append(response.number_value)
        return Value(number_value=response.number_value + 100)

    with pytest.raises(ConnectionError):
        await pipeline.run(Context("k5"), request, Value, counting(pipeline, db, runs), then=dies)
    with pytest.raises(IdempotencyInProgress):
        await pipeline.run(Context("k5"), request, Value, counting(pipeline, db, runs), then=dies)
    await asyncio.sleep(0.4)  # the lease passes
    taken = await pipeline.run(
        Context("k5"), request, Value, counting(pipeline, db, runs), then=finishes
    )
    assert (taken.number_value, finished) == (101, [1])
    replay_context = Context("k5")
    replay = await pipeline.run(
        replay_context, request, Value, counting(pipeline, db, runs), then=finishes
    )
    assert replay.number_value == 101 and finished == [1]
    assert replay_context.trailing == ((REPLAYED_METADATA, "true"),)
    assert runs == ["plan"] and await db["effects"].count_documents({}) == 1


async def test_without_a_key_every_call_is_a_new_change(pipeline, mongo, db_name):
    db, runs = mongo[db_name], []
    for _ in range(2):
        await pipeline.run(Context(), Value(string_value="x"), Value, counting(pipeline, db, runs))
    assert await db["effects"].count_documents({}) == 2
    assert await db["idempotency"].count_documents({}) == 0
    assert Command.of(Context(), Value()) is None


async def test_a_duplicate_key_the_write_meets_is_its_own_error(pipeline, mongo, db_name):
    db, plans = mongo[db_name], []
    await db["effects"].insert_one({"_id": "taken"})

    async def plan():
        plans.append(1)

        async def write(session):
            await db["effects"].insert_one({"_id": "taken"}, session=session)
            return Value()

        return write

    for context in (Context("k9"), Context()):
        with pytest.raises(DuplicateKeyError):
            await pipeline.run(context, Value(string_value="x"), Value, plan)
    assert plans == [1, 1]
    assert await db["idempotency"].count_documents({}) == 0
