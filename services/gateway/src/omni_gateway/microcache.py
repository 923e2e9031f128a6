"""A short-lived in-process cache for the anonymous reads that many clients make at once (browse).

A fresh entry is served as it is. An entry past its time is still served while one refresh runs in
the background (stale-while-revalidate), so a popular page never makes its callers wait, and while
the catalog is away the shop keeps showing what it last knew, for a bounded time. A missing entry
is loaded once however many callers ask for it at the same moment (single flight), so an expiry
never turns into a burst of identical downstream calls. Errors are never cached. Entries carry
tags (the product, its SKUs) so that news of a change marks just the entries it touches stale:
the next request gets the old answer while the new one loads, every later one the new answer.

Litestar's response cache stores responses but neither coalesces concurrent misses nor serves stale
entries while refreshing, which is what keeps the p99 of a hot page flat.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterable
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
        self._tags: dict[str, set[Hashable]] = {}
        self._tags_of: dict[Hashable, frozenset[str]] = {}
        self._changed_while_loading: set[Hashable] = set()

    async def get(
        self,
        key: Hashable,
        load: Callable[[], Awaitable[T]],
        tags: Callable[[T], Iterable[str]] = lambda _: (),
    ) -> T:
        """The value for `key`, loading it with `load()` when there is none young enough;
        `tags(value)` names what the value shows, for `invalidate`."""
        if self.fresh_seconds <= 0:
            return await load()
        entry = self._entries.get(key)
        if entry is not None:
            stored_at, value = entry
            age = self.clock() - stored_at
            if age < self.fresh_seconds + self.stale_seconds:
                self._entries.move_to_end(key)
                if age >= self.fresh_seconds:
                    self._load_once(key, load, tags)
                return value
        # Shielded: a caller that goes away does not cancel the load the others are waiting for.
        return await asyncio.shield(self._load_once(key, load, tags))

    def invalidate(self, tags: Iterable[str]) -> int:
        """Mark the entries tagged with any of `tags` stale; returns how many there were."""
        keys = set().union(*(self._tags.get(tag, ()) for tag in tags))
        stale_since = self.clock() - self.fresh_seconds
        for key in keys:
            self._entries[key] = (stale_since, self._entries[key][1])
        # A load already under way may have read the old state: keep what it brings stale.
        self._changed_while_loading.update(self._loading)
        return len(keys)

    def _load_once(
        self,
        key: Hashable,
        load: Callable[[], Awaitable[T]],
        tags: Callable[[T], Iterable[str]],
    ) -> asyncio.Task[T]:
        task = self._loading.get(key)
        if task is None:
            task = asyncio.create_task(self._load(key, load, tags))
            task.add_done_callback(_log_failure)
            self._loading[key] = task
        return task

    async def _load(
        self, key: Hashable, load: Callable[[], Awaitable[T]], tags: Callable[[T], Iterable[str]]
    ) -> T:
        try:
            value = await load()
        finally:
            del self._loading[key]
            changed = key in self._changed_while_loading
            self._changed_while_loading.discard(key)
        stored_at = self.clock() - (self.fresh_seconds if changed else 0)
        self._forget(key)
        self._entries[key] = (stored_at, value)
        self._tags_of[key] = frozenset(tags(value))
        for tag in self._tags_of[key]:
            self._tags.setdefault(tag, set()).add(key)
        while len(self._entries) > self.max_entries:
            self._forget(next(iter(self._entries)))
        return value

    def _forget(self, key: Hashable) -> None:
        self._entries.pop(key, None)
        for tag in self._tags_of.pop(key, ()):
            keys = self._tags[tag]
            keys.discard(key)
            if not keys:
                del self._tags[tag]


def _log_failure(task: asyncio.Task[object]) -> None:
    # Callers waiting on the load get its error; a background refresh has no caller to tell.
    if not task.cancelled() and (error := task.exception()) is not None:
        log.info("cache_refresh_failed", error=str(error), error_type=type(error).__name__)
