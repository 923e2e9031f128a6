"""Inventory service instances in-process on free ports, against the real store and NATS."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from grpc import aio

from omni.inventory.v1 import inventory_pb2_grpc
from omni_inventory.server import create_app
from omni_inventory.settings import InventorySettings
from omni_kit.app import ServiceApp, channel


@dataclass
class Instance:
    app: ServiceApp
    channel: aio.Channel
    stub: inventory_pb2_grpc.InventoryServiceStub
    stopped: bool = False

    async def stop(self) -> None:
        self.stopped = True
        await self.channel.close()
        await self.app.stop(grace=0)


Start = Callable[..., Awaitable[Instance]]


@pytest.fixture
async def start_inventory(mongo_uri, nats_url, db_name) -> AsyncIterator[Start]:
    """start(**settings) -> a running instance; all share one fresh database unless told."""
    running: list[Instance] = []

    async def start(**overrides: Any) -> Instance:
        settings = InventorySettings(
            grpc_port=0,
            mongo_uri=mongo_uri,
            nats_url=nats_url,
            mongo_database=f"{db_name}_inventory",
            **overrides,
        )
        app = await create_app(settings)
        port = await app.start()
        ch = channel(f"127.0.0.1:{port}", default_timeout=30)
        instance = Instance(app, ch, inventory_pb2_grpc.InventoryServiceStub(ch))
        running.append(instance)
        return instance

    yield start
    for instance in running:
        if not instance.stopped:
            await instance.stop()


@pytest.fixture
async def stub(start_inventory: Start) -> inventory_pb2_grpc.InventoryServiceStub:
    return (await start_inventory()).stub
