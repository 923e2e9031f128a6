"""The migration runner: versions per collection, a lease that a crashed runner loses by expiry,
batches, and a reshape that leaves a field written meanwhile to that write."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import timedelta

import pytest

from omni.common.v1 import common_pb2
from omni_kit.ids import utcnow
from omni_kit.migrations import LEASE, VERSIONS, Migration, migrate, reshape


def counting(calls: list[str], name: str) -> Migration:
    async def apply(collection):
        calls.append(name)
        await collection.insert_one({"_id": name})
        return {"inserted": 1}

    return Migration("things", int(name[1:]), f"step {name}", apply)


async def test_versions_run_once_in_order(mongo, db_name):
    db = mongo[db_name]
    calls: list[str] = []
    first = [counting(calls, "v1")]
    assert [m.version for m in await migrate(db, first)] == [1]
    assert [m.version for m in await migrate(db, [*first, counting(calls, "v2")])] == [2]
    assert await migrate(db, [*first, counting(calls, "v2")]) == []
    assert calls == ["v1", "v2"]
    record = await db[VERSIONS].find_one({"_id": "things"})
    assert record["version"] == 2
    assert [(run["version"], run["inserted"]) for run in record["applied"]] == [(1, 1), (2, 1)]
    assert await db[LEASE].count_documents({}) == 0
    with pytest.raises(ValueError, match="rising versions"):
        await migrate(db, [counting(calls, "v2"), counting(calls, "v1")])


async def test_a_live_lease_holds_others_and_a_crashed_one_expires(mongo, db_name):
    db = mongo[db_name]
    calls: list[str] = []
    now = utcnow()
    await db[LEASE].insert_one(
        {"_id": "lease", "owner": "other", "expires_at": now + timedelta(minutes=5)}
    )
    waiting = asyncio.create_task(migrate(db, [counting(calls, "v1")], poll_seconds=0.05))
    await asyncio.sleep(0.3)
    assert not waiting.done() and calls == []
    # The holder crashed: its lease runs out and the waiting runner takes over.
    await db[LEASE].update_one({"_id": "lease"}, {"$set": {"expires_at": utcnow()}})
    assert [m.version for m in await asyncio.wait_for(waiting, 10)] == [1]
    assert calls == ["v1"]


async def test_reshape_walks_in_batches_and_a_write_meanwhile_wins(mongo, db_name):
    collection = mongo[db_name]["money"]
    await collection.insert_many(
        [
            {"_id": f"m{i}", "amount_minor": str(i * 100), "currency_code": "EUR"}
            for i in range(1, 8)
        ]
    )
    apply = reshape(common_pb2.Money, batch=3)
    original = collection.bulk_write

    async def write_first(requests, **options):
        # Another writer stores m4 between the runner's read of it and its rewrite.
        await collection.update_one({"_id": "m4"}, {"$set": {"amount_minor": 401}})
        return await original(requests, **options)

    collection.bulk_write = write_first  # type: ignore[method-assign]
    counts = await apply(collection)
    collection.bulk_write = original  # type: ignore[method-assign]
    assert counts == {"scanned": 7, "changed": 6}
    stored = {doc["_id"]: doc["amount_minor"] async for doc in collection.find({})}
    assert stored == {f"m{i}": (401 if i == 4 else i * 100) for i in range(1, 8)}
    assert await apply(collection) == {"scanned": 7, "changed": 0}


def test_by_hand_runs_a_services_migrations(mongo_uri, db_name):
    env = os.environ | {"OMNI_ORDER_MONGO_URI": mongo_uri, "OMNI_ORDER_MONGO_DATABASE": db_name}
    command = [sys.executable, "-m", "omni_kit.migrations", "order"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "3 migration(s) applied" in done.stdout
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert "0 migration(s) applied" in again.stdout
