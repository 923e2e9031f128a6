"""Floors: a lower bound per branch that only goes down, written once per branch by keys that
grow, shared by processes, rebuilt from the data."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from omni_kit import floors


async def test_a_floor_only_goes_down(mongo, db_name):
    kept = floors.Floors(mongo[db_name]["floors"])
    name = floors.key("ledger", "seq", {"location_id": "loc_a"})
    assert name == 'ledger.seq|{"location_id":"loc_a"}'
    assert await kept.lowest([name]) == {}
    await kept.lower([name], 50)
    await kept.lower([name], 70)
    assert await kept.lowest([name]) == {name: 50}
    await kept.lower([name], 20)
    assert await kept.lowest([name, "other"]) == {name: 20}


async def test_a_key_that_grows_writes_its_floor_once(mongo, db_name):
    collection = mongo[db_name]["floors"]
    kept = floors.Floors(collection)
    writes = 0
    original = collection.update_one

    async def counted(*args, **kwargs):
        nonlocal writes
        writes += 1
        return await original(*args, **kwargs)

    collection.update_one = counted  # type: ignore[method-assign]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for minute in range(100):
        await kept.lower([floors.key("stock", "updated_at", {})], start + timedelta(minutes=minute))
    assert writes == 1


async def test_processes_lowering_the_same_new_floor_at_once_keep_the_lowest(mongo, db_name):
    collection = mongo[db_name]["floors"]
    processes = [floors.Floors(collection) for _ in range(8)]
    name = floors.key("stock", "sku", {"location_id": "x"})
    await asyncio.gather(*(kept.lower([name], f"SKU-{n}") for n, kept in enumerate(processes)))
    assert await processes[0].lowest([name]) == {name: "SKU-0"}
    # One process's memory cannot raise what another lowered.
    await processes[7].lower([name], "SKU-9")
    assert await processes[7].lowest([name]) == {name: "SKU-0"}


async def test_rebuild_lowers_every_branch_to_its_data(mongo, db_name):
    db = mongo[db_name]
    await db["ledger"].insert_many(
        [
            {"_id": f"led_{n}", "sku": f"S{n % 3}", "location_id": f"L{n % 2}", "seq": 100 + n}
            for n in range(12)
        ]
        + [{"_id": "led_noseq", "sku": "S0", "location_id": "L0"}]
    )
    kept = floors.Floors(db["floors"])
    written = await floors.rebuild(
        kept, db["ledger"], [("seq", [("sku", "location_id"), ("location_id",), ()])]
    )
    assert written == 6 + 2 + 1
    every = floors.key("ledger", "seq", {})
    one = floors.key("ledger", "seq", {"location_id": "L1"})
    pair = floors.key("ledger", "seq", {"sku": "S2", "location_id": "L0"})
    assert await kept.lowest([every, one, pair]) == {every: 100, one: 101, pair: 102}


async def test_many_new_floors_are_one_write_and_known_ones_none(mongo, db_name):
    collection = mongo[db_name]["floors"]
    kept = floors.Floors(collection)
    writes = 0
    original = collection.bulk_write

    async def counted(*args, **kwargs):
        nonlocal writes
        writes += 1
        return await original(*args, **kwargs)

    collection.bulk_write = counted  # type: ignore[method-assign]
    names = [floors.key("ledger", "seq", {"sku": f"S{n}"}) for n in range(30)]
    await kept.lower_many([(name, 100 + n) for n, name in enumerate(names)] + [(names[0], 7)])
    assert writes == 1
    await kept.lower_many([(name, 500) for name in names])
    assert writes == 1
    assert await kept.lowest(names[:2]) == {names[0]: 7, names[1]: 101}


async def test_processes_creating_the_same_floors_in_bulk_at_once_keep_the_lowest(mongo, db_name):
    collection = mongo[db_name]["floors"]
    processes = [floors.Floors(collection) for _ in range(6)]
    names = [floors.key("stock", "sku", {"location_id": f"L{n}"}) for n in range(5)]
    await asyncio.gather(
        *(
            kept.lower_many([(name, f"SKU-{p}") for name in names])
            for p, kept in enumerate(processes)
        )
    )
    assert await processes[0].lowest(names) == dict.fromkeys(names, "SKU-0")
