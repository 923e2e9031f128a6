"""The gateway's browse cache: fresh hits, one load per miss, stale-while-revalidate, bounds."""

from __future__ import annotations

import asyncio

import pytest

from omni_gateway.microcache import Microcache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Loader:
    """Counts calls; each call returns the next version, or raises while `failing` is set."""

    def __init__(self) -> None:
        self.calls = 0
        self.failing = False
        self.gate: asyncio.Event | None = None

    async def __call__(self) -> str:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.failing:
            raise ConnectionError("catalog unavailable")
        return f"v{self.calls}"


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_fresh_entry_is_served_without_loading_again(clock):
    cache, load = Microcache[str](2, 30, clock=clock), Loader()
    assert await cache.get("k", load) == "v1"
    clock.now = 1.9
    assert await cache.get("k", load) == "v1"
    assert await cache.get("other", load) == "v2"
    assert load.calls == 2


async def test_concurrent_misses_of_one_key_load_it_once(clock):
    cache, load = Microcache[str](2, 30, clock=clock), Loader()
    load.gate = asyncio.Event()
    waiting = [asyncio.create_task(cache.get("k", load)) for _ in range(25)]
    await settle()
    load.gate.set()
    assert await asyncio.gather(*waiting) == ["v1"] * 25
    assert load.calls == 1


async def test_a_stale_entry_is_served_at_once_while_one_refresh_runs(clock):
    cache, load = Microcache[str](2, 30, clock=clock), Loader()
    await cache.get("k", load)
    clock.now = 5
    load.gate = asyncio.Event()
    assert [await cache.get("k", load) for _ in range(10)] == ["v1"] * 10
    load.gate.set()
    await settle()
    assert await cache.get("k", load) == "v2"
    assert load.calls == 2


async def test_while_refreshes_fail_the_stale_entry_is_served_until_it_is_too_old(clock):
    cache, load = Microcache[str](2, 30, clock=clock), Loader()
    await cache.get("k", load)
    load.failing = True
    clock.now = 20
    assert await cache.get("k", load) == "v1"
    await settle()
    assert await cache.get("k", load) == "v1"
    clock.now = 32.5
    with pytest.raises(ConnectionError):
        await cache.get("k", load)


async def test_errors_are_not_cached(clock):
    cache, load = Microcache[str](2, 30, clock=clock), Loader()
    load.failing = True
    with pytest.raises(ConnectionError):
        await cache.get("k", load)
    load.failing = False
    assert await cache.get("k", load) == "v2"


async def test_a_caller_that_goes_away_does_not_cancel_the_load_others_wait_for(clock):
    cache, load = Microcache[str](2, 30, clock=clock), Loader()
    load.gate = asyncio.Event()
    leaving = asyncio.create_task(cache.get("k", load))
    staying = asyncio.create_task(cache.get("k", load))
    await settle()
    leaving.cancel()
    load.gate.set()
    assert await staying == "v1"
    assert load.calls == 1


async def test_the_least_recently_used_entries_go_first_beyond_the_bound(clock):
    cache, load = Microcache[str](2, 30, max_entries=2, clock=clock), Loader()
    await cache.get("a", load)
    await cache.get("b", load)
    await cache.get("a", load)  # a is now the most recently used
    await cache.get("c", load)  # evicts b
    assert await cache.get("a", load) == "v1"
    assert await cache.get("b", load) == "v4"


async def test_zero_seconds_turns_the_cache_off(clock):
    cache, load = Microcache[str](0, 30, clock=clock), Loader()
    assert [await cache.get("k", load) for _ in range(3)] == ["v1", "v2", "v3"]


async def test_a_change_marks_only_the_entries_it_touches_stale(clock):
    cache, load = Microcache[str](60, 300, clock=clock), Loader()
    await cache.get("boot", load, lambda _: ["product:boot", "sku:B-42"])
    await cache.get("coat", load, lambda _: ["product:coat"])
    assert cache.invalidate(["sku:B-42", "sku:unknown"]) == 1
    assert await cache.get("boot", load) == "v1"  # served while the new answer loads
    await settle()
    assert await cache.get("boot", load) == "v3"
    assert await cache.get("coat", load) == "v2"
    assert load.calls == 3


async def test_a_load_under_way_when_a_change_comes_is_kept_stale(clock):
    cache, load = Microcache[str](60, 300, clock=clock), Loader()
    load.gate = asyncio.Event()
    reading = asyncio.create_task(cache.get("boot", load, lambda _: ["product:boot"]))
    await settle()
    cache.invalidate(["product:boot"])  # the load may have read the state before the change
    load.gate.set()
    assert await reading == "v1"
    assert await cache.get("boot", load) == "v1"
    await settle()
    assert await cache.get("boot", load) == "v2"


async def test_evicted_entries_leave_no_tags_behind(clock):
    cache, load = Microcache[str](60, 300, max_entries=1, clock=clock), Loader()
    await cache.get("a", load, lambda _: ["product:a"])
    await cache.get("b", load, lambda _: ["product:b"])
    assert cache.invalidate(["product:a"]) == 0
    assert cache.invalidate(["product:b"]) == 1
