"""A short-lived in-process cache for the anonymous reads that many clients make at once (browse).

A fresh entry is served as it is. An entry past its time is still served while one refresh runs in
the background (stale-while-revalidate), so a popular page never makes its callers wait, and while
the catalog is away the shop keeps showing what it last knew, for a bounded time. A missing entry
is loaded once however many callers ask for it at the same moment (single flight), so an expiry
never turns into a burst of identical downstream calls. Errors are never cached.

Litestar's response cache stores responses but neither coalesces concurrent misses nor serves stale
entries while refreshing, which is what keeps the p99 of a hot page flat.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from omni_kit.logs import get_logger

T = TypeVar("T")

log = get_logger("omni.gateway.cache")


class Microcache(Generic[T]):
    def __init__(
        self,
        fresh_seconds: float,
        stale_seconds: float,
        *,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.fresh_seconds = fresh_seconds
        self.stale_seconds = stale_seconds
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, T]] = OrderedDict()
        self._loading: dict[Hashable, asyncio.Task[T]] = {}

    async def get(self, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        """The value for `key`, loading it with `load()` when there is none young enough."""
        if self.fresh_seconds <= 0:
            return await load()
        entry = self._entries.get(key)
        if entry is not None:
            stored_at, value = entry
            age = self.clock() - stored_at
            if age < self.fresh_seconds + self.stale_seconds:
                self._entries.move_to_end(key)
                if age >= self.fresh_seconds:
                    self._load_once(key, load)
                return value
        # Shielded: a caller that goes away does not cancel the load the others are waiting for.
        return await asyncio.shield(self._load_once(key, load))

    def _load_once(self, key: Hashable, load: Callable[[], Awaitable[T]]) -> asyncio.Task[T]:
        task = self._loading.get(key)
        if task is None:
            task = asyncio.create_task(self._load(key, load))
            task.add_done_callback(_log_failure)
            self._loading[key] = task
        return task

    async def _load(self, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        try:
            value = await load()
        finally:
            del self._loading[key]
        self._entries[key] = (self.clock(), value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return value


def _log_failure(task: asyncio.Task[object]) -> None:
    # Callers waiting on the load get its error; a background refresh has no caller to tell.
    if not task.cancelled() and (error := task.exception()) is not None:
        log.info("cache_refresh_failed", error=str(error), error_type=type(error).__name__)
