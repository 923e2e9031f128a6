import asyncio
from datetime import timedelta

import pytest

from omni_kit.idempotency import (
    IdempotencyInProgress,
    IdempotencyKeyReused,
    IdempotencyStore,
    fingerprint,
)
from omni_kit.ids import utcnow


@pytest.fixture
async def store(mongo, db_name):
    idem = IdempotencyStore(mongo[db_name])
    await idem.ensure_indexes()
    return idem


async def test_same_key_same_request_replays_without_running_again(store):
    runs = []

    async def work():
        runs.append(1)
        return b"order-1"

    first = await store.run("orders", "k1", fingerprint("body"), work)
    second = await store.run("orders", "k1", fingerprint("body"), work)
    assert (first.response, first.replayed) == (b"order-1", False)
    assert (second.response, second.replayed) == (b"order-1", True)
    assert len(runs) == 1


async def test_same_key_different_request_is_refused(store):
    async def work():
        return b"x"

    await store.run("orders", "k2", fingerprint("body-a"), work)
    with pytest.raises(IdempotencyKeyReused) as refused:
        await store.run("orders", "k2", fingerprint("body-b"), work)
    assert refused.value.field == "Idempotency-Key"


async def test_concurrent_duplicate_is_a_conflict_never_a_second_effect(store):
    started, release, runs = asyncio.Event(), asyncio.Event(), []

    async def slow_work():
        runs.append(1)
        started.set()
        await release.wait()
        return b"done"

    first = asyncio.create_task(store.run("orders", "k3", fingerprint("b"), slow_work))
    await started.wait()
    with pytest.raises(IdempotencyInProgress):
        await store.run("orders", "k3", fingerprint("b"), slow_work)
    release.set()
    assert (await first).response == b"done"
    assert len(runs) == 1


async def test_failed_work_releases_the_key(store):
    async def failing():
        raise RuntimeError("payment provider down")

    with pytest.raises(RuntimeError):
        await store.run("orders", "k4", fingerprint("b"), failing)

    async def working():
        return b"ok"

    assert (await store.run("orders", "k4", fingerprint("b"), working)).replayed is False


async def test_key_of_a_crashed_request_is_taken_over_after_its_lease(store):
    """A process that died mid-request left its key running; the retry may take it over."""
    await store.records.insert_one(
        {
            "_id": "orders:k5",
            "fingerprint": fingerprint("b"),
            "state": "running",
            "lease_until": utcnow() - timedelta(seconds=1),
            "expires_at": utcnow() + timedelta(hours=1),
        }
    )

    async def work():
        return b"recovered"

    outcome = await store.run("orders", "k5", fingerprint("b"), work)
    assert (outcome.response, outcome.replayed) == (b"recovered", False)


def test_fingerprint_separates_parts():
    assert fingerprint("ab", "c") != fingerprint("a", "bc")
