"""The services as bulk work calls them (imports, and the exports a client streams for minutes):
through the gateway's one call wrapper, with a deadline for a batch (a 200-product import is one
transaction, a page of an export is a page of orders), not for one interactive request."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any, TypeVar

from omni_gateway.downstream import Downstream

R = TypeVar("R")


class BulkCalls:
    def __init__(self, downstream: Downstream, timeout_seconds: float) -> None:
        self.downstream = downstream
        self.seconds = timeout_seconds
        self.catalog = downstream.catalog
        self.inventory = downstream.inventory
        self.order = downstream.order

    async def call(
        self,
        method: Callable[..., Awaitable[R]],
        request: Any,
        *,
        idempotent: bool,
        metadata: tuple[tuple[str, str], ...] = (),
    ) -> R:
        return await self.downstream.call(
            method, request, idempotent=idempotent, metadata=metadata, seconds=self.seconds
        )

    async def pages(self, method: Callable[..., Awaitable[R]], request: Any) -> AsyncIterator[R]:
        """Every page of a List call (a read), following its next_page_token."""
        while True:
            reply: Any = await self.call(method, request, idempotent=True)
            yield reply
            if not reply.next_page_token:
                return
            request.page_token = reply.next_page_token


async def at_most(at_once: int, work: Iterable[Awaitable[object]]) -> None:
    """Run `work`, `at_once` calls at a time."""
    limit = asyncio.Semaphore(at_once)

    async def bounded(task: Awaitable[object]) -> None:
        async with limit:
            await task

    await asyncio.gather(*(bounded(task) for task in work))
