"""Values read from the store and kept a short while by one process, for reads that tolerate a
bounded staleness (tax rates, stock locations). This process's own writes drop them at once
(`forget`); another replica's writes show within `seconds`. A read that a write overtook is given
to its caller but not kept, so a dropped value never comes back from a read that began before."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from typing import TypeVar, cast

V = TypeVar("V")


class Expiring:
    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._values: dict[Hashable, tuple[float, object]] = {}
        self._generation = 0

    async def get(self, key: Hashable, read: Callable[[], Awaitable[V]]) -> V:
        """The value kept for `key` if younger than `seconds`, else what `read` gives now."""
        now = self.clock()
        found = self._values.get(key)
        if found is not None and now - found[0] < self.seconds:
            return cast(V, found[1])
        generation = self._generation
        value = await read()
        if generation == self._generation:
            self._values[key] = (now, value)
        return value

    def forget(self, key: Hashable | None = None) -> None:
        """Drop `key` (every key when None): call after each of this process's writes."""
        self._generation += 1
        if key is None:
            self._values.clear()
        else:
            self._values.pop(key, None)
