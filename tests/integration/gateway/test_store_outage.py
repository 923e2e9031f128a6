"""Stopping the store: the service answers UNAVAILABLE at once (no hung call), the gateway
answers 503 with Retry-After, and everything recovers without a restart when the store is back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import httpx
import pytest

from omni.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from omni_inventory.server import create_app
from omni_inventory.settings import InventorySettings
from omni_kit import localstack
from omni_kit.app import channel


class RestartableStore:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = localstack.free_port()
        self.process = localstack.start_store(data_dir, self.port)

    def stop(self) -> None:
        self.process.stop()

    def start(self) -> None:
        self.process = localstack.start_store(self.data_dir, self.port)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RestartableStore]:
    """Requested before the gateway, so it stops after the gateway has."""
    store = RestartableStore(tmp_path / "store")
    yield store
    store.stop()


async def test_a_store_outage_is_answered_quickly_and_heals_by_itself(
    store: RestartableStore, start_gateway, nats_url, db_name
):
    port = store.port
    uri = localstack.mongo_uri(port)
    app = await create_app(
        InventorySettings(
            grpc_port=0, mongo_uri=uri, nats_url=nats_url, mongo_database=f"{db_name}_inventory"
        )
    )
    await app.start()
    base = start_gateway(mongo_uri=uri, inventory_addr=f"127.0.0.1:{app.port}")
    rpc = channel(f"127.0.0.1:{app.port}")
    stub = inventory_pb2_grpc.InventoryServiceStub(rpc)
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        try:
            login = await http.post(
                "/staff/v1/auth/token", json={"username": "admin", "password": "admin-password-123"}
            )
            admin = {"Authorization": f"Bearer {login.json()['access_token']}"}
            created = await stub.CreateStockLocation(
                inventory_pb2.CreateStockLocationRequest(
                    location=inventory_pb2.StockLocation(
                        code="S1", name="Store 1", kind=inventory_pb2.LOCATION_KIND_STORE
                    )
                )
            )
            location_id = created.location.id
            assert (await http.get(f"/staff/v1/stores/{location_id}", headers=admin)).is_success

            store.stop()

            # UNAVAILABLE (not DEADLINE_EXCEEDED): the service gives up on the store long before
            # the caller's generous deadline, so nothing hangs.
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await stub.GetStockLocation(
                    inventory_pb2.GetStockLocationRequest(location_id=location_id), timeout=30
                )
            assert refused.value.code() is grpc.StatusCode.UNAVAILABLE, refused.value

            reply = await http.get(f"/staff/v1/stores/{location_id}", headers=admin)
            assert reply.status_code == 503, reply.text
            assert reply.headers["content-type"].startswith("application/problem+json")
            assert int(reply.headers["Retry-After"]) > 0

            store.start()
            deadline = time.monotonic() + 60
            while True:
                reply = await http.get(f"/staff/v1/stores/{location_id}", headers=admin)
                if reply.status_code == 200 or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.5)
            assert reply.status_code == 200, reply.text
            assert reply.json()["name"] == "Store 1"
        finally:
            await rpc.close()
            await app.stop(grace=0)
