"""The in-process per-SKU queue: one writer per key at a time, any key order is deadlock-free."""

from __future__ import annotations

import asyncio

from omni_inventory.locks import KeyedLocks


async def test_writers_to_one_key_take_turns_and_the_lock_is_forgotten_after():
    locks = KeyedLocks()
    inside, most = 0, 0

    async def writer(keys):
        nonlocal inside, most
        async with locks.hold(keys):
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.001)
            inside -= 1

    await asyncio.gather(*(writer(["A", "B"] if n % 2 else ["B", "A"]) for n in range(20)))
    assert most == 1
    assert locks._locks == {}
