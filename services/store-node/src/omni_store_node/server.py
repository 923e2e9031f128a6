"""The node's HTTP app: the tills' API, with the node's background work started and stopped
with it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar

from omni_store_node.api import ShiftController, TillController, problem_handlers
from omni_store_node.node import Node
from omni_store_node.settings import StoreNodeSettings


def create_app(settings: StoreNodeSettings) -> Litestar:
    @asynccontextmanager
    async def running(app: Litestar) -> AsyncIterator[None]:
        # Built in the server's event loop: its gRPC channels belong to that loop.
        node = Node(settings)
        app.state.node = node
        await node.start()
        try:
            yield
        finally:
            await node.stop()

    return Litestar(
        route_handlers=[TillController, ShiftController],
        lifespan=[running],
        exception_handlers=problem_handlers,
        openapi_config=None,
    )
