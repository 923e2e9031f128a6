"""The inbox against a real store: a redelivered event has its effect once."""

from __future__ import annotations

import asyncio

import pytest

from omni_kit.events import Inbox


@pytest.fixture
async def inbox(mongo, db_name):
    inbox = Inbox(mongo[db_name], "loyalty")
    await inbox.ensure_indexes()
    return inbox


def add_points(db, points: int):
    async def effect(session):
        await db.balances.update_one(
            {"_id": "cust-1"}, {"$inc": {"points": points}}, upsert=True, session=session
        )

    return effect


async def points(db) -> int:
    balance = await db.balances.find_one({"_id": "cust-1"})
    return balance["points"] if balance else 0


async def test_an_event_delivered_twice_has_its_effect_once(mongo, db_name, inbox):
    db = mongo[db_name]
    assert await inbox.handle_once(mongo, "evt_1", add_points(db, 10)) is True
    assert await inbox.handle_once(mongo, "evt_1", add_points(db, 10)) is False
    assert await points(db) == 10


async def test_concurrent_deliveries_of_one_event_have_its_effect_once(mongo, db_name, inbox):
    db = mongo[db_name]
    results = await asyncio.wait_for(
        asyncio.gather(*(inbox.handle_once(mongo, "evt_1", add_points(db, 10)) for _ in range(8))),
        timeout=30,
    )
    assert sorted(results) == [False] * 7 + [True]
    assert await points(db) == 10


async def test_a_failed_effect_is_not_recorded_so_the_retry_applies_it(mongo, db_name, inbox):
    db = mongo[db_name]

    async def half_then_fail(session):
        await add_points(db, 10)(session)
        raise RuntimeError("downstream refused")

    with pytest.raises(RuntimeError, match="downstream refused"):
        await inbox.handle_once(mongo, "evt_1", half_then_fail)
    assert await points(db) == 0
    assert await inbox.handle_once(mongo, "evt_1", add_points(db, 10)) is True
    assert await points(db) == 10


async def test_each_consumer_keeps_its_own_record_of_an_event(mongo, db_name, inbox):
    db = mongo[db_name]
    other = Inbox(db, "timeline")
    assert await inbox.handle_once(mongo, "evt_1", add_points(db, 10)) is True
    assert await other.handle_once(mongo, "evt_1", add_points(db, 1)) is True
    assert await points(db) == 11


async def test_inbox_records_expire_after_the_retention(mongo, db_name, inbox):
    db = mongo[db_name]
    await inbox.handle_once(mongo, "evt_1", add_points(db, 1))
    record = await db.inbox.find_one({"_id": "loyalty:evt_1"})
    assert (record["expire_at"] - record["processed_at"]).days == 14
    ttl = (await db.inbox.index_information())["expire_at_1"]
    assert ttl["expireAfterSeconds"] == 0


async def test_an_applied_effect_wakes_the_relay_and_a_repeat_does_not(mongo, db_name):
    """Events an effect adds to the outbox are published at once, not at the relay's next poll."""
    wakes: list[str] = []
    inbox = Inbox(mongo[db_name], "loyalty", on_commit=lambda: wakes.append("wake"))
    db = mongo[db_name]
    await inbox.handle_once(mongo, "evt_1", add_points(db, 10))
    await inbox.handle_once(mongo, "evt_1", add_points(db, 10))
    assert wakes == ["wake"]
