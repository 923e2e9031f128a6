"""The order service with the real catalog and inventory, in-process on free ports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from grpc import aio
from order_shop import Shop

from omni.catalog.v1 import catalog_pb2_grpc
from omni.inventory.v1 import inventory_pb2_grpc
from omni.order.v1 import order_pb2_grpc
from omni_catalog.server import create_app as create_catalog
from omni_catalog.settings import CatalogSettings
from omni_inventory.server import create_app as create_inventory
from omni_inventory.settings import InventorySettings
from omni_kit.app import ServiceApp, channel
from omni_kit.outbound import OutboundClient, OutboundPolicy
from omni_order.server import create_app as create_order
from omni_order.settings import OrderSettings


@pytest.fixture
async def shop(mongo_uri, nats_url, db_name) -> AsyncIterator[Shop]:
    apps: list[ServiceApp] = []
    channels: list[aio.Channel] = []

    def common(name: str) -> dict[str, Any]:
        return {
            "grpc_port": 0,
            "mongo_uri": mongo_uri,
            "nats_url": nats_url,
            "mongo_database": f"{db_name}_{name}",
        }

    async def started(app: ServiceApp) -> aio.Channel:
        port = await app.start()
        apps.append(app)
        channels.append(channel(f"127.0.0.1:{port}", default_timeout=30))
        return channels[-1]

    catalog = await started(await create_catalog(CatalogSettings(**common("catalog"))))
    inventory = await started(await create_inventory(InventorySettings(**common("inventory"))))
    addresses = {
        "catalog_addr": f"127.0.0.1:{apps[0].port}",
        "inventory_addr": f"127.0.0.1:{apps[1].port}",
    }

    async def start_order(**overrides: Any) -> tuple[ServiceApp, order_pb2_grpc.OrderServiceStub]:
        settings = OrderSettings(
            **(common("order") | addresses | {"payment_timeout_seconds": 0.5} | overrides)
        )
        app = await create_order(settings)
        return app, order_pb2_grpc.OrderServiceStub(await started(app))

    order_app, order = await start_order()
    yield Shop(
        catalog=catalog_pb2_grpc.CatalogServiceStub(catalog),
        inventory=inventory_pb2_grpc.InventoryServiceStub(inventory),
        order=order,
        order_app=order_app,
        start_order=start_order,
    )
    for ch in channels:
        await ch.close()
    for app in reversed(apps):
        if app.port is not None:
            await app.stop(grace=0)


@pytest.fixture
async def carrier_http() -> AsyncIterator[OutboundClient]:
    """The outbound client as the order service builds it, allowed to reach the loopback fakes
    (a one-second timeout, so a delayed answer is a timeout)."""
    client = OutboundClient(OutboundPolicy(allow_http=True, allow_private_networks=True), timeout=1)
    yield client
    await client.aclose()
