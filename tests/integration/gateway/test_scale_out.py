"""Scale-out: one gateway spreads its calls over every replica a target resolves to (round robin),
and a replica added while it runs gets calls without restarting the gateway: the replicas close
connections at their max connection age, and the gateway then asks DNS again, as it does for a
headless Service in the cluster. Each replica is a real order process; what it served is read
from its own metrics."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from loopback_dns import LoopbackDns
from prometheus_client.parser import text_string_to_metric_families

from omni_kit.app import channel
from omni_kit.localstack import free_port

LIST_ORDERS = "/omni.order.v1.OrderService/ListOrders"


class OrderReplica:
    def __init__(self, host: str, port: int, env: dict[str, str], log: Path) -> None:
        self.address = f"{host}:{port}"
        self.metrics_port = free_port()
        values = env | {
            "grpc_host": host,
            "grpc_port": str(port),
            "metrics_host": "127.0.0.1",
            "metrics_port": str(self.metrics_port),
        }
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "omni_order"],
            env=os.environ | {f"OMNI_ORDER_{k.upper()}": v for k, v in values.items()},
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    async def serving(self, within: float = 90.0) -> None:
        deadline = time.monotonic() + within
        async with channel(self.address) as ch:
            stub = health_pb2_grpc.HealthStub(ch)
            while True:
                assert self.process.poll() is None, self.log.read_text()[-3000:]
                try:
                    await stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
                    return
                except grpc.aio.AioRpcError:
                    assert time.monotonic() < deadline, f"{self.address} never served"
                    await asyncio.sleep(0.2)

    def served(self) -> int:
        """ListOrders calls this replica answered, from its /metrics."""
        text = httpx.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5).text
        return int(
            sum(
                sample.value
                for family in text_string_to_metric_families(text)
                for sample in family.samples
                if sample.name == "omni_rpc_requests_total"
                and sample.labels.get("method") == LIST_ORDERS
            )
        )

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


@pytest.fixture
def replicas(mongo_uri, nats_url, db_name, tmp_path: Path) -> Iterator:
    started: list[OrderReplica] = []
    env = {
        "mongo_uri": mongo_uri,
        "nats_url": nats_url,
        "mongo_database": f"{db_name}_order",  # one service, one store: replicas share it
        # Short-lived connections: the gateway re-resolves soon after a replica is added.
        "grpc_max_connection_age_seconds": "1",
        "grpc_max_connection_age_grace_seconds": "1",
    }

    def start(host: str, port: int) -> OrderReplica:
        replica = OrderReplica(host, port, env, tmp_path / f"order-{host}-{port}.log")
        started.append(replica)
        return replica

    yield start
    for replica in started:
        replica.stop()


async def staff(base: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=base, timeout=15) as http:
        login = await http.post(
            "/staff/v1/auth/token", json={"username": "admin", "password": "admin-password-123"}
        )
        assert login.status_code == 200, login.text
        return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def list_orders(http: httpx.AsyncClient, admin: dict[str, str], times: int) -> None:
    for _ in range(times):
        reply = await http.get("/staff/v1/orders", headers=admin)
        assert reply.status_code == 200, reply.text


async def test_both_replicas_behind_one_target_serve_one_gateway(replicas, start_gateway):
    first, second = replicas("127.0.0.1", free_port()), replicas("127.0.0.1", free_port())
    await asyncio.gather(first.serving(), second.serving())
    base = start_gateway(order_addr=f"ipv4:{first.address},{second.address}")
    admin = await staff(base)
    async with httpx.AsyncClient(base_url=base, timeout=15) as http:
        await list_orders(http, admin, 20)
    served = [first.served(), second.served()]
    assert sum(served) == 20
    assert min(served) >= 5, served  # round robin, not one sticky connection


async def test_a_replica_added_later_gets_calls_without_restarting_the_gateway(
    replicas, start_gateway
):
    names = LoopbackDns()
    port = free_port()
    try:
        first = replicas("127.0.0.2", port)  # every 127/8 address is loopback on Linux
        await first.serving()
        names.set("order.omni.test", ["127.0.0.2"])
        base = start_gateway(order_addr=f"dns://127.0.0.1:{names.port}/order.omni.test:{port}")
        admin = await staff(base)
        async with httpx.AsyncClient(base_url=base, timeout=15) as http:
            await list_orders(http, admin, 5)
            assert first.served() == 5

            added = replicas("127.0.0.3", port)
            await added.serving()
            names.set("order.omni.test", ["127.0.0.2", "127.0.0.3"])
            started = time.monotonic()
            # gRPC asks DNS again when a connection closes (at most every 30 s by default).
            while added.served() == 0:
                assert time.monotonic() - started < 90, "the added replica never got a call"
                await list_orders(http, admin, 2)
                await asyncio.sleep(0.2)
            before = first.served()
            await list_orders(http, admin, 10)
        assert first.served() > before  # both share the calls now
        assert added.served() > 1
    finally:
        names.close()
