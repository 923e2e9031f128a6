"""Every stock location, kept by each process for what only reads them: promise, sourcing and
lists by distance.

A checkout asked the store for the same few locations in each of its promise and sourcing
calls. Staleness: this process's own location writes drop the copy at once; a change made
through another replica shows here within `max_age` seconds. That is safe because nothing is
reserved from this copy: ReserveStock reads which locations are active inside its own
transaction, so a plan that still names a just-closed location is refused there, not sold from.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection


class LocationCache:
    def __init__(
        self,
        collection: AsyncCollection[dict[str, Any]],
        max_age: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.collection = collection
        self.max_age = max_age
        self.clock = clock
        self._documents: list[dict[str, Any]] | None = None
        self._read_at = 0.0
        self._generation = 0

    async def documents(self) -> list[dict[str, Any]]:
        """Every location document (active or not), at most `max_age` seconds old."""
        now = self.clock()
        if self._documents is not None and now - self._read_at < self.max_age:
            return self._documents
        generation = self._generation
        documents = [document async for document in self.collection.find({})]
        # A write that ended while this read was under way may not be in it: keep it for this
        # caller only.
        if generation == self._generation:
            self._documents, self._read_at = documents, now
        return documents

    def forget(self) -> None:
        """Called after each of this process's location writes."""
        self._generation += 1
        self._documents = None
