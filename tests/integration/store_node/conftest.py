"""A centre and a store node wired through link proxies (see store_node_stack)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pymongo import AsyncMongoClient
from store_node_stack import (
    ADMIN_PASSWORD,
    JWT_SECRET,
    Centre,
    Gateway,
    Link,
    StoreNode,
    StoreStack,
    seed_catalog,
    wait_until,
)

from omni_catalog.server import create_app as create_catalog
from omni_catalog.settings import CatalogSettings
from omni_inventory.server import create_app as create_inventory
from omni_inventory.settings import InventorySettings
from omni_kit.localstack import free_port

STORE_ID = "loc_store_node_test"
# Paper receipts are written in the store's local time.
STORE_ZONE = "Europe/Kyiv"
ORDER_METRICS_PORT = free_port()


@pytest.fixture
async def store_stack(
    mongo_uri: str, nats_url: str, db_name: str, mongo: AsyncMongoClient, tmp_path: Path
) -> AsyncIterator[StoreStack]:
    def common(name: str) -> dict[str, object]:
        return {
            "grpc_port": 0,
            "mongo_uri": mongo_uri,
            "nats_url": nats_url,
            "mongo_database": f"{db_name}_{name}",
        }

    catalog = await create_catalog(CatalogSettings(**common("catalog")))  # type: ignore[arg-type]
    inventory = await create_inventory(InventorySettings(**common("inventory")))  # type: ignore[arg-type]
    await catalog.start()
    await inventory.start()
    await seed_catalog(catalog.port)
    order_port = free_port()
    centre = Centre(
        apps={"catalog": catalog, "inventory": inventory},
        order_env={
            "OMNI_ORDER_GRPC_PORT": str(order_port),
            "OMNI_ORDER_MONGO_URI": mongo_uri,
            "OMNI_ORDER_MONGO_DATABASE": f"{db_name}_order",
            "OMNI_ORDER_NATS_URL": nats_url,
            "OMNI_ORDER_CATALOG_ADDR": f"127.0.0.1:{catalog.port}",
            "OMNI_ORDER_INVENTORY_ADDR": f"127.0.0.1:{inventory.port}",
            "OMNI_ORDER_METRICS_PORT": str(ORDER_METRICS_PORT),
            # A node not heard from for 3 s is offline (it reports every 0.5 s here).
            "OMNI_ORDER_STORE_NODE_STALE_SECONDS": "3",
            "OMNI_ORDER_STORE_NODE_GAUGE_SECONDS": "0.5",
        },
        order_port=order_port,
        log=tmp_path / "order.log",
        mongo=mongo,
        order_db=f"{db_name}_order",
    )
    centre.start_order()
    link = Link({"order": order_port, "catalog": catalog.port}, tmp_path / "link.log")
    link.start()
    node_port = free_port()
    journal = tmp_path / "node" / "journal.sqlite3"
    node = StoreNode(
        env={
            "OMNI_STORE_NODE_STORE_ID": STORE_ID,
            "OMNI_STORE_NODE_TIME_ZONE": STORE_ZONE,
            "OMNI_STORE_NODE_HTTP_PORT": str(node_port),
            "OMNI_STORE_NODE_JOURNAL_PATH": str(journal),
            "OMNI_STORE_NODE_ORDER_ADDR": f"127.0.0.1:{link.ports['order']}",
            "OMNI_STORE_NODE_CATALOG_ADDR": f"127.0.0.1:{link.ports['catalog']}",
            "OMNI_STORE_NODE_NATS_URL": nats_url,
            "OMNI_STORE_NODE_LINK_PROBE_SECONDS": "0.3",
            "OMNI_STORE_NODE_CENTRE_TIMEOUT_SECONDS": "5",
            "OMNI_STORE_NODE_STATUS_REPORT_SECONDS": "0.5",
            # The outage tests store hundreds of card sales: no cap of the defaults' size.
            "OMNI_STORE_NODE_CARD_OFFLINE_STORED_CAP_MINOR": str(10**12),
        },
        port=node_port,
        journal=journal,
        log=tmp_path / "node.log",
    )
    node.start()
    http = httpx.AsyncClient(timeout=30)
    stack = StoreStack(centre, link, node, http, apps={"catalog": catalog, "inventory": inventory})
    try:
        await wait_until(
            lambda: node.ready(http), 240, lambda: (tmp_path / "node.log").read_text()[-2000:]
        )
        yield stack
    finally:
        await http.aclose()
        node.stop()
        link.kill()
        if centre.order is not None and centre.order.poll() is None:
            centre.kill_order()
        await inventory.stop(grace=0)
        await catalog.stop(grace=0)


@pytest.fixture
async def centre_gateway(
    store_stack: StoreStack, mongo_uri: str, nats_url: str, db_name: str, tmp_path: Path
) -> AsyncIterator[Gateway]:
    """The centre's gateway, for the staff API (calls to customer and notification go nowhere)."""
    port = free_port()
    apps = store_stack.apps
    nowhere = f"127.0.0.1:{free_port()}"
    settings = {
        "jwt_secret": JWT_SECRET,
        "admin_password": ADMIN_PASSWORD,
        "mongo_uri": mongo_uri,
        "mongo_database": f"{db_name}_gateway",
        "nats_url": nats_url,
        "http_port": str(port),
        "order_addr": f"127.0.0.1:{store_stack.centre.order_port}",
        "catalog_addr": f"127.0.0.1:{apps['catalog'].port}",
        "inventory_addr": f"127.0.0.1:{apps['inventory'].port}",
        "customer_addr": nowhere,
        "notification_addr": nowhere,
        "rate_limit_per_minute": "100000",
    }
    gateway = Gateway(
        env={f"OMNI_GATEWAY_{key.upper()}": value for key, value in settings.items()},
        port=port,
        log=tmp_path / "gateway.log",
    )
    gateway.start()
    try:
        await wait_until(
            lambda: gateway.ready(store_stack.http), 120, lambda: gateway.log.read_text()[-2000:]
        )
        yield gateway
    finally:
        gateway.stop()
