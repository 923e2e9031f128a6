"""A value kept for its time, dropped by a write, never kept from a read a write overtook (the
stock locations copy of the inventory service)."""

from __future__ import annotations

from omni_kit.expiring import Expiring


class Locations:
    """A collection whose `find` counts reads and can run a write in the middle of one."""

    def __init__(self) -> None:
        self.documents = [{"_id": "loc-1", "active": True}]
        self.reads = 0
        self.during_read = lambda: None

    def find(self, query):
        self.reads += 1
        found = [dict(document) for document in self.documents]
        self.during_read()

        async def cursor():
            for document in found:
                yield document

        return cursor()


class Copy:
    """The inventory service's use: every location under one key."""

    def __init__(self, locations: Locations, seconds: float, clock: Clock) -> None:
        self.locations = locations
        self.kept = Expiring(seconds, clock)

    async def documents(self) -> list[dict]:
        async def read() -> list[dict]:
            return [document async for document in self.locations.find({})]

        return await self.kept.get("all", read)

    def forget(self) -> None:
        self.kept.forget()


class Clock:
    now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_a_copy_is_reused_for_its_time_and_read_again_after():
    locations, clock = Locations(), Clock()
    cache = Copy(locations, 5.0, clock)
    await cache.documents()
    clock.now += 4.9
    await cache.documents()
    assert locations.reads == 1
    clock.now += 0.2
    await cache.documents()
    assert locations.reads == 2


async def test_a_write_drops_the_copy_and_a_read_it_overtook_is_not_kept():
    locations, clock = Locations(), Clock()
    cache = Copy(locations, 5.0, clock)
    await cache.documents()
    locations.documents[0]["active"] = False
    cache.forget()
    assert (await cache.documents())[0]["active"] is False

    def reopen_meanwhile() -> None:
        locations.documents[0]["active"] = True
        cache.forget()

    cache.forget()
    locations.during_read = reopen_meanwhile
    assert (await cache.documents())[0]["active"] is False  # read before the write landed
    locations.during_read = lambda: None
    assert (await cache.documents())[0]["active"] is True
    assert locations.reads == 4


async def test_no_copy_at_zero_seconds():
    locations = Locations()
    cache = Copy(locations, 0.0, Clock())
    await cache.documents()
    await cache.documents()
    assert locations.reads == 2
