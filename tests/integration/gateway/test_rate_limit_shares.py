"""Rate-limit counters of two gateway processes over one real store: shares taken from the shared
count never let more through than the limit, refusals once it is spent cost no store round trip,
and small budgets (sign-in) are taken one unit at a time."""

from __future__ import annotations

import random
import time

from omni_gateway.ratelimits import Budget, RateCounter, share_cap


class CountingCollection:
    """The real collection, with its find_one_and_update calls counted."""

    def __init__(self, collection) -> None:
        self.collection = collection
        self.calls = 0

    async def find_one_and_update(self, *args, **kwargs):
        self.calls += 1
        return await self.collection.find_one_and_update(*args, **kwargs)


async def test_two_processes_never_admit_more_than_the_limit_and_ask_the_store_rarely(
    mongo, db_name
):
    db = mongo[db_name]
    processes = [RateCounter(db, 2.0), RateCounter(db, 2.0)]
    for counter in processes:
        counter.collection = CountingCollection(counter.collection)  # type: ignore[assignment]
    budget = Budget("client", 1000, 3600)
    now = time.time()
    rng = random.Random(7)
    admitted = [0, 0]
    for _ in range(1200):
        which = rng.randrange(2)
        count = await processes[which].hit(budget, "ip:203.0.113.9", now)
        admitted[which] += count.used <= budget.limit
    assert share_cap(1000) == 15
    assert sum(admitted) <= 1000
    assert sum(admitted) >= 1000 - share_cap(1000)  # the other process's unspent share at most
    assert min(admitted) > 400  # both admitted their part
    calls = [counter.collection.calls for counter in processes]  # type: ignore[attr-defined]
    # About 1000 / 15 shares, not a round trip per request; refusals past the limit ask nothing.
    assert sum(calls) < 120, calls
    stored = await db["rate_limits"].find_one({})
    assert stored is not None and stored["n"] >= sum(admitted)


async def test_small_budgets_are_exact_across_processes(mongo, db_name):
    db = mongo[db_name]
    first, second = RateCounter(db, 2.0), RateCounter(db, 2.0)
    budget = Budget("auth-address", 20, 60)
    now = time.time()
    used = [
        (await (first if n % 2 else second).hit(budget, "ip:198.51.100.4", now)).used
        for n in range(24)
    ]
    assert used[:20] == list(range(1, 21))
    assert all(n > 20 for n in used[20:])
