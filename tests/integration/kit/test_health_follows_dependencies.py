"""A real service's gRPC health follows its own store and NATS: NOT_SERVING within the failure
threshold after either is killed (SIGKILL), SERVING again once it is back; liveness stays
SERVING throughout. Both are private processes of this test, never the shared ones."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from grpc_health.v1 import health_pb2, health_pb2_grpc

from omni_catalog.server import create_app
from omni_catalog.settings import CatalogSettings
from omni_kit import localstack
from omni_kit.app import channel
from omni_kit.health import LIVENESS

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
INTERVAL, TIMEOUT, THRESHOLD = 0.25, 0.5, 2
# The worst case of THRESHOLD checks that each wait out the timeout, with room for a busy machine.
WITHIN = THRESHOLD * (INTERVAL + TIMEOUT) + 3.0


async def wait_for_status(stub, wanted: int, within: float) -> float:
    started = time.monotonic()
    while True:
        reply = await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=2)
        if reply.status == wanted:
            return time.monotonic() - started
        assert time.monotonic() - started < within, f"still {reply.status} after {within}s"
        await asyncio.sleep(0.05)


def restart_when_port_free(start, data_dir: Path, port: int) -> localstack.LocalProcess:
    deadline = time.monotonic() + 30
    while not localstack.port_is_free(port):
        assert time.monotonic() < deadline, f"port {port} not released"
        time.sleep(0.1)
    return start(data_dir, port)


async def test_health_follows_the_store_and_nats(db_name, tmp_path: Path):
    store_port, nats_port = localstack.free_port(), localstack.free_port()
    store = localstack.start_store(tmp_path / "store", store_port)
    nats = localstack.start_nats(tmp_path / "nats", nats_port)
    app = await create_app(
        CatalogSettings(
            grpc_port=0,
            mongo_uri=localstack.mongo_uri(store_port),
            nats_url=localstack.nats_url(nats_port),
            mongo_database=f"{db_name}_catalog",
            health_check_interval_seconds=INTERVAL,
            health_check_timeout_seconds=TIMEOUT,
            health_failure_threshold=THRESHOLD,
        )
    )
    await app.start()
    try:
        async with channel(f"127.0.0.1:{app.port}") as ch:
            stub = health_pb2_grpc.HealthStub(ch)
            await wait_for_status(stub, SERVING, 1)

            store.kill()
            took = await wait_for_status(stub, NOT_SERVING, WITHIN)
            assert took >= (THRESHOLD - 1) * INTERVAL * 0.9  # not at the first failed check
            liveness = await stub.Check(health_pb2.HealthCheckRequest(service=LIVENESS))
            assert liveness.status == SERVING
            store = restart_when_port_free(localstack.start_store, tmp_path / "store", store_port)
            await wait_for_status(stub, SERVING, 30)

            nats.kill()
            await wait_for_status(stub, NOT_SERVING, WITHIN)
            nats = restart_when_port_free(localstack.start_nats, tmp_path / "nats", nats_port)
            await wait_for_status(stub, SERVING, 30)  # NATS reconnects with a backoff up to 5s
    finally:
        await app.stop(grace=0)
        nats.stop()
        store.stop()
