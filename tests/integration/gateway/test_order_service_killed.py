"""kill -9 the order service in the middle of checkouts: clients retrying with the same
Idempotency-Key get the same order, and after a restart no order is lost or duplicated and no
stock stays reserved that no order holds."""

from __future__ import annotations

import asyncio
import importlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from test_orders import home_delivery, seed

from omni.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from omni_kit.app import channel
from omni_kit.localstack import free_port

CUSTOMERS = 8  # cart holds + order reservations stay within the 20 units seeded


def start_order_service(port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "omni_order"],
        env={**os.environ, **env},
        stdout=out,
        stderr=out,
    )


async def wait_until(check, within: float, what) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within}s: {what() if callable(what) else what}")
        await asyncio.sleep(0.3)


@pytest.mark.timeout(300)
async def test_orders_survive_a_killed_order_service(
    start_gateway, mongo_uri, nats_url, db_name, tmp_path: Path
):
    apps = {}
    for name in ("catalog", "inventory", "customer"):
        settings_class = getattr(
            importlib.import_module(f"omni_{name}.settings"), f"{name.capitalize()}Settings"
        )
        app = await importlib.import_module(f"omni_{name}.server").create_app(
            settings_class(
                grpc_port=0,
                mongo_uri=mongo_uri,
                nats_url=nats_url,
                mongo_database=f"{db_name}_{name}",
            )
        )
        await app.start()
        apps[name] = app
    order_port = free_port()
    order_env = {
        "OMNI_ORDER_GRPC_PORT": str(order_port),
        "OMNI_ORDER_MONGO_URI": mongo_uri,
        "OMNI_ORDER_MONGO_DATABASE": f"{db_name}_order",
        "OMNI_ORDER_NATS_URL": nats_url,
        "OMNI_ORDER_CATALOG_ADDR": f"127.0.0.1:{apps['catalog'].port}",
        "OMNI_ORDER_INVENTORY_ADDR": f"127.0.0.1:{apps['inventory'].port}",
        "OMNI_ORDER_CART_HOLD_SECONDS": "5",
        "OMNI_ORDER_SAGA_STALE_SECONDS": "2",
        "OMNI_ORDER_SAGA_RESUME_INTERVAL_SECONDS": "0.5",
    }
    log = tmp_path / "order.log"
    order = start_order_service(order_port, order_env, log)
    inventory_ch = channel(f"127.0.0.1:{apps['inventory'].port}")
    try:
        base = start_gateway(
            **{f"{name}_addr": f"127.0.0.1:{app.port}" for name, app in apps.items()},
            order_addr=f"127.0.0.1:{order_port}",
            rate_limit_per_minute="100000",
        )
        http = httpx.AsyncClient(base_url=base, timeout=30)
        await wait_until(lambda: _ready(http), 60, "the gateway sees the order service serving")
        await seed(SimpleNamespace(apps=apps))

        sessions = []
        for number in range(CUSTOMERS):
            reply = await http.post(
                "/api/v1/auth/register",
                json={"email": f"k{number}@example.com", "password": "correct horse battery"},
            )
            headers = {"Authorization": f"Bearer {reply.json()['access_token']}"}
            cart = (await http.get("/api/v1/carts/current", headers=headers)).json()
            added = await http.post(
                f"/api/v1/carts/{cart['id']}/lines",
                json={"sku": "TEE-M", "quantity": 1},
                headers=headers,
            )
            assert added.status_code == 201, added.text
            sessions.append((headers, cart["id"]))

        answers: dict[int, set[str]] = {n: set() for n in range(CUSTOMERS)}

        async def checkout(number: int) -> None:
            headers, cart_id = sessions[number]
            body = home_delivery(cart_id)
            deadline = time.monotonic() + 120
            confirmations = 0
            while time.monotonic() < deadline:
                try:
                    reply = await http.post(
                        "/api/v1/orders",
                        json=body,
                        headers=headers | {"Idempotency-Key": f"kill-{number}"},
                    )
                except httpx.TransportError:
                    await asyncio.sleep(0.3)
                    continue
                if reply.status_code == 201:
                    answers[number].add(reply.json()["id"])
                    confirmations += 1
                    if confirmations == 2:  # asked once more: the same order must come back
                        return
                    continue
                # Accepted and still pending (a saga slowed by the kill or a loaded machine), in
                # progress, or unavailable: ask again under the same key.
                assert reply.status_code in (202, 409, 503), reply.text
                await asyncio.sleep(0.3)
            raise AssertionError(f"customer {number} got no order")

        async def kill_and_restart() -> None:
            nonlocal order
            # Kill as the first order comes back, while the others are in flight.
            while not any(answers.values()):
                await asyncio.sleep(0.01)
            order.send_signal(signal.SIGKILL)
            order.wait()
            await asyncio.sleep(1)
            order = start_order_service(order_port, order_env, log)

        await asyncio.gather(kill_and_restart(), *(checkout(n) for n in range(CUSTOMERS)))

        ids = set()
        for number, seen in answers.items():
            assert len(seen) == 1, f"customer {number} saw different orders: {seen}"
            ids |= seen
        assert len(ids) == CUSTOMERS

        statuses: list[str] = []

        async def all_confirmed() -> bool:
            statuses.clear()
            for headers, _ in sessions:
                mine = (await http.get("/api/v1/orders", headers=headers)).json()["orders"]
                statuses.extend(f"{o['status']}:{o.get('status_reason', '')}" for o in mine)
            return len(statuses) == CUSTOMERS and all(s.startswith("confirmed:") for s in statuses)

        await wait_until(all_confirmed, 60, lambda: f"all {CUSTOMERS} confirmed: {statuses}")
        for headers, _ in sessions:
            mine = (await http.get("/api/v1/orders", headers=headers)).json()["orders"]
            assert len(mine) == 1
            assert mine[0]["id"] in ids

        inventory = inventory_pb2_grpc.InventoryServiceStub(inventory_ch)

        async def reserved_matches_orders() -> bool:
            levels = await inventory.ListStockLevels(
                inventory_pb2.ListStockLevelsRequest(skus=["TEE-M"])
            )
            return sum(level.reserved for level in levels.stock_levels) == CUSTOMERS

        # Cart holds left behind by the kill expire; only the orders' reservations remain.
        await wait_until(reserved_matches_orders, 60, "reserved stock equals the orders' units")
        await http.aclose()
    finally:
        order.send_signal(signal.SIGTERM)
        try:
            order.wait(20)
        except subprocess.TimeoutExpired:
            order.kill()
        await inventory_ch.close()
        for app in apps.values():
            await app.stop(grace=0)


async def _ready(http: httpx.AsyncClient) -> bool:
    try:
        reply = await http.get("/readyz")
    except httpx.TransportError:
        return False
    return reply.json().get("services", {}).get("order") == "serving"
